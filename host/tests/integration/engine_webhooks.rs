//! Webhook intake through the real binary: signed Shopify deliveries become one durable job per
//! webhook id, forged or malformed ones none, one signed with the secret before a rotation is
//! taken; the CLI works through the admin API while `weft serve` holds the database; secrets
//! never reach the database file.

use crate::common;

use base64::Engine;
use common::engine::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WEBHOOK_SECRET: &str = "whsec-test-8c1d2e3f";
/// The app's secret before it was rotated to [`WEBHOOK_SECRET`].
const PREVIOUS_SECRET: &str = "whsec-old-1a2b3c4d";
const SINK_TOKEN: &str = "sink-token-77aa88bb99cc";

fn sign(body: &[u8]) -> String {
    sign_with(WEBHOOK_SECRET, body)
}

fn sign_with(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn config(dir: &Path, listen: &str, sink: u16, fail: Option<&str>) -> std::path::PathBuf {
    let fail = fail.map(|f| format!(", fail = \"{f}\"")).unwrap_or_default();
    let path = dir.join("weft.toml");
    std::fs::write(
        &path,
        format!(
            r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[server]
listen = "{listen}"
[shopify]
shop = "test.myshopify.com"
endpoint = "http://127.0.0.1:{nobody}"
access_token = {{ env = "WEFT_SHOPIFY_TOKEN" }}
webhook_secret = {{ env = "WEFT_WEBHOOK_SECRET" }}
previous_webhook_secret = {{ env = "WEFT_WEBHOOK_SECRET_PREVIOUS" }}
[connections.sink]
plugin = "relay"
allow_hosts = ["127.0.0.1:{sink}"]
config = {{ sink_url = "http://127.0.0.1:{sink}/push"{fail} }}
secrets = {{ token = {{ env = "WEFT_SINK_TOKEN" }} }}
[flows.customers]
from = "shopify"
to = "sink"
object = "customer"
trigger = {{ webhook = true }}
retry = {{ max_attempts = 2, base_ms = 10, max_delay_ms = 20 }}
"#,
            data = dir.join("data").display(),
            plugins = dir.join("plugins").display(),
            // No Shopify here: serve's start check meets a loopback port nobody listens on.
            nobody = free_port(),
        ),
    )
    .unwrap();
    path
}

const ENVS: [(&str, &str); 4] = [
    ("WEFT_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ("WEFT_WEBHOOK_SECRET_PREVIOUS", PREVIOUS_SECRET),
    ("WEFT_SINK_TOKEN", SINK_TOKEN),
    ("WEFT_SHOPIFY_TOKEN", "shpat_not_used_here"),
];

fn deliver(addr: &str, id: &str, body: &[u8], signature: &str) -> Option<(u16, String)> {
    post(
        addr,
        "/webhooks/shopify",
        &[
            ("x-shopify-topic", "customers/create"),
            ("x-shopify-webhook-id", id),
            ("x-shopify-hmac-sha256", signature),
            ("content-type", "application/json"),
        ],
        body,
    )
}

fn weft(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weft")).arg("--config").arg(config).args(args).envs(ENVS).output().unwrap()
}

#[test]
fn same_webhook_id_makes_one_job_and_forged_or_malformed_make_none() {
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    install_relay(&tmp.path().join("plugins"), sink.port);
    let addr = format!("127.0.0.1:{}", free_port());
    let cfg = config(tmp.path(), &addr, sink.port, None);
    let serve = Serve::start(&cfg, &addr, &ENVS, &tmp.path().join("serve.log"));

    let body = br#"{"id": 501, "email": "ann@example.com", "first_name": "Ann"}"#;
    let first = deliver(&addr, "wh-1", body, &sign(body)).unwrap();
    let second = deliver(&addr, "wh-1", body, &sign(body)).unwrap();
    assert_eq!(first.0, 200);
    assert!(first.1.contains("\"jobs\":1"), "{}", first.1);
    assert_eq!(second.0, 200, "a duplicate is acknowledged");
    assert!(second.1.contains("\"jobs\":0") && second.1.contains("\"duplicates\":1"), "{}", second.1);

    let forged =
        deliver(&addr, "wh-2", br#"{"id": 502, "email": "eve@example.com"}"#, &sign(b"something else")).unwrap();
    assert_eq!(forged.0, 401);
    let altered = deliver(&addr, "wh-3", br#"{"id": 503, "email": "mallory@example.com"}"#, &sign(body)).unwrap();
    assert_eq!(altered.0, 401);
    let malformed = b"{not json";
    assert_eq!(deliver(&addr, "wh-4", malformed, &sign(malformed)).unwrap().0, 400);
    // A retry Shopify signed before the app's secret was rotated is taken, and the log says so.
    let before_rotation = br#"{"id": 505, "email": "bob@example.com"}"#;
    let rotated = deliver(&addr, "wh-5", before_rotation, &sign_with(PREVIOUS_SECRET, before_rotation)).unwrap();
    assert_eq!(rotated.0, 200, "{}", rotated.1);

    wait_for(Duration::from_secs(30), "the customers at the sink", || sink.applied() == 2);
    std::thread::sleep(Duration::from_millis(300));
    let state = sink.state.lock().unwrap();
    assert_eq!(state.by_record.len(), 2, "only the signed deliveries: {:?}", state.by_record);
    assert!(state.by_record.contains_key("gid://shopify/Customer/501"));
    assert!(state.by_record.contains_key("gid://shopify/Customer/505"));
    drop(state);
    let log = std::fs::read_to_string(tmp.path().join("serve.log")).unwrap();
    assert!(log.contains("signed with shopify.previous_webhook_secret"), "{log}");
    assert!(!log.contains(PREVIOUS_SECRET) && !log.contains(WEBHOOK_SECRET), "no secret in the log");

    // The CLI works while serve holds the database, through the admin API.
    let paused = weft(&cfg, &["queue", "pause", "customers"]);
    assert!(paused.status.success(), "{}", String::from_utf8_lossy(&paused.stderr));
    let status = weft(&cfg, &["queue", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(!status["customers"]["paused_since_ms"].is_null(), "{status}");
    let runs = weft(&cfg, &["runs", "list", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    let created: u64 = runs.as_array().unwrap().iter().filter_map(|r| r["counts"]["created"].as_u64()).sum();
    assert_eq!(created, 2, "{runs}");
    assert!(serve.terminate().success());
}

#[test]
fn a_secret_quoted_in_a_plugin_error_never_reaches_the_database_file() {
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    install_relay(&tmp.path().join("plugins"), sink.port);
    let addr = format!("127.0.0.1:{}", free_port());
    let cfg = config(tmp.path(), &addr, sink.port, Some("leak"));
    let serve = Serve::start(&cfg, &addr, &ENVS, &tmp.path().join("serve.log"));
    let body = br#"{"id": 900, "email": "leak@example.com"}"#;
    assert_eq!(deliver(&addr, "wh-leak", body, &sign(body)).unwrap().0, 200);
    wait_for(Duration::from_secs(30), "the job to be dead-lettered", || {
        get(&addr, "/api/dlq").is_some_and(|(_, b)| b.contains("sink refused token"))
    });
    let (_, dlq) = get(&addr, "/api/dlq").unwrap();
    assert!(dlq.contains("[REDACTED]") && !dlq.contains(SINK_TOKEN), "{dlq}");
    assert!(serve.terminate().success());
    let db = std::fs::read(tmp.path().join("data/weft.redb")).unwrap();
    for secret in [SINK_TOKEN, WEBHOOK_SECRET] {
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} found in the database file");
    }
    let log = std::fs::read_to_string(tmp.path().join("serve.log")).unwrap();
    assert!(!log.contains(SINK_TOKEN));
}
