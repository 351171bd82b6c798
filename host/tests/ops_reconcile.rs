//! `weft reconcile` on a seeded drift finds exactly the drifted SKU × location pairs, with the
//! right numbers; `--heal` then a run of the flow fixes them; a second reconcile is clean.
//! The real binary, the file-feed connector and the simulator.

mod common;
mod ops_support;
mod shopify_common;

use ops_support::{feed, Setup};
use serde_json::Value;

#[test]
fn reconcile_finds_seeded_drift_and_heal_fixes_it() {
    let s = Setup::new(&feed(&[("SKU-0-0", 5, 6), ("SKU-1-0", 7, 8), ("SKU-2-0", 9, 10), ("SKU-3-0", 11, 12)]), "live");
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    assert_eq!(s.available("SKU-2-0", &s.main), 9, "{out}");

    // Nothing drifted yet.
    let out = s.weft(&["reconcile", "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["compared"], 8, "{out}");
    assert_eq!(report["summary"]["drifted"], 0, "{out}");
    assert!(out.stderr.contains("bulk operation"), "progress on stderr: {out}");

    // Seed drift behind weft's back: two levels of different SKUs and locations.
    s.set_available("SKU-1-0", &s.main, 3);
    s.set_available("SKU-3-0", &s.backroom, 40);
    let out = s.weft(&["reconcile", "--json"]);
    assert!(out.ok, "drift is not an error: {out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut drift: Vec<(String, String, i64, i64, i64)> = report["flows"][0]["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["sku"].as_str().unwrap().into(), d["location"].as_str().unwrap().into(), d["erp_available"].as_i64().unwrap(), d["shopify_available"].as_i64().unwrap(), d["difference"].as_i64().unwrap()))
        .collect();
    drift.sort();
    assert_eq!(drift, vec![("SKU-1-0".into(), s.main.clone(), 7, 3, 4), ("SKU-3-0".into(), s.backroom.clone(), 12, 40, -28)], "{out}");
    assert_eq!(report["summary"]["drifted"], 2);
    assert_eq!(report["summary"]["erp_only"], 0);
    assert_eq!(report["summary"]["shopify_only"], 0);

    // The human summary names them too.
    let out = s.weft(&["reconcile"]);
    assert!(out.ok && out.stdout.contains("2 drifted") && out.stdout.contains("SKU-1-0") && out.stdout.contains("SKU-3-0"), "{out}");

    // Heal: corrections are enqueued; the flow's next run writes the ERP's numbers back.
    let out = s.weft(&["reconcile", "--heal"]);
    assert!(out.ok && out.stdout.contains("2 correction(s) enqueued"), "{out}");
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    assert_eq!(s.available("SKU-1-0", &s.main), 7, "{out}");
    assert_eq!(s.available("SKU-3-0", &s.backroom), 12, "{out}");
    assert_eq!(s.available("SKU-2-0", &s.main), 9, "untouched levels stay: {out}");

    let out = s.weft(&["reconcile", "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["drifted"], 0, "{out}");
    assert_eq!(report["summary"]["compared"], 8, "{out}");
}

#[test]
fn serve_reconciles_on_its_schedule() {
    let s = Setup::new(&feed(&[("SKU-0-0", 5, 6), ("SKU-1-0", 7, 8), ("SKU-2-0", 9, 10), ("SKU-3-0", 11, 12)]), "live");
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    s.set_available("SKU-2-0", &s.backroom, 1);
    let addr = format!("127.0.0.1:{}", common::engine::free_port());
    let mut text = std::fs::read_to_string(&s.cfg).unwrap();
    text.push_str(&format!("[server]\nlisten = \"{addr}\"\n[reconcile]\nschedule = \"* * * * * *\"\n"));
    std::fs::write(&s.cfg, text).unwrap();
    let log = s.data().join("serve.log");
    let serve = common::engine::Serve::start(&s.cfg, &addr, &[("WEFT_TEST_TOKEN", "shpat_simulator_token")], &log);
    common::engine::wait_for(std::time::Duration::from_secs(60), "a scheduled reconciliation", || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("scheduled reconciliation done")
    });
    assert!(serve.terminate().success());
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.contains("scheduled reconciliation done")).unwrap();
    assert!(line.contains("drifted=1"), "{line}");

    // A bad schedule is refused at load, naming the key.
    let bad = std::fs::read_to_string(&s.cfg).unwrap().replace("* * * * * *", "every day");
    std::fs::write(&s.cfg, bad).unwrap();
    let out = s.weft(&["reconcile"]);
    assert!(!out.ok && out.stderr.contains("reconcile.schedule"), "{out}");
}
