//! Runs count what really happened, with the real `weft serve`: a product skipped by `skip_if` is
//! reported `skipped` with its reason (runs, /metrics) and, un-skipped later, updated in place
//! with its link intact; a tick whose pull finds nothing leaves no run; an unchanged order polled
//! again and again is one `created` and then `unchanged`, not a sync each time.

use crate::common;
use crate::shopify_common;
use crate::signals_support;

use common::engine::{get, post, wait_for};
use serde_json::{json, Value};
use signals_support::{scrape, value, Bed};
use std::time::Duration;
use weft::store::Store;

const FLOWS: &str = "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nskip_if = \"erp.vendor == 'Discontinued'\"\n\
                     [flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\n";

fn json_get(addr: &str, path: &str) -> Value {
    let (status, body) = get(addr, path).expect("admin API answers");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Every run of `flow`, newest first.
fn runs(addr: &str, flow: &str) -> Vec<Value> {
    json_get(addr, &format!("/api/runs?flow={flow}&limit=500")).as_array().cloned().unwrap_or_default()
}

/// Records of `flow` per outcome, over every run.
fn counts(addr: &str, flow: &str) -> std::collections::BTreeMap<String, u64> {
    let mut total = std::collections::BTreeMap::new();
    for run in runs(addr, flow) {
        for (outcome, n) in run["counts"].as_object().into_iter().flatten() {
            *total.entry(outcome.clone()).or_default() += n.as_u64().unwrap_or(0);
        }
    }
    total
}

/// Trigger `flow` now and wait until its queue is empty again.
fn run_now(addr: &str, flow: &str) {
    let (status, body) = post(addr, &format!("/api/flows/{flow}/run"), &[("content-type", "application/json")], b"")
        .expect("admin API answers");
    assert_eq!(status, 200, "{body}");
    wait_for(Duration::from_secs(60), "the flow's queue to drain", || {
        let q = &json_get(addr, "/api/queues")[flow];
        q["ready"].as_u64().unwrap_or(0) + q["leased"].as_u64().unwrap_or(0) == 0
    });
}

fn export(bed: &Bed, name: &str, vendor: &str, title: &str) {
    let header = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n";
    bed.scenario.feed_file(
        name,
        &format!("{header}P7,new-thing,{title},{vendor},,,active,,,,,P7-1,NEW-1,,9.00,,,,2026-11-26T06:00:00Z\n"),
    );
}

/// The simulator's products with handle `new-thing`: (id, title).
fn new_things(bed: &Bed) -> Vec<(Value, Value)> {
    shopify_common::all(&bed.sim.state(), "products")
        .into_iter()
        .filter(|p| p["handle"] == json!("new-thing"))
        .map(|p| (p["id"].clone(), p["title"].clone()))
        .collect()
}

#[test]
fn a_skip_is_reported_with_its_reason_and_the_unskipped_product_is_updated_in_place() {
    let bed = Bed::new(2, FLOWS);
    let serve = bed.serve();
    export(&bed, "products-1.csv", "Acme", "Thing");
    run_now(&bed.addr, "catalog");
    let created = new_things(&bed);
    assert_eq!(created.len(), 1, "{created:?}");
    let products = shopify_common::all(&bed.sim.state(), "products").len();

    export(&bed, "products-2.csv", "Discontinued", "Thing v2");
    run_now(&bed.addr, "catalog");
    assert_eq!(new_things(&bed), created, "a skipped product is not written");
    let run = &runs(&bed.addr, "catalog")[0];
    assert_eq!(run["counts"], json!({"skipped": 1}), "{run}");
    let records = json_get(&bed.addr, &format!("/api/runs/{}/records?outcome=skipped", run["id"]));
    let reason = records["records"][0]["reason"].as_str().unwrap_or_default().to_owned();
    assert!(reason.contains("skip_if holds: erp.vendor == 'Discontinued'"), "{records}");
    let metrics = scrape(&bed.addr);
    assert_eq!(value(&metrics, "weft_records_total", &[("flow", "catalog"), ("outcome", "skipped")]), 1.0);
    assert_eq!(
        value(&metrics, "weft_records_total", &[("flow", "catalog"), ("outcome", "updated")]),
        0.0,
        "a skip is not an update"
    );

    // The link to the Shopify product is intact after the skip (the store is read while no
    // `weft serve` holds it).
    serve.terminate();
    let store = Store::open(&bed.scenario.path().join("data")).unwrap();
    let link = store.id_link("product", "P7").unwrap().and_then(|l| l.shopify);
    assert_eq!(
        link.as_deref(),
        created[0].0.as_u64().map(|id| format!("gid://shopify/Product/{id}")).as_deref(),
        "the product's link after the skip"
    );
    drop(store);

    let _serve = bed.serve();
    export(&bed, "products-3.csv", "Acme", "Thing v3");
    run_now(&bed.addr, "catalog");
    assert_eq!(new_things(&bed), [(created[0].0.clone(), json!("Thing v3"))], "updated in place");
    assert_eq!(shopify_common::all(&bed.sim.state(), "products").len(), products, "no duplicate");
    assert_eq!(runs(&bed.addr, "catalog")[0]["counts"], json!({"updated": 1}));
}

#[test]
fn a_tick_with_nothing_to_do_leaves_no_run_and_a_repolled_order_stays_unchanged() {
    let bed = Bed::new(2, FLOWS);
    let _serve = bed.serve();
    // The inventory flow ticks every 300 ms with nothing to read.
    let tick = || json_get(&bed.addr, "/api/flows/inventory")["last_tick_ms"].as_u64().unwrap_or(0);
    let first = tick();
    wait_for(Duration::from_secs(30), "three more ticks", || tick() >= first + 900);
    // A tick in progress has its run open until it ends; an empty one is then gone.
    let left: Vec<Value> = runs(&bed.addr, "inventory").into_iter().filter(|r| r["status"] != "running").collect();
    assert_eq!(left, Vec::<Value>::new(), "ticks that find nothing leave no run");

    bed.sim.place_order(Some("shopper@example.com"), &[("SKU-0-0".into(), 1)]).unwrap();
    for _ in 0..10 {
        run_now(&bed.addr, "orders");
    }
    assert_eq!(
        counts(&bed.addr, "orders"),
        [("created".to_owned(), 1), ("pulled".to_owned(), 10), ("unchanged".to_owned(), 9)].into_iter().collect()
    );
    let metrics = scrape(&bed.addr);
    let orders = |outcome: &str| value(&metrics, "weft_records_total", &[("flow", "orders"), ("outcome", outcome)]);
    assert_eq!((orders("created"), orders("unchanged"), orders("updated")), (1.0, 9.0, 0.0));
    let outbox = bed.scenario.feed.join("out/orders");
    assert_eq!(std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0), 1, "one order in the ERP");
}
