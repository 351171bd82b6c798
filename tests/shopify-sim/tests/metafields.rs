//! Metafields on products, variants, customers and orders: metafieldsSet in batches of at most 25,
//! typed by definition or input and validated per type, compare-and-set digests, definitions,
//! reads on the owners, and other metafields left alone.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::SimConfig;

const SET: &str = "mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id namespace key type value } userErrors { field message code elementIndex } } }";
const DEFINE: &str = "mutation($d: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $d) { createdDefinition { id name namespace key ownerType type { name category } validations { name value } } userErrors { field message code } } }";

async fn set(sim: &shopify_sim::SimHandle, metafields: Json) -> Json {
    data(sim, SET, json!({"m": metafields})).await["metafieldsSet"].clone()
}

fn mf(owner: &Json, namespace: &str, key: &str, ty: &str, value: &str) -> Json {
    json!({"ownerId": owner, "namespace": namespace, "key": key, "type": ty, "value": value})
}

/// (product id, variant id, customer id, order id) of the seeded shop, with an order placed.
async fn owners(sim: &shopify_sim::SimHandle) -> (Json, Json, Json, Json) {
    let order = sim.place_order(Some("ada@example.com"), &[("MUG".to_string(), 1)]).unwrap();
    let d = data(sim, "{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } customers(first: 1) { nodes { id } } }", json!({})).await;
    let product = d["products"]["nodes"][0]["id"].clone();
    let variant = d["products"]["nodes"][0]["variants"]["nodes"][0]["id"].clone();
    (product, variant, d["customers"]["nodes"][0]["id"].clone(), json!(format!("gid://shopify/Order/{order}")))
}

#[tokio::test]
async fn metafields_are_set_on_every_owner_and_read_back_typed() {
    let sim = start().await;
    let (product, variant, customer, order) = owners(&sim).await;
    let result = set(
        &sim,
        json!([
            mf(&product, "erp", "material", "single_line_text_field", "Cotton"),
            mf(&product, "erp", "weight", "weight", "{\"value\": 0.25, \"unit\": \"kg\"}"),
            mf(&variant, "erp", "pack_size", "number_integer", "6"),
            mf(&customer, "erp", "account", "single_line_text_field", "C-1001"),
            mf(&order, "erp", "exported", "boolean", "true"),
            mf(&product, "erp", "sizes", "list.single_line_text_field", "[\"S\", \"M\"]"),
        ]),
    )
    .await;
    assert_eq!(result["userErrors"], json!([]), "{result}");
    assert_eq!(result["metafields"].as_array().unwrap().len(), 6);

    let q = "query($p: ID!, $v: ID!, $c: ID!, $o: ID!) {
      product(id: $p) { material: metafield(namespace: \"erp\", key: \"material\") { value type } weight: metafield(namespace: \"erp\", key: \"weight\") { jsonValue }
        sizes: metafield(namespace: \"erp\", key: \"sizes\") { jsonValue } metafields(first: 10, namespace: \"erp\") { nodes { key } } }
      productVariant(id: $v) { metafield(namespace: \"erp\", key: \"pack_size\") { jsonValue owner { ... on ProductVariant { id } } } }
      customer(id: $c) { metafield(namespace: \"erp\", key: \"account\") { value ownerType } }
      order(id: $o) { metafields(first: 5, keys: [\"erp.exported\"]) { nodes { jsonValue } } } }";
    let d = data(&sim, q, json!({"p": product, "v": variant, "c": customer, "o": order})).await;
    assert_eq!(d["product"]["material"], json!({"value": "Cotton", "type": "single_line_text_field"}));
    assert_eq!(d["product"]["weight"]["jsonValue"], json!({"value": 0.25, "unit": "kg"}));
    assert_eq!(d["product"]["sizes"]["jsonValue"], json!(["S", "M"]));
    assert_eq!(d["product"]["metafields"]["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(d["productVariant"]["metafield"]["jsonValue"], 6);
    assert_eq!(d["productVariant"]["metafield"]["owner"]["id"], variant);
    assert_eq!(d["customer"]["metafield"], json!({"value": "C-1001", "ownerType": "CUSTOMER"}));
    assert_eq!(d["order"]["metafields"]["nodes"], json!([{"jsonValue": true}]));
}

#[tokio::test]
async fn a_batch_is_at_most_25_and_all_or_nothing() {
    let sim = start().await;
    let (product, ..) = owners(&sim).await;
    let many: Vec<Json> = (0..26).map(|i| mf(&product, "erp", &format!("k{i}"), "number_integer", "1")).collect();
    let result = set(&sim, Json::Array(many)).await;
    assert_eq!(
        result["userErrors"],
        json!([{"field": ["metafields"], "message": "Exceeded the maximum metafields input limit of 25.", "code": "LESS_THAN_OR_EQUAL_TO", "elementIndex": null}])
    );
    let result = set(
        &sim,
        json!([
            mf(&product, "erp", "good", "number_integer", "1"),
            mf(&product, "erp", "list", "list.number_integer", "[1, \"two\", 3]"),
            mf(&product, "erp", "when", "date", "2026-13-01"),
        ]),
    )
    .await;
    let errors = result["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{result}");
    assert_eq!(
        errors[0],
        json!({"field": ["metafields", "1", "value"], "message": "Value must be an integer.", "code": "INVALID_VALUE", "elementIndex": 1})
    );
    assert_eq!(errors[1]["field"], json!(["metafields", "2", "value"]));
    assert!(sim.state()["metafields"].as_object().unwrap().is_empty(), "nothing written");
    let result = set(&sim, json!([{"ownerId": product, "namespace": "erp", "key": "untyped", "value": "x"}])).await;
    assert_eq!(result["userErrors"][0]["code"], "BLANK");
    let result = set(&sim, json!([mf(&json!("gid://shopify/Product/1"), "erp", "x", "boolean", "true")])).await;
    assert_eq!(result["userErrors"][0]["field"], json!(["metafields", "0", "ownerId"]));
}

#[tokio::test]
async fn definitions_type_and_validate_values() {
    let sim = start().await;
    let (product, ..) = owners(&sim).await;
    let d = data(&sim, DEFINE, json!({"d": {"name": "Pack size", "namespace": "erp", "key": "pack", "ownerType": "PRODUCT", "type": "number_integer", "validations": [{"name": "max", "value": "10"}]}})).await;
    let created = &d["metafieldDefinitionCreate"]["createdDefinition"];
    assert_eq!(created["type"], json!({"name": "number_integer", "category": "NUMBER"}));
    assert_eq!(created["validations"], json!([{"name": "max", "value": "10"}]));
    let again = data(&sim, DEFINE, json!({"d": {"name": "Again", "namespace": "erp", "key": "pack", "ownerType": "PRODUCT", "type": "number_integer"}})).await;
    assert_eq!(again["metafieldDefinitionCreate"]["userErrors"][0]["code"], "TAKEN");
    let bad_type = data(
        &sim,
        DEFINE,
        json!({"d": {"name": "X", "namespace": "erp", "key": "other", "ownerType": "PRODUCT", "type": "not_a_type"}}),
    )
    .await;
    assert_eq!(bad_type["metafieldDefinitionCreate"]["userErrors"][0]["field"], json!(["definition", "type"]));

    // Without a type the definition's applies; its validations hold; another type is refused.
    let untyped = json!([{"ownerId": product, "namespace": "erp", "key": "pack", "value": "11"}]);
    assert_eq!(set(&sim, untyped).await["userErrors"][0]["message"], "Value must be less than or equal to 10.");
    assert_eq!(
        set(&sim, json!([mf(&product, "erp", "pack", "single_line_text_field", "six")])).await["userErrors"][0]["code"],
        "INVALID_TYPE"
    );
    let ok = set(&sim, json!([{"ownerId": product, "namespace": "erp", "key": "pack", "value": "6"}])).await;
    assert_eq!(ok["metafields"][0]["type"], "number_integer");

    let q = "{ metafieldDefinitions(first: 5, ownerType: PRODUCT, namespace: \"erp\") { nodes { key metafieldsCount } } customerDefs: metafieldDefinitions(first: 5, ownerType: CUSTOMER) { nodes { key } }
      metafieldDefinition(identifier: {ownerType: PRODUCT, namespace: \"erp\", key: \"pack\"}) { name } }";
    let d = data(&sim, q, json!({})).await;
    assert_eq!(d["metafieldDefinitions"]["nodes"], json!([{"key": "pack", "metafieldsCount": 1}]));
    assert_eq!(d["customerDefs"]["nodes"], json!([]));
    assert_eq!(d["metafieldDefinition"]["name"], "Pack size");
}

#[tokio::test]
async fn compare_digests_guard_concurrent_writes() {
    let sim = start().await;
    let (product, ..) = owners(&sim).await;
    set(&sim, json!([mf(&product, "erp", "color", "color", "#112233")])).await;
    let digest = data(
        &sim,
        "query($p: ID!) { product(id: $p) { metafield(namespace: \"erp\", key: \"color\") { compareDigest } } }",
        json!({"p": product}),
    )
    .await["product"]["metafield"]["compareDigest"]
        .clone();
    let mut stale = mf(&product, "erp", "color", "color", "#445566");
    stale["compareDigest"] = json!("0000");
    assert_eq!(set(&sim, json!([stale])).await["userErrors"][0]["code"], "STALE_OBJECT");
    let mut must_be_new = mf(&product, "erp", "color", "color", "#445566");
    must_be_new["compareDigest"] = Json::Null;
    assert_eq!(set(&sim, json!([must_be_new])).await["userErrors"][0]["field"], json!(["metafields", "0"]));
    let mut fresh = mf(&product, "erp", "color", "color", "#445566");
    fresh["compareDigest"] = digest;
    assert_eq!(set(&sim, json!([fresh])).await["userErrors"], json!([]));
}

#[tokio::test]
async fn setting_managed_keys_leaves_other_metafields_and_deletes_only_what_is_named() {
    let sim = start().await;
    let (product, ..) = owners(&sim).await;
    set(
        &sim,
        json!([
            mf(&product, "custom", "care", "multi_line_text_field", "Wash cold\nDry flat"),
            mf(&product, "erp", "material", "single_line_text_field", "Wool")
        ]),
    )
    .await;
    set(&sim, json!([mf(&product, "erp", "material", "single_line_text_field", "Linen")])).await;
    let q = "query($p: ID!) { product(id: $p) { metafields(first: 10) { nodes { namespace key value } } } }";
    let nodes = data(&sim, q, json!({"p": product})).await["product"]["metafields"]["nodes"].clone();
    assert_eq!(
        nodes,
        json!([{"namespace": "custom", "key": "care", "value": "Wash cold\nDry flat"}, {"namespace": "erp", "key": "material", "value": "Linen"}])
    );
    let del = "mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { key } userErrors { message } } }";
    let d = data(&sim, del, json!({"m": [{"ownerId": product, "namespace": "erp", "key": "material"}, {"ownerId": product, "namespace": "erp", "key": "missing"}]})).await;
    assert_eq!(d["metafieldsDelete"]["deletedMetafields"], json!([{"key": "material"}, null]));
    assert_eq!(
        data(&sim, q, json!({"p": product})).await["product"]["metafields"]["nodes"].as_array().unwrap().len(),
        1
    );
    // A metafield without a namespace lands in the app's reserved namespace and reads back without one.
    set(&sim, json!([{"ownerId": product, "key": "sync_hash", "type": "single_line_text_field", "value": "abc"}]))
        .await;
    let d = data(
        &sim,
        "query($p: ID!) { product(id: $p) { metafield(key: \"sync_hash\") { namespace value } } }",
        json!({"p": product}),
    )
    .await;
    assert_eq!(d["product"]["metafield"], json!({"namespace": "app--1", "value": "abc"}));
    data(&sim, "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId } }", json!({"id": product}))
        .await;
    assert!(sim.state()["metafields"].as_object().unwrap().is_empty(), "a deleted product's metafields go with it");
}

#[tokio::test]
async fn money_follows_the_shop_currency_and_scopes_follow_the_owner() {
    let sim = start_with(SimConfig {
        seed: seed(),
        shop_currency: "EUR".into(),
        access_scopes: vec!["write_products".into(), "read_customers".into()],
        ..SimConfig::default()
    })
    .await;
    let product =
        data(&sim, "{ products(first: 1) { nodes { id } } }", json!({})).await["products"]["nodes"][0]["id"].clone();
    assert_eq!(
        set(&sim, json!([mf(&product, "erp", "rrp", "money", "{\"amount\": \"5.99\", \"currency_code\": \"EUR\"}")]))
            .await["userErrors"],
        json!([])
    );
    assert_eq!(
        set(&sim, json!([mf(&product, "erp", "rrp", "money", "{\"amount\": \"5.99\", \"currency_code\": \"USD\"}")]))
            .await["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    let customer =
        data(&sim, "{ customers(first: 1) { nodes { id } } }", json!({})).await["customers"]["nodes"][0]["id"].clone();
    let (_, body) =
        gql(&sim, SET, json!({"m": [mf(&customer, "erp", "account", "single_line_text_field", "C-1")]})).await;
    assert_eq!(body["errors"][0]["extensions"]["requiredAccess"], "`write_customers` access scope.", "{body}");
}
