//! Seed file additions: access scopes, product metafields, metafield definitions, collections,
//! and webhook subscriptions (this app's and another app's), with clear errors for bad seeds.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::Seed;

fn seed_with(extra: Json) -> Result<Seed, serde_json::Error> {
    let mut base = json!({
        "locations": [{"name": "Main"}],
        "products": [
            {"title": "Shirt", "handle": "shirt", "variants": [{"sku": "SHIRT"}], "metafields": [
                {"namespace": "custom", "key": "care", "type": "multi_line_text_field", "value": "Wash cold"},
                {"namespace": "erp", "key": "weight", "type": "weight", "value": "{\"value\": 0.2, \"unit\": \"kg\"}"}]},
            {"title": "Mug", "handle": "mug", "variants": [{"sku": "MUG"}]}
        ],
        "metafield_definitions": [{"owner_type": "PRODUCT", "namespace": "erp", "key": "weight", "name": "Weight", "type": "weight"}],
        "collections": [{"title": "Kitchen", "products": ["mug"]}],
        "webhook_subscriptions": [
            {"topic": "ORDERS_CREATE", "uri": "http://127.0.0.1:9/ours", "name": "weft-orders"},
            {"topic": "ORDERS_CREATE", "uri": "http://127.0.0.1:9/theirs", "app": "other-app"}
        ],
        "access_scopes": ["read_products", "write_products", "read_orders"]
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    serde_json::from_value(base)
}

#[tokio::test]
async fn a_seed_carries_metafields_definitions_collections_subscriptions_and_scopes() {
    let sim = start().await;
    sim.seed(&seed_with(json!({})).unwrap()).unwrap();
    let q = "{ products(first: 5) { nodes { handle metafields(first: 5) { nodes { namespace key definition { name } } } collections(first: 2) { nodes { handle } } } }
      webhookSubscriptions(first: 5) { nodes { uri name } } currentAppInstallation { accessScopes { handle } } }";
    let d = data(&sim, q, json!({})).await;
    let shirt = &d["products"]["nodes"][0];
    assert_eq!(
        shirt["metafields"]["nodes"],
        json!([{"namespace": "custom", "key": "care", "definition": null}, {"namespace": "erp", "key": "weight", "definition": {"name": "Weight"}}])
    );
    assert_eq!(d["products"]["nodes"][1]["collections"]["nodes"], json!([{"handle": "kitchen"}]));
    assert_eq!(
        d["webhookSubscriptions"]["nodes"],
        json!([{"uri": "http://127.0.0.1:9/ours", "name": "weft-orders"}]),
        "the other app's stays invisible"
    );
    assert_eq!(sim.subscriptions().len(), 2);
    assert_eq!(d["currentAppInstallation"]["accessScopes"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_bad_seed_names_the_problem() {
    let sim = start().await;
    let bad_collection = seed_with(json!({"collections": [{"title": "X", "products": ["nope"]}]})).unwrap();
    assert!(sim.seed(&bad_collection).unwrap_err().contains("unknown product \"nope\""));
    let bad_topic =
        seed_with(json!({"webhook_subscriptions": [{"topic": "SHOP_UPDATE", "uri": "http://127.0.0.1:9/x"}]})).unwrap();
    assert!(sim.seed(&bad_topic).unwrap_err().contains("SHOP_UPDATE"));
    let mut bad_value = seed_with(json!({})).unwrap();
    bad_value.products[0].metafields[0].type_name = "number_integer".into();
    let err = sim.seed(&bad_value).unwrap_err();
    assert!(err.contains("custom.care") && err.contains("Value must be an integer."), "{err}");
    assert!(
        seed_with(json!({"collections": [{"title": "X", "colour": "red"}]})).is_err(),
        "unknown seed fields are refused"
    );
}
