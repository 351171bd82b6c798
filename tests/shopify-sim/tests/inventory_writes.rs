//! inventorySetQuantities with 2026-04 semantics: @idempotent required, replay, compare-and-set.

mod common;

use common::*;
use serde_json::{json, Value as Json};

const SET: &str = "mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code } } }";

async fn available(sim: &shopify_sim::SimHandle, item: &str, loc: &str) -> i64 {
    let d = data(sim, "query($i: ID!, $l: ID!){ inventoryItem(id: $i){ inventoryLevel(locationId: $l){ quantities(names: [\"available\", \"on_hand\"]){ name quantity } } } }", json!({"i": item, "l": loc})).await;
    d["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"].as_i64().unwrap()
}

fn input(item: &str, loc: &str, quantity: i64, change_from: Json) -> Json {
    json!({"name": "available", "reason": "correction", "quantities": [{"inventoryItemId": item, "locationId": loc, "quantity": quantity, "changeFromQuantity": change_from}]})
}

#[tokio::test]
async fn the_idempotent_directive_is_required() {
    let sim = start().await;
    let (_, item) = item_of(&sim, "MUG").await;
    let loc = location(&sim, "Main").await;
    let q = "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }";
    let (status, body) = gql(&sim, q, json!({"input": input(&item, &loc, 1, Json::Null)})).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["inventorySetQuantities"], Json::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert_eq!(body["errors"][0]["path"], json!(["inventorySetQuantities"]));
    assert_eq!(available(&sim, &item, &loc).await, 40);
}

#[tokio::test]
async fn a_replayed_key_returns_the_first_result_and_changes_nothing() {
    let sim = start().await;
    let (_, item) = item_of(&sim, "MUG").await;
    let loc = location(&sim, "Main").await;
    let first = data(&sim, SET, json!({"input": input(&item, &loc, 5, json!(40)), "key": "k1"})).await;
    let group = first["inventorySetQuantities"]["inventoryAdjustmentGroup"]["id"].clone();
    assert!(group.is_string(), "{first}");
    assert_eq!(
        first["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"][0],
        json!({"name": "available", "delta": -35, "quantityAfterChange": 5})
    );
    data(&sim, SET, json!({"input": input(&item, &loc, 7, Json::Null), "key": "k2"})).await;
    let replay = data(&sim, SET, json!({"input": input(&item, &loc, 5, json!(40)), "key": "k1"})).await;
    assert_eq!(replay["inventorySetQuantities"]["inventoryAdjustmentGroup"]["id"], group);
    assert_eq!(replay["inventorySetQuantities"]["userErrors"], json!([]));
    assert_eq!(available(&sim, &item, &loc).await, 7, "the replay must not write");
    assert_eq!(sim.counters().writes["inventorySetQuantities"], 2);

    let mismatch = data(&sim, SET, json!({"input": input(&item, &loc, 9, Json::Null), "key": "k1"})).await;
    assert_eq!(mismatch["inventorySetQuantities"]["userErrors"][0]["code"], "IDEMPOTENCY_KEY_PARAMETER_MISMATCH");
    assert_eq!(available(&sim, &item, &loc).await, 7);
}

#[tokio::test]
async fn compare_and_set_conflicts_reject_the_whole_batch() {
    let sim = start().await;
    let (_, mug) = item_of(&sim, "MUG").await;
    let (_, cap) = item_of(&sim, "CAP").await;
    let loc = location(&sim, "Main").await;
    let batch = json!({"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": mug, "locationId": loc, "quantity": 1, "changeFromQuantity": 40},
        {"inventoryItemId": cap, "locationId": loc, "quantity": 1, "changeFromQuantity": 99}]});
    let d = data(&sim, SET, json!({"input": batch, "key": "cas"})).await;
    let errors = &d["inventorySetQuantities"]["userErrors"];
    assert_eq!(errors[0]["code"], "CHANGE_FROM_QUANTITY_STALE");
    assert_eq!(errors[0]["field"], json!(["input", "quantities", "1", "changeFromQuantity"]));
    assert_eq!(d["inventorySetQuantities"]["inventoryAdjustmentGroup"], Json::Null);
    assert_eq!(available(&sim, &mug, &loc).await, 40, "no partial write");

    let missing = json!({"name": "available", "reason": "correction", "quantities": [{"inventoryItemId": mug, "locationId": loc, "quantity": 1}]});
    let d = data(&sim, SET, json!({"input": missing, "key": "missing"})).await;
    assert_eq!(d["inventorySetQuantities"]["userErrors"][0]["code"], "COMPARE_QUANTITY_REQUIRED");

    let bad_name = json!({"name": "committed", "reason": "correction", "quantities": []});
    let d = data(&sim, SET, json!({"input": bad_name, "key": "name"})).await;
    assert_eq!(d["inventorySetQuantities"]["userErrors"][0]["code"], "INVALID_NAME");
}

#[tokio::test]
async fn more_than_250_quantities_is_refused() {
    let sim = start().await;
    let (_, mug) = item_of(&sim, "MUG").await;
    let loc = location(&sim, "Main").await;
    let lines: Vec<Json> = (0..251)
        .map(|_| json!({"inventoryItemId": mug, "locationId": loc, "quantity": 1, "changeFromQuantity": null}))
        .collect();
    let (_, body) = gql(
        &sim,
        SET,
        json!({"input": {"name": "available", "reason": "correction", "quantities": lines}, "key": "big"}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_INPUT_SIZE_EXCEEDED", "{body}");
    assert_eq!(available(&sim, &mug, &loc).await, 40);
}

#[tokio::test]
async fn adjust_quantities_applies_deltas_and_moves_on_hand() {
    let sim = start().await;
    let (_, mug) = item_of(&sim, "MUG").await;
    let loc = location(&sim, "Main").await;
    let q = "mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) @idempotent(key: \"adj-1\") { inventoryAdjustmentGroup { changes { name delta quantityAfterChange } } userErrors { code } } }";
    let input = json!({"name": "available", "reason": "received", "changes": [{"inventoryItemId": mug, "locationId": loc, "delta": 3, "changeFromQuantity": null}]});
    let d = data(&sim, q, json!({"input": input})).await;
    assert_eq!(
        d["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"],
        json!([
        {"name": "available", "delta": 3, "quantityAfterChange": 43}, {"name": "on_hand", "delta": 3, "quantityAfterChange": 43}])
    );
}

#[tokio::test]
async fn before_2026_04_the_idempotent_directive_is_optional() {
    let sim = start().await;
    let (_, item) = item_of(&sim, "MUG").await;
    let loc = location(&sim, "Main").await;
    let q = "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }";
    let body =
        serde_json::to_vec(&json!({"query": q, "variables": {"input": input(&item, &loc, 12, Json::Null)}})).unwrap();
    let headers = [("content-type", "application/json"), ("x-shopify-access-token", sim.token())];
    let (status, _, bytes) = post_raw(&sim.graphql_url("2026-01"), &headers, body).await;
    assert_eq!(status, 200);
    let v: Json = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["data"]["inventorySetQuantities"]["userErrors"], json!([]), "{v}");
    assert_eq!(available(&sim, &item, &loc).await, 12);
}

#[tokio::test]
async fn bulk_toggle_activation_stocks_an_item_at_several_locations_at_once() {
    let sim = start().await;
    let (_, item) = item_of(&sim, "MUG").await;
    let (main, back) = (location(&sim, "Main").await, location(&sim, "Backroom").await);
    let q = "mutation($i: ID!, $u: [InventoryBulkToggleActivationInput!]!) { inventoryBulkToggleActivation(inventoryItemId: $i, inventoryItemUpdates: $u) {
        inventoryLevels { location { name } } userErrors { field code } } }";
    let level = |loc: &str| json!({"i": item, "l": loc});
    let stocked_at_back = "query($i: ID!, $l: ID!){ inventoryItem(id: $i){ inventoryLevel(locationId: $l){ id } } }";
    assert_eq!(data(&sim, stocked_at_back, level(&back)).await["inventoryItem"]["inventoryLevel"], Json::Null);

    // MUG is stocked at Main (40): activating Main again keeps its stock; Backroom is stocked at 0.
    let d = data(
        &sim,
        q,
        json!({"i": item, "u": [{"locationId": main, "activate": true}, {"locationId": back, "activate": true}]}),
    )
    .await;
    assert_eq!(d["inventoryBulkToggleActivation"]["userErrors"], json!([]), "{d}");
    assert_eq!(d["inventoryBulkToggleActivation"]["inventoryLevels"].as_array().unwrap().len(), 2);
    assert_eq!(available(&sim, &item, &main).await, 40);
    assert_eq!(available(&sim, &item, &back).await, 0);

    // An unknown location refuses the whole call; unstocking every location is refused too.
    let d = data(&sim, q, json!({"i": item, "u": [{"locationId": "gid://shopify/Location/999999", "activate": true}]}))
        .await;
    assert_eq!(d["inventoryBulkToggleActivation"]["userErrors"][0]["code"], "LOCATION_NOT_FOUND");
    let d = data(
        &sim,
        q,
        json!({"i": item, "u": [{"locationId": main, "activate": false}, {"locationId": back, "activate": false}]}),
    )
    .await;
    assert_eq!(d["inventoryBulkToggleActivation"]["userErrors"][0]["code"], "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION");
    let d = data(&sim, q, json!({"i": item, "u": [{"locationId": back, "activate": false}]})).await;
    assert_eq!(d["inventoryBulkToggleActivation"]["userErrors"], json!([]));
    assert_eq!(data(&sim, stocked_at_back, level(&back)).await["inventoryItem"]["inventoryLevel"], Json::Null);
    assert_eq!(sim.counters().writes.get("inventoryBulkToggleActivation"), Some(&2));
}
