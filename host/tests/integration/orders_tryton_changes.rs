//! A shop order's life after Tryton imported it, end to end (`weft serve`, the simulator, Tryton
//! 8), with every webhook delivered twice and stale ones replayed afterwards: a refund of one line
//! with restock becomes one credit sale, a closed return of another line one return sale, a
//! cancellation of a second order stops its sale once; an edit of a third order after Tryton
//! shipped it is one `needs_person` dead letter naming the order and what differs.

use crate::connector_support;
use crate::orders_support;
use crate::orders_tryton::{late_webhook, sales, serve, ship, ORDER_CANCEL};

use crate::common::engine::wait_for;
use connector_support::tryton::{env_or_skip, Tryton};
use orders_support::{dead, unique_number, Shop};
use serde_json::{json, Value};
use shopify_sim::{Fault, FaultRule};
use std::time::Duration;
use weft::shopify::queries::Operation;

const fn op(name: &'static str, document: &'static str) -> Operation {
    Operation { name, document, file: "inline" }
}

pub const ORDER_PARTS: Operation = op(
    "OrderParts",
    "query OrderParts($id: ID!) { order(id: $id) { lineItems(first: 10) { nodes { id sku } } \
     fulfillmentOrders(first: 5) { nodes { id } } } locations(first: 1) { nodes { id } } \
     productVariants(first: 1, query: \"sku:TT-BOOK\") { nodes { id } } }",
);
pub const FULFILL: Operation = op(
    "Fulfill",
    "mutation Fulfill($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { \
     fulfillmentLineItems(first: 10) { nodes { id lineItem { sku } } } } userErrors { message } } }",
);
const REFUND: Operation = op(
    "Refund",
    "mutation Refund($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) { \
     refund { id } userErrors { field message } } }",
);
const RETURN_REQUEST: Operation = op(
    "ReturnRequest",
    "mutation ReturnRequest($i: ReturnRequestInput!) { returnRequest(input: $i) { return { id } userErrors { message } } }",
);
const RETURN_APPROVE: Operation = op(
    "ReturnApprove",
    "mutation ReturnApprove($i: ReturnApproveRequestInput!) { returnApproveRequest(input: $i) { return { id } userErrors { message } } }",
);
const RETURN_CLOSE: Operation = op(
    "ReturnClose",
    "mutation ReturnClose($id: ID!) { returnClose(id: $id) { return { status } userErrors { message } } }",
);
const EDIT_BEGIN: Operation = op(
    "EditBegin",
    "mutation EditBegin($id: ID!) { orderEditBegin(id: $id) { calculatedOrder { id } userErrors { message } } }",
);
const EDIT_ADD: Operation = op(
    "EditAdd",
    "mutation EditAdd($id: ID!, $v: ID!) { orderEditAddVariant(id: $id, variantId: $v, quantity: 2) { \
     calculatedLineItem { id } userErrors { message } } }",
);
const EDIT_COMMIT: Operation = op(
    "EditCommit",
    "mutation EditCommit($id: ID!) { orderEditCommit(id: $id, notifyCustomer: false) { order { id } userErrors { message } } }",
);

/// Every webhook topic of a flow of shop orders, as the simulator's GraphQL enum.
const TOPICS: [&str; 10] = [
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "ORDERS_PAID",
    "ORDERS_CANCELLED",
    "ORDERS_EDITED",
    "REFUNDS_CREATE",
    "RETURNS_REQUEST",
    "RETURNS_APPROVE",
    "RETURNS_CLOSE",
    "RETURNS_CANCEL",
];

/// Tryton sales whose reference starts with `prefix` (the order's changes: `#N refund ...`).
fn changes(t: &Tryton, prefix: &str) -> Vec<Value> {
    let found = t.model(
        "sale.sale",
        "search_read",
        vec![
            json!([["reference", "like", format!("{prefix}%")]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["reference", "state"]),
        ],
    );
    found.as_array().cloned().unwrap_or_default()
}

/// An order's GraphQL id.
pub fn gid(id: u64) -> String {
    format!("gid://shopify/Order/{id}")
}

/// One unit of fulfilled line `item` of `order` comes back: a return requested, approved and
/// closed in Shopify.
pub fn return_closed(shop: &Shop, order: u64, item: Value) {
    let requested = shop.graphql(
        &RETURN_REQUEST,
        json!({"i": {"orderId": gid(order), "returnLineItems": [{"fulfillmentLineItemId": item, "quantity": 1}]}}),
    );
    ok(&requested, "returnRequest");
    let return_id = requested["returnRequest"]["return"]["id"].clone();
    ok(&shop.graphql(&RETURN_APPROVE, json!({"i": {"id": return_id}})), "returnApproveRequest");
    ok(&shop.graphql(&RETURN_CLOSE, json!({"id": return_id})), "returnClose");
}

/// Assert `mutation` answered without user errors.
pub fn ok(data: &Value, mutation: &str) {
    let errors = &data[mutation]["userErrors"];
    assert!(errors.as_array().is_none_or(Vec::is_empty), "{mutation}: {data}");
}

#[test]
fn refund_return_and_cancellation_apply_once_however_delivered_and_an_edit_after_shipment_needs_a_person() {
    let test = "refund_return_and_cancellation_apply_once_however_delivered_and_an_edit_after_shipment_needs_a_person";
    let Some(t) = env_or_skip(test) else { return };
    let first = unique_number();
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": first, "products": [
        {"title": "Pen", "variants": [{"sku": "TT-PEN", "price": "2.50", "inventory": {"Main": 1000}}]},
        {"title": "Book", "variants": [{"sku": "TT-BOOK", "price": "35.00", "inventory": {"Main": 1000}}]},
        {"title": "Cap", "variants": [{"sku": "TT-CAP-RED", "price": "14.00", "inventory": {"Main": 1000}}]}]}));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (serve, addr) = serve(dir, &shop, &t);
    shop.subscribe(&addr, &TOPICS);

    // X: refunded and returned; Z: cancelled; Y: edited after Tryton shipped it.
    let x = shop.place_order(&format!("x-{first}@example.com"), &[("TT-PEN", 2), ("TT-BOOK", 1), ("TT-CAP-RED", 3)]);
    let z = shop.place_order(&format!("z-{first}@example.com"), &[("TT-PEN", 1)]);
    let y = shop.place_order(&format!("y-{first}@example.com"), &[("TT-PEN", 1)]);
    let (nx, nz, ny) = (format!("#{first}"), format!("#{}", first + 1), format!("#{}", first + 2));
    wait_for(Duration::from_secs(180), "three sales in Tryton", || {
        [&nx, &nz, &ny].iter().all(|n| !sales(&t, n).is_empty())
    });

    // Y ships in Tryton, then the fulfillments flow tells Shopify.
    ship(&t, &ny);

    // From here every webhook is delivered twice.
    shop.sim.inject(FaultRule::times(Fault::WebhookDuplicate, 200));
    let parts = shop.graphql(&ORDER_PARTS, json!({"id": gid(x)}));
    let line = |sku: &str| {
        parts["order"]["lineItems"]["nodes"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap()["id"].clone()
    };
    let location = parts["locations"]["nodes"][0]["id"].clone();
    // X ships in Shopify (so its book can come back); then the pens are refunded and restocked.
    let fo = parts["order"]["fulfillmentOrders"]["nodes"][0]["id"].clone();
    let shipped = shop.graphql(&FULFILL, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}}));
    ok(&shipped, "fulfillmentCreate");
    let refund = shop.graphql(
        &REFUND,
        json!({"key": format!("refund-{first}"), "input": {"orderId": gid(x), "note": "pens broken", "refundLineItems": [
            {"lineItemId": line("TT-PEN"), "quantity": 2, "restockType": "RETURN", "locationId": location}]}}),
    );
    ok(&refund, "refundCreate");
    let refund_id = refund["refundCreate"]["refund"]["id"].as_str().unwrap().to_owned();
    // The book comes back: requested, approved, closed.
    let book = shipped["fulfillmentCreate"]["fulfillment"]["fulfillmentLineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lineItem"]["sku"] == "TT-BOOK")
        .unwrap()["id"]
        .clone();
    return_closed(&shop, x, book);
    // Z is cancelled before it shipped.
    let cancelled = shop.graphql(&ORDER_CANCEL, json!({"id": gid(z)}));
    assert_eq!(cancelled["orderCancel"]["orderCancelUserErrors"], json!([]));

    wait_for(Duration::from_secs(120), "X's refund and return and Z's cancellation in Tryton", || {
        changes(&t, &format!("{nx} refund")).len() == 1
            && changes(&t, &format!("{nx} return")).len() == 1
            && stopped(&t, &nz)
    });
    // Stale deliveries after the fact: X's orders/create and refunds/create, Z's orders/updated.
    for (topic, id, name) in [("orders/create", x, &nx), ("refunds/create", x, &nx), ("orders/updated", z, &nz)] {
        let body = json!({"id": id, "order_id": id, "admin_graphql_api_id": gid(id), "name": name}).to_string();
        let (status, answer) = late_webhook(&addr, topic, &body);
        assert_eq!(status, 200, "{answer}");
    }

    // Y is edited in Shopify after Tryton shipped it: two books added.
    let variant = parts["productVariants"]["nodes"][0]["id"].clone();
    let begun = shop.graphql(&EDIT_BEGIN, json!({"id": gid(y)}));
    ok(&begun, "orderEditBegin");
    let calculated = begun["orderEditBegin"]["calculatedOrder"]["id"].clone();
    ok(&shop.graphql(&EDIT_ADD, json!({"id": calculated, "v": variant})), "orderEditAddVariant");
    ok(&shop.graphql(&EDIT_COMMIT, json!({"id": calculated})), "orderEditCommit");
    wait_for(Duration::from_secs(120), "Y's edit dead-lettered", || !dead(&addr, "orders").is_empty());
    // Let the duplicates, the stale deliveries and two more polls go through.
    std::thread::sleep(Duration::from_secs(6));

    let refunds = changes(&t, &format!("{nx} refund"));
    assert_eq!(refunds.len(), 1, "one credit sale for the refund: {refunds:?}");
    assert!(refunds[0]["reference"].as_str().unwrap().contains(refund_id.rsplit('/').next().unwrap()), "{refunds:?}");
    assert_eq!(changes(&t, &format!("{nx} return")).len(), 1, "one return sale for the return");
    assert!(stopped(&t, &nz), "Z's sale is stopped");
    assert_eq!(sales(&t, &nz).len(), 1);
    let comment = t.model("sale.sale", "read", vec![json!([sales(&t, &nz)[0]["id"]]), json!(["comment"])]);
    assert_eq!(comment[0]["comment"].as_str().unwrap_or("").matches("Cancelled in Shopify").count(), 1, "noted once");

    let letters = dead(&addr, "orders");
    assert_eq!(letters.len(), 1, "one dead letter, Y's edit: {letters:?}");
    assert_eq!(letters[0].0, "needs_person", "{letters:?}");
    assert!(letters[0].1.contains(&ny), "the dead letter names the order: {}", letters[0].1);
    assert!(letters[0].1.contains("TT-BOOK"), "and what differs: {}", letters[0].1);
    serve.kill();
}

/// Whether the sale of order `name` is stopped: noted as cancelled and no shipment left open.
fn stopped(t: &Tryton, name: &str) -> bool {
    let Some(sale) = sales(t, name).into_iter().next() else { return false };
    let comment = t.model("sale.sale", "read", vec![json!([sale["id"]]), json!(["comment"])]);
    let noted = comment[0]["comment"].as_str().is_some_and(|c| c.contains("Cancelled in Shopify"));
    let rows = t.model("stock.shipment.out", "read", vec![sale["shipments"].clone(), json!(["state"])]);
    noted && rows.as_array().into_iter().flatten().all(|r| r["state"] == "cancelled")
}
