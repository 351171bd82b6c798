//! The circuit breaker in a real `weft serve`: Shopify answering 401 pauses the inventory flow
//! with a `circuit:` reason and alerts, holds its jobs without spending attempts, probes on its
//! own and resumes once the credentials work again; the records then reach the simulator and
//! nothing is dead-lettered. A person's pause is never resumed by the breaker. Shopify answering
//! 503 to everything is held at once and paused once it lasted `sustained_for`.

use crate::common;
use crate::signals_support;

use common::engine::{post, wait_for};
use serde_json::Value;
use shopify_sim::{Fault, FaultRule};
use signals_support::{Bed, Receiver};
use std::time::Duration;

const CONFIG: &str = r#"[alerts]
webhook_url = "{url}"
evaluate_every = "100ms"
[breaker]
sustained_for = "1m"
probe_every = "300ms"
"#;

fn unauthorized() -> FaultRule {
    FaultRule {
        fault: Fault::Status { status: 401 },
        count: None,
        probability: None,
        operation: None,
        after_execute: false,
    }
}

fn reason(bed: &Bed) -> Value {
    bed.queues()["inventory"]["pause_reason"].clone()
}

#[test]
fn unauthorized_pauses_alerts_probes_and_resumes_without_dead_letters() {
    let receiver = Receiver::start();
    let mut bed = Bed::new(2, &CONFIG.replace("{url}", &receiver.url));
    // The token is revoked while weft serve runs (a refused token at start stops serve: config check).
    let serve = bed.serve();
    bed.sim.inject(unauthorized());
    bed.feed(&[("SKU-0-0", 41), ("SKU-1-0", 42)]);

    wait_for(Duration::from_secs(60), "the circuit to open", || {
        reason(&bed).as_str().is_some_and(|r| r.starts_with("circuit: unauthorized at shopify"))
    });
    wait_for(Duration::from_secs(10), "the circuit alert", || !receiver.received().is_empty());
    let alert = &receiver.received()[0];
    assert_eq!(
        (alert["rule"].as_str(), alert["flow"].as_str(), alert["state"].as_str()),
        (Some("circuit_breaker"), Some("inventory"), Some("firing")),
        "{alert}"
    );
    assert!(alert["alert"].as_str().unwrap().contains("HTTP 401"), "{alert}");
    // Probing keeps failing while the token is refused: still paused, the jobs held, none dead.
    std::thread::sleep(Duration::from_millis(1_000));
    assert!(reason(&bed).is_string());
    assert_eq!(bed.queues()["inventory"]["ready"], 3, "both records held, and the next scheduled pull");
    assert!(bed.dead_letters().is_empty());

    bed.sim.clear_faults();
    wait_for(Duration::from_secs(30), "the records in the simulator", || {
        bed.level("SKU-0-0") == Some(41) && bed.level("SKU-1-0") == Some(42)
    });
    assert!(bed.queues()["inventory"]["paused_since_ms"].is_null(), "resumed by the probe");
    wait_for(Duration::from_secs(10), "the resolve", || receiver.received().len() >= 2);
    assert_eq!(
        receiver.transitions(),
        [("circuit_breaker".to_owned(), "firing".to_owned()), ("circuit_breaker".to_owned(), "resolved".to_owned())]
    );
    assert!(bed.dead_letters().is_empty(), "no record was dead-lettered");
    assert!(bed.log().contains("circuit closed"));

    // Open again, then a person pauses the flow: the pause is theirs and outlives working probes.
    bed.sim.inject(unauthorized());
    bed.feed(&[("SKU-0-0", 51)]);
    wait_for(Duration::from_secs(60), "the circuit to open again", || reason(&bed).is_string());
    assert_eq!(
        post(&bed.addr, "/api/queues/inventory/pause", &[("content-type", "application/json")], b"").unwrap().0,
        200
    );
    bed.sim.clear_faults();
    std::thread::sleep(Duration::from_millis(1_500));
    let queue = &bed.queues()["inventory"];
    assert!(!queue["paused_since_ms"].is_null() && queue["pause_reason"].is_null(), "{queue}");
    assert_eq!(bed.level("SKU-0-0"), Some(41));
    assert_eq!(
        post(&bed.addr, "/api/queues/inventory/resume", &[("content-type", "application/json")], b"").unwrap().0,
        200
    );
    wait_for(Duration::from_secs(30), "the held record after the person resumed", || bed.level("SKU-0-0") == Some(51));
    assert!(bed.dead_letters().is_empty());
    assert!(serve.terminate().success());
}

#[test]
fn an_unreachable_destination_holds_jobs_then_pauses_after_sustained_for_and_resumes() {
    let receiver = Receiver::start();
    let config = CONFIG.replace("{url}", &receiver.url).replace("sustained_for = \"1m\"", "sustained_for = \"1s\"");
    let mut bed = Bed::new(1, &config);
    bed.sim.inject(FaultRule {
        fault: Fault::Status { status: 503 },
        count: None,
        probability: None,
        operation: None,
        after_execute: false,
    });
    let serve = bed.serve();
    bed.feed(&[("SKU-0-0", 61)]);

    // The client retries the 503s itself, then the record fails; with max_attempts = 1 it would
    // be dead-lettered, but the probe finds Shopify down: held, and paused once it lasted 1s.
    wait_for(Duration::from_secs(120), "the circuit to open", || {
        reason(&bed).as_str().is_some_and(|r| r.starts_with("circuit: unreachable at shopify"))
    });
    assert!(bed.dead_letters().is_empty(), "held, not dead-lettered");
    assert!(bed.log().contains("jobs held without spending attempts"));
    wait_for(Duration::from_secs(10), "the circuit alert", || {
        receiver.transitions().first().is_some_and(|(r, s)| r == "circuit_breaker" && s == "firing")
    });

    bed.sim.clear_faults();
    wait_for(Duration::from_secs(60), "the record in the simulator", || bed.level("SKU-0-0") == Some(61));
    wait_for(Duration::from_secs(10), "the resolve", || receiver.received().len() >= 2);
    assert_eq!(receiver.transitions().len(), 2, "{:?}", receiver.transitions());
    assert!(bed.dead_letters().is_empty());
    assert!(serve.terminate().success());
}
