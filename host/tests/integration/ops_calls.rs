//! Every API call is kept with the run record it served (issue 18): a product Shopify refuses
//! shows its `productSet` call — Shopify's request id, the GraphQL answer with the userError and
//! the cost — in `weft runs show --calls`, the admin API and the dashboard (real Chromium); a
//! plugin's HTTP exchange shows with its bearer token and the token in its URL redacted. The
//! secrets (the sink's token, the URL's token, Shopify's access token) are in nothing stored or
//! shown.

use crate::common;
use crate::shopify_common;

use common::engine::{free_port, get_with, install_relay, Serve, Sink};
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const ADMIN_TOKEN: &str = "calls-test-admin-token";
/// The sink's bearer token: a configured secret of the relay connection.
const SINK_TOKEN: &str = "sink-bearer-7f3e9a1c55d0";
/// A token in the sink's URL: not a declared secret, found by its parameter's name.
const URL_TOKEN: &str = "url-token-0b1d2e3f4a99";

/// A products export: a good mug, and a tee whose two variants have the same size (Shopify
/// refuses it: "The variant option values must be unique").
const PRODUCTS: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n\
P-MUG,mug,Mug,,,,active,,,,,P-MUG-1,MUG-GOOD-1,,9.00,,,,2026-11-26T06:00:00Z\n\
P-TEE,tee,Tee,,,,active,Size,M,,,P-TEE-1,TEE-DUP-1,,19.00,,,,2026-11-26T06:00:00Z\n\
P-TEE,tee,Tee,,,,active,Size,M,,,P-TEE-2,TEE-DUP-2,,19.00,,,,2026-11-26T06:00:00Z\n";

fn weft(scenario: &Scenario, args: &[&str]) -> String {
    let out = scenario
        .command()
        .env("WEFT_SINK_TOKEN", SINK_TOKEN)
        .env("WEFT_ADMIN_TOKEN", ADMIN_TOKEN)
        .args(args)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "weft {args:?}:\n{text}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(scenario: &Scenario, args: &[&str]) -> Value {
    let out = weft(scenario, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("weft {args:?} prints JSON ({e}):\n{out}"))
}

/// The newest run of `flow`.
fn last_run(scenario: &Scenario, flow: &str) -> u64 {
    json(scenario, &["runs", "list", "--flow", flow, "--json"])[0]["id"].as_u64().expect("a run")
}

#[test]
fn every_call_is_kept_with_its_record_and_secrets_never_show() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let sink = Sink::start();
    let addr = format!("127.0.0.1:{}", free_port());
    let flows = format!(
        "[connections.src]\nplugin = \"relay\"\nconfig = {{ count = \"3\" }}\n\
         [connections.sink]\nplugin = \"relay\"\nallow_hosts = [\"127.0.0.1:{port}\"]\n\
         config = {{ sink_url = \"http://127.0.0.1:{port}/push?access_token={URL_TOKEN}&shop=weft\" }}\n\
         secrets = {{ token = {{ env = \"WEFT_SINK_TOKEN\" }} }}\n\
         [flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.relay]\nfrom = \"src\"\nto = \"sink\"\nobject = \"customer\"\n",
        port = sink.port
    );
    let scenario = Scenario::builder(&sim)
        .server(&format!("listen = \"{addr}\"\nadmin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}"))
        .build(&flows);
    install_relay(&scenario.path().join("plugins"), sink.port);
    scenario.feed_file("products-1.csv", PRODUCTS);
    weft(&scenario, &["run", "products", "--once"]);
    weft(&scenario, &["run", "relay", "--once"]);

    // The refused product: its record shows the productSet call that failed it.
    let run = last_run(&scenario, "products");
    let shown = json(&scenario, &["runs", "show", &run.to_string(), "--failed", "--calls", "--json"]);
    let failed = &shown["records"][0];
    assert!(failed["error"].as_str().unwrap_or("").contains("must be unique"), "{shown:#}");
    let calls = failed["calls"].as_array().unwrap();
    let set = calls
        .iter()
        .find(|c| c["kind"] == "shopify" && c["operation"] == "ProductSet")
        .unwrap_or_else(|| panic!("the failed record names its productSet call: {shown:#}"));
    let request_id = set["request_id"].as_str().expect("Shopify's request id").to_owned();
    assert!(request_id.len() >= 32, "{set:#}");
    assert!(set["response"].as_str().unwrap().contains("The variant option values must be unique"), "{set:#}");
    assert!(set["variables"].as_str().unwrap().contains("TEE-DUP-2"), "{set:#}");
    assert!(set["cost_requested"].as_f64().is_some() && set["cost_actual"].as_f64().is_some(), "{set:#}");
    assert!(set["throttle"]["currently_available"].as_f64().is_some(), "{set:#}");
    assert_eq!(set["status"], 200);
    assert!(
        calls.iter().all(|c| !c["variables"].as_str().unwrap_or("").contains("MUG-GOOD-1")),
        "the good product's write is not linked to the refused one: {calls:#?}"
    );
    let seq = failed["seq"].as_u64().unwrap();
    let table = weft(&scenario, &["runs", "show", &run.to_string(), "--record", &seq.to_string()]);
    assert!(table.contains(&format!("request id {request_id}")) && table.contains("must be unique"), "{table}");
    assert!(table.contains("cost ") && table.contains("requested") && table.contains("actual"), "{table}");

    // The plugin's exchanges: one POST per customer, linked to its own record, redacted.
    let relay = last_run(&scenario, "relay");
    let shown = json(&scenario, &["runs", "show", &relay.to_string(), "--records", "--calls", "--json"]);
    let pushed: Vec<&Value> =
        shown["records"].as_array().unwrap().iter().filter(|r| r["outcome"] == "created").collect();
    assert_eq!(pushed.len(), 3, "{shown:#}");
    for record in &pushed {
        let calls = record["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "one exchange per customer, linked to its record: {record:#}");
        let x = &calls[0];
        assert_eq!(
            (x["kind"].as_str(), x["plugin"].as_str(), x["method"].as_str()),
            (Some("http"), Some("relay"), Some("POST"))
        );
        assert_eq!(x["status"], 200);
        let url = x["url"].as_str().unwrap();
        assert!(url.ends_with("/push?access_token=[REDACTED]&shop=weft"), "{url}");
        let header = |name: &str| {
            x["request_headers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h[0] == name)
                .map(|h| h[1].as_str().unwrap().to_owned())
        };
        assert_eq!(header("authorization").as_deref(), Some("[REDACTED]"), "{x:#}");
        assert_eq!(header("idempotency-key").as_deref(), record["key"].as_str(), "{x:#}");
        let id = record["refs"][0].as_str().unwrap();
        assert!(x["response_body"].as_str().unwrap().contains(&format!("erp-{id}")), "{x:#}");
    }
    assert!(
        sink.state.lock().unwrap().auth.iter().all(|a| a == &format!("Bearer {SINK_TOKEN}")),
        "the sink got the real token"
    );

    // Through a running serve: the admin API and the dashboard show the same.
    let serve = Serve::start(
        &scenario.config,
        &addr,
        &[(TOKEN_ENV, sim.token()), ("WEFT_ADMIN_TOKEN", ADMIN_TOKEN), ("WEFT_SINK_TOKEN", SINK_TOKEN)],
        &scenario.path().join("serve.log"),
    );
    let api = |path: &str| -> (u16, String) {
        get_with(&addr, path, &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))]).expect("admin API answers")
    };
    let (status, body) = api(&format!("/api/runs/{run}/calls?record={seq}"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&request_id), "{body}");
    assert_eq!(api(&format!("/api/runs/{run}/calls?record=9999")).0, 404);
    let relay_seq = pushed[0]["seq"].as_u64().unwrap();
    let via_serve =
        weft(&scenario, &["runs", "show", &relay.to_string(), "--record", &relay_seq.to_string(), "--json"]);
    assert!(via_serve.contains("access_token=[REDACTED]"), "{via_serve}");
    browse(
        &format!("http://{addr}"),
        &format!("{run}/records/{seq}"),
        &request_id,
        &format!("{relay}/records/{relay_seq}"),
        scenario.path(),
    );

    // Nothing stored or shown holds a secret: the config history keeps the file's text without
    // them (the URL's token is written inline in weft.toml).
    let (status, config) = api("/api/config");
    assert_eq!(status, 200, "{config}");
    assert!(config.contains("access_token=[REDACTED]&shop=weft"), "{config}");
    let shown_all = [
        weft(&scenario, &["runs", "show", &run.to_string(), "--records", "--calls", "--json"]),
        weft(&scenario, &["runs", "show", &relay.to_string(), "--records", "--calls"]),
        config,
        api("/api/config/versions/1").1,
    ]
    .concat();
    drop(serve);
    let stored = std::fs::read(scenario.path().join("data/weft.redb")).unwrap();
    for secret in [SINK_TOKEN, URL_TOKEN, sim.token()] {
        assert!(!shown_all.contains(secret), "{secret} shown");
    }
    for secret in [SINK_TOKEN, URL_TOKEN, sim.token()] {
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} stored");
    }
}

/// The dashboard in real Chromium (tests/browser/calls.mjs): the failed record's Shopify call
/// with its request id, cost and answer; the relay record's exchange redacted.
fn browse(base: &str, failed: &str, request_id: &str, exchange: &str, shots: &Path) {
    let browser_dir = common::repo_root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() || !browser_dir.join("node_modules/playwright-core").exists() {
        assert!(std::env::var("CI").is_err(), "CI must install chromium and tests/browser's node_modules");
        eprintln!("skipped the browser: no {chromium} or tests/browser/node_modules");
        return;
    }
    let shots = std::env::var("WEFT_SCREENSHOTS").unwrap_or_else(|_| shots.display().to_string());
    let out = Command::new("node")
        .current_dir(&browser_dir)
        .args(["calls.mjs", base, ADMIN_TOKEN, failed, request_id, exchange, SINK_TOKEN, &shots])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser run failed:\n{log}");
    assert_eq!(log.matches("ok -").count(), 2, "every step passed:\n{log}");
}
