//! The token's access scopes: `currentAppInstallation.accessScopes`, configurable by config, seed
//! and control API, and Shopify's ACCESS_DENIED for fields the token may not use.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::SimConfig;

async fn scopes_of(sim: &shopify_sim::SimHandle) -> Vec<String> {
    let d = data(sim, "{ currentAppInstallation { accessScopes { handle description } } }", json!({})).await;
    d["currentAppInstallation"]["accessScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["handle"].as_str().unwrap().to_string())
        .collect()
}

async fn limited(scopes: &[&str]) -> shopify_sim::SimHandle {
    start_with(SimConfig {
        seed: seed(),
        access_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn the_installation_lists_the_configured_scopes() {
    let sim = start().await;
    let granted = scopes_of(&sim).await;
    for needed in
        ["read_products", "write_products", "write_inventory", "write_orders", "write_customers", "read_locations"]
    {
        assert!(granted.iter().any(|g| g == needed), "{needed} granted by default: {granted:?}");
    }
    let sim = limited(&["read_products"]).await;
    assert_eq!(scopes_of(&sim).await, ["read_products"]);
}

#[tokio::test]
async fn a_missing_write_scope_is_access_denied_like_shopify() {
    let sim = limited(&["read_products", "read_customers"]).await;
    let (status, body) = gql(
        &sim,
        "mutation { productSet(input: {title: \"X\"}) { product { id } userErrors { message } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["productSet"], Json::Null, "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["message"], "Access denied for productSet field. Required access: `write_products` access scope.");
    assert_eq!(e["path"], json!(["productSet"]));
    assert_eq!(e["extensions"]["code"], "ACCESS_DENIED");
    assert_eq!(e["extensions"]["requiredAccess"], "`write_products` access scope.");
    assert_eq!(e["extensions"]["documentation"], "https://shopify.dev/api/usage/access-scopes");
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], 10, "a denied mutation is still charged");
    assert_eq!(sim.state()["products"].as_object().unwrap().len(), 3, "nothing written");

    // Reads the token holds still work; a non-null root field denied makes data null.
    assert_eq!(
        data(&sim, "{ products(first: 1) { nodes { title } } }", json!({})).await["products"]["nodes"][0]["title"],
        "Shirt"
    );
    let (_, body) = gql(&sim, "{ orders(first: 1) { nodes { id } } }", json!({})).await;
    assert_eq!(body["data"], Json::Null, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["requiredAccess"], "`read_orders` access scope.");
    for (query, scope) in [
        ("mutation { customerCreate(input: {email: \"x@y.z\"}) { customer { id } } }", "write_customers"),
        ("{ inventoryItems(first: 1) { nodes { id } } }", "read_inventory"),
        ("{ locations(first: 1) { nodes { id } } }", "read_locations"),
        ("mutation { priceListFixedPricesAdd(priceListId: \"gid://shopify/PriceList/1\", prices: []) { userErrors { message } } }", "write_products"),
        ("mutation { fileCreate(files: []) { userErrors { message } } }", "write_files"),
        ("mutation { returnRequest(input: {orderId: \"gid://shopify/Order/1\", returnLineItems: []}) { userErrors { message } } }", "write_returns"),
        ("mutation { orderEditBegin(id: \"gid://shopify/Order/1\") { userErrors { message } } }", "write_order_edits"),
        ("{ fulfillmentOrder(id: \"gid://shopify/FulfillmentOrder/1\") { id } }", "read_merchant_managed_fulfillment_orders"),
        ("{ return(id: \"gid://shopify/Return/1\") { id } }", "read_returns"),
        ("{ markets(first: 1) { nodes { id } } }", "read_markets"),
        ("{ refund(id: \"gid://shopify/Refund/1\") { id } }", "read_orders"),
    ] {
        let (_, body) = gql(&sim, query, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["requiredAccess"], format!("`{scope}` access scope."), "{query}: {body}");
    }
}

#[tokio::test]
async fn a_write_scope_grants_its_read_scope() {
    let sim = limited(&["write_products"]).await;
    assert_eq!(
        data(&sim, "{ products(first: 5) { nodes { id } } }", json!({})).await["products"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn scopes_change_by_control_api_and_seed() {
    let sim = start().await;
    let (status, _, _) = post_raw(
        &format!("{}/_sim/access_scopes", sim.base_url()),
        &[("content-type", "application/json")],
        br#"{"scopes":["read_orders"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(scopes_of(&sim).await, ["read_orders"]);
    let (_, body) = gql(&sim, "{ products(first: 1) { nodes { id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "ACCESS_DENIED");
    let (_, got) = get(&format!("{}/_sim/access_scopes", sim.base_url())).await;
    assert_eq!(serde_json::from_slice::<Json>(&got).unwrap()["scopes"], json!(["read_orders"]));

    let mut seeded = seed();
    seeded.access_scopes = Some(vec!["read_products".into(), "write_inventory".into()]);
    sim.seed(&seeded).unwrap();
    assert_eq!(scopes_of(&sim).await, ["read_products", "write_inventory"]);
    sim.reset();
    assert!(scopes_of(&sim).await.len() > 2, "a reset restores the configured scopes");
}

#[tokio::test]
async fn a_bulk_query_needing_a_missing_scope_fails_with_access_denied() {
    let sim = limited(&["read_products"]).await;
    let d = data(&sim, "mutation { bulkOperationRunQuery(query: \"{ customers { edges { node { id } } } }\") { bulkOperation { id } userErrors { message } } }", json!({})).await;
    let id = d["bulkOperationRunQuery"]["bulkOperation"]["id"].clone();
    for _ in 0..100 {
        let d = data(&sim, "query($id: ID!) { bulkOperation(id: $id) { status errorCode } }", json!({"id": id})).await;
        if d["bulkOperation"]["status"] != "CREATED" && d["bulkOperation"]["status"] != "RUNNING" {
            assert_eq!(d["bulkOperation"], json!({"status": "FAILED", "errorCode": "ACCESS_DENIED"}));
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the bulk operation never finished");
}
