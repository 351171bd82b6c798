//! Queue semantics with a controllable clock: backoff within the policy, retry-after honoured,
//! dead-letter after max attempts or at once for non-retryable errors, `weft dlq retry` runs a
//! job again, pause stops one flow only and survives a restart.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use weft::clock::ManualClock;
use weft::queue::{Disposition, Queue, RetryPolicy};
use weft::store::{ErrorClass, JobError, NewJob, Store};

const T0: u64 = 1_800_000_000_000;

fn job(flow: &str, key: &str) -> NewJob {
    NewJob {
        flow: flow.into(),
        trigger: "manual".into(),
        key: key.into(),
        payload: serde_json::json!({"kind": "pull"}).into(),
        dedupe_id: None,
    }
}

fn error(retryable: bool, retry_after_ms: Option<u64>) -> JobError {
    let error = JobError::new(if retryable { ErrorClass::Retryable } else { ErrorClass::InvalidInput }, "boom");
    JobError { retry_after_ms, ..error }
}

fn queue(dir: &Path) -> (Queue, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    (Queue::new(Store::open(dir).unwrap(), clock.clone()), clock)
}

#[test]
fn backoff_follows_the_policy_then_dead_letters_after_max_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, clock) = queue(dir.path());
    let policy = RetryPolicy { max_attempts: 4, base_ms: 1_000, max_delay_ms: 3_000 };
    queue.enqueue(vec![job("f", "a")]).unwrap();
    for attempt in 1..=4u32 {
        let leased = queue.lease(Some("f"), 60_000, 10).unwrap();
        assert_eq!(leased.len(), 1, "attempt {attempt}");
        assert_eq!(leased[0].attempts, attempt);
        let now = clock.now();
        match queue.fail(&leased[0], error(true, None), &policy).unwrap() {
            Disposition::Retry { at_ms } => {
                assert!(attempt < 4);
                let delay = at_ms - now;
                assert!(delay <= policy.ceiling_ms(attempt), "attempt {attempt}: {delay} ms over the ceiling");
                if delay > 0 {
                    clock.set(at_ms - 1);
                    assert!(queue.lease(Some("f"), 60_000, 10).unwrap().is_empty(), "not due before its time");
                }
                clock.set(at_ms);
            }
            Disposition::DeadLettered => assert_eq!(attempt, 4, "dead-lettered after max attempts"),
        }
    }
    let dead = queue.store().dead_letters(Some("f")).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error.message, "boom");
    assert_eq!(dead[0].job.attempts, 4);
}

#[test]
fn retry_after_is_honoured_and_non_retryable_goes_straight_to_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, clock) = queue(dir.path());
    let policy = RetryPolicy { max_attempts: 10, base_ms: 10, max_delay_ms: 20 };
    queue.enqueue(vec![job("f", "limited"), job("f", "invalid")]).unwrap();
    let leased = queue.lease(Some("f"), 60_000, 10).unwrap();
    assert_eq!(leased.len(), 2);
    let Disposition::Retry { at_ms } = queue.fail(&leased[0], error(true, Some(5_000)), &policy).unwrap() else {
        panic!("retry expected")
    };
    assert_eq!(at_ms, T0 + 5_000, "the 5 s hint wins over a 20 ms ceiling");
    assert_eq!(queue.fail(&leased[1], error(false, None), &policy).unwrap(), Disposition::DeadLettered);
    assert_eq!(queue.store().dead_letters(None).unwrap()[0].job.attempts, 1, "no retries for invalid input");
    clock.set(T0 + 4_999);
    assert!(queue.lease(Some("f"), 60_000, 10).unwrap().is_empty());
    clock.set(T0 + 5_000);
    assert_eq!(queue.lease(Some("f"), 60_000, 10).unwrap().len(), 1);
}

#[test]
fn expired_lease_is_taken_again() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, clock) = queue(dir.path());
    queue.enqueue(vec![job("f", "a")]).unwrap();
    assert_eq!(queue.lease(None, 1_000, 10).unwrap().len(), 1);
    assert!(queue.lease(None, 1_000, 10).unwrap().is_empty(), "leased: not visible");
    clock.advance(1_001);
    let again = queue.lease(None, 1_000, 10).unwrap();
    assert_eq!(again.len(), 1, "a crashed worker's job comes back");
    assert_eq!(again[0].attempts, 2);
}

#[test]
fn pause_stops_only_that_flow_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (queue, _) = queue(dir.path());
        queue.enqueue(vec![job("orders", "o1"), job("inventory", "i1")]).unwrap();
        queue.store().set_paused("orders", true, T0).unwrap();
        let leased = queue.lease(None, 60_000, 10).unwrap();
        assert_eq!(leased.iter().map(|j| j.flow.as_str()).collect::<Vec<_>>(), vec!["inventory"]);
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let (queue, _) = queue(dir.path());
    assert!(queue.store().is_paused("orders").unwrap(), "pause is persisted");
    assert!(queue.lease(Some("orders"), 60_000, 10).unwrap().is_empty());
    queue.store().set_paused("orders", false, T0).unwrap();
    assert_eq!(queue.lease(Some("orders"), 60_000, 10).unwrap().len(), 1, "resume continues");
}

#[test]
fn weft_dlq_retry_runs_a_dead_letter_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = {
        let (queue, _) = queue(&data);
        queue.enqueue(vec![job("f", "a"), job("f", "b")]).unwrap();
        let leased = queue.lease(None, 60_000, 10).unwrap();
        for j in &leased {
            queue.fail(j, error(false, None), &RetryPolicy::default()).unwrap();
        }
        leased[0].id
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    let config = dir.path().join("weft.toml");
    std::fs::write(&config, format!("[store]\npath = \"{}\"\n", data.display())).unwrap();
    let weft = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_weft")).arg("--config").arg(&config).args(args).output().unwrap()
    };
    let list = weft(&["dlq", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let out = weft(&["dlq", "retry", &id.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("requeued 1"));
    let (queue, _) = queue(&data);
    let again = queue.lease(None, 60_000, 10).unwrap();
    assert_eq!(again.len(), 1, "the retried job runs again");
    assert_eq!((again[0].id, again[0].attempts, again[0].trigger.as_str()), (id, 1, "retry"));
    assert_eq!(queue.store().dead_letters(None).unwrap().len(), 1, "the other stays dead-lettered");
    drop(queue);
    std::thread::sleep(std::time::Duration::from_millis(100));
    // Retrying a whole flow needs the flow in the config (this one has none); the rest goes by id.
    let out = weft(&["dlq", "retry", "--flow", "f", "--all"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no flow f in the config"));
    let other = listed.as_array().unwrap().iter().map(|d| d["job"]["id"].as_u64().unwrap()).find(|i| *i != id).unwrap();
    let out = weft(&["dlq", "retry", &other.to_string()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("requeued 1"), "{}", String::from_utf8_lossy(&out.stderr));
}
