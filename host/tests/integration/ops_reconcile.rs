//! `weft reconcile` on a seeded drift finds exactly the drifted SKU × location pairs, with the
//! right numbers; `--heal` then a run of the flow fixes them; a second reconcile is clean.
//! The real binary, the file-feed connector and the simulator.

use crate::common;
use crate::ops_support;

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
        .map(|d| {
            (
                d["sku"].as_str().unwrap().into(),
                d["location"].as_str().unwrap().into(),
                d["erp_available"].as_i64().unwrap(),
                d["shopify_available"].as_i64().unwrap(),
                d["difference"].as_i64().unwrap(),
            )
        })
        .collect();
    drift.sort();
    assert_eq!(
        drift,
        vec![("SKU-1-0".into(), s.main.clone(), 7, 3, 4), ("SKU-3-0".into(), s.backroom.clone(), 12, 40, -28)],
        "{out}"
    );
    assert_eq!(report["summary"]["drifted"], 2);
    assert_eq!(report["summary"]["erp_only"], 0);
    assert_eq!(report["summary"]["shopify_only"], 0);

    // The human summary names them too.
    let out = s.weft(&["reconcile"]);
    assert!(
        out.ok && out.stdout.contains("2 drifted") && out.stdout.contains("SKU-1-0") && out.stdout.contains("SKU-3-0"),
        "{out}"
    );

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
    let mut text = std::fs::read_to_string(&s.scenario.config).unwrap();
    text.push_str(&format!("[server]\nlisten = \"{addr}\"\n[reconcile]\nschedule = \"* * * * * *\"\n"));
    std::fs::write(&s.scenario.config, text).unwrap();
    let log = s.data().join("serve.log");
    let serve =
        common::engine::Serve::start(&s.scenario.config, &addr, &[("WEFT_TEST_TOKEN", "shpat_simulator_token")], &log);
    common::engine::wait_for(std::time::Duration::from_secs(60), "a scheduled reconciliation", || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("scheduled reconciliation done")
    });
    assert!(serve.terminate().success());
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.contains("scheduled reconciliation done")).unwrap();
    assert!(line.contains("drifted=1"), "{line}");

    // A bad schedule is refused at load, naming the key.
    let bad = std::fs::read_to_string(&s.scenario.config).unwrap().replace("* * * * * *", "every day");
    std::fs::write(&s.scenario.config, bad).unwrap();
    let out = s.weft(&["reconcile"]);
    assert!(!out.ok && out.stderr.contains("reconcile.schedule"), "{out}");
}

/// An orders export: (order id, created at, total) with one line of SKU-0-0.
fn orders(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from("order_id,name,source,email,customer_id,first_name,last_name,currency,created_at,financial_status,line_id,sku,title,quantity,unit_price,total\n");
    for (id, at, total) in rows {
        csv.push_str(&format!(
            "{id},{id},phone,ann@example.com,C1,Ann,Buyer,USD,{at},paid,{id}-1,SKU-0-0,Thing,1,{total},{total}\n"
        ));
    }
    csv
}

#[test]
fn reconcile_compares_order_counts_and_totals_per_day() {
    let s = Setup::new(&feed(&[]), "live");
    s.add_feed(
        "orders-1.csv",
        &orders(&[
            ("E1", "2026-11-02T10:00:00Z", "5.00"),
            ("E2", "2026-11-02T11:00:00Z", "7.25"),
            ("E3", "2026-11-03T09:00:00Z", "5.00"),
        ]),
    );
    s.add_flow("external-orders", "from = \"erp\"\nto = \"shopify\"\nobject = \"order\"");
    let out = s.weft(&["run", "external-orders", "--once"]);
    assert!(out.ok && out.stdout.contains("outcomes created 3, pulled 1;"), "{out}");
    // A storefront order is not the ERP's: it is not counted against the ERP's.
    s.sim.place_order(Some("shopper@example.com"), &[("SKU-1-0".into(), 1)]).unwrap();

    let out = s.weft(&["reconcile", "--flow", "external-orders", "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let days = &report["flows"][0]["order_days"];
    assert_eq!(days.as_array().unwrap().len(), 2, "{out}");
    assert_eq!(
        (days[0]["day"].as_str(), days[0]["erp_count"].as_u64(), days[0]["shopify_total"].as_str()),
        (Some("2026-11-02"), Some(2), Some("12.25")),
        "{out}"
    );
    assert_eq!(report["summary"]["order_days_drifted"], 0, "{out}");

    // An ERP order not imported yet: its day differs, by one order and its total.
    s.add_feed("orders-2.csv", &orders(&[("E4", "2026-11-03T12:00:00Z", "9.99")]));
    let out = s.weft(&["reconcile", "--flow", "external-orders", "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["order_days_drifted"], 1, "{out}");
    let day = &report["flows"][0]["order_days"][1];
    assert_eq!(
        (
            day["day"].as_str(),
            day["erp_count"].as_u64(),
            day["shopify_count"].as_u64(),
            day["erp_total"].as_str(),
            day["shopify_total"].as_str()
        ),
        (Some("2026-11-03"), Some(2), Some(1), Some("14.99"), Some("5.00")),
        "{out}"
    );
}
