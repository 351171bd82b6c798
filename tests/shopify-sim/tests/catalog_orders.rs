//! productSet list replacement, variant bulk updates, orders and fulfillments, customers.

mod common;

use common::*;
use serde_json::{json, Value as Json};

const PRODUCT_SET: &str = "mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) {
    product { id handle title variants(first: 10) { nodes { id sku price selectedOptions { name value } } } }
    userErrors { field message code } } }";

fn variant(size: &str, sku: &str, price: &str) -> Json {
    json!({"optionValues": [{"optionName": "Size", "name": size}], "sku": sku, "price": price})
}

#[tokio::test]
async fn product_set_upserts_by_handle_and_replaces_the_variant_list() {
    let sim = start().await;
    let input = json!({"title": "Hoodie", "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}, {"name": "L"}]}],
        "variants": [variant("S", "H-S", "30.00"), variant("M", "H-M", "30.00"), variant("L", "H-L", "32.00")]});
    let d = data(&sim, PRODUCT_SET, json!({"input": input, "identifier": {"handle": "hoodie"}})).await;
    let created = &d["productSet"]["product"];
    assert_eq!(created["handle"], "hoodie");
    assert_eq!(created["variants"]["nodes"].as_array().unwrap().len(), 3);
    let m_id = created["variants"]["nodes"][1]["id"].clone();

    let update = json!({"title": "Hoodie v2", "productOptions": [{"name": "Size", "values": [{"name": "M"}, {"name": "XL"}]}],
        "variants": [variant("M", "H-M", "28.00"), variant("XL", "H-XL", "34.00")]});
    let d = data(&sim, PRODUCT_SET, json!({"input": update, "identifier": {"handle": "hoodie"}})).await;
    let updated = &d["productSet"]["product"];
    assert_eq!(updated["id"], created["id"], "same product: upsert by handle");
    assert_eq!(updated["title"], "Hoodie v2");
    let nodes = updated["variants"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.iter().map(|n| n["sku"].as_str().unwrap()).collect::<Vec<_>>(), ["H-M", "H-XL"]);
    assert_eq!(nodes[0]["id"], m_id, "the kept variant keeps its id");
    assert_eq!(nodes[0]["price"], "28.00");
    let gone = data(&sim, "{ productVariants(first: 5, query: \"sku:H-S\") { nodes { id } } }", json!({})).await;
    assert_eq!(gone["productVariants"]["nodes"], json!([]), "variants left out are deleted");

    let missing =
        data(&sim, PRODUCT_SET, json!({"input": {"title": "x"}, "identifier": {"id": "gid://shopify/Product/1"}}))
            .await;
    assert_eq!(missing["productSet"]["userErrors"][0]["code"], "PRODUCT_DOES_NOT_EXIST");
}

/// Where a variant is stocked and its `available` there, by location name.
async fn stocked(sim: &shopify_sim::SimHandle, sku: &str) -> Vec<(String, i64)> {
    let q = "query($q: String) { productVariants(first: 1, query: $q) { nodes { inventoryItem { inventoryLevels(first: 10) { nodes {
        location { name } quantities(names: [\"available\"]) { quantity } } } } } } }";
    let d = data(sim, q, json!({"q": format!("sku:{sku}")})).await;
    let levels = d["productVariants"]["nodes"][0]["inventoryItem"]["inventoryLevels"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<(String, i64)> = levels
        .iter()
        .map(|l| (l["location"]["name"].as_str().unwrap().to_owned(), l["quantities"][0]["quantity"].as_i64().unwrap()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn product_set_inventory_quantities_stock_new_variants_and_set_existing_ones_where_stocked() {
    let sim = start().await;
    let (main, back) = (location(&sim, "Main").await, location(&sim, "Backroom").await);
    let quantities = |m: i64, b: i64| json!([{"locationId": main, "name": "available", "quantity": m}, {"locationId": back, "name": "available", "quantity": b}]);
    let mut existing = variant("S", "SHIRT-S", "20.00");
    existing["inventoryQuantities"] = quantities(4, 9);
    let mut new = variant("XL", "SHIRT-XL", "24.00");
    new["inventoryQuantities"] = quantities(6, 1);
    let input = json!({"title": "Shirt", "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "XL"}]}], "variants": [existing, new]});
    let d = data(&sim, PRODUCT_SET, json!({"input": input, "identifier": {"handle": "shirt"}})).await;
    assert_eq!(d["productSet"]["userErrors"], json!([]), "{d}");
    assert_eq!(
        stocked(&sim, "SHIRT-XL").await,
        [("Backroom".to_owned(), 1), ("Main".to_owned(), 6)],
        "a new variant is stocked at each location"
    );
    assert_eq!(
        stocked(&sim, "SHIRT-S").await,
        [("Main".to_owned(), 4)],
        "an existing one is set where it is stocked, and stocked nowhere new"
    );
}

#[tokio::test]
async fn variants_bulk_update_changes_prices_and_reports_typed_errors() {
    let sim = start().await;
    let d = data(
        &sim,
        "{ products(first: 1, query: \"title:Shirt\") { nodes { id variants(first: 5) { nodes { id sku } } } } }",
        json!({}),
    )
    .await;
    let product = &d["products"]["nodes"][0];
    let v0 = product["variants"]["nodes"][0]["id"].clone();
    let q = "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p, variants: $v) { productVariants { price } userErrors { field code } } }";
    let d = data(&sim, q, json!({"p": product["id"], "v": [{"id": v0, "price": "19.99"}]})).await;
    assert_eq!(d["productVariantsBulkUpdate"]["productVariants"], json!([{"price": "19.99"}]));
    let d = data(&sim, q, json!({"p": product["id"], "v": [{"id": v0, "price": "-1.00"}]})).await;
    assert_eq!(d["productVariantsBulkUpdate"]["userErrors"][0]["code"], "NEGATIVE_PRICE_VALUE");
    assert_eq!(d["productVariantsBulkUpdate"]["userErrors"][0]["field"], json!(["variants", "0", "price"]));
}

const ORDER_CREATE: &str = "mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name sourceIdentifier displayFinancialStatus displayFulfillmentStatus totalPriceSet { shopMoney { amount } }
            fulfillmentOrders(first: 5) { nodes { id lineItems(first: 10) { nodes { id remainingQuantity } } } } }
    userErrors { field message code } } }";

#[tokio::test]
async fn order_create_fulfil_cancel_and_find_by_source_identifier() {
    let sim = start().await;
    let (mug_variant, mug_item) = item_of(&sim, "MUG").await;
    let main = location(&sim, "Main").await;
    let order = json!({"sourceIdentifier": "ERP-1001", "currency": "USD", "email": "bob@example.com",
        "lineItems": [{"variantId": mug_variant, "quantity": 2}],
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "amountSet": {"shopMoney": {"amount": "17.00", "currencyCode": "USD"}}}]});
    let d = data(
        &sim,
        ORDER_CREATE,
        json!({"order": order, "options": {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}}),
    )
    .await;
    let o = &d["orderCreate"]["order"];
    assert_eq!(o["displayFinancialStatus"], "PAID");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["amount"], "17.00");
    assert_eq!(o["displayFulfillmentStatus"], "UNFULFILLED");
    let q = "query($i: ID!, $l: ID!){ inventoryItem(id: $i){ inventoryLevel(locationId: $l){ quantities(names: [\"available\", \"committed\"]){ quantity } } } }";
    let levels = data(&sim, q, json!({"i": mug_item, "l": main})).await;
    assert_eq!(levels["inventoryItem"]["inventoryLevel"]["quantities"], json!([{"quantity": 38}, {"quantity": 2}]));

    let found =
        data(&sim, "{ orders(first: 5, query: \"source_identifier:ERP-1001\") { nodes { id } } }", json!({})).await;
    assert_eq!(found["orders"]["nodes"], json!([{"id": o["id"]}]));

    let fo = &o["fulfillmentOrders"]["nodes"][0];
    let f = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { status totalQuantity trackingInfo { number } } userErrors { message } } }";
    let d = data(&sim, f, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}], "trackingInfo": {"number": "TRACK1", "company": "UPS"}}})).await;
    assert_eq!(
        d["fulfillmentCreate"]["fulfillment"],
        json!({"status": "SUCCESS", "totalQuantity": 2, "trackingInfo": [{"number": "TRACK1"}]})
    );
    let read = data(
        &sim,
        "query($id: ID!){ order(id: $id){ displayFulfillmentStatus fulfillments { status } } }",
        json!({"id": o["id"]}),
    )
    .await;
    assert_eq!(read["order"]["displayFulfillmentStatus"], "FULFILLED");

    let c = "mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: false) { job { done } orderCancelUserErrors { code } } }";
    data(&sim, c, json!({"id": o["id"]})).await;
    let again = data(&sim, c, json!({"id": o["id"]})).await;
    assert_eq!(again["orderCancel"]["orderCancelUserErrors"][0]["code"], "INVALID");
    let updated = data(&sim, "{ orders(first: 5, query: \"status:cancelled updated_at:>'2000-01-01T00:00:00Z'\") { nodes { id cancelledAt } } }", json!({})).await;
    assert_eq!(updated["orders"]["nodes"][0]["id"], o["id"]);
}

#[tokio::test]
async fn orders_obeying_policy_fail_on_missing_stock() {
    let sim = start().await;
    let (cap, _) = item_of(&sim, "CAP").await;
    let order = json!({"lineItems": [{"variantId": cap, "quantity": 4}]});
    let d = data(
        &sim,
        ORDER_CREATE,
        json!({"order": order, "options": {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}}),
    )
    .await;
    assert_eq!(d["orderCreate"]["order"], Json::Null);
    assert_eq!(d["orderCreate"]["userErrors"][0]["code"], "INVENTORY_CLAIM_FAILED");
    let d = data(&sim, ORDER_CREATE, json!({"order": order})).await;
    assert_eq!(d["orderCreate"]["order"]["displayFinancialStatus"], "PENDING", "bypass: no stock check, no payment");
}

#[tokio::test]
async fn customer_set_upserts_by_email() {
    let sim = start().await;
    let q = "mutation($input: CustomerSetInput!, $id: CustomerSetIdentifiers) { customerSet(input: $input, identifier: $id) { customer { id firstName defaultEmailAddress { emailAddress } } userErrors { code } } }";
    let d = data(
        &sim,
        q,
        json!({"input": {"email": "ada@example.com", "firstName": "Augusta"}, "id": {"email": "ada@example.com"}}),
    )
    .await;
    assert_eq!(d["customerSet"]["customer"]["firstName"], "Augusta");
    let all = data(&sim, "{ customers(first: 10) { nodes { id } } }", json!({})).await;
    assert_eq!(all["customers"]["nodes"].as_array().unwrap().len(), 1, "upsert, not a second customer");
    let create =
        "mutation($i: CustomerInput!) { customerCreate(input: $i) { customer { id } userErrors { message } } }";
    let d = data(&sim, create, json!({"i": {"email": "ada@example.com"}})).await;
    assert_eq!(d["customerCreate"]["userErrors"][0]["message"], "Email has already been taken");
}
