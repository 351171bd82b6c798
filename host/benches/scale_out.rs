//! Scale-out benchmark: durable enqueue (group commit, 64 writers), dequeue+ack (lease 64, ack
//! 64 in one commit) and webhook acks/s through `weft serve` (64 senders), with 1, 2 and 3 hosts
//! on one PostgreSQL (durable commits: fsync on, as an operator runs it) against one redb host,
//! and where the database time goes: round trips per operation, commits and WAL flushes per job.
//!
//! Run: `cargo bench -p weft --bench scale_out` (release; prints, asserts nothing). On this
//! machine the hosts, PostgreSQL and the load generator share 2 cores: more hosts add CPU
//! contention, not CPU, so the figures show the cost of coordination, not a cluster's capacity.

// The integration tests' helpers; the benchmark uses only a few of them.
#[allow(dead_code)]
#[path = "../tests/integration/common/mod.rs"]
mod common;

mod support;

use common::postgres::PgServer;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::clock::SystemClock;
use weft::queue::Queue;
use weft::store::{Location, NewJob, Store};

const WRITERS: usize = 64;
const JOBS: usize = 12_800;
const SECRET: &str = "bench-webhook-secret";

fn job(i: usize) -> NewJob {
    NewJob {
        flow: "bench".into(),
        trigger: "webhook".into(),
        key: format!("k{i}"),
        payload: serde_json::json!({"i": i}).into(),
        dedupe_id: Some(format!("w{i}")),
    }
}

fn postgres(url: &str, label: &str) -> Store {
    let options = weft::store::postgres::Options { url: url.into(), pool_size: 8, label: label.into() };
    Store::connect(&Location::Postgres(options)).unwrap()
}

/// (enqueue jobs/s, dequeue+ack jobs/s) with `stores` as hosts, each with its own group-commit
/// queue; the writers and the consumers are spread over the hosts.
fn queue_rates(stores: &[Store]) -> (f64, f64) {
    let queues: Vec<Queue> = stores.iter().map(|s| Queue::new(s.clone(), Arc::new(SystemClock))).collect();
    let per = JOBS / WRITERS;
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..WRITERS {
            let queue = &queues[t % queues.len()];
            s.spawn(move || {
                for i in 0..per {
                    queue.enqueue(vec![job(t * per + i)]).unwrap();
                }
            });
        }
    });
    let enqueue = (WRITERS * per) as f64 / started.elapsed().as_secs_f64();
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for queue in &queues {
            let done = &done;
            s.spawn(move || loop {
                let jobs = queue.lease(None, 60_000, 64).unwrap();
                if jobs.is_empty() {
                    return;
                }
                queue.ack_all(&jobs).unwrap();
                done.fetch_add(jobs.len(), Ordering::Relaxed);
            });
        }
    });
    (enqueue, done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// PostgreSQL counters: (commits, WAL flushes).
fn pg_counters(pg: &PgServer, db: &str) -> (u64, u64) {
    let row = pg.sql(
        db,
        "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), \
                (SELECT wal_sync FROM pg_stat_wal)",
    );
    let mut parts = row.trim().split('|').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Webhook acks/s through `hosts` `weft serve` processes (the flow paused: intake only), 64
/// senders spread round-robin over the hosts, as a load balancer would.
fn webhook_rate(store_lines: &str, hosts: usize, env: &[(&str, &str)]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let weft = env!("CARGO_BIN_EXE_weft");
    let config = |listen: &str| support::intake_config(dir.path(), listen, store_lines);
    let addrs: Vec<String> = (0..hosts).map(|_| format!("127.0.0.1:{}", common::engine::free_port())).collect();
    let paused = Command::new(weft)
        .arg("--config")
        .arg(config(&addrs[0]))
        .args(["queue", "pause", "customers"])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(paused.status.success(), "{}", String::from_utf8_lossy(&paused.stderr));
    let mut children: Vec<Child> = addrs
        .iter()
        .map(|addr| {
            Command::new(weft)
                .arg("--config")
                .arg(config(addr))
                .arg("serve")
                .envs(env.iter().copied())
                .env("B_TOKEN", "x")
                .env("B_SECRET", SECRET)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for (addr, child) in addrs.iter().zip(&mut children) {
        support::wait_listening(addr, child);
    }
    let body = br#"{"id": 1, "email": "bench@example.com"}"#.to_vec();
    let signature = support::sign(SECRET, &body);
    let per = 4_000 / WRITERS;
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..WRITERS {
            let (addr, body, signature) = (&addrs[t % hosts], &body, &signature);
            s.spawn(move || {
                let mut sender = support::Sender::new(addr);
                for i in 0..per {
                    sender.send("/webhooks/shopify", &format!("b{}", t * per + i), body, signature);
                }
            });
        }
    });
    let rate = (WRITERS * per) as f64 / started.elapsed().as_secs_f64();
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    rate
}

/// The time of one round trip to the database (a primary-key lookup).
fn round_trip(store: &Store) -> Duration {
    let n = 2_000;
    let started = Instant::now();
    for i in 0..n {
        store.job_exists(i).unwrap();
    }
    started.elapsed() / n as u32
}

fn main() {
    let redb_dir = tempfile::tempdir().unwrap();
    let redb = Store::open(redb_dir.path()).unwrap();
    let (enqueue, dequeue) = queue_rates(std::slice::from_ref(&redb));
    let webhooks = webhook_rate("", 1, &[]);
    println!("{:<22} {:>14} {:>16} {:>14}", "store", "enqueue jobs/s", "dequeue+ack /s", "webhook acks/s");
    println!("{:<22} {enqueue:>14.0} {dequeue:>16.0} {webhooks:>14.0}", "redb, 1 host");
    drop(redb);

    let pg = PgServer::start_durable();
    let mut costs = Vec::new();
    for hosts in 1..=3 {
        let url = pg.database();
        let db = url.rsplit('/').next().unwrap().to_owned();
        let stores: Vec<Store> = (0..hosts).map(|h| postgres(&url, &format!("bench-{h}"))).collect();
        let before = pg_counters(&pg, &db);
        let (enqueue, dequeue) = queue_rates(&stores);
        let after = pg_counters(&pg, &db);
        costs.push((hosts, after.0 - before.0, after.1 - before.1));
        drop(stores);
        let env = [("WEFT_DATABASE_URL", url.as_str())];
        let webhooks = webhook_rate("backend = \"postgres\"\nurl = { env = \"WEFT_DATABASE_URL\" }", hosts, &env);
        println!("{:<22} {enqueue:>14.0} {dequeue:>16.0} {webhooks:>14.0}", format!("postgres, {hosts} host(s)"));
    }
    let probe = postgres(&pg.database(), "probe");
    println!("\nwhere the database time goes (PostgreSQL 15 on loopback, fsync on):");
    println!("  one round trip (primary-key read): {:.0} µs", round_trip(&probe).as_secs_f64() * 1e6);
    println!(
        "  round trips per operation: enqueue of a group = 5 (BEGIN, receipts, ids, jobs, COMMIT) whatever its size;"
    );
    println!("    lease = 2 (expired-lease sweep, one UPDATE … FOR UPDATE SKIP LOCKED); ack of a batch = 1; webhook = the enqueue group it joins");
    for (hosts, commits, flushes) in costs {
        println!(
            "  {hosts} host(s): {:.3} commits and {:.3} WAL flushes per job (enqueue + dequeue + ack of {JOBS} jobs)",
            commits as f64 / JOBS as f64,
            flushes as f64 / JOBS as f64
        );
    }
    println!("  locks: leases skip rows another host holds (SKIP LOCKED), so hosts never wait on each other's jobs;");
    println!("    group commits of different hosts contend only on the job id sequence and the WAL flush");
}
