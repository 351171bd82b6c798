//! Finding 5 of issue 19: panics and misconfiguration.
//! - SIGTERM while a worker is stuck in a plugin call past `drain_seconds`: no panic, a clean
//!   exit; and the job that was on its last attempt (`max_attempts = 1`) is not tried again at
//!   the next start (the sink sees one request, not two) but dead-lettered saying why.
//! - `weft runs list` into a pipe whose reader is gone (`| head`) ends quietly, no panic.
//! - A flow whose connection names a plugin that is not there stops `weft serve` at start.

use crate::common;

use common::engine::{free_port, get, install_relay, post, wait_for, Serve};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A sink that takes requests and never answers; counts them.
fn hanging_sink() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            if stream.read(&mut buf).unwrap_or(0) > 0 {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            held.push(stream);
        }
    });
    (port, requests)
}

fn write_config(dir: &Path, listen: &str, sink: u16, plugin: &str) -> PathBuf {
    let config = dir.join("weft.toml");
    std::fs::write(
        &config,
        format!(
            r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[server]
listen = "{listen}"
workers = 1
drain_seconds = 1
[connections.src]
plugin = "relay"
[connections.sink]
plugin = "{plugin}"
allow_hosts = ["127.0.0.1:{sink}"]
config = {{ sink_url = "http://127.0.0.1:{sink}/push" }}
[flows.relay]
from = "src"
to = "sink"
object = "customer"
trigger = {{ webhook = true }}
retry = {{ max_attempts = 1 }}
"#,
            data = dir.join("data").display(),
            plugins = dir.join("plugins").display(),
        ),
    )
    .unwrap();
    config
}

#[test]
fn a_drain_timeout_exits_cleanly_and_the_last_attempt_is_not_repeated() {
    let tmp = tempfile::tempdir().unwrap();
    let (port, requests) = hanging_sink();
    install_relay(&tmp.path().join("plugins"), port);
    let addr = format!("127.0.0.1:{}", free_port());
    let config = write_config(tmp.path(), &addr, port, "relay");
    let log = tmp.path().join("serve.log");
    let serve = Serve::start(&config, &addr, &[], &log);
    let event = br#"[{"id": "cust-1", "email": "c1@example.com"}]"#;
    assert_eq!(post(&addr, "/webhooks/src", &[("content-type", "application/json")], event).unwrap().0, 200);
    wait_for(Duration::from_secs(30), "the push to reach the sink", || requests.load(Ordering::SeqCst) == 1);

    let status = serve.terminate();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("panicked"), "no panic on the drain timeout:\n{text}");
    assert!(text.contains("drain timed out"), "{text}");
    assert!(status.success(), "a clean exit: {status:?}\n{text}");

    // Restarted: the job was on its only attempt; it is dead-lettered, not pushed again.
    let serve = Serve::start(&config, &addr, &[], &log);
    wait_for(Duration::from_secs(30), "the job to be dead-lettered", || {
        get(&addr, "/api/dlq").is_some_and(|(_, body)| body.contains("last attempt"))
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(requests.load(Ordering::SeqCst), 1, "max_attempts = 1 holds across the stop");
    let (_, dlq) = get(&addr, "/api/dlq").unwrap();
    let dead: serde_json::Value = serde_json::from_str(&dlq).unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead:#}");
    assert_eq!(dead[0]["job"]["attempts"], 2, "the lease after the restart was counted, not run: {dead:#}");
    drop(serve);

    // A report into a pipe nobody reads any more ends quietly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(&config)
        .args(["runs", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

#[test]
fn a_flow_naming_a_missing_plugin_stops_serve_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    install_relay(&tmp.path().join("plugins"), 9);
    let addr = format!("127.0.0.1:{}", free_port());
    let config = write_config(tmp.path(), &addr, 9, "tryton-typo");
    let out = Command::new(env!("CARGO_BIN_EXE_weft")).arg("--config").arg(&config).arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("refuses to start") && stderr.contains("connections.sink.plugin"), "{stderr}");
    assert!(std::net::TcpStream::connect(&addr).is_err(), "it never listened");
}
