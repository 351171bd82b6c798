//! Shadow mode: the inventory flow runs its whole pipeline against the simulator and writes
//! nothing (the simulator's write counters stay empty); `weft shadow diff` lists exactly the
//! levels whose computed available differs from Shopify's, with both numbers, and follows
//! Shopify when it changes. The real binary, the file-feed connector and the simulator.

use crate::ops_support;

use ops_support::{feed, products, Setup};
use serde_json::Value;

/// Writes that change the shop: every counted mutation except starting a bulk *query* (a read
/// of the baseline, which the simulator counts as a mutation because it is one in GraphQL).
fn shop_writes(s: &Setup) -> Vec<(String, u64)> {
    s.writes().into_iter().filter(|(m, _)| m != "bulkOperationRunQuery").collect()
}

fn differences(out: &str) -> Vec<(String, String, Value, Value)> {
    let diff: Value = serde_json::from_str(out).unwrap();
    diff["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["field"].as_str().unwrap().to_owned(),
                d["intended"].clone(),
                d["actual"].clone(),
            )
        })
        .collect()
}

#[test]
fn shadow_writes_nothing_and_diff_lists_exactly_the_differences() {
    // The simulator has 10 everywhere; the ERP differs for three levels.
    let s =
        Setup::new(&feed(&[("SKU-0-0", 5, 6), ("SKU-1-0", 10, 10), ("SKU-2-0", 10, 3), ("SKU-3-0", 10, 10)]), "shadow");
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    assert_eq!(shop_writes(&s), vec![], "shadow mode writes nothing: {out}");
    assert_eq!(s.available("SKU-0-0", &s.main), 10);

    let out = s.weft(&["runs", "list", "--flow", "inventory", "--json"]);
    assert!(out.ok, "{out}");
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    let shadowed: u64 = runs.as_array().unwrap().iter().filter_map(|r| r["counts"]["shadowed"].as_u64()).sum();
    assert_eq!(shadowed, 8, "every level's job is acked as shadowed: {out}");
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .all(|r| r["counts"].get("updated").is_none() && r["counts"].get("created").is_none()),
        "{out}"
    );

    let out = s.weft(&["shadow", "diff", "inventory", "--json"]);
    assert!(out.ok, "{out}");
    let want = vec![
        (format!("SKU-0-0@{}", s.backroom), "available".to_owned(), Value::from(6), Value::from(10)),
        (format!("SKU-0-0@{}", s.main), "available".to_owned(), Value::from(5), Value::from(10)),
        (format!("SKU-2-0@{}", s.backroom), "available".to_owned(), Value::from(3), Value::from(10)),
    ];
    let mut got = differences(&out.stdout);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want = want;
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{out}");

    // Shopify changes (a sale): the diff follows; matching levels drop out.
    s.set_available("SKU-3-0", &s.main, 7);
    s.set_available("SKU-2-0", &s.backroom, 3);
    let out = s.weft(&["shadow", "diff", "inventory"]);
    assert!(out.ok, "{out}");
    assert!(out.stdout.contains("3 difference(s)"), "{out}");
    assert!(out.stdout.contains(&format!("SKU-3-0@{}", s.main)) && !out.stdout.contains("SKU-2-0@"), "{out}");
    assert_eq!(shop_writes(&s), vec![], "the diff only reads");
}

#[test]
fn shadow_catalog_diff_lists_changed_fields_prices_and_missing_products() {
    let s = Setup::new(&feed(&[]), "live");
    // The simulator has "Product N" (handle product-N) with SKU-N-0 at 5.00.
    s.add_feed(
        "products-1.csv",
        &products(&[
            ("P0", "product-0", "Product 0 Deluxe", "SKU-0-0", "5.00"),
            ("P1", "product-1", "Product 1", "SKU-1-0", "7.50"),
            ("P9", "product-9", "Product 9", "SKU-9-0", "3.00"),
        ]),
    );
    s.add_flow("catalog", "from = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nmode = \"shadow\"");
    let out = s.weft(&["run", "catalog", "--once"]);
    assert!(out.ok && out.stdout.contains("outcomes shadowed 3, pulled 1;"), "{out}");
    assert_eq!(shop_writes(&s), vec![], "shadow mode writes nothing: {out}");

    let out = s.weft(&["shadow", "diff", "catalog", "--json"]);
    assert!(out.ok, "{out}");
    let mut got = differences(&out.stdout);
    got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let want = vec![
        ("product-0".to_owned(), "title".to_owned(), Value::from("Product 0 Deluxe"), Value::from("Product 0")),
        ("product-1".to_owned(), "price[SKU-1-0]".to_owned(), Value::from("7.50"), Value::from("5.00")),
        ("product-9".to_owned(), "exists".to_owned(), Value::from(true), Value::from(false)),
    ];
    assert_eq!(got, want, "{out}");
}

#[test]
fn shadow_into_the_erp_pushes_nothing_and_diff_fetches_from_the_connector() {
    let s = Setup::new(&feed(&[]), "live");
    s.sim.place_order(Some("a@example.com"), &[("SKU-0-0".into(), 1)]).unwrap();
    s.sim.place_order(Some("b@example.com"), &[("SKU-1-0".into(), 2)]).unwrap();
    // The orders were placed before the flow first looks: `since` takes them in.
    s.add_flow(
        "orders",
        "from = \"shopify\"\nto = \"erp\"\nobject = \"order\"\nmode = \"shadow\"\nsince = \"2020-01-01\"",
    );
    let out = s.weft(&["run", "orders", "--once"]);
    assert!(out.ok && out.stdout.contains("outcomes shadowed 2, pulled 1;"), "{out}");
    let outbox = s.data().join("feed/out");
    let written = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "no ERP push in shadow mode: {out}");

    let out = s.weft(&["shadow", "diff", "orders", "--json"]);
    assert!(out.ok, "{out}");
    let got = differences(&out.stdout);
    assert_eq!(got.len(), 2, "{out}");
    assert!(
        got.iter().all(|(key, field, intended, actual)| key.starts_with("gid://shopify/Order/")
            && field == "exists"
            && intended == &Value::Bool(true)
            && actual == &Value::Bool(false)),
        "{out}"
    );
}
