//! What only a store several hosts share must do, on a real PostgreSQL: two (or more) open
//! stores on one database are two hosts. Leases never overlap, a host that lost a lease cannot
//! settle the job, claims hold across hosts and go with a host, a webhook delivered to two hosts
//! is one job, a schedule tick fires once, migrations run once, the shop's Shopify bucket is one
//! for every host with priorities across hosts, and the password never shows.

use crate::common;

use common::postgres::{PgServer, PASSWORD};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::clock::{Clock, SystemClock};
use weft::config::FlowConfig;
use weft::queue::Queue;
use weft::scheduler::Scheduler;
use weft::store::{BucketReport, EnqueueOutcome, ErrorClass, Grant, JobError, Location, NewJob, Store};

const T0: u64 = 1_800_000_000_000;

fn host(url: &str, label: &str) -> Store {
    let options = weft::store::postgres::Options { url: url.into(), pool_size: 4, label: label.into() };
    Store::connect(&Location::Postgres(options)).expect("connect")
}

fn job(flow: &str, key: &str, webhook: Option<&str>) -> NewJob {
    NewJob {
        flow: flow.into(),
        trigger: "webhook".into(),
        key: key.into(),
        payload: serde_json::json!({"key": key}).into(),
        dedupe_id: webhook.map(Into::into),
    }
}

#[test]
fn two_hosts_never_lease_the_same_job() {
    let server = PgServer::start();
    let url = server.database();
    let (a, b) = (host(&url, "a"), host(&url, "b"));
    let jobs: Vec<NewJob> = (0..1_000).map(|i| job("f", &format!("k{i}"), None)).collect();
    a.enqueue(&jobs, T0, None).unwrap();
    let drain = |store: Store| {
        std::thread::spawn(move || {
            let mut taken = Vec::new();
            loop {
                let leased = store.lease(None, T0, 60_000, 25).unwrap();
                if leased.is_empty() {
                    return taken;
                }
                store.ack_all(&leased).unwrap();
                taken.extend(leased.into_iter().map(|j| j.id));
            }
        })
    };
    let (ta, tb) = (drain(a.clone()), drain(b.clone()));
    let (from_a, from_b) = (ta.join().unwrap(), tb.join().unwrap());
    let both: BTreeSet<u64> = from_a.iter().chain(&from_b).copied().collect();
    assert_eq!(from_a.len() + from_b.len(), 1_000, "every job leased once");
    assert_eq!(both.len(), 1_000, "no job leased by both hosts");
    assert!(!from_a.is_empty() && !from_b.is_empty(), "both hosts took work: {} / {}", from_a.len(), from_b.len());
    assert_eq!(a.job_count().unwrap(), 0);
}

#[test]
fn a_host_that_lost_its_lease_cannot_settle_the_job() {
    let server = PgServer::start();
    let url = server.database();
    let (a, b) = (host(&url, "a"), host(&url, "b"));
    a.enqueue(&[job("f", "k", None)], T0, None).unwrap();
    let by_a = a.lease(None, T0, 1_000, 1).unwrap();
    assert_eq!(b.recover_leases(T0 + 1_000, T0 + 1_000).unwrap(), 1, "A's lease ran out (A stalled)");
    let by_b = b.lease(None, T0 + 1_000, 60_000, 1).unwrap();
    assert_eq!(by_b[0].id, by_a[0].id);
    a.ack_all(&by_a).unwrap();
    a.reschedule(&by_a[0], JobError::new(ErrorClass::Retryable, "late"), T0 + 5_000).unwrap();
    a.dead_letter(&by_a[0], JobError::new(ErrorClass::Permanent, "late"), T0).unwrap();
    assert!(a.job_exists(by_a[0].id).unwrap(), "A's late ack, retry and dead letter change nothing");
    assert_eq!(a.queue_status().unwrap()["f"].leased, 1, "B still holds it");
    assert!(a.dead_letters(None).unwrap().is_empty());
    assert_eq!(a.renew_leases(T0 + 2_000, 60_000).unwrap(), 0, "A renews only its own leases");
    b.ack_all(&by_b).unwrap();
    assert_eq!(b.job_count().unwrap(), 0);
}

#[test]
fn claims_hold_across_hosts_and_go_with_the_host() {
    let server = PgServer::start();
    let url = server.database();
    let (a, b) = (host(&url, "a"), host(&url, "b"));
    assert!(a.claim("orders/1").unwrap());
    assert!(!b.claim("orders/1").unwrap(), "one writer per record across hosts");
    drop(a);
    assert!(b.claim("orders/1").unwrap(), "a host that leaves takes its claims with it");
}

#[test]
fn a_webhook_delivered_to_two_hosts_makes_one_job() {
    let server = PgServer::start();
    let url = server.database();
    let (a, b) = (host(&url, "a"), host(&url, "b"));
    let deliver = |store: Store| {
        std::thread::spawn(move || {
            (0..200)
                .map(|i| {
                    let w = format!("w{i}");
                    store.enqueue(&[job("orders", &w, Some(&w))], T0, None).unwrap()[0]
                })
                .filter(|o| matches!(o, EnqueueOutcome::Enqueued(_)))
                .count()
        })
    };
    let (ta, tb) = (deliver(a.clone()), deliver(b.clone()));
    let stored = ta.join().unwrap() + tb.join().unwrap();
    assert_eq!(stored, 200, "each delivery stored once, whichever host took it");
    assert_eq!(a.job_count().unwrap(), 200);
}

#[test]
fn a_schedule_tick_runs_once_across_hosts() {
    let server = PgServer::start();
    let url = server.database();
    let text = "[connections.erp]\nplugin = \"x\"\n[connections.out]\nplugin = \"y\"\n\
                [flows.every]\nfrom = \"erp\"\nto = \"out\"\nobject = \"customer\"\ntrigger = { every = \"300ms\" }\n";
    let config = weft::config::Config::parse(text, std::path::Path::new("weft.toml")).unwrap();
    let flows: std::collections::BTreeMap<String, FlowConfig> = config.flows;
    let hosts: Vec<Store> = (0..3).map(|i| host(&url, &format!("h{i}"))).collect();
    let started = Instant::now();
    let schedulers: Vec<_> = hosts
        .iter()
        .map(|store| {
            let scheduler = Scheduler::new(Queue::new(store.clone(), Arc::new(SystemClock)), &flows);
            std::thread::spawn(move || {
                let mut fired = 0;
                while started.elapsed() < Duration::from_millis(2_500) {
                    fired += scheduler.tick().unwrap().len();
                    std::thread::sleep(Duration::from_millis(5));
                }
                fired
            })
        })
        .collect();
    // A worker: each pull is done at once, so the next tick may fire as soon as it is due.
    let worker = hosts[0].clone();
    let mut pulls = Vec::new();
    while started.elapsed() < Duration::from_millis(2_700) {
        let leased = worker.lease(None, SystemClock.now_ms(), 60_000, 10).unwrap();
        worker.ack_all(&leased).unwrap();
        pulls.extend(leased.into_iter().map(|j| j.key));
        std::thread::sleep(Duration::from_millis(5));
    }
    let fired: usize = schedulers.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(fired, pulls.len(), "every firing is one pull job");
    let at: Vec<u64> = pulls.iter().map(|k| k.trim_start_matches("pull@").parse().unwrap()).collect();
    assert!((6..=10).contains(&at.len()), "one pull per 300 ms tick over 2.5 s, not one per host: {at:?}");
    assert!(at.windows(2).all(|w| w[1] - w[0] >= 300), "no tick fired twice: {at:?}");
}

#[test]
fn migrations_run_once_when_hosts_start_together_and_a_newer_schema_is_refused() {
    let server = PgServer::start();
    let url = server.database();
    let starts: Vec<_> = (0..4)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || host(&url, &format!("h{i}")).schema_version().unwrap())
        })
        .collect();
    // The newest schema is the number of versioned migrations shipped.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/postgres/migrations");
    let newest = std::fs::read_dir(dir)
        .unwrap()
        .filter(|f| f.as_ref().is_ok_and(|f| f.file_name().to_string_lossy().ends_with(".sql")))
        .count() as u64;
    for start in starts {
        assert_eq!(start.join().unwrap(), newest);
    }
    let db = url.rsplit('/').next().unwrap();
    let applied = server.sql(db, "SELECT count(*) FROM weft_schema_history");
    assert_eq!(applied.trim(), newest.to_string(), "each applied once");
    assert_eq!(server.sql(db, "SELECT count(*) FROM weft_hosts").trim(), "0", "hosts that closed left");
    server.sql(
        db,
        "INSERT INTO weft_schema_history (version, name, applied_on, checksum) VALUES (99, 'future', '', '0')",
    );
    let options = weft::store::postgres::Options { url: url.clone(), pool_size: 1, label: "old".into() };
    let refused = Store::connect(&Location::Postgres(options)).err().expect("a newer schema is refused");
    assert!(refused.to_string().contains("newer than this weft"), "{refused}");
}

#[test]
fn the_password_never_shows() {
    let server = PgServer::start();
    let url = server.database();
    let store = host(&url, "a");
    assert!(!store.location().contains(PASSWORD), "{}", store.location());
    let options = weft::store::postgres::Options { url: url.clone(), pool_size: 1, label: "x".into() };
    assert!(!format!("{options:?}").contains(PASSWORD));
    let wrong = url.replace(PASSWORD, "not-the-password-4411");
    let options = weft::store::postgres::Options { url: wrong, pool_size: 1, label: "x".into() };
    let error = Store::connect(&Location::Postgres(options)).err().expect("a wrong password is refused").to_string();
    assert!(error.contains("password authentication failed"), "{error}");
    assert!(!error.contains("not-the-password-4411") && !error.contains(PASSWORD), "{error}");
}

/// A report of a bucket of 100 points restoring 50 per second.
fn report(currently: f64) -> BucketReport {
    BucketReport { actual: Some(10.0), maximum: 100.0, currently_available: currently, restore_rate: 50.0 }
}

#[test]
fn hosts_share_one_bucket_and_its_priorities() {
    let server = PgServer::start();
    let url = server.database();
    let (a, b) = (host(&url, "a"), host(&url, "b"));
    let (ba, bb) = (a.budget().unwrap(), b.budget().unwrap());
    assert_eq!(ba.budget_take("shop", 10.0, 1).unwrap(), Grant::Granted, "an unknown bucket admits one call");
    assert!(matches!(bb.budget_take("shop", 10.0, 1).unwrap(), Grant::Wait(_)), "and only one, cluster-wide");
    ba.budget_settle("shop", 10.0, Some(&report(0.0))).unwrap();
    // Empty: an order on host A waits ahead of host B's catalog call, however often B asks.
    let Grant::Wait(wait) = ba.budget_take("shop", 10.0, 3).unwrap() else { panic!("the bucket is empty") };
    assert!((150..=250).contains(&wait), "10 points at 50/s: {wait} ms");
    std::thread::sleep(Duration::from_millis(wait + 50));
    assert!(matches!(bb.budget_take("shop", 10.0, 1).unwrap(), Grant::Wait(_)), "A's order goes first");
    assert_eq!(ba.budget_take("shop", 10.0, 3).unwrap(), Grant::Granted);
    ba.budget_settle("shop", 10.0, Some(&report(0.0))).unwrap();

    // Both hosts spend as fast as the bucket lets them: together never above its rate.
    let started = Instant::now();
    let spend = |store: Store| {
        std::thread::spawn(move || {
            let budget = store.budget().unwrap();
            let mut granted = 0.0;
            while started.elapsed() < Duration::from_secs(2) {
                match budget.budget_take("shop", 10.0, 2).unwrap() {
                    Grant::Granted => {
                        granted += 10.0;
                        budget.budget_settle("shop", 10.0, None).unwrap();
                    }
                    Grant::Wait(ms) => std::thread::sleep(Duration::from_millis(ms.min(100))),
                }
            }
            granted
        })
    };
    let (ta, tb) = (spend(a.clone()), spend(b.clone()));
    let (ga, gb) = (ta.join().unwrap(), tb.join().unwrap());
    let bound = 50.0 * started.elapsed().as_secs_f64() + 10.0;
    assert!(ga + gb <= bound, "{ga} + {gb} points granted, the rate allows {bound}");
    assert!(ga + gb >= 50.0, "the hosts did get points: {ga} + {gb}");
    assert!(ga > 0.0 && gb > 0.0, "both hosts were served: {ga} / {gb}");
}
