//! Crash safety: `weft serve` as a child process, fed ERP webhook events, SIGKILLed at several
//! points and restarted. Every event's effect at the sink happens exactly once; none is lost.

use crate::common;

use common::engine::*;
use std::path::Path;
use std::time::Duration;

const TOKEN: &str = "sink-token-5ca1ab1e-0042";

fn write_config(dir: &Path, listen: &str, sink: u16) -> std::path::PathBuf {
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
workers = 2
drain_seconds = 5
[connections.src]
plugin = "relay"
[connections.sink]
plugin = "relay"
allow_hosts = ["127.0.0.1:{sink}"]
config = {{ sink_url = "http://127.0.0.1:{sink}/push" }}
secrets = {{ token = {{ env = "WEFT_SINK_TOKEN" }} }}
[flows.relay]
from = "src"
to = "sink"
object = "customer"
trigger = {{ webhook = true }}
retry = {{ max_attempts = 50, base_ms = 20, max_delay_ms = 200 }}
"#,
            data = dir.join("data").display(),
            plugins = dir.join("plugins").display(),
        ),
    )
    .unwrap();
    config
}

fn events(batch: usize) -> Vec<u8> {
    let items: Vec<String> =
        (0..10).map(|i| format!("{{\"id\": \"cust-{batch}-{i}\", \"email\": \"c{batch}.{i}@example.com\"}}")).collect();
    format!("[{}]", items.join(",")).into_bytes()
}

#[test]
fn killed_host_loses_nothing_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    install_relay(&tmp.path().join("plugins"), sink.port);
    let addr = format!("127.0.0.1:{}", free_port());
    let config = write_config(tmp.path(), &addr, sink.port);
    let log = tmp.path().join("serve.log");
    let envs = [("WEFT_SINK_TOKEN", TOKEN)];
    let mut serve = Some(Serve::start(&config, &addr, &envs, &log));
    let batches = 30;
    let kill_after = [4usize, 14, 24];
    let mut kills = 0;
    for batch in 0..batches {
        // Deliver like an ERP with at-least-once retries: until a 200 comes back.
        loop {
            let answer = post(&addr, "/webhooks/src", &[("content-type", "application/json")], &events(batch));
            if matches!(answer, Some((200, _))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if kill_after.contains(&batch) {
            if batch == 14 {
                // Mid-processing: let workers start pushing first.
                std::thread::sleep(Duration::from_millis(150));
            }
            serve.take().unwrap().kill();
            kills += 1;
            // Some deliveries are retried after the crash: the same events arrive twice.
            let _ = post(&addr, "/webhooks/src", &[], &events(batch));
            serve = Some(Serve::start(&config, &addr, &envs, &log));
            post(&addr, "/webhooks/src", &[("content-type", "application/json")], &events(batch))
                .expect("redelivery after restart");
        }
    }
    assert_eq!(kills, 3);
    let diagnose = || {
        format!(
            "applied {} of {}; queues {:?}; dead letters {:?}",
            sink.applied(),
            batches * 10,
            get(&addr, "/api/queues"),
            get(&addr, "/api/dlq")
        )
    };
    let started = std::time::Instant::now();
    while sink.applied() < batches * 10 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "timed out waiting for every event to reach the sink: {}",
            diagnose()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let any leftover duplicate jobs drain, then check nothing was applied twice.
    wait_for(Duration::from_secs(60), "the queue to drain", || {
        get(&addr, "/api/queues")
            .map(|(_, b)| {
                !b.contains("\"ready\":1")
                    && serde_json::from_str::<serde_json::Value>(&b)
                        .map(|v| v.as_object().unwrap().values().all(|q| q["ready"] == 0 && q["leased"] == 0))
                        .unwrap_or(false)
            })
            .unwrap_or(false)
    });
    let status = serve.take().unwrap().terminate();
    assert!(status.success(), "SIGTERM exits cleanly: {status:?}");
    let state = sink.state.lock().unwrap();
    let unexpected: Vec<&String> = state.by_record.keys().filter(|k| !k.starts_with("cust-")).collect();
    assert!(unexpected.is_empty(), "records the test never sent reached the sink: {unexpected:?}");
    assert_eq!(state.by_record.len(), batches * 10, "no event lost");
    for (record, applied) in &state.by_record {
        assert_eq!(*applied, 1, "{record} applied {applied} times");
    }
    assert!(state.effects.values().all(|n| *n == 1));
    assert!(state.auth.iter().all(|a| a == &format!("Bearer {TOKEN}")), "the plugin used the granted secret");
    let db = std::fs::read(tmp.path().join("data/weft.redb")).unwrap();
    assert!(!db.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()), "secret value in the database file");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains(TOKEN), "secret value in the log");
}
