//! With about 20% of requests failing (5xx before or after the write, an HTML 502, THROTTLED),
//! every write lands exactly once: inventory batches through idempotency keys, products through
//! productSet upserts, orders through the sourceIdentifier guard.

use crate::shopify_common;

use serde_json::json;
use shopify_common::*;
use shopify_sim::{Fault, FaultRule};
use weft::shopify::inventory::{set_quantities, QuantityName, QuantitySet, SetQuantities};
use weft::shopify::orders::create_order_once;
use weft::shopify::products::{product_set, Named, OptionInput, OptionValue, ProductInput, VariantInput};

fn inject_20_percent(sim: &shopify_sim::SimHandle) {
    sim.inject(FaultRule::chance(Fault::Throttled, 0.06));
    sim.inject(FaultRule::chance(Fault::Status { status: 503 }, 0.04));
    sim.inject(FaultRule::chance(Fault::BadGatewayHtml, 0.03));
    // The write happens, then the answer is lost: the dangerous case for duplicates.
    sim.inject(FaultRule::chance(Fault::Status { status: 500 }, 0.07).after_execute());
    // And at least one lost answer per write kind, whatever the dice say.
    for op in ["inventorySetQuantities", "productSet", "orderCreate"] {
        sim.inject(FaultRule::times(Fault::Status { status: 500 }, 1).only(op).after_execute());
    }
}

#[tokio::test]
async fn inventory_batches_land_exactly_once() {
    let sim = start(seed(10, 50)).await;
    let client = client(&sim);
    let all = levels(&sim);
    inject_20_percent(&sim);
    let items: Vec<QuantitySet> = all
        .iter()
        .enumerate()
        .map(|(i, ((item, loc), current))| QuantitySet {
            inventory_item_id: item.clone(),
            location_id: loc.clone(),
            quantity: i as i64,
            change_from: Some(*current),
        })
        .collect();
    let req = SetQuantities {
        name: QuantityName::Available,
        reason: "correction",
        reference_document_uri: None,
        key_scope: "faults",
    };
    for outcome in set_quantities(&client, &req, &items).await {
        outcome.expect("written despite faults");
    }
    let counters = sim.counters();
    assert!(counters.faults_injected > 0, "faults were injected");
    assert!(client.stats().retries > 0, "lost answers were retried");
    assert_eq!(counters.writes["inventorySetQuantities"], 4, "1,000 quantities = 4 batches, each applied once");
    for (i, (_, q)) in levels(&sim).iter().enumerate() {
        assert_eq!(*q, i as i64);
    }
}

fn product(n: usize) -> ProductInput {
    ProductInput {
        title: format!("Faulty {n}"),
        product_options: vec![OptionInput {
            name: "Size".into(),
            values: vec![Named { name: "S".into() }, Named { name: "M".into() }],
        }],
        variants: ["S", "M"]
            .iter()
            .map(|s| VariantInput {
                sku: format!("F{n}-{s}"),
                price: "9.00".into(),
                compare_at_price: None,
                barcode: None,
                option_values: vec![OptionValue { option_name: "Size".into(), name: s.to_string() }],
            })
            .collect(),
        ..ProductInput::default()
    }
}

#[tokio::test]
async fn products_and_orders_land_exactly_once() {
    let sim = start(seed(1, 1)).await;
    let client = client(&sim);
    inject_20_percent(&sim);
    for n in 0..15 {
        let p = product_set(&client, &format!("faulty-{n}"), &product(n)).await.expect("product written");
        assert_eq!(p.variants.len(), 2);
    }
    let variant = first_variant(&sim);
    for n in 0..15 {
        let order = json!({"lineItems": [{"variantId": variant, "quantity": 1}], "currency": "USD"});
        create_order_once(&client, &format!("ERP-{n}"), order, json!({})).await.expect("order written");
    }
    let state = sim.state();
    assert_eq!(state["products"].as_object().unwrap().len(), 16, "the seed product + 15, no duplicates");
    assert_eq!(state["variants"].as_object().unwrap().len(), 1 + 30);
    let orders = state["orders"].as_object().unwrap();
    assert_eq!(orders.len(), 15, "one order per source identifier");
    let mut ids: Vec<&str> = orders.values().map(|o| o["source_identifier"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 15);
    assert!(sim.counters().faults_injected > 0);
}

#[tokio::test]
async fn rate_limits_and_gateway_errors_are_retried_and_retry_after_is_honoured() {
    let sim = start(seed(1, 1)).await;
    let client = client(&sim);
    sim.inject(FaultRule::times(Fault::Status { status: 429 }, 1));
    sim.inject(FaultRule::times(Fault::BadGatewayHtml, 1));
    let started = std::time::Instant::now();
    let levels =
        weft::shopify::inventory::levels_by_sku(&client, &["SKU-0-0".to_string()]).await.expect("read after retries");
    assert_eq!(levels.len(), 2);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After: 1.0 was waited out");
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_max_attempts() {
    let sim = start(seed(1, 1)).await;
    let client = client(&sim);
    sim.inject(FaultRule::times(Fault::Status { status: 500 }, 1000));
    let err =
        weft::shopify::inventory::levels_by_sku(&client, &["SKU-0-0".to_string()]).await.expect_err("never succeeds");
    assert!(matches!(err, weft::shopify::ShopifyError::Http { status: 500, .. }), "{err:?}");
    assert_eq!(client.stats().requests, u64::from(client.config().max_attempts));
}
