//! `weft runs revert RUN` restores every inventory level the run changed (compare-and-set from
//! the value the run wrote), leaves a level changed since alone and reports it, writes nothing
//! with `--dry-run`, and a second revert changes nothing. The same for product fields and
//! prices of a catalog run; a product the run created is listed for a person. The real binary, the file-feed
//! connector and the simulator.

use crate::ops_support;

use ops_support::{feed, products, Setup};
use serde_json::Value;

fn sets(s: &Setup) -> u64 {
    s.writes().get("inventorySetQuantities").copied().unwrap_or(0)
}

#[test]
fn revert_restores_the_levels_a_run_changed_once() {
    let s = Setup::new(&feed(&[("SKU-0-0", 5, 6), ("SKU-1-0", 7, 8), ("SKU-2-0", 9, 10), ("SKU-3-0", 11, 12)]), "live");
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    // The feed update changes three levels (the other rows repeat what was pushed).
    s.add_feed("inventory-2.csv", &feed(&[("SKU-0-0", 20, 6), ("SKU-1-0", 15, 8), ("SKU-2-0", 9, 30)]));
    let out = s.weft(&["run", "inventory", "--once"]);
    assert!(out.ok, "{out}");
    assert_eq!(
        (s.available("SKU-0-0", &s.main), s.available("SKU-1-0", &s.main), s.available("SKU-2-0", &s.backroom)),
        (20, 15, 30),
        "{out}"
    );
    let out = s.weft(&["runs", "list", "--flow", "inventory", "--json"]);
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    // Newest first: the second pass's push batch is the newest run that updated levels.
    let run = runs.as_array().unwrap().iter().find(|r| r["counts"]["updated"].as_u64().unwrap_or(0) > 0).unwrap()["id"]
        .as_u64()
        .unwrap()
        .to_string();

    // A sale after the run: that level must not be overwritten.
    s.set_available("SKU-1-0", &s.main, 14);

    let before = sets(&s);
    let out = s.weft(&["runs", "revert", &run, "--dry-run"]);
    assert!(out.ok && out.stdout.contains("2 would restore"), "{out}");
    assert_eq!(sets(&s), before, "a dry run writes nothing");
    assert_eq!(s.available("SKU-0-0", &s.main), 20);

    let out = s.weft(&["runs", "revert", &run, "--json"]);
    assert!(out.ok, "{out}");
    assert!(out.stderr.contains("revert run"), "progress on stderr: {out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["restored"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(report["changed_since"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(report["changed_since"][0]["key"], "SKU-1-0", "{out}");
    assert_eq!(report["changed_since"][0]["now"], 14, "{out}");
    assert_eq!(s.available("SKU-0-0", &s.main), 5, "restored: {out}");
    assert_eq!(s.available("SKU-2-0", &s.backroom), 10, "restored: {out}");
    assert_eq!(s.available("SKU-1-0", &s.main), 14, "changed since the run: left alone: {out}");
    for (sku, loc, want) in [("SKU-0-0", &s.backroom, 6), ("SKU-3-0", &s.main, 11), ("SKU-3-0", &s.backroom, 12)] {
        assert_eq!(s.available(sku, loc), want, "not changed by the run, not touched by the revert");
    }

    let writes = sets(&s);
    let out = s.weft(&["runs", "revert", &run, "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["restored"].as_array().unwrap().len(), 0, "{out}");
    assert_eq!(report["already"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(sets(&s), writes, "a second revert changes nothing");

    let out = s.weft(&["runs", "revert", "999"]);
    assert!(!out.ok && out.stderr.contains("no run 999"), "{out}");
}

#[test]
fn revert_restores_product_fields_and_prices_and_lists_created_products() {
    let s = Setup::new(&feed(&[]), "live");
    s.add_feed(
        "products-1.csv",
        &products(&[
            ("P0", "product-0", "Product 0 Deluxe", "SKU-0-0", "5.00"),
            ("P1", "product-1", "Product 1", "SKU-1-0", "7.50"),
            ("P9", "product-9", "Product 9", "SKU-9-0", "3.00"),
        ]),
    );
    s.add_flow("catalog", "from = \"erp\"\nto = \"shopify\"\nobject = \"product\"");
    let out = s.weft(&["run", "catalog", "--once"]);
    assert!(out.ok, "{out}");
    assert_eq!(s.product("product-0"), ("Product 0 Deluxe".to_owned(), "5.00".to_owned()), "{out}");
    assert_eq!(s.product("product-1").1, "7.50", "{out}");
    let out = s.weft(&["runs", "list", "--flow", "catalog", "--json"]);
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    let run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["counts"].get("created").is_some() || r["counts"].get("updated").is_some())
        .unwrap()["id"]
        .as_u64()
        .unwrap()
        .to_string();

    let out = s.weft(&["runs", "revert", &run, "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(s.product("product-0"), ("Product 0".to_owned(), "5.00".to_owned()), "{out}");
    assert_eq!(s.product("product-1"), ("Product 1".to_owned(), "5.00".to_owned()), "{out}");
    assert_eq!(s.product("product-9").0, "Product 9", "a created product is not deleted: {out}");
    let person = report["for_person"].as_array().unwrap();
    assert!(person.len() == 1 && person[0].as_str().unwrap().contains("product-9"), "{out}");

    let writes = s.writes();
    let out = s.weft(&["runs", "revert", &run, "--json"]);
    assert!(out.ok, "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["restored"].as_array().unwrap().len(), 0, "{out}");
    assert_eq!(s.writes(), writes, "a second revert changes nothing");
}
