//! Issue 21: a pull that fails the same way every time (here: the plugin's page exceeds its
//! memory limit) is dead-lettered after its attempts and holds its flow's schedule — it is not
//! fired again by every tick — until a person retries or discards the dead letter.

use crate::common;
use crate::common::engine::{free_port, get, post, wait_for, Serve};
use crate::common::scenario::{Scenario, TOKEN_ENV};
use crate::shopify_common;
use common::*;
use serde_json::Value;
use std::time::Duration;

fn json(addr: &str, path: &str) -> Value {
    let (status, body) = get(addr, path).expect("the admin API answers");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

fn runs(addr: &str) -> usize {
    json(addr, "/api/runs?flow=customers&limit=1000").as_array().map_or(0, Vec::len)
}

fn open_dead(addr: &str) -> Vec<Value> {
    json(addr, "/api/dlq?flow=customers&status=open").as_array().cloned().unwrap_or_default()
}

#[test]
fn a_pull_that_always_fails_is_dead_lettered_once_and_holds_its_schedule_until_a_person_acts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let addr = format!("127.0.0.1:{}", free_port());
    let flows = "[connections.bad]\nplugin = \"hostile\"\nconfig = { mode = \"oversized\", size = \"96\" }\n\
                 [flows.customers]\nfrom = \"bad\"\nto = \"shopify\"\nobject = \"customer\"\n\
                 trigger = { every = \"200ms\" }\nretry = { max_attempts = 2, base_ms = 50, max_delay_ms = 100 }\n";
    let scenario = Scenario::builder(&sim).server(&format!("listen = \"{addr}\"")).build(flows);
    install(&scenario.path().join("plugins"), "hostile", "hostile", &hostile_manifest("hostile", &[]));
    let _serve = Serve::start(&scenario.config, &addr, &[(TOKEN_ENV, sim.token())], &scenario.path().join("serve.log"));

    wait_for(Duration::from_secs(120), "the pull to be dead-lettered", || !open_dead(&addr).is_empty());
    let dead = open_dead(&addr);
    assert_eq!(dead.len(), 1, "one dead pull, not one per tick: {dead:#?}");
    let error = dead[0]["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("memory"), "the reason names the memory limit: {error}");
    let attempts = runs(&addr);
    assert_eq!(attempts, 2, "max_attempts = 2: two attempts, each a run");
    // Ten ticks later: held, nothing fired.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(runs(&addr), attempts, "a held schedule fires no pull");
    let log = std::fs::read_to_string(scenario.path().join("serve.log")).unwrap_or_default();
    assert!(log.contains("its schedule is held"), "serve says why the flow stopped: {log}");

    // A person retries it: its attempts again, dead again, still held.
    let id = dead[0]["job"]["id"].as_u64().expect("a job id");
    let (status, body) =
        post(&addr, &format!("/api/dlq/{id}/retry"), &[("content-type", "application/json")], b"").expect("retry");
    assert_eq!(status, 200, "{body}");
    wait_for(Duration::from_secs(60), "the retried pull to use its attempts", || runs(&addr) == 2 * attempts);
    wait_for(Duration::from_secs(60), "the retried pull to be dead again", || open_dead(&addr).len() == 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(runs(&addr), 2 * attempts, "still held after the retry failed");

    // Discarding it releases the schedule: the next tick pulls again.
    let (status, body) = post(
        &addr,
        &format!("/api/dlq/{id}/discard"),
        &[("content-type", "application/json")],
        br#"{"reason":"plugin to be fixed"}"#,
    )
    .expect("discard");
    assert_eq!(status, 200, "{body}");
    wait_for(Duration::from_secs(60), "the schedule to fire again", || runs(&addr) > 2 * attempts);
}
