//! ERP categories → manual collections, only when the flow gives collections to the ERP: found by
//! the handle made from the category or created, products put in the collections they list and
//! taken out of the ones weft put them in; a collection weft did not make is never touched.
//! Without the override nothing about collections is written.

use crate::catalog_writes::product;
use crate::shopify_common;

use serde_json::{json, Value};
use shopify_sim::SimHandle;
use weft::config::Config;
use weft::flow::Written;
use weft::model::{KeyedRecord, PluginError, Record};
use weft::store::Store;

fn config(extra: &str) -> Config {
    shopify_common::writer_config(&format!(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{extra}"
    ))
}

fn item(id: &str, categories: &[&str]) -> KeyedRecord {
    let sku = format!("SKU-{id}");
    let mut keyed = product(id, id, &[(sku.as_str(), "One", "9.00")], json!({}));
    if let Record::Product(p) = &mut keyed.record {
        p.collections = categories.iter().map(|c| (*c).to_owned()).collect();
    }
    keyed.key = weft::flow::idempotency_key("products", &keyed.record);
    keyed
}

/// The simulator's collections: handle → the handles of their products, sorted.
fn collections(sim: &SimHandle) -> Vec<(String, Vec<String>)> {
    let state = sim.state();
    let handle = |id: &Value| {
        shopify_common::all(&state, "products").into_iter().find(|p| p["id"] == *id).map(|p| p["handle"].clone())
    };
    let mut out: Vec<(String, Vec<String>)> = shopify_common::all(&state, "collections")
        .into_iter()
        .map(|c| {
            let mut members: Vec<String> = c["product_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| handle(id)?.as_str().map(str::to_owned))
                .collect();
            members.sort();
            (c["handle"].as_str().unwrap_or("").to_owned(), members)
        })
        .collect();
    out.sort();
    out
}

fn writes(sim: &SimHandle, prefix: &str) -> u64 {
    sim.counters().writes.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, n)| n).sum()
}

fn entry(handle: &str, members: &[&str]) -> (String, Vec<String>) {
    (handle.to_owned(), members.iter().map(|m| (*m).to_owned()).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_become_manual_collections_only_when_the_erp_owns_them() {
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}],
        "products": [{"title": "Hat", "handle": "hat", "variants": [{"sku": "HAT", "price": "5.00"}]}],
        "collections": [{"title": "Summer", "handle": "summer", "products": ["hat"]}]}))
    .unwrap();
    let sim = shopify_common::start(seed).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let push = |config: &Config, records: &[KeyedRecord]| {
        tokio::task::block_in_place(|| shopify_common::push_as(&client, &store, config, "products", records))
    };
    let before = collections(&sim);
    assert_eq!(before, [entry("summer", &["hat"])]);

    // Shopify owns collections (the default): the categories change nothing.
    let shopify_owns = config("");
    let out = push(&shopify_owns, &[item("P1", &["Shirts", "Summer"])]);
    assert!(matches!(out[0], Ok(Written::Created(_))), "{out:?}");
    assert_eq!(collections(&sim), before);
    assert_eq!(writes(&sim, "collection"), 0);

    // The ERP owns them: "Shirts" is created and holds P1 and P2 (created once); the merchant's
    // "summer" is left alone and P1's record says so (P1 itself is written).
    let erp_owns = config("[flows.products.ownership]\ncollections = \"erp\"\n");
    let out = push(&erp_owns, &[item("P1", &["Shirts", "Summer"]), item("P2", &["Shirts"])]);
    assert!(
        matches!(&out[0], Err(PluginError::InvalidInput(e)) if e.message.contains("Summer") && e.message.contains("product was written")),
        "{out:?}"
    );
    assert!(matches!(out[1], Ok(Written::Updated(_) | Written::Created(_))), "{out:?}");
    assert_eq!(collections(&sim), [entry("shirts", &["p1", "p2"]), entry("summer", &["hat"])]);
    assert_eq!(sim.counters().writes.get("collectionCreate"), Some(&1));

    // P1 moves from Shirts to Sale: taken out of Shirts, put in a new Sale collection; the
    // merchant's collection still untouched. The same records again cost nothing.
    let moved = [item("P1", &["Sale"]), item("P2", &["Shirts"])];
    let out = push(&erp_owns, &moved);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(collections(&sim), [entry("sale", &["p1"]), entry("shirts", &["p2"]), entry("summer", &["hat"])]);
    let calls = writes(&sim, "collection");
    let out = push(&erp_owns, &moved);
    assert!(out.iter().all(|o| matches!(o, Ok(Written::Unchanged(_)))), "{out:?}");
    assert_eq!(writes(&sim, "collection"), calls);
}
