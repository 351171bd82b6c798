//! Engine benchmark: durable enqueue throughput (group commit vs one commit per job), webhook
//! ack latency through `weft serve` at 1/16/64 concurrent senders with keep-alive (vs `/healthz`, which stores
//! nothing), dequeue+ack throughput, and the resident memory of an idle `weft serve` with three
//! plugins loaded (file-feed, tryton, sku-normalize; built by `plugins/build.sh`).
//!
//! Run: `cargo bench -p weft --bench engine` (prints; asserts nothing).
//! Goal to report against: ≥ 5,000 durable webhook acks/s with p99 < 20 ms on 2 cores.

// The integration tests' helpers; the benchmark uses only a few of them.
#[allow(dead_code)]
#[path = "../tests/integration/common/mod.rs"]
mod common;

mod support;
#[allow(dead_code)]
mod table;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{sign, Sender};
use weft::clock::SystemClock;
use weft::queue::Queue;
use weft::store::{NewJob, Store};

fn job(i: usize) -> NewJob {
    NewJob {
        flow: "bench".into(),
        trigger: "webhook".into(),
        key: format!("k{i}"),
        payload: serde_json::json!({"i": i}).into(),
        dedupe_id: Some(format!("w{i}")),
    }
}

fn enqueue_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let n = 2_000;
    let started = Instant::now();
    for i in 0..n {
        store.enqueue(&[job(i)], 0, None).unwrap();
    }
    let single = n as f64 / started.elapsed().as_secs_f64();
    let queue = Queue::new(store, Arc::new(SystemClock));
    let threads = 64;
    let per = 200;
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let queue = queue.clone();
            s.spawn(move || {
                for i in 0..per {
                    queue.enqueue(vec![job(n + t * per + i)]).unwrap();
                }
            });
        }
    });
    let grouped = (threads * per) as f64 / started.elapsed().as_secs_f64();
    println!("durable enqueue: one commit per job {single:.0} jobs/s; group commit (64 writers) {grouped:.0} jobs/s; ratio {:.1}x", grouped / single);

    let started = Instant::now();
    let mut done = 0;
    loop {
        let jobs = queue.lease(None, 60_000, 64).unwrap();
        if jobs.is_empty() {
            break;
        }
        queue.ack_all(&jobs).unwrap();
        done += jobs.len();
    }
    let rate = done as f64 / started.elapsed().as_secs_f64();
    println!("dequeue+ack (lease 64, ack 64 in one commit): {done} jobs at {rate:.0} jobs/s ({:.2}x the group-commit enqueue rate)", rate / grouped);
}

/// Pause `flow` of the config at `config` (`weft queue pause`).
fn pause(config: &Path, flow: &str) {
    let weft = env!("CARGO_BIN_EXE_weft");
    let paused = Command::new(weft).arg("--config").arg(config).args(["queue", "pause", flow]).output().unwrap();
    assert!(paused.status.success(), "{}", String::from_utf8_lossy(&paused.stderr));
}

/// `weft serve` on the config at `config` (token `x`, webhook secret `secret`), once it listens
/// on `addr`.
fn serve(config: &Path, addr: &str, secret: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("B_TOKEN", "x")
        .env("B_SECRET", secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    support::wait_listening(addr, &mut child);
    child
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn webhook_latency() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", common::engine::free_port());
    let secret = "bench-webhook-secret";
    // A flow consumes customers/create but is paused, so only intake is measured.
    let config = support::intake_config(dir.path(), &addr, "");
    pause(&config, "customers");
    let mut child = serve(&config, &addr, secret);
    let body = br#"{"id": 1, "email": "bench@example.com"}"#.to_vec();
    let signature = sign(secret, &body);
    println!(
        "{:>7} {:>12} {:>9} {:>9} {:>14} {:>9}",
        "senders", "acks/s", "p50 ms", "p99 ms", "healthz req/s", "ratio"
    );
    let mut next = 0usize;
    for senders in [1usize, 16, 64] {
        let per = (4_000 / senders).max(50);
        let run = |path: &'static str, base: usize| {
            let started = Instant::now();
            let mut latencies: Vec<Duration> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..senders)
                    .map(|t| {
                        let (addr, body, signature) = (&addr, &body, &signature);
                        s.spawn(move || {
                            let mut sender = Sender::new(addr);
                            (0..per)
                                .map(|i| sender.send(path, &format!("b{}", base + t * per + i), body, signature))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
            });
            let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
            latencies.sort();
            (rate, latencies)
        };
        let (rate, latencies) = run("/webhooks/shopify", next);
        next += senders * per;
        let (health, _) = run("/healthz", 0);
        let p99 = percentile(&latencies, 0.99);
        println!(
            "{senders:>7} {rate:>12.0} {:>9.2} {p99:>9.2} {health:>14.0} {:>9.2}",
            percentile(&latencies, 0.5),
            rate / health
        );
        if senders == 64 {
            let baseline = format!("/healthz {health:.0}/s");
            let acks = format!("{rate:.0}/s");
            table::result(
                "webhook acks/s, 64 senders",
                "≥ 10,000/s",
                &acks,
                &baseline,
                rate / health,
                rate >= 10_000.0,
            );
            let p99_text = format!("{p99:.2} ms");
            table::result("webhook ack p99, 64 senders", "≤ 10 ms", &p99_text, "goal 10 ms", p99 / 10.0, p99 <= 10.0);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Idle `weft serve` with three plugins (two connectors, one transform), its flows paused: the
/// resident memory once started from the plugin compile cache (a first start compiles the
/// plugins and fills it), against the goal.
fn idle_rss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for id in ["file-feed", "tryton", "sku-normalize"] {
        common::install_as_built(&d.join("plugins"), id);
    }
    std::fs::create_dir_all(d.join("feed/in")).unwrap();
    let addr = format!("127.0.0.1:{}", common::engine::free_port());
    let nobody = common::engine::free_port();
    let config = d.join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{d}/data\"\n[plugins]\ndir = \"{d}/plugins\"\n[server]\nlisten = \"{addr}\"\n\
             [shopify]\nshop = \"b.myshopify.com\"\nendpoint = \"http://127.0.0.1:{nobody}\"\n\
             access_token = {{ env = \"B_TOKEN\" }}\nwebhook_secret = {{ env = \"B_SECRET\" }}\n\
             [connections.feed]\nplugin = \"file-feed\"\ndirectory = \"{d}/feed\"\n\
             [connections.erp]\nplugin = \"tryton\"\nallow_hosts = [\"127.0.0.1:8000\"]\n\
             config = {{ url = \"http://127.0.0.1:8000\", database = \"weft\", user = \"admin\", company = 1, warehouses = [4] }}\n\
             secrets = {{ password = {{ env = \"B_SECRET\" }} }}\n\
             [transforms.sku]\nplugin = \"sku-normalize\"\n\
             [flows.stock]\nfrom = \"feed\"\nto = \"shopify\"\nobject = \"inventory\"\ntrigger = {{ every = \"1h\" }}\n\
             locations = {{ WH = \"gid://shopify/Location/1\" }}\n\
             [flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\ntransforms = [\"sku\"]\n\
             trigger = {{ every = \"1h\" }}\n",
            d = d.display()
        ),
    )
    .unwrap();
    for flow in ["stock", "products"] {
        pause(&config, flow);
    }
    let settled = || {
        let child = serve(&config, &addr, "y");
        std::thread::sleep(Duration::from_secs(3));
        child
    };
    let mut first = settled();
    let compiling = table::peak_rss_mib(first.id());
    let _ = first.kill();
    let _ = first.wait();
    let mut child = settled();
    let idle = table::rss_mib(child.id());
    let peak = table::peak_rss_mib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let mib = |v: Option<f64>| v.map_or("?".to_owned(), |v| format!("{v:.1} MiB"));
    println!(
        "idle weft serve, three plugins: {} (peak {}; a first start that compiles them peaks at {})",
        mib(idle),
        mib(peak),
        mib(compiling)
    );
    let idle = idle.unwrap_or(f64::NAN);
    table::result(
        "weft serve RSS idle, three plugins",
        "≤ 50 MiB",
        &mib(Some(idle)),
        "goal 50 MiB",
        idle / 50.0,
        idle <= 50.0,
    );
}

fn main() {
    enqueue_throughput();
    webhook_latency();
    idle_rss();
}
