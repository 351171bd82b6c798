//! Alerts from a real `weft serve`: a flow failing past its error-rate threshold fires exactly
//! one alert, even over many evaluation rounds and a restart; once the cause is fixed and good
//! records flow, exactly one resolve follows. The receiver's URL carries a token that never
//! reaches the log.

use crate::common;
use crate::signals_support;

use common::engine::wait_for;
use shopify_sim::{Fault, FaultRule};
use signals_support::{Bed, Receiver};
use std::time::Duration;

const RULES: &str = r#"[alerts]
webhook_url = "{url}"
evaluate_every = "100ms"
[[alerts.rules]]
name = "inventory errors"
kind = "error_rate"
flow = "inventory"
window = "1m"
threshold = 0.5
min_records = 2
"#;

#[test]
fn an_error_rate_episode_fires_once_and_resolves_once() {
    let receiver = Receiver::start();
    let mut bed = Bed::new(4, &RULES.replace("{url}", &receiver.url));
    // Shopify refuses every inventory write (a 422 is not retried and not systemic).
    bed.sim.inject(FaultRule {
        fault: Fault::Status { status: 422 },
        count: None,
        probability: None,
        operation: Some("inventorySetQuantities".into()),
        after_execute: false,
    });
    let serve = bed.serve();
    bed.feed(&[("SKU-0-0", 11), ("SKU-1-0", 12), ("SKU-2-0", 13)]);

    wait_for(Duration::from_secs(60), "a firing alert", || !receiver.received().is_empty());
    let firing = &receiver.received()[0];
    assert_eq!(firing["rule"], "inventory errors");
    assert_eq!(firing["flow"], "inventory");
    assert_eq!(firing["state"], "firing");
    assert_eq!(firing["threshold"], 0.5);
    assert!(firing["value"].as_f64().unwrap() > 0.5, "{firing}");
    assert!(firing["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{firing}");
    assert!(firing["alert"].as_str().unwrap().contains("records failed"), "{firing}");

    // Many rounds later, and across a restart (the rate is still 100% over the window), still
    // one alert for the episode.
    std::thread::sleep(Duration::from_millis(800));
    assert!(serve.terminate().success());
    let serve = bed.serve();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(receiver.transitions(), [("inventory errors".to_owned(), "firing".to_owned())]);

    // Fix the cause; four good records bring the rate to 3 of 7, under the threshold: one resolve.
    bed.sim.clear_faults();
    bed.feed(&[("SKU-0-0", 21), ("SKU-1-0", 22), ("SKU-2-0", 23), ("SKU-3-0", 24)]);
    wait_for(Duration::from_secs(60), "the fixed flow to sync", || {
        (0..4).all(|i| bed.level(&format!("SKU-{i}-0")) == Some(21 + i))
    });
    wait_for(Duration::from_secs(30), "the resolve", || receiver.received().len() >= 2);
    std::thread::sleep(Duration::from_millis(800));
    let transitions = receiver.transitions();
    assert_eq!(
        transitions,
        [("inventory errors".to_owned(), "firing".to_owned()), ("inventory errors".to_owned(), "resolved".to_owned())]
    );
    let rate = receiver.received()[1]["value"].as_f64().unwrap();
    assert!((rate - 3.0 / 7.0).abs() < 1e-9, "3 failed of 7 in the window: {rate}");

    assert!(serve.terminate().success());
    let log = bed.log();
    assert!(log.contains("ALERT firing") && log.contains("ALERT resolved"), "alerts go to the log too");
    assert!(!log.contains("receiver-secret-991"), "the webhook URL's token is never logged");
}
