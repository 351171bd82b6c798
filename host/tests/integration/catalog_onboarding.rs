//! Connecting the ERP to a shop that already sells: 200 products whose handles differ from the
//! ERP's codes but whose SKUs match are linked and updated in place (0 created), `weft onboard`
//! lists exactly the seeded conflicts and one-sided SKUs, conflicting products are not written
//! until a person decides, and a new product whose handle an unrelated product has gets a handle
//! of its own. The real binary, the file-feed connector and the simulator.

use crate::common;
use crate::shopify_common;

use common::catalog_feed::HEADER;
use common::scenario::Scenario;
use serde_json::{json, Value};
use shopify_sim::SimHandle;

const MATCHED: usize = 200;

fn row(product: &str, code: &str, title: &str, option: &str, sku: &str) -> String {
    format!(
        "{product},{code},{title},,,,active,Title,{option},,,{product}-{option},{sku},,10.00,,,,2026-11-26T06:00:00Z\n"
    )
}

/// The ERP's export: P0..P199 (codes ERP-i, SKUs SKU-i-A/B; P0 also SKU-0-C, which the shop
/// lacks), E-DUP (DUP-1, on two products of the shop) and E-SPREAD (SPREAD-1 and SPREAD-2, on two
/// products of the shop).
fn erp_export() -> String {
    let mut csv = HEADER.to_owned();
    for i in 0..MATCHED {
        let options: &[&str] = if i == 0 { &["A", "B", "C"] } else { &["A", "B"] };
        for option in options {
            csv.push_str(&row(
                &format!("P{i}"),
                &format!("ERP-{i}"),
                &format!("ERP item {i}"),
                option,
                &format!("SKU-{i}-{option}"),
            ));
        }
    }
    csv.push_str(&row("E-DUP", "E-DUP", "Dup", "One", "DUP-1"));
    csv.push_str(&row("E-SPREAD", "E-SPREAD", "Spread", "One", "SPREAD-1"));
    csv.push_str(&row("E-SPREAD", "E-SPREAD", "Spread", "Two", "SPREAD-2"));
    csv
}

fn shop_seed() -> shopify_sim::Seed {
    let mut products: Vec<Value> = (0..MATCHED)
        .map(|i| {
            json!({"title": format!("Shop item {i}"), "handle": format!("shop-item-{i}"), "variants": [
                {"sku": format!("SKU-{i}-A"), "option": "A", "price": "1.00"}, {"sku": format!("SKU-{i}-B"), "option": "B", "price": "1.00"}]})
        })
        .collect();
    for (title, handle, sku) in [
        ("Dup A", "dup-a", "DUP-1"),
        ("Dup B", "dup-b", "DUP-1"),
        ("Spread A", "spread-a", "SPREAD-1"),
        ("Spread B", "spread-b", "SPREAD-2"),
        ("Shop only", "shop-only", "SHOP-ONLY-1"),
        ("Unrelated", "erp-new", "UNRELATED-1"),
    ] {
        products.push(
            json!({"title": title, "handle": handle, "variants": [{"sku": sku, "option": "One", "price": "1.00"}]}),
        );
    }
    serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": products})).unwrap()
}

/// (handle, title, sorted SKUs) of every product of the simulator.
fn shop(sim: &SimHandle) -> Vec<(String, String, Vec<String>)> {
    let state = sim.state();
    let variants = shopify_common::all(&state, "variants");
    let mut out: Vec<(String, String, Vec<String>)> = shopify_common::all(&state, "products")
        .into_iter()
        .map(|p| {
            let mut skus: Vec<String> = variants
                .iter()
                .filter(|v| v["product_id"] == p["id"])
                .map(|v| v["sku"].as_str().unwrap_or_default().to_owned())
                .collect();
            skus.sort();
            (p["handle"].as_str().unwrap().to_owned(), p["title"].as_str().unwrap().to_owned(), skus)
        })
        .collect();
    out.sort();
    out
}

fn product_gid(sim: &SimHandle, handle: &str) -> String {
    let id = shopify_common::all(&sim.state(), "products").into_iter().find(|p| p["handle"] == handle).unwrap()["id"]
        .clone();
    format!("gid://shopify/Product/{id}")
}

fn onboard(scenario: &Scenario) -> (bool, Value) {
    let out = scenario.command().args(["onboard", "--json"]).output().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.success(), report)
}

fn run_catalog(scenario: &Scenario) {
    let (ok, out, err) = scenario.weft(&["run", "catalog", "--once"]);
    assert!(ok, "{out}{err}");
}

#[test]
fn an_existing_catalog_is_linked_by_sku_and_conflicts_wait_for_a_person() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shop_seed()));
    let scenario =
        Scenario::builder(&sim).build("[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n");
    scenario.feed_file("products.csv", &erp_export());
    let before = shop(&sim);

    // Before the first write: what connecting will do.
    let (ok, report) = onboard(&scenario);
    assert!(!ok, "undecided conflicts: exit 1");
    assert_eq!(
        (report["linked"].as_u64(), report["new"].as_u64(), report["erp_products"].as_u64()),
        (Some(200), Some(0), Some(202)),
        "{report:#}"
    );
    let conflicts: Vec<(String, String, Vec<String>)> = report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let handles = c["shopify_products"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["handle"].as_str().unwrap().to_owned())
                .collect();
            (c["erp_product"].as_str().unwrap().to_owned(), c["kind"].as_str().unwrap().to_owned(), handles)
        })
        .collect();
    assert_eq!(
        conflicts,
        [
            ("E-DUP".to_owned(), "duplicate_key".to_owned(), vec!["dup-a".to_owned(), "dup-b".to_owned()]),
            ("E-SPREAD".to_owned(), "spread".to_owned(), vec!["spread-a".to_owned(), "spread-b".to_owned()]),
        ]
    );
    assert_eq!(report["shopify_only"], json!(["SHOP-ONLY-1", "UNRELATED-1"]));
    assert_eq!(report["erp_only"], json!(["SKU-0-C"]));

    // The first sync: every matched product updated in place, none created, conflicts held.
    let writes = sim.counters().writes.get("productSet").copied().unwrap_or(0);
    run_catalog(&scenario);
    let after = shop(&sim);
    assert_eq!(after.len(), before.len(), "0 products created");
    assert_eq!(sim.counters().writes.get("productSet").copied().unwrap_or(0) - writes, 200);
    for i in 0..MATCHED {
        let (handle, title, skus) = &after.iter().find(|p| p.0 == format!("shop-item-{i}")).unwrap();
        assert_eq!(title, &format!("ERP item {i}"), "{handle}: updated in place, its handle kept");
        let mut want = vec![format!("SKU-{i}-A"), format!("SKU-{i}-B")];
        if i == 0 {
            want.push("SKU-0-C".into());
        }
        assert_eq!(skus, &want);
    }
    for handle in ["dup-a", "dup-b", "spread-a", "spread-b", "shop-only", "erp-new"] {
        assert_eq!(after.iter().find(|p| p.0 == handle), before.iter().find(|p| p.0 == handle), "{handle} untouched");
    }
    let (_, dlq, _) = scenario.weft(&["dlq", "list", "--json"]);
    let dead: Vec<Value> = serde_json::from_str(&dlq).unwrap();
    let held: Vec<(&str, &str)> =
        dead.iter().map(|d| (d["error"]["class"].as_str().unwrap(), d["error"]["message"].as_str().unwrap())).collect();
    assert_eq!(held.len(), 2, "{held:#?}");
    assert!(held.iter().all(|(class, message)| *class == "needs_person" && message.contains("decisions")), "{held:#?}");

    // A person decides: E-DUP is skipped, E-SPREAD goes into spread-a. Retried, they settle.
    let spread_a = product_gid(&sim, "spread-a");
    let mut text = std::fs::read_to_string(&scenario.config).unwrap();
    text.push_str(&format!("[flows.catalog.decisions]\n\"E-DUP\" = \"skip\"\n\"E-SPREAD\" = \"{spread_a}\"\n"));
    std::fs::write(&scenario.config, text).unwrap();
    let (ok, out, err) = scenario.weft(&["dlq", "retry", "--flow", "catalog", "--all"]);
    assert!(ok, "{out}{err}");
    run_catalog(&scenario);
    let decided = shop(&sim);
    assert_eq!(decided.len(), before.len());
    let spread = decided.iter().find(|p| p.0 == "spread-a").unwrap();
    assert_eq!((spread.1.as_str(), spread.2.clone()), ("Spread", vec!["SPREAD-1".to_owned(), "SPREAD-2".to_owned()]));
    assert_eq!(decided.iter().find(|p| p.0 == "dup-a"), before.iter().find(|p| p.0 == "dup-a"), "skipped");
    let (ok, report) = onboard(&scenario);
    assert!(ok, "every conflict decided: {report:#}");
    assert_eq!(report["conflicts"][0]["decision"], json!("skip"));

    // A new product whose handle an unrelated product of the shop has: a handle of its own.
    scenario.feed_file("products-2.csv", &format!("{HEADER}{}", row("P-NEW", "ERP-NEW", "Brand new", "One", "NEW-1")));
    run_catalog(&scenario);
    let last = shop(&sim);
    assert_eq!(last.len(), before.len() + 1);
    let made = last.iter().find(|p| p.2 == ["NEW-1"]).unwrap();
    assert!(made.0.starts_with("erp-new-") && made.1 == "Brand new", "{made:?}");
    assert_eq!(
        last.iter().find(|p| p.0 == "erp-new"),
        before.iter().find(|p| p.0 == "erp-new"),
        "the unrelated product is untouched"
    );
}
