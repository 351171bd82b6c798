//! Inventory sync throughput against the Shopify simulator (Standard plan).
//!
//! Run: `cargo bench -p weft --bench shopify_throughput --profile dev`
//! (env `WEFT_BENCH_ITEMS`, default 12500, and `WEFT_BENCH_NAIVE_ITEMS`, default 30).
//!
//! Both runs start from a bucket holding one mutation's cost, so what is measured is the
//! sustained regime under the plan's restore rate. Printed, not asserted:
//! - weft's batched client: items/s ÷ the theoretical maximum (restore rate ÷ cost per
//!   mutation × items per mutation, after the initial points), goal ≥ 0.90 with zero THROTTLED;
//! - a naive client (one item per mutation, retry after THROTTLED): weft ÷ naive, goal ≥ 100×.

use serde_json::{json, Value as Json};
use shopify_sim::{Plan, Seed, SimConfig, SimHandle, Simulator};
use std::time::{Duration, Instant};
use weft::config::Secret;
use weft::shopify::inventory::{set_quantities, QuantityName, QuantitySet, SetQuantities};
use weft::shopify::queries::INVENTORY_SET_QUANTITIES;
use weft::shopify::{ClientConfig, ShopifyClient};

/// Points in the bucket when a run starts (one mutation).
const START_POINTS: f64 = 10.0;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

fn seed(items: usize) -> Seed {
    let per_product = 100;
    let products: Vec<Json> = (0..items.div_ceil(per_product))
        .map(|p| {
            let variants: Vec<Json> =
                (0..per_product).map(|v| json!({"sku": format!("B-{p}-{v}"), "inventory": {"Main": 0}})).collect();
            json!({"title": format!("Bench {p}"), "variants": variants})
        })
        .collect();
    serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": products})).expect("bench seed")
}

fn targets(sim: &SimHandle, n: usize, quantity: i64) -> Vec<QuantitySet> {
    let state = sim.state();
    state["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .take(n)
        .map(|l| QuantitySet {
            inventory_item_id: format!("gid://shopify/InventoryItem/{}", l["item_id"]),
            location_id: format!("gid://shopify/Location/{}", l["location_id"]),
            quantity,
            change_from: None,
        })
        .collect()
}

/// One item per mutation, sent as fast as possible; THROTTLED is retried after 100 ms.
async fn naive(sim: &SimHandle, items: &[QuantitySet]) -> (Duration, u64) {
    let http = reqwest::Client::new();
    let url = sim.graphql_url("2026-04");
    let mut throttled = 0;
    let start = Instant::now();
    for (i, q) in items.iter().enumerate() {
        let input = json!({"name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": q.inventory_item_id, "locationId": q.location_id, "quantity": q.quantity, "changeFromQuantity": null}]});
        let body = json!({"query": INVENTORY_SET_QUANTITIES.document, "variables": {"input": input, "key": format!("naive-{i}")}});
        loop {
            let response: Json = http
                .post(&url)
                .header("x-shopify-access-token", sim.token())
                .json(&body)
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json");
            let is_throttled =
                response["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["extensions"]["code"] == "THROTTLED"));
            if !is_throttled {
                break;
            }
            throttled += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    (start.elapsed(), throttled)
}

#[tokio::main]
async fn main() {
    let items = env_count("WEFT_BENCH_ITEMS", 12_500);
    let naive_items = env_count("WEFT_BENCH_NAIVE_ITEMS", 30);
    let plan = Plan::STANDARD;
    let sim = Simulator::start(SimConfig { seed: seed(items.max(naive_items)), plan, ..SimConfig::default() })
        .await
        .expect("simulator");
    let client = ShopifyClient::new(ClientConfig::new(sim.base_url(), "2026-04", Secret::new(sim.token().to_string())))
        .expect("client");

    let batch = targets(&sim, items, 7);
    sim.set_bucket_available(START_POINTS);
    sim.reset_counters();
    let req = SetQuantities {
        name: QuantityName::Available,
        reason: "correction",
        reference_document_uri: None,
        key_scope: "bench",
    };
    let start = Instant::now();
    let outcomes = set_quantities(&client, &req, &batch).await;
    let elapsed = start.elapsed();
    let failed = outcomes.iter().filter(|o| o.is_err()).count();
    let counters = sim.counters();
    let mutations = counters.writes.get("inventorySetQuantities").copied().unwrap_or(0).max(1);
    let cost_per_mutation = counters.cost_spent as f64 / mutations as f64;
    let min_seconds = (counters.cost_spent as f64 - START_POINTS).max(0.0) / plan.restore_rate;
    let max_rate = items as f64 / min_seconds;
    let rate = items as f64 / elapsed.as_secs_f64();

    let single = targets(&sim, naive_items, 3);
    sim.set_bucket_available(START_POINTS);
    sim.reset_counters();
    let (naive_elapsed, naive_throttled) = naive(&sim, &single).await;
    let naive_rate = naive_items as f64 / naive_elapsed.as_secs_f64();

    println!("shopify_throughput (Standard plan: {} points, {}/s restore)", plan.maximum_available, plan.restore_rate);
    println!("  weft batched : {items} items in {:.2}s = {rate:.0} items/s, {mutations} mutations at {cost_per_mutation:.0} points, {failed} failed", elapsed.as_secs_f64());
    println!(
        "                 THROTTLED seen by Shopify: {}, by callers: 0 ({} absorbed by the client)",
        counters.throttled,
        client.stats().throttled
    );
    println!(
        "  theoretical  : {max_rate:.0} items/s (cost {} points above the starting {START_POINTS}, {:.2}s minimum)",
        counters.cost_spent, min_seconds
    );
    println!("  ratio vs theoretical maximum: {:.3} (goal >= 0.90)", rate / max_rate);
    println!(
        "  naive        : {naive_items} items in {:.2}s = {naive_rate:.1} items/s, {naive_throttled} THROTTLED retried",
        naive_elapsed.as_secs_f64()
    );
    println!("  ratio vs naive: {:.0}x (goal >= 100x)", rate / naive_rate);
}
