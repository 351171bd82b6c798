//! Hybrid inventory: `inventory_levels/update` for storefront sales, POS sales, a person's
//! adjustment in the admin and API writes, with the fields Shopify sends; the level history;
//! and hand-made changes to an order's amounts for reconciliation tests.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{AdminAdjustment, CheckoutLine, LineAlteration, OrderAlteration, PosSale, ShippingAlteration};

async fn control(sim: &shopify_sim::SimHandle, path: &str, body: Json) -> (u16, Json) {
    let (status, _, bytes) = post_raw(
        &format!("{}{path}", sim.base_url()),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Json::Null))
}

#[tokio::test]
async fn every_kind_of_stock_change_raises_inventory_levels_update() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "INVENTORY_LEVELS_UPDATE", &receiver.url).await;
    let (_, mug) = item_of(&sim, "MUG").await;
    let main = location(&sim, "Main").await;

    sim.place_order(Some("a@example.com"), &[("MUG".into(), 2)]).unwrap();
    let pos = sim
        .pos_sale(&PosSale {
            location: "Main".into(),
            lines: vec![CheckoutLine {
                sku: "MUG".into(),
                quantity: 1,
                price: None,
                discount: None,
                tax_lines: vec![],
            }],
            email: None,
        })
        .unwrap();
    let after_admin = sim
        .admin_adjust(&AdminAdjustment {
            sku: "MUG".into(),
            location: "Main".into(),
            delta: Some(-5),
            available: None,
            reason: Some("damaged".into()),
        })
        .unwrap();
    assert_eq!(after_admin, 32);
    let (status, body) =
        control(&sim, "/_sim/inventory/adjust", json!({"sku": "MUG", "location": "Main", "available": 50})).await;
    assert_eq!((status, body), (200, json!({"available": 50})));
    let set = "mutation($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) @idempotent(key: \"weft-1\") { userErrors { code } } }";
    data(&sim, set, json!({"i": {"name": "available", "reason": "correction", "quantities": [{"inventoryItemId": mug, "locationId": main, "quantity": 45, "changeFromQuantity": 50}]}})).await;

    let got = receiver.wait_for(5).await;
    assert_eq!(got.len(), 5);
    let bodies: Vec<Json> = got.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    let mut available: Vec<i64> = bodies.iter().map(|b| b["available"].as_i64().unwrap()).collect();
    available.sort();
    assert_eq!(available, [32, 37, 38, 45, 50]);
    let mut keys: Vec<&str> = bodies[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["admin_graphql_api_id", "available", "inventory_item_id", "location_id", "updated_at"],
        "the fields Shopify sends"
    );
    let item_id: u64 = mug.rsplit('/').next().unwrap().parse().unwrap();
    let location_id: u64 = main.rsplit('/').next().unwrap().parse().unwrap();
    assert!(bodies.iter().all(|b| b["inventory_item_id"] == item_id && b["location_id"] == location_id));
    assert_eq!(
        bodies[0]["admin_graphql_api_id"],
        format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}")
    );

    let history: Vec<(String, i64, i64)> =
        sim.level_history().iter().map(|c| (c.cause.clone(), c.delta, c.available)).collect();
    assert_eq!(
        history,
        [
            ("storefront".into(), -2, 38),
            ("pos".into(), -1, 37),
            ("admin".into(), -5, 32),
            ("admin".into(), 18, 50),
            ("inventorySetQuantities".into(), -5, 45)
        ]
    );
    let (status, _, _) = post_raw(&format!("{}/_sim/inventory/history", sim.base_url()), &[], vec![]).await;
    assert_eq!(status, 404, "history is read with GET");
    let (status, bytes) = get(&format!("{}/_sim/inventory/history", sim.base_url())).await;
    assert_eq!(status, 200);
    let over_http: Json = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(over_http[1]["cause"], "pos");
    assert_eq!(over_http[1]["inventory_item_id"], item_id);

    let q = "query($id: ID!, $i: ID!, $l: ID!) { order(id: $id) { sourceName displayFulfillmentStatus displayFinancialStatus retailLocation { name } }
        inventoryItem(id: $i) { inventoryLevel(locationId: $l) { quantities(names: [\"committed\", \"on_hand\"]) { name quantity } } } }";
    let d = data(&sim, q, json!({"id": format!("gid://shopify/Order/{pos}"), "i": mug, "l": main})).await;
    assert_eq!(
        d["order"],
        json!({"sourceName": "pos", "displayFulfillmentStatus": "FULFILLED", "displayFinancialStatus": "PAID", "retailLocation": {"name": "Main"}})
    );
    assert_eq!(
        d["inventoryItem"]["inventoryLevel"]["quantities"],
        json!([{"name": "committed", "quantity": 2}, {"name": "on_hand", "quantity": 47}]),
        "the POS sale left at once; the web order is still committed"
    );
}

#[tokio::test]
async fn actor_endpoints_refuse_bad_requests_clearly() {
    let sim = start().await;
    let (status, body) =
        control(&sim, "/_sim/pos/sales", json!({"location": "Attic", "lines": [{"sku": "MUG", "quantity": 1}]})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("no location \"Attic\"")));
    let (status, body) = control(
        &sim,
        "/_sim/pos/sales",
        json!({"location": "Main", "lines": [{"sku": "MUG", "quantity": 1}], "till": 3}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("unknown field `till`"), "{body}");
    let (status, body) =
        control(&sim, "/_sim/inventory/adjust", json!({"sku": "MUG", "location": "Main", "delta": 1, "available": 3}))
            .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("give exactly one of delta or available")));
    let (status, body) = control(
        &sim,
        "/_sim/inventory/adjust",
        json!({"sku": "MUG", "location": "Main", "delta": 1, "reason": "because"}),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("The specified reason is invalid.")));
    let (status, _) = control(&sim, "/_sim/orders/999/alter", json!({"touch": true})).await;
    assert_eq!(status, 422);
    let (status, _) = control(&sim, "/_sim/nothing", json!({})).await;
    assert_eq!(status, 404);
    assert!(sim.level_history().is_empty());
}

#[tokio::test]
async fn an_order_altered_by_hand_drifts_silently_unless_touched() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_UPDATED", &receiver.url).await;
    let checkout = shopify_sim::Checkout {
        lines: vec![CheckoutLine {
            sku: "MUG".into(),
            quantity: 2,
            price: None,
            discount: None,
            tax_lines: vec![shopify_sim::CheckoutTax { title: "VAT".into(), rate: json!("0.1") }],
        }],
        shipping_lines: vec![shopify_sim::CheckoutShipping {
            title: "Std".into(),
            code: None,
            price: json!("5.00"),
            tax_lines: vec![],
        }],
        ..Default::default()
    };
    let id = sim.place_checkout(&checkout).unwrap();
    let gid = format!("gid://shopify/Order/{id}");
    let q = "query($id: ID!) { order(id: $id) { updatedAt processedAt totalPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } totalOutstandingSet { shopMoney { amount } } } }";
    let before = data(&sim, q, json!({"id": gid})).await;
    assert_eq!(before["order"]["totalPriceSet"]["shopMoney"]["amount"], "23.70", "17.00 + 1.70 tax + 5.00");

    let alteration = OrderAlteration {
        lines: vec![LineAlteration {
            sku: "MUG".into(),
            unit_price: Some(json!("9.00")),
            quantity: None,
            tax: Some(json!("2.00")),
        }],
        shipping_lines: vec![ShippingAlteration { index: 0, price: Some(json!("4.00")) }],
        processed_at: Some("2026-01-02T10:00:00Z".into()),
        touch: false,
    };
    sim.alter_order(id, &alteration).unwrap();
    let after = data(&sim, q, json!({"id": gid})).await;
    assert_eq!(after["order"]["totalPriceSet"]["shopMoney"]["amount"], "24.00", "18.00 + 2.00 + 4.00");
    assert_eq!(after["order"]["totalTaxSet"]["shopMoney"]["amount"], "2.00");
    assert_eq!(after["order"]["processedAt"], "2026-01-02T10:00:00Z");
    assert_eq!(after["order"]["updatedAt"], before["order"]["updatedAt"], "a silent change");
    assert_eq!(after["order"]["totalOutstandingSet"]["shopMoney"]["amount"], "0.30", "the payment no longer matches");

    let (status, body) = control(
        &sim,
        &format!("/_sim/orders/{id}/alter"),
        json!({"lines": [{"sku": "MUG", "quantity": 3}], "touch": true}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"ok": true})));
    let got = receiver.wait_for(1).await;
    let body: Json = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["total_price"], "33.00", "27.00 + 2.00 + 4.00, announced by orders/updated");
    let (status, body) =
        control(&sim, &format!("/_sim/orders/{gid}/alter"), json!({"lines": [{"sku": "CAP", "quantity": 1}]})).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("no line with sku \"CAP\""), "{body}");
}
