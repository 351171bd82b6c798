//! Shopify's documented input limits (issue 19 item 7): text lengths, tag count, money scale per
//! currency, quantity ranges, variant and option counts; refused with userErrors naming the field
//! before anything is written.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::SimConfig;

const SET: &str =
    "mutation($i: ProductSetInput!) { productSet(input: $i) { product { id } userErrors { field message code } } }";

async fn set_errors(sim: &shopify_sim::SimHandle, input: Json) -> Json {
    data(sim, SET, json!({"i": input})).await["productSet"]["userErrors"].clone()
}

fn variant(price: &str) -> Json {
    json!({"optionValues": [{"optionName": "Title", "name": "Default"}], "price": price, "sku": "LIM-1"})
}

#[tokio::test]
async fn product_text_fields_and_tags_are_limited_to_255_characters() {
    let sim = start().await;
    let long = "x".repeat(256);
    for (key, label) in
        [("title", "Title"), ("handle", "Handle"), ("vendor", "Vendor"), ("productType", "Product type")]
    {
        let mut input = json!({"title": "Fine"});
        input[key] = json!(long);
        let errors = set_errors(&sim, input).await;
        assert_eq!(
            errors,
            json!([{"field": ["input", key], "message": format!("{label} is too long (maximum is 255 characters)"), "code": null}]),
            "{key}"
        );
    }
    assert_eq!(
        set_errors(&sim, json!({"title": "x".repeat(255), "tags": ["y".repeat(255)]})).await,
        json!([]),
        "255 is allowed"
    );
    assert_eq!(
        set_errors(&sim, json!({"title": "Tagged", "tags": [long]})).await,
        json!([{"field": ["input", "tags"], "message": "Product tags is invalid", "code": null}])
    );
    let (_, body) = gql(
        &sim,
        SET,
        json!({"i": {"title": "Many tags", "tags": (0..251).map(|i| format!("t{i}")).collect::<Vec<_>>()}}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_INPUT_SIZE_EXCEEDED", "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["productSet", "input", "tags"]));
    assert_eq!(sim.state()["products"].as_object().unwrap().len(), 4, "only the valid product was written");
}

#[tokio::test]
async fn variant_prices_follow_the_shop_currency_and_skus_255_characters() {
    let sim = start().await;
    let errors = set_errors(&sim, json!({"title": "Priced", "variants": [variant("19.9999")]})).await;
    assert_eq!(
        errors,
        json!([{"field": ["input", "variants", "0", "price"], "message": "Price must have at most 2 decimal places in USD", "code": "INVALID_VARIANT"}])
    );
    assert_eq!(
        set_errors(&sim, json!({"title": "Priced", "variants": [variant("-1.00")]})).await[0]["message"],
        "Price must be greater than or equal to 0"
    );
    assert_eq!(
        set_errors(&sim, json!({"title": "Priced", "variants": [variant("1000000000000000000")]})).await[0]["message"],
        "Price must be less than 1000000000000000000"
    );
    let mut long_sku = variant("1.00");
    long_sku["sku"] = json!("S".repeat(256));
    assert_eq!(
        set_errors(&sim, json!({"title": "Priced", "variants": [long_sku]})).await[0]["field"],
        json!(["input", "variants", "0", "sku"])
    );
    assert_eq!(set_errors(&sim, json!({"title": "Priced", "variants": [variant("19.90")]})).await, json!([]));

    let yen = start_with(SimConfig { seed: seed(), shop_currency: "JPY".into(), ..SimConfig::default() }).await;
    assert_eq!(
        set_errors(&yen, json!({"title": "Yen", "variants": [variant("1500.5")]})).await[0]["message"],
        "Price must have at most 0 decimal places in JPY"
    );
    assert_eq!(set_errors(&yen, json!({"title": "Yen", "variants": [variant("1500")]})).await, json!([]));
}

#[tokio::test]
async fn options_and_inventory_quantities_are_bounded() {
    let sim = start().await;
    let options: Vec<Json> = (0..4).map(|i| json!({"name": format!("O{i}"), "values": [{"name": "a"}]})).collect();
    assert_eq!(
        set_errors(&sim, json!({"title": "Four options", "productOptions": options})).await[0]["code"],
        "OPTIONS_OVER_LIMIT"
    );
    let main = location(&sim, "Main").await;
    let mut v = variant("1.00");
    v["inventoryQuantities"] = json!([{"locationId": main, "name": "available", "quantity": 1_000_000_001}]);
    let errors = set_errors(&sim, json!({"title": "Stocked", "variants": [v]})).await;
    assert_eq!(errors[0]["field"], json!(["input", "variants", "0", "inventoryQuantities", "0", "quantity"]));
    assert_eq!(errors[0]["code"], "INVALID_VARIANT");

    let (_, item) = item_of(&sim, "MUG").await;
    let set = "mutation($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) @idempotent(key: \"limits-set\") { userErrors { field message code } } }";
    let d = data(&sim, set, json!({"i": {"reason": "correction", "name": "available", "quantities": [{"inventoryItemId": item, "locationId": main, "quantity": 1_000_000_001, "changeFromQuantity": null}]}})).await;
    assert_eq!(
        d["inventorySetQuantities"]["userErrors"][0]["message"],
        "The total quantity can't be higher than 1,000,000,000."
    );
    assert_eq!(d["inventorySetQuantities"]["userErrors"][0]["code"], "INVALID_QUANTITY_TOO_HIGH");
    let adjust = "mutation($i: InventoryAdjustQuantitiesInput!, $k: String!) { inventoryAdjustQuantities(input: $i) @idempotent(key: $k) { userErrors { message code } } }";
    let change = |delta: i64| json!({"reason": "correction", "name": "available", "changes": [{"inventoryItemId": item, "locationId": main, "delta": delta, "changeFromQuantity": null}]});
    let d = data(&sim, adjust, json!({"i": change(-2_000_000_001), "k": "limits-adjust-1"})).await;
    assert_eq!(
        d["inventoryAdjustQuantities"]["userErrors"][0],
        json!({"message": "The quantity can't be lower than -2,000,000,000.", "code": "INVALID_QUANTITY_TOO_LOW"})
    );
    let d = data(&sim, adjust, json!({"i": change(1_500_000_000), "k": "limits-adjust-2"})).await;
    assert_eq!(d["inventoryAdjustQuantities"]["userErrors"], json!([]), "a change up to 2,000,000,000 is allowed");
}

#[tokio::test]
async fn variant_updates_check_prices_and_barcodes_per_variant() {
    let sim = start().await;
    let (shirt_s, _) = item_of(&sim, "SHIRT-S").await;
    let (shirt_m, _) = item_of(&sim, "SHIRT-M").await;
    let product = data(&sim, "query($id: ID!) { productVariant(id: $id) { product { id } } }", json!({"id": shirt_s}))
        .await["productVariant"]["product"]["id"]
        .clone();
    let update = "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!, $partial: Boolean) { productVariantsBulkUpdate(productId: $p, variants: $v, allowPartialUpdates: $partial) { productVariants { id price } userErrors { field message code } } }";
    let variants =
        json!([{"id": shirt_s, "price": "21.005"}, {"id": shirt_m, "price": "24.00", "barcode": "B".repeat(256)}]);
    let d = data(&sim, update, json!({"p": product, "v": variants, "partial": false})).await;
    let errors = &d["productVariantsBulkUpdate"]["userErrors"];
    assert_eq!(
        errors[0],
        json!({"field": ["variants", "0", "price"], "message": "Price must have at most 2 decimal places in USD", "code": "INVALID_INPUT"})
    );
    assert_eq!(
        errors[1],
        json!({"field": ["variants", "1", "barcode"], "message": "Barcode is too long (maximum is 255 characters)", "code": "TOO_LONG"})
    );
    let variants = json!([{"id": shirt_s, "price": "21.005"}, {"id": shirt_m, "price": "24.00"}]);
    let d = data(&sim, update, json!({"p": product, "v": variants, "partial": true})).await;
    assert_eq!(
        d["productVariantsBulkUpdate"]["productVariants"],
        json!([{"id": shirt_m, "price": "24.00"}]),
        "the valid variant is updated alone"
    );
    let d = data(&sim, update, json!({"p": product, "v": [{"id": shirt_s, "price": "-2.00"}], "partial": false})).await;
    assert_eq!(d["productVariantsBulkUpdate"]["userErrors"][0]["code"], "NEGATIVE_PRICE_VALUE");
}

#[tokio::test]
async fn orders_and_customers_are_checked_too() {
    let sim = start().await;
    let create = "mutation($o: OrderCreateOrderInput!) { orderCreate(order: $o) { order { id } userErrors { field message code } } }";
    let line = |amount: &str, currency: &str| json!({"title": "Custom", "quantity": 1, "priceSet": {"shopMoney": {"amount": amount, "currencyCode": currency}}});
    let d = data(&sim, create, json!({"o": {"lineItems": [line("5.125", "USD")]}})).await;
    assert_eq!(
        d["orderCreate"]["userErrors"],
        json!([{"field": ["order", "lineItems", "0", "priceSet", "shopMoney", "amount"], "message": "Amount must have at most 2 decimal places in USD", "code": "INVALID"}])
    );
    assert_eq!(
        data(&sim, create, json!({"o": {"lineItems": [line("500.5", "JPY")], "currency": "JPY"}})).await["orderCreate"]
            ["userErrors"][0]["code"],
        "INVALID"
    );
    assert_eq!(
        data(&sim, create, json!({"o": {"lineItems": [line("5.10", "USD")]}})).await["orderCreate"]["userErrors"],
        json!([])
    );

    let cs = "mutation($i: CustomerSetInput!) { customerSet(input: $i) { customer { id } userErrors { field message code } } }";
    let d = data(&sim, cs, json!({"i": {"email": "long@example.com", "firstName": "F".repeat(256)}})).await;
    assert_eq!(
        d["customerSet"]["userErrors"],
        json!([{"field": ["input", "firstName"], "message": "First name is too long (maximum is 255 characters)", "code": "TOO_LONG"}])
    );
    let cc =
        "mutation($i: CustomerInput!) { customerCreate(input: $i) { customer { id } userErrors { field message } } }";
    let d = data(&sim, cc, json!({"i": {"email": "tags@example.com", "tags": ["t".repeat(256)]}})).await;
    assert_eq!(
        d["customerCreate"]["userErrors"],
        json!([{"field": ["tags"], "message": "Tags is too long (maximum is 255 characters)"}])
    );
}
