//! The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core from
//! tests/browser): sign in, load the overview, navigate to a failed record, retry its dead
//! letter, edit and retry it when it fails again, pause a queue, preview a mapping, reconcile —
//! and the server's state shows the retry, the edit beside the original and its write, the pause
//! and the report; the Shop page shows a foreign webhook subscription as such and stores an
//! onboarding report; the overview refreshes by itself; Explain explains a pushed number.

use crate::common;
use crate::served_support;
use crate::shopify_common;

use common::engine::get_with;
use serde_json::{json, Value};
use served_support::served_inventory;
use shopify_sim::control_platform;
use std::path::Path;
use std::process::Command;

const ADMIN_TOKEN: &str = "dashboard-test-token";

#[test]
fn operator_navigates_retries_and_pauses_in_a_real_browser() {
    let browser_dir = common::repo_root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() || !browser_dir.join("node_modules/playwright-core").exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium and tests/browser's node_modules (see .ci/run)"
        );
        eprintln!("skipped: no {chromium} or tests/browser/node_modules (apt-get install chromium; npm ci --prefix tests/browser)");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    // Another app's subscription, which the Shop page must show as left alone.
    let foreign = json!({"topic": "PRODUCTS_UPDATE", "uri": "https://erp-bridge.example/hooks", "name": "erp-bridge"});
    control_platform::route(&sim.shared, "POST", "/_sim/webhooks/subscriptions", foreign.to_string().as_bytes())
        .expect("a control endpoint")
        .expect("subscribed");
    let served = served_inventory(&sim, ADMIN_TOKEN);
    let api = |path: &str| -> Value {
        let (status, body) = get_with(&served.addr, path, &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))])
            .expect("admin API answers");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    };
    let dead_before = api("/api/dlq?flow=inventory");
    assert_eq!(dead_before.as_array().unwrap().len(), 1);
    assert_eq!(dead_before[0]["job"]["trigger"], "schedule");

    // Screenshots go to the scratch directory, or to $WEFT_SCREENSHOTS to look at them.
    let shots = std::env::var("WEFT_SCREENSHOTS").unwrap_or_else(|_| served.scenario.path().display().to_string());
    let out = Command::new("node")
        .current_dir(&browser_dir)
        .args(["dashboard.mjs", &format!("http://{}", served.addr), ADMIN_TOKEN, "inventory", &shots])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser run failed:\n{log}");
    assert_eq!(log.matches("ok -").count(), 12, "every step passed:\n{log}");

    // What the browser did is what the server holds: the flow is paused, and the dead letter was
    // retried — its job is queued again (held by the pause) or already failed again, as a retry.
    assert!(api("/api/queues")["inventory"]["paused_since_ms"].is_u64(), "the flow is paused");
    let key = dead_before[0]["job"]["key"].as_str().unwrap().to_owned();
    let lineage = api(&format!("/api/lineage?key={key}"));
    let retried: Vec<&Value> = lineage["queued"]
        .as_array()
        .unwrap()
        .iter()
        .chain(lineage["dead"].as_array().unwrap().iter().map(|d| &d["job"]))
        .collect();
    assert!(retried.len() == 1 && retried[0]["trigger"] == "retry", "{lineage:#}");
    // When it failed again, the browser edited its record and retried that: the dead letter keeps
    // the original and the edit, and the edit's job wrote.
    let dead = &lineage["dead"][0];
    let original = dead["job"]["payload"]["record"]["InventoryLevel"]["location"].as_str();
    let edited = dead["edit"]["payload"]["record"]["InventoryLevel"]["location"].as_str();
    assert_eq!((original, edited), (Some("NOWHERE"), Some("WH")), "{lineage:#}");
    assert_eq!(dead["edit"]["note"], "WH is the warehouse");
    let edit_job = &dead["edit"]["job_id"];
    let wrote = lineage["steps"].as_array().unwrap().iter().any(|s| {
        s["record"]["job_id"] == *edit_job
            && ["updated", "created"].contains(&s["record"]["outcome"].as_str().unwrap_or(""))
    });
    assert!(wrote, "the edited job wrote: {lineage:#}");
    assert_eq!(
        api("/api/reconcile/reports").as_array().map(Vec::len),
        Some(1),
        "the report the browser asked for is stored"
    );
    let onboarded = api("/api/onboard");
    assert_eq!(onboarded[0]["flow"], "products", "the onboarding report the browser asked for is stored: {onboarded}");
}
