//! A week of webhooks and runs (5,040 deliveries, as many redeliveries, 1,008 runs) on a
//! controllable clock, with retention pruning every hour: the
//! store stops growing once the retention windows have passed, Shopify's redeliveries inside its
//! window are still recognised, and nothing reaches the destination twice.
//!
//! In process, on the real parts: a redb file, the webhook-to-job path of the engine, the relay
//! connector (a Wasm component) pushing to a loopback sink, and `weft::retention::tick`.

use crate::common;

use common::engine::{install_relay, Sink};
use serde_json::json;
use std::sync::Arc;
use weft::clock::{Clock, ManualClock};
use weft::config::Config;
use weft::flow::FlowEngine;
use weft::plugin::{HostOptions, PluginHost};
use weft::queue::Queue;
use weft::redact::Redactor;
use weft::store::{EnqueueOutcome, Store};

const HOUR: u64 = 3_600_000;
/// 2026-11-01T00:00:00Z.
const T0: u64 = 1_793_491_200_000;
const DAYS: u64 = 7;
/// New deliveries per simulated hour.
const PER_HOUR: u64 = 30;
/// Customers the deliveries cycle through (each one changes about twice a day).
const CUSTOMERS: u64 = 400;
/// Jobs per run: deliveries are worked off in small batches as they come (six runs an hour).
const BATCH: usize = 5;
/// Shopify redelivers within 4 hours: every delivery comes again 3 hours later.
const REDELIVERED_AFTER: u64 = 3;

fn config(dir: &std::path::Path, sink: u16) -> Config {
    let text = format!(
        r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[shopify]
shop = "soak.myshopify.com"
endpoint = "http://127.0.0.1:9"
access_token = {{ env = "WEFT_SOAK_UNUSED" }}
webhook_secret = {{ env = "WEFT_SOAK_UNUSED" }}
[connections.sink]
plugin = "relay"
allow_hosts = ["127.0.0.1:{sink}"]
config = {{ sink_url = "http://127.0.0.1:{sink}/push" }}
secrets = {{ token = {{ env = "WEFT_SOAK_SINK_TOKEN" }} }}
[flows.customers]
from = "shopify"
to = "sink"
object = "customer"
trigger = {{ webhook = true }}
[retention]
webhook_receipts = "6h"
runs = "2d"
undo_log = "2d"
superseded_ledger = "1d"
every = "1h"
"#,
        data = dir.join("data").display(),
        plugins = dir.join("plugins").display(),
    );
    Config::parse(&text, &dir.join("weft.toml")).expect("the soak config is valid")
}

fn delivery(hour: u64, i: u64) -> (String, serde_json::Value) {
    let n = hour * PER_HOUR + i;
    let body = json!({"id": 1000 + n % CUSTOMERS, "email": format!("c{}@example.com", n % CUSTOMERS), "first_name": format!("v{n}")});
    (format!("wh-{hour}-{i}"), body)
}

#[test]
fn a_week_of_webhooks_keeps_the_store_bounded_and_redeliveries_recognised() {
    std::env::set_var("WEFT_SOAK_UNUSED", "x");
    std::env::set_var("WEFT_SOAK_SINK_TOKEN", "sink-token-soak");
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    install_relay(&tmp.path().join("plugins"), sink.port);
    let config = Arc::new(config(tmp.path(), sink.port));
    let store = Store::open(&config.store.path).unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let plugins = PluginHost::load(HostOptions::from_config(&config, Some(store.clone()), Redactor::new())).unwrap();
    let queue = Queue::new(store.clone(), clock.clone());
    let engine = FlowEngine::new(config.clone(), Arc::new(plugins), queue).unwrap();

    let (mut new, mut redelivered_as_duplicate) = (0u64, 0u64);
    let mut daily: Vec<(u64, u64)> = Vec::new();
    for hour in 0..DAYS * 24 {
        let mut jobs = Vec::new();
        for i in 0..PER_HOUR {
            let (id, body) = delivery(hour, i);
            jobs.extend(engine.shopify_jobs("shopify", "customers/create", &id, &body).unwrap());
        }
        new += engine.queue().enqueue(jobs).unwrap().len() as u64;
        if let Some(earlier) = hour.checked_sub(REDELIVERED_AFTER) {
            let again: Vec<_> = (0..PER_HOUR)
                .flat_map(|i| {
                    let (id, body) = delivery(earlier, i);
                    engine.shopify_jobs("shopify", "customers/create", &id, &body).unwrap()
                })
                .collect();
            let outcomes = engine.queue().enqueue(again).unwrap();
            redelivered_as_duplicate += outcomes.iter().filter(|o| **o == EnqueueOutcome::Duplicate).count() as u64;
        }
        loop {
            let leased = engine.queue().lease(None, HOUR, BATCH).unwrap();
            if leased.is_empty() {
                break;
            }
            engine.run_batch("customers", leased).unwrap();
        }
        weft::retention::tick(&store, &config.retention, clock.now_ms()).unwrap();
        if hour % 24 == 23 {
            let stats = store.stats().unwrap();
            daily.push((stats.entries(), stats.total_bytes.unwrap()));
        }
        clock.advance(HOUR);
    }

    let redeliveries = (DAYS * 24 - REDELIVERED_AFTER) * PER_HOUR;
    assert_eq!(redelivered_as_duplicate, redeliveries, "every redelivery inside Shopify's window is a duplicate");
    assert_eq!(new, DAYS * 24 * PER_HOUR);
    assert_eq!(sink.state.lock().unwrap().requests as u64, new, "the sink got each delivery once");
    assert_eq!(store.job_count().unwrap(), 0);
    let runs =
        store.runs(&weft::store::RunFilter { flow: Some("customers".into()), ..Default::default() }, 5_000).unwrap();
    assert_eq!(runs.len(), (2 * 24 + 1) * 6, "the runs of the last two days (and this hour) are left");
    eprintln!("entries and file bytes at the end of each day: {daily:?}");
    let entries: Vec<u64> = daily.iter().map(|d| d.0).collect();
    assert!(entries[1] > entries[0], "the store grows until the windows have passed: {entries:?}");
    let settled = entries[2];
    for (day, n) in entries.iter().enumerate().skip(3) {
        assert!(
            n.abs_diff(settled) * 20 <= settled,
            "day {}: {n} entries, not within 5% of day 3's {settled}: {entries:?}",
            day + 1
        );
    }
    // redb reuses freed pages a commit or two after they are freed, so the file may take one more
    // allocation step after the windows have passed (day 4); from then on it must not grow.
    let bytes: Vec<u64> = daily.iter().map(|d| d.1).collect();
    let fourth_day_bytes = bytes[3];
    for (day, b) in bytes.iter().enumerate().skip(4) {
        assert!(
            *b <= fourth_day_bytes,
            "the file keeps growing: day {}: {b} bytes, day 4: {fourth_day_bytes}",
            day + 1
        );
    }

    // A delivery older than the receipts window is no longer known as a webhook, but the ledger
    // still knows its write: it is taken, and nothing reaches the sink again.
    let (id, body) = delivery(DAYS * 24 - 20, 0);
    let outcomes =
        engine.queue().enqueue(engine.shopify_jobs("shopify", "customers/create", &id, &body).unwrap()).unwrap();
    assert!(matches!(outcomes[..], [EnqueueOutcome::Enqueued(_)]), "{outcomes:?}");
    let run = engine.run_batch("customers", engine.queue().lease(None, HOUR, 250).unwrap()).unwrap().unwrap();
    assert_eq!(store.run(run).unwrap().unwrap().counts.keys().map(|o| o.name()).collect::<Vec<_>>(), ["unchanged"]);
    assert_eq!(sink.state.lock().unwrap().requests as u64, new);
    let retention_runs = store
        .runs(&weft::store::RunFilter { flow: Some(weft::retention::RUN_FLOW.into()), ..Default::default() }, 500)
        .unwrap();
    // An hourly prune that removed something is a run, itself kept for the two days of `runs`.
    assert!((40..=49).contains(&retention_runs.len()), "{} retention runs", retention_runs.len());
}
