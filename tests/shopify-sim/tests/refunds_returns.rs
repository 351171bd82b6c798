//! Refunds (restock types, shipping, transactions, @idempotent, financial status, webhooks),
//! a cancellation that refunds, and returns from request to close.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{Checkout, CheckoutLine, CheckoutShipping, SimHandle};

const REFUND: &str = "mutation($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) {
  refund { id totalRefundedSet { shopMoney { amount } } refundLineItems(first: 5) { nodes { quantity restockType restocked location { name }
           subtotalSet { shopMoney { amount } } lineItem { sku } } } refundShippingLines(first: 5) { nodes { subtotalAmountSet { shopMoney { amount } } } }
           transactions(first: 5) { nodes { kind gateway amountSet { shopMoney { amount } } parentTransaction { kind } } } }
  order { displayFinancialStatus totalRefundedSet { shopMoney { amount } } currentTotalPriceSet { shopMoney { amount } }
          currentSubtotalPriceSet { shopMoney { amount } } totalRefundedShippingSet { shopMoney { amount } } totalOutstandingSet { shopMoney { amount } }
          lineItems(first: 5) { nodes { sku currentQuantity refundableQuantity unfulfilledQuantity } } }
  userErrors { field message } } }";

/// A paid storefront order: 2 SHIRT-S (20.00), 3 MUG (8.50) and 5.00 shipping = 70.50.
fn checkout() -> Checkout {
    let line = |sku: &str, quantity| CheckoutLine {
        sku: sku.into(),
        quantity,
        price: None,
        discount: None,
        tax_lines: vec![],
    };
    Checkout {
        email: Some("eve@example.com".into()),
        lines: vec![line("SHIRT-S", 2), line("MUG", 3)],
        shipping_lines: vec![CheckoutShipping {
            title: "Standard".into(),
            code: None,
            price: json!("5.00"),
            tax_lines: vec![],
        }],
        ..Checkout::default()
    }
}

async fn order(sim: &SimHandle, id: &str) -> Json {
    let q = "query($id: ID!) { order(id: $id) { lineItems(first: 5) { nodes { id sku } } fulfillmentOrders(first: 1) { nodes { id lineItems(first: 5) { nodes { id lineItem { sku } } } } } } }";
    data(sim, q, json!({"id": id})).await["order"].clone()
}

fn line_id(o: &Json, sku: &str) -> Json {
    o["lineItems"]["nodes"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap()["id"].clone()
}

/// (available, committed) of `sku` at a location.
async fn stock(sim: &SimHandle, sku: &str, loc: &str) -> (i64, i64) {
    let (_, item) = item_of(sim, sku).await;
    let q = "query($i: ID!, $l: ID!){ inventoryItem(id: $i){ inventoryLevel(locationId: $l){ quantities(names: [\"available\", \"committed\"]){ quantity } } } }";
    let d = data(sim, q, json!({"i": item, "l": location(sim, loc).await})).await;
    let q = &d["inventoryItem"]["inventoryLevel"]["quantities"];
    (q[0]["quantity"].as_i64().unwrap_or(0), q[1]["quantity"].as_i64().unwrap_or(0))
}

#[tokio::test]
async fn refunds_restock_move_money_and_the_financial_status() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "REFUNDS_CREATE", &receiver.url).await;
    let id = format!("gid://shopify/Order/{}", sim.place_checkout(&checkout()).unwrap());
    let o = order(&sim, &id).await;
    assert_eq!(stock(&sim, "MUG", "Main").await, (37, 3));

    let one_mug = json!({"orderId": id, "refundLineItems": [{"lineItemId": line_id(&o, "MUG"), "quantity": 1, "restockType": "CANCEL"}],
                         "transactions": [{"orderId": id, "kind": "REFUND", "gateway": "shopify_payments", "amount": "8.50"}]});
    let (_, body) = gql(
        &sim,
        "mutation($input: RefundInput!) { refundCreate(input: $input) { userErrors { message } } }",
        json!({"input": one_mug}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "2026-04 needs @idempotent: {body}");

    let d = data(&sim, REFUND, json!({"input": one_mug, "key": "r-1"})).await;
    let r = &d["refundCreate"];
    assert_eq!(r["userErrors"], json!([]), "{d}");
    let refund_id = r["refund"]["id"].clone();
    assert_eq!(
        r["refund"]["refundLineItems"]["nodes"][0],
        json!({"quantity": 1, "restockType": "CANCEL", "restocked": true, "location": {"name": "Main"}, "subtotalSet": {"shopMoney": {"amount": "8.50"}}, "lineItem": {"sku": "MUG"}})
    );
    assert_eq!(
        r["refund"]["transactions"]["nodes"][0],
        json!({"kind": "REFUND", "gateway": "shopify_payments", "amountSet": {"shopMoney": {"amount": "8.50"}}, "parentTransaction": {"kind": "SALE"}})
    );
    assert_eq!(r["order"]["displayFinancialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(r["order"]["currentTotalPriceSet"]["shopMoney"]["amount"], "62.00");
    assert_eq!(r["order"]["totalRefundedSet"]["shopMoney"]["amount"], "8.50");
    assert_eq!(
        r["order"]["lineItems"]["nodes"][1],
        json!({"sku": "MUG", "currentQuantity": 2, "refundableQuantity": 2, "unfulfilledQuantity": 2})
    );
    assert_eq!(stock(&sim, "MUG", "Main").await, (38, 2), "CANCEL puts the committed unit back");

    let replay = data(&sim, REFUND, json!({"input": one_mug, "key": "r-1"})).await;
    assert_eq!(replay["refundCreate"]["refund"]["id"], refund_id, "the same key returns the first refund");
    assert_eq!(stock(&sim, "MUG", "Main").await, (38, 2), "and writes nothing");
    assert_eq!(sim.counters().writes["refundCreate"], 1);

    let hook = receiver.wait_for(1).await;
    let body: Json = serde_json::from_slice(&hook[0].body).unwrap();
    assert_eq!(hook[0].headers["x-shopify-topic"], "refunds/create");
    assert_eq!(body["admin_graphql_api_id"], refund_id);
    assert_eq!(body["refund_line_items"][0]["restock_type"], "cancel");
    assert_eq!(body["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"], "8.50");
    assert_eq!(body["transactions"][0]["kind"], "refund");

    // Ship everything left, then refund the rest: goods back at Backroom, shipping, the money.
    let fo = &o["fulfillmentOrders"]["nodes"][0]["id"];
    data(
        &sim,
        "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
        json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}}),
    )
    .await;
    let backroom = location(&sim, "Backroom").await;
    let rest = json!({"orderId": id, "refundLineItems": [{"lineItemId": line_id(&o, "SHIRT-S"), "quantity": 2, "restockType": "RETURN", "locationId": backroom},
                                                       {"lineItemId": line_id(&o, "MUG"), "quantity": 2, "restockType": "NO_RESTOCK"}],
                      "shipping": {"fullRefund": true}, "transactions": [{"orderId": id, "kind": "REFUND", "gateway": "shopify_payments", "amount": "62.00"}]});
    let d = data(&sim, REFUND, json!({"input": rest, "key": "r-2"})).await;
    let r = &d["refundCreate"];
    assert_eq!(r["userErrors"], json!([]), "{d}");
    assert_eq!(r["refund"]["refundShippingLines"]["nodes"][0]["subtotalAmountSet"]["shopMoney"]["amount"], "5.00");
    assert_eq!(r["order"]["displayFinancialStatus"], "REFUNDED");
    assert_eq!(r["order"]["currentTotalPriceSet"]["shopMoney"]["amount"], "0.00");
    assert_eq!(r["order"]["totalRefundedShippingSet"]["shopMoney"]["amount"], "5.00");
    assert_eq!(r["order"]["totalOutstandingSet"]["shopMoney"]["amount"], "0.00");
    assert_eq!(stock(&sim, "SHIRT-S", "Backroom").await.0, 2, "returned goods are stocked at the given location");
    assert_eq!(stock(&sim, "MUG", "Main").await, (38, 0), "NO_RESTOCK puts nothing back");

    let read = data(
        &sim,
        "query($id: ID!) { order(id: $id) { refunds { id note } } refund(id: \"gid://shopify/Refund/0\") { id } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(read["order"]["refunds"].as_array().unwrap().len(), 2);
    assert_eq!(read["order"]["refunds"][0]["id"], refund_id);
    let one = data(
        &sim,
        "query($id: ID!) { refund(id: $id) { order { id } refundLineItems(first: 1) { nodes { quantity } } } }",
        json!({"id": refund_id}),
    )
    .await;
    assert_eq!(one["refund"]["order"]["id"], json!(id));
    let causes: Vec<String> = sim.level_history().iter().map(|c| c.cause.clone()).collect();
    assert!(
        causes.iter().filter(|c| *c == "refundCreate").count() >= 2,
        "restocks are in the level history: {causes:?}"
    );
}

#[tokio::test]
async fn refunds_refuse_what_cannot_be_refunded() {
    let sim = start().await;
    let id = format!("gid://shopify/Order/{}", sim.place_checkout(&checkout()).unwrap());
    let o = order(&sim, &id).await;
    let mug = line_id(&o, "MUG");
    let errors = |d: &Json| d["refundCreate"]["userErrors"].clone();
    let try_refund = |input: Json, key: &'static str| {
        let sim = &sim;
        async move { data(sim, REFUND, json!({"input": input, "key": key})).await }
    };
    let d = try_refund(json!({"orderId": id, "refundLineItems": [{"lineItemId": mug, "quantity": 4}]}), "k1").await;
    assert_eq!(errors(&d)[0]["field"], json!(["refundLineItems", "0", "quantity"]));
    let d = try_refund(
        json!({"orderId": id, "refundLineItems": [{"lineItemId": mug, "quantity": 1, "restockType": "RETURN"}]}),
        "k2",
    )
    .await;
    assert!(errors(&d)[0]["message"].as_str().unwrap().contains("fulfilled"), "{d}");
    let d = try_refund(
        json!({"orderId": id, "transactions": [{"orderId": id, "kind": "REFUND", "gateway": "x", "amount": "70.51"}]}),
        "k3",
    )
    .await;
    assert!(errors(&d)[0]["message"].as_str().unwrap().contains("exceeds the refundable amount"), "{d}");
    let d = try_refund(json!({"orderId": id, "shipping": {"amount": "5.01"}}), "k4").await;
    assert_eq!(errors(&d)[0]["field"], json!(["shipping", "amount"]));
    let d = try_refund(json!({"orderId": "gid://shopify/Order/1"}), "k5").await;
    assert_eq!(errors(&d)[0]["field"], json!(["orderId"]));
    assert_eq!(sim.counters().writes.get("refundCreate"), None);

    let mut eur = checkout();
    eur.presentment_currency = Some("EUR".into());
    let mut seed = common::seed();
    seed.exchange_rates.insert("EUR".into(), json!("0.9"));
    sim.seed(&seed).unwrap();
    let id = format!("gid://shopify/Order/{}", sim.place_checkout(&eur).unwrap());
    let d = try_refund(json!({"orderId": id, "shipping": {"amount": "1.00"}}), "k6").await;
    assert_eq!(
        errors(&d)[0]["field"],
        json!(["currency"]),
        "multi-currency orders are refunded in their presentment currency"
    );
    let d = try_refund(json!({"orderId": id, "currency": "EUR", "shipping": {"amount": "4.50"}, "transactions": [{"orderId": id, "kind": "REFUND", "gateway": "x", "amount": "4.50"}]}), "k7").await;
    assert_eq!(errors(&d), json!([]), "{d}");
    let q = "query($id: ID!) { order(id: $id) { totalRefundedSet { shopMoney { amount } presentmentMoney { amount currencyCode } } } }";
    let r = data(&sim, q, json!({"id": id})).await;
    assert_eq!(
        r["order"]["totalRefundedSet"],
        json!({"shopMoney": {"amount": "5.00"}, "presentmentMoney": {"amount": "4.50", "currencyCode": "EUR"}})
    );
}

#[tokio::test]
async fn a_cancellation_with_a_refund_refunds_and_restocks() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    for topic in ["ORDERS_CANCELLED", "REFUNDS_CREATE"] {
        subscribe(&sim, topic, &receiver.url).await;
    }
    let id = format!("gid://shopify/Order/{}", sim.place_checkout(&checkout()).unwrap());
    let q = "mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refundMethod: {originalPaymentMethodsRefund: true}) { orderCancelUserErrors { code } } }";
    data(&sim, q, json!({"id": id})).await;
    let d = data(&sim, "query($id: ID!) { order(id: $id) { cancelReason displayFinancialStatus totalRefundedSet { shopMoney { amount } } currentTotalPriceSet { shopMoney { amount } }
        fulfillmentOrders(first: 1) { nodes { status } } } }", json!({"id": id})).await;
    assert_eq!(d["order"]["cancelReason"], "CUSTOMER");
    assert_eq!(d["order"]["displayFinancialStatus"], "REFUNDED");
    assert_eq!(d["order"]["totalRefundedSet"]["shopMoney"]["amount"], "70.50");
    assert_eq!(d["order"]["currentTotalPriceSet"]["shopMoney"]["amount"], "0.00");
    assert_eq!(d["order"]["fulfillmentOrders"]["nodes"][0]["status"], "CANCELLED");
    assert_eq!(stock(&sim, "MUG", "Main").await, (40, 0));
    let got = receiver.wait_for(2).await;
    let mut topics: Vec<String> =
        got.iter().map(|r| r.headers["x-shopify-topic"].to_str().unwrap().to_owned()).collect();
    topics.sort();
    assert_eq!(topics, ["orders/cancelled", "refunds/create"]);
}

const RETURN_FIELDS: &str = "return { id name status order { id returnStatus } returnLineItems(first: 5) { nodes { ... on ReturnLineItem { quantity returnReasonNote customerNote
  fulfillmentLineItem { lineItem { sku } } } } } } userErrors { field message code }";

#[tokio::test]
async fn returns_go_from_request_to_approval_to_close_with_their_webhooks() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    for topic in ["RETURNS_REQUEST", "RETURNS_APPROVE", "RETURNS_CLOSE", "RETURNS_DECLINE"] {
        subscribe(&sim, topic, &receiver.url).await;
    }
    let id = format!("gid://shopify/Order/{}", sim.place_checkout(&checkout()).unwrap());
    let fo = order(&sim, &id).await["fulfillmentOrders"]["nodes"][0]["id"].clone();
    let f = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { fulfillmentLineItems(first: 5) { nodes { id quantity lineItem { sku } } } } } }";
    let d = data(&sim, f, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}})).await;
    let shipped = d["fulfillmentCreate"]["fulfillment"]["fulfillmentLineItems"]["nodes"].as_array().unwrap().clone();
    let mug = shipped.iter().find(|l| l["lineItem"]["sku"] == "MUG").unwrap()["id"].clone();

    let request = format!("mutation($i: ReturnRequestInput!) {{ returnRequest(input: $i) {{ {RETURN_FIELDS} }} }}");
    let d = data(&sim, &request, json!({"i": {"orderId": id, "returnLineItems": [{"fulfillmentLineItemId": mug, "quantity": 2, "customerNote": "too many"}]}})).await;
    let r = &d["returnRequest"]["return"];
    assert_eq!(r["status"], "REQUESTED", "{d}");
    assert_eq!(r["order"]["returnStatus"], "RETURN_REQUESTED");
    assert_eq!(
        r["returnLineItems"]["nodes"][0],
        json!({"quantity": 2, "returnReasonNote": "", "customerNote": "too many", "fulfillmentLineItem": {"lineItem": {"sku": "MUG"}}})
    );
    let return_id = r["id"].clone();
    assert!(r["name"].as_str().unwrap().ends_with("-R1"));

    let d = data(
        &sim,
        &request,
        json!({"i": {"orderId": id, "returnLineItems": [{"fulfillmentLineItemId": mug, "quantity": 2}]}}),
    )
    .await;
    assert_eq!(d["returnRequest"]["userErrors"][0]["code"], "INVALID", "only 1 MUG is left to return: {d}");

    let approve =
        format!("mutation($i: ReturnApproveRequestInput!) {{ returnApproveRequest(input: $i) {{ {RETURN_FIELDS} }} }}");
    let d = data(&sim, &approve, json!({"i": {"id": return_id}})).await;
    assert_eq!(d["returnApproveRequest"]["return"]["status"], "OPEN");
    assert_eq!(d["returnApproveRequest"]["return"]["order"]["returnStatus"], "IN_PROGRESS");
    let d = data(&sim, &approve, json!({"i": {"id": return_id}})).await;
    assert_eq!(d["returnApproveRequest"]["userErrors"][0]["code"], "INVALID_STATE");

    let close = format!("mutation($id: ID!) {{ returnClose(id: $id) {{ {RETURN_FIELDS} }} }}");
    let d = data(&sim, &close, json!({"id": return_id})).await;
    assert_eq!(d["returnClose"]["return"]["status"], "CLOSED");
    assert_eq!(d["returnClose"]["return"]["order"]["returnStatus"], "RETURNED");

    let d = data(
        &sim,
        &request,
        json!({"i": {"orderId": id, "returnLineItems": [{"fulfillmentLineItemId": mug, "quantity": 1}]}}),
    )
    .await;
    let second = d["returnRequest"]["return"]["id"].clone();
    let decline = "mutation($i: ReturnDeclineRequestInput!) { returnDeclineRequest(input: $i) { return { status decline { reason note } } userErrors { code } } }";
    let d =
        data(&sim, decline, json!({"i": {"id": second, "declineReason": "FINAL_SALE", "declineNote": "sale item"}}))
            .await;
    assert_eq!(
        d["returnDeclineRequest"]["return"],
        json!({"status": "DECLINED", "decline": {"reason": "FINAL_SALE", "note": "sale item"}})
    );

    let create = format!("mutation($i: ReturnInput!) {{ returnCreate(returnInput: $i) {{ {RETURN_FIELDS} }} }}");
    let d = data(&sim, &create, json!({"i": {"orderId": id, "returnLineItems": [{"fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/1", "quantity": 1}]}})).await;
    assert_eq!(d["returnCreate"]["userErrors"][0]["code"], "NOT_FOUND");
    let d = data(&sim, &create, json!({"i": {"orderId": id, "returnLineItems": [{"fulfillmentLineItemId": mug, "quantity": 1, "returnReasonNote": "chipped"}]}})).await;
    assert_eq!(d["returnCreate"]["return"]["status"], "OPEN", "returnCreate opens the return at once: {d}");

    let q = "query($id: ID!) { order(id: $id) { returns(first: 10) { nodes { status totalQuantity } } } }";
    let all = data(&sim, q, json!({"id": id})).await;
    assert_eq!(
        all["order"]["returns"]["nodes"],
        json!([{"status": "CLOSED", "totalQuantity": 2}, {"status": "DECLINED", "totalQuantity": 1}, {"status": "OPEN", "totalQuantity": 1}])
    );
    let got = receiver.wait_for(5).await;
    let topics: Vec<String> = got.iter().map(|r| r.headers["x-shopify-topic"].to_str().unwrap().to_owned()).collect();
    for t in ["returns/request", "returns/approve", "returns/close", "returns/decline"] {
        assert!(topics.contains(&t.to_string()), "{t} in {topics:?}");
    }
    let closed = got.iter().find(|r| r.headers["x-shopify-topic"] == "returns/close").unwrap();
    let body: Json = serde_json::from_slice(&closed.body).unwrap();
    assert_eq!((body["status"].as_str(), body["admin_graphql_api_id"].clone()), (Some("closed"), return_id));
    assert_eq!(
        body["return_line_items"][0]["fulfillment_line_item"]["line_item"]["admin_graphql_api_id"],
        line_id(&order(&sim, &id).await, "MUG")
    );
}
