//! orderCreate retried after a timeout does not create a second order; bulk export reads all.

use crate::shopify_common;

use serde_json::json;
use shopify_common::*;
use shopify_sim::{Fault, FaultRule};
use std::time::Duration;
use weft::shopify::orders::create_order_once;

#[tokio::test]
async fn order_create_retried_after_a_timeout_creates_one_order() {
    let sim = start(seed(1, 1)).await;
    let mut config =
        weft::shopify::ClientConfig::new(sim.base_url(), VERSION, weft::config::Secret::new(sim.token().into()));
    config.request_timeout = Duration::from_millis(400);
    config.backoff_base = Duration::from_millis(50);
    let client = weft::shopify::ShopifyClient::new(config).unwrap();
    // The order is created, but the answer comes too late for the client.
    let mut rule = FaultRule::times(Fault::Timeout { delay_ms: 1500 }, 1).only("orderCreate").after_execute();
    rule.count = Some(1);
    sim.inject(rule);
    let order = json!({"lineItems": [{"variantId": first_variant(&sim), "quantity": 2}], "currency": "USD"});
    let first =
        create_order_once(&client, "MARKET-77", order.clone(), json!({})).await.expect("order exists after the retry");
    assert!(!first.created, "the retry found the order the timed-out request created");
    let again = create_order_once(&client, "MARKET-77", order, json!({})).await.expect("replay");
    assert_eq!(again.id, first.id);
    let state = sim.state();
    assert_eq!(state["orders"].as_object().unwrap().len(), 1, "exactly one order");
    assert_eq!(sim.counters().writes["orderCreate"], 1);
    assert_eq!(sim.counters().faults_injected, 1);
}

#[tokio::test]
async fn bulk_export_returns_every_product_and_variant() {
    let sim = start(seed(3, 4)).await;
    let client = client(&sim);
    let query = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }";
    let lines = weft::shopify::bulk::export(&client, query, Duration::from_millis(20), Duration::from_secs(10))
        .await
        .expect("export");
    assert_eq!(lines.len(), 3 + 12);
    let products: Vec<_> = lines.iter().filter(|l| l.get("__parentId").is_none()).collect();
    assert_eq!(products.len(), 3);
    assert!(lines
        .iter()
        .filter(|l| l.get("sku").is_some())
        .all(|v| products.iter().any(|p| p["id"] == v["__parentId"])));
}
