//! Order edits through the calculated order, and partial fulfilment of a fulfillment order
//! with tracking, in two shipments.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::SimHandle;

/// (available, committed) of `sku` at Main.
async fn stock(sim: &SimHandle, sku: &str) -> (i64, i64) {
    let (_, item) = item_of(sim, sku).await;
    let q = "query($i: ID!, $l: ID!){ inventoryItem(id: $i){ inventoryLevel(locationId: $l){ quantities(names: [\"available\", \"committed\"]){ quantity } } } }";
    let d = data(sim, q, json!({"i": item, "l": location(sim, "Main").await})).await;
    let q = &d["inventoryItem"]["inventoryLevel"]["quantities"];
    (q[0]["quantity"].as_i64().unwrap(), q[1]["quantity"].as_i64().unwrap())
}

fn topics(got: &[Received]) -> Vec<String> {
    got.iter().map(|r| r.headers["x-shopify-topic"].to_str().unwrap().to_owned()).collect()
}

const CALCULATED: &str =
    "calculatedOrder { id totalPriceSet { shopMoney { amount } } addedLineItems(first: 5) { nodes { id quantity sku } }
  lineItems(first: 10) { nodes { id sku quantity editableQuantity } } stagedChanges(first: 5) { nodes { __typename } } }
  orderEditSession { id } userErrors { field message }";

#[tokio::test]
async fn an_order_edit_adds_a_variant_and_lowers_a_quantity_on_commit() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_EDITED", &receiver.url).await;
    let id =
        format!("gid://shopify/Order/{}", sim.place_order(None, &[("SHIRT-S".into(), 2), ("MUG".into(), 1)]).unwrap());
    assert_eq!(stock(&sim, "SHIRT-S").await, (8, 2));

    let begin = format!("mutation($id: ID!) {{ orderEditBegin(id: $id) {{ {CALCULATED} }} }}");
    let d = data(&sim, &begin, json!({"id": id})).await;
    let calc = d["orderEditBegin"]["calculatedOrder"].clone();
    assert_eq!(calc["totalPriceSet"]["shopMoney"]["amount"], "48.50");
    let shirt =
        calc["lineItems"]["nodes"].as_array().unwrap().iter().find(|l| l["sku"] == "SHIRT-S").unwrap()["id"].clone();
    assert!(shirt.as_str().unwrap().starts_with("gid://shopify/CalculatedLineItem/"));

    let (cap, _) = item_of(&sim, "CAP").await;
    let add = format!("mutation($id: ID!, $v: ID!) {{ orderEditAddVariant(id: $id, variantId: $v, quantity: 3) {{ calculatedLineItem {{ id quantity }} {CALCULATED} }} }}");
    let d = data(&sim, &add, json!({"id": calc["id"], "v": cap})).await;
    assert_eq!(d["orderEditAddVariant"]["calculatedLineItem"]["quantity"], 3, "{d}");
    assert_eq!(d["orderEditAddVariant"]["calculatedOrder"]["totalPriceSet"]["shopMoney"]["amount"], "78.50");
    let again = data(&sim, &add, json!({"id": calc["id"], "v": cap})).await;
    assert!(again["orderEditAddVariant"]["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("already on the order"));

    let set = format!("mutation($id: ID!, $l: ID!, $q: Int!) {{ orderEditSetQuantity(id: $id, lineItemId: $l, quantity: $q, restock: true) {{ calculatedLineItem {{ id quantity }} {CALCULATED} }} }}");
    let session = d["orderEditAddVariant"]["orderEditSession"]["id"].clone();
    assert!(session.as_str().unwrap().starts_with("gid://shopify/OrderEditSession/"));
    let d = data(&sim, &set, json!({"id": session, "l": shirt, "q": 1})).await;
    let staged = &d["orderEditSetQuantity"]["calculatedOrder"];
    assert_eq!(staged["totalPriceSet"]["shopMoney"]["amount"], "58.50", "{d}");
    assert_eq!(
        staged["stagedChanges"]["nodes"],
        json!([{"__typename": "OrderStagedChangeAddVariant"}, {"__typename": "OrderStagedChangeDecrementItem"}])
    );
    assert_eq!(stock(&sim, "SHIRT-S").await, (8, 2), "nothing changes before the commit");

    let commit = "mutation($id: ID!) { orderEditCommit(id: $id, notifyCustomer: false, staffNote: \"phone call\") { order { edited displayFinancialStatus
        totalPriceSet { shopMoney { amount } } totalOutstandingSet { shopMoney { amount } } lineItems(first: 5) { nodes { sku quantity currentQuantity } } } userErrors { message } } }";
    let d = data(&sim, commit, json!({"id": calc["id"]})).await;
    let o = &d["orderEditCommit"]["order"];
    assert_eq!(o["edited"], true, "{d}");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["amount"], "58.50");
    assert_eq!(o["totalOutstandingSet"]["shopMoney"]["amount"], "10.00", "the buyer owes the difference");
    assert_eq!(o["displayFinancialStatus"], "PARTIALLY_PAID");
    assert_eq!(
        o["lineItems"]["nodes"],
        json!([{"sku": "SHIRT-S", "quantity": 2, "currentQuantity": 1}, {"sku": "MUG", "quantity": 1, "currentQuantity": 1}, {"sku": "CAP", "quantity": 3, "currentQuantity": 3}])
    );
    assert_eq!(stock(&sim, "SHIRT-S").await, (9, 1), "the removed unit was restocked");
    assert_eq!(stock(&sim, "CAP").await, (0, 3), "the added units are claimed");
    let d = data(&sim, commit, json!({"id": calc["id"]})).await;
    assert!(d["orderEditCommit"]["userErrors"][0]["message"].as_str().unwrap().contains("already been committed"));

    // A second edit counts from what the first left: one shirt more goes.
    let second = data(&sim, &begin, json!({"id": id})).await["orderEditBegin"]["calculatedOrder"]["id"].clone();
    data(&sim, &set, json!({"id": second, "l": shirt, "q": 0})).await;
    data(&sim, commit, json!({"id": second})).await;

    let got = receiver.wait_for(2).await;
    assert_eq!(topics(&got), ["orders/edited", "orders/edited"]);
    let edits: Vec<Json> =
        got.iter().map(|r| serde_json::from_slice::<Json>(&r.body).unwrap()["order_edit"].clone()).collect();
    let oe = edits.iter().find(|e| e["line_items"]["additions"] != json!([])).expect("the first edit");
    assert_eq!(oe["staff_note"], "phone call");
    assert_eq!(oe["order_id"].as_u64().map(|n| format!("gid://shopify/Order/{n}")), Some(id.clone()));
    assert_eq!(oe["line_items"]["additions"][0]["delta"], 3);
    assert_eq!(oe["line_items"]["removals"][0]["delta"], 1);
    let later = edits.iter().find(|e| e["line_items"]["additions"] == json!([])).expect("the second edit");
    assert_eq!(
        later["line_items"]["removals"],
        json!([{"id": shirt.as_str().unwrap().rsplit('/').next().unwrap().parse::<u64>().unwrap(), "delta": 1}])
    );
}

#[tokio::test]
async fn an_edit_cannot_go_below_what_was_shipped() {
    let sim = start().await;
    let id = format!("gid://shopify/Order/{}", sim.place_order(None, &[("MUG".into(), 2)]).unwrap());
    let fo = data(
        &sim,
        "query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 1) { nodes { id } } } }",
        json!({"id": id}),
    )
    .await["order"]["fulfillmentOrders"]["nodes"][0]["id"]
        .clone();
    data(
        &sim,
        "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
        json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}}),
    )
    .await;
    let d =
        data(&sim, &format!("mutation($id: ID!) {{ orderEditBegin(id: $id) {{ {CALCULATED} }} }}"), json!({"id": id}))
            .await;
    let calc = &d["orderEditBegin"]["calculatedOrder"];
    let line = &calc["lineItems"]["nodes"][0];
    assert_eq!(line["editableQuantity"], 0, "shipped units cannot be edited");
    let q = "mutation($id: ID!, $l: ID!) { orderEditSetQuantity(id: $id, lineItemId: $l, quantity: 1) { userErrors { field message } } }";
    let d = data(&sim, q, json!({"id": calc["id"], "l": line["id"]})).await;
    assert_eq!(d["orderEditSetQuantity"]["userErrors"][0]["field"], json!(["quantity"]));
    let d = data(
        &sim,
        "mutation { orderEditBegin(id: \"gid://shopify/Order/1\") { userErrors { field message } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["orderEditBegin"]["userErrors"][0]["message"], "Order does not exist");
}

const FULFIL: &str = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id status totalQuantity trackingInfo { number company url } fulfillmentLineItems(first: 5) { nodes { quantity lineItem { sku } } } }
  userErrors { field message } } }";

#[tokio::test]
async fn a_partial_shipment_then_the_rest_makes_two_fulfillments() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    for topic in ["FULFILLMENTS_CREATE", "ORDERS_PARTIALLY_FULFILLED", "ORDERS_FULFILLED"] {
        subscribe(&sim, topic, &receiver.url).await;
    }
    let id = format!(
        "gid://shopify/Order/{}",
        sim.place_order(Some("fay@example.com"), &[("SHIRT-S".into(), 2), ("MUG".into(), 3)]).unwrap()
    );
    let q = "query($id: ID!) { order(id: $id) { displayFulfillmentStatus fulfillments { trackingInfo { number } }
        fulfillmentOrders(first: 5) { nodes { id status assignedLocation { name } lineItems(first: 10) { nodes { id sku totalQuantity remainingQuantity } } } } } }";
    let before = data(&sim, q, json!({"id": id})).await;
    let fo = &before["order"]["fulfillmentOrders"]["nodes"][0];
    assert_eq!((fo["status"].as_str(), fo["assignedLocation"]["name"].as_str()), (Some("OPEN"), Some("Main")));
    let line = |sku: &str| {
        fo["lineItems"]["nodes"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap()["id"].clone()
    };
    assert_eq!(stock(&sim, "MUG").await, (37, 3));

    let first = json!({"notifyCustomer": true, "trackingInfo": {"number": "1Z001", "company": "UPS", "url": "https://ups.example/1Z001"},
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": line("SHIRT-S"), "quantity": 1}, {"id": line("MUG"), "quantity": 3}]}]});
    let d = data(&sim, FULFIL, json!({"f": first})).await;
    let f = &d["fulfillmentCreate"]["fulfillment"];
    assert_eq!(f["totalQuantity"], 4, "{d}");
    assert_eq!(f["trackingInfo"], json!([{"number": "1Z001", "company": "UPS", "url": "https://ups.example/1Z001"}]));
    assert_eq!(stock(&sim, "MUG").await, (37, 0), "shipped units leave committed");
    let mid = data(&sim, q, json!({"id": id})).await;
    assert_eq!(mid["order"]["displayFulfillmentStatus"], "PARTIALLY_FULFILLED");
    let fo_mid = &mid["order"]["fulfillmentOrders"]["nodes"][0];
    assert_eq!(fo_mid["status"], "IN_PROGRESS");
    let remaining: Vec<(String, i64)> = fo_mid["lineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["remainingQuantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(remaining, [("SHIRT-S".to_owned(), 1), ("MUG".to_owned(), 0)]);

    let too_many = json!({"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": line("MUG"), "quantity": 1}]}]});
    let d = data(&sim, FULFIL, json!({"f": too_many})).await;
    assert_eq!(
        d["fulfillmentCreate"]["userErrors"][0]["message"],
        "Invalid fulfillment order line item quantity requested."
    );

    let rest = json!({"trackingInfo": {"numbers": ["1Z002"], "company": "DHL"}, "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]});
    let d = data(&sim, FULFIL, json!({"f": rest})).await;
    assert_eq!(
        d["fulfillmentCreate"]["fulfillment"]["fulfillmentLineItems"]["nodes"],
        json!([{"quantity": 1, "lineItem": {"sku": "SHIRT-S"}}])
    );
    let after = data(&sim, q, json!({"id": id})).await;
    assert_eq!(after["order"]["displayFulfillmentStatus"], "FULFILLED");
    assert_eq!(after["order"]["fulfillmentOrders"]["nodes"][0]["status"], "CLOSED");
    assert_eq!(
        after["order"]["fulfillments"],
        json!([{"trackingInfo": [{"number": "1Z001"}]}, {"trackingInfo": [{"number": "1Z002"}]}])
    );

    let got = receiver.wait_for(4).await;
    let mut seen = topics(&got);
    seen.sort();
    assert_eq!(seen, ["fulfillments/create", "fulfillments/create", "orders/fulfilled", "orders/partially_fulfilled"]);
    let created: Vec<Json> = got
        .iter()
        .filter(|r| r.headers["x-shopify-topic"] == "fulfillments/create")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let first = created.iter().find(|c| c["tracking_number"] == "1Z001").expect("first shipment");
    assert_eq!((first["tracking_company"].as_str(), first["notify_customer"].as_bool()), (Some("UPS"), Some(true)));
    assert_eq!(
        first["line_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["sku"].as_str().unwrap(), l["quantity"].as_i64().unwrap()))
            .collect::<Vec<_>>(),
        [("SHIRT-S", 1), ("MUG", 3)]
    );
}
