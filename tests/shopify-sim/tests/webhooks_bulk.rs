//! Webhooks arrive signed with Shopify's headers, are retried, duplicated on demand;
//! bulk queries produce JSONL served over HTTP and fire bulk_operations/finish.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::webhooks::sign;
use shopify_sim::{Fault, FaultRule};

#[test]
fn hmac_matches_shopifys_test_vector() {
    assert_eq!(sign("test_secret_key", br#"{"foo": "bar"}"#), "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=");
}

#[tokio::test]
async fn a_storefront_order_delivers_signed_webhooks() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    subscribe(&sim, "INVENTORY_LEVELS_UPDATE", &receiver.url).await;
    sim.place_order(Some("eve@example.com"), &[("MUG".to_string(), 3)]).expect("order placed");
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2);
    let order = got.iter().find(|r| r.headers["x-shopify-topic"] == "orders/create").expect("orders/create");
    let h = &order.headers;
    assert_eq!(h["x-shopify-hmac-sha256"].to_str().unwrap(), sign(&sim.shared.config.webhook_secret, &order.body));
    assert_eq!(h["x-shopify-shop-domain"], "weft-sim.myshopify.com");
    assert_eq!(h["x-shopify-api-version"], "2026-04");
    for name in ["x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-triggered-at"] {
        assert!(!h[name].is_empty(), "{name}");
    }
    let body: Json = serde_json::from_slice(&order.body).unwrap();
    assert_eq!(body["line_items"][0]["sku"], "MUG");
    assert_eq!(body["financial_status"], "paid");
    let level = got.iter().find(|r| r.headers["x-shopify-topic"] == "inventory_levels/update").expect("level update");
    let body: Json = serde_json::from_slice(&level.body).unwrap();
    assert_eq!(body["available"], 37);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_webhook_id() {
    let sim = start().await;
    let receiver = Receiver::start(2).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let log = sim.deliveries();
    assert_eq!(log.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["failed", "failed", "delivered"]);
    assert!(log.iter().all(|r| r.webhook_id == log[0].webhook_id));
    assert_eq!(got[0].headers["x-shopify-webhook-id"].to_str().unwrap(), log[0].webhook_id);
    assert_eq!(sim.counters().webhooks_failed_attempts, 2);
}

#[tokio::test]
async fn duplicates_and_drops_on_demand() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    sim.inject(FaultRule::times(Fault::WebhookDuplicate, 1));
    sim.inject(FaultRule::times(Fault::WebhookDrop, 1));
    sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    sim.place_order(None, &[("MUG".to_string(), 1)]).unwrap();
    receiver.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let got = receiver.received.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "one duplicated, one dropped, one normal");
    let ids: Vec<_> = got.iter().map(|r| r.headers["x-shopify-webhook-id"].to_str().unwrap().to_string()).collect();
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 2, "the duplicate shares its webhook id");
    assert_eq!(sim.counters().webhooks_dropped, 1);
}

#[tokio::test]
async fn reordering_releases_held_deliveries_in_reverse() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    sim.inject(FaultRule::times(Fault::WebhookReorder { batch: 2 }, 2));
    let first = sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(receiver.received.lock().unwrap().is_empty(), "held until the batch is full");
    sim.place_order(None, &[("MUG".to_string(), 1)]).unwrap();
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2);
    let ids: Vec<u64> =
        got.iter().map(|r| serde_json::from_slice::<Json>(&r.body).unwrap()["id"].as_u64().unwrap()).collect();
    assert!(ids.contains(&first));
}

#[tokio::test]
async fn bulk_query_produces_jsonl_with_parent_ids_and_a_finish_webhook() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "BULK_OPERATIONS_FINISH", &receiver.url).await;
    let inner = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }";
    let d = data(&sim, "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { message } } }", json!({"q": inner})).await;
    let id = d["bulkOperationRunQuery"]["bulkOperation"]["id"].as_str().unwrap().to_string();
    let mut url = Json::Null;
    for _ in 0..100 {
        let d = data(
            &sim,
            "query($id: ID!) { bulkOperation(id: $id) { status objectCount rootObjectCount url } }",
            json!({"id": id}),
        )
        .await;
        if d["bulkOperation"]["status"] == "COMPLETED" {
            assert_eq!(d["bulkOperation"]["objectCount"], "8");
            assert_eq!(d["bulkOperation"]["rootObjectCount"], "3");
            url = d["bulkOperation"]["url"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, body) = get(url.as_str().expect("completed with a url")).await;
    assert_eq!(status, 200);
    let lines: Vec<Json> =
        String::from_utf8(body.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["title"], "Shirt");
    assert!(lines[0].get("variants").is_none());
    assert_eq!(lines[1]["sku"], "SHIRT-S");
    assert_eq!(lines[1]["__parentId"], lines[0]["id"]);
    let finish = receiver.wait_for(1).await;
    let payload: Json = serde_json::from_slice(&finish[0].body).unwrap();
    assert_eq!(payload["status"], "completed");
    assert_eq!(payload["admin_graphql_api_id"], id.as_str());

    let (_, bad) = gql(&sim, "mutation { bulkOperationRunQuery(query: \"{ products { edges { node { nope } } } }\") { userErrors { message code } } }", json!({})).await;
    assert_eq!(bad["data"]["bulkOperationRunQuery"]["userErrors"][0]["code"], "INVALID");
}

#[tokio::test]
async fn catalog_customer_and_order_changes_fire_their_topics() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    for topic in [
        "PRODUCTS_CREATE",
        "PRODUCTS_UPDATE",
        "PRODUCTS_DELETE",
        "CUSTOMERS_CREATE",
        "CUSTOMERS_UPDATE",
        "ORDERS_PAID",
        "ORDERS_UPDATED",
        "ORDERS_CANCELLED",
    ] {
        subscribe(&sim, topic, &receiver.url).await;
    }
    let set = "mutation($i: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(input: $i, identifier: $id) { product { id } userErrors { message } } }";
    let d = data(&sim, set, json!({"i": {"title": "Kite"}, "id": {"handle": "kite"}})).await;
    let product = d["productSet"]["product"]["id"].clone();
    data(&sim, set, json!({"i": {"title": "Kite 2"}, "id": {"handle": "kite"}})).await;
    data(&sim, "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId } }", json!({"id": product}))
        .await;
    let cs = "mutation($i: CustomerSetInput!, $id: CustomerSetIdentifiers) { customerSet(input: $i, identifier: $id) { customer { id } } }";
    data(&sim, cs, json!({"i": {"email": "new@example.com"}, "id": {"email": "new@example.com"}})).await;
    data(
        &sim,
        cs,
        json!({"i": {"email": "new@example.com", "lastName": "Lovelace"}, "id": {"email": "new@example.com"}}),
    )
    .await;
    let order = sim.place_order(Some("new@example.com"), &[("MUG".to_string(), 1)]).unwrap();
    data(&sim, "mutation($id: ID!) { orderCancel(orderId: $id, reason: OTHER, restock: true) { orderCancelUserErrors { code } } }", json!({"id": format!("gid://shopify/Order/{order}")})).await;
    let got = receiver.wait_for(8).await;
    let mut topics: Vec<String> =
        got.iter().map(|r| r.headers["x-shopify-topic"].to_str().unwrap().to_string()).collect();
    topics.sort();
    assert_eq!(
        topics,
        [
            "customers/create",
            "customers/update",
            "orders/cancelled",
            "orders/paid",
            "orders/updated",
            "products/create",
            "products/delete",
            "products/update"
        ]
    );
    let deleted = got.iter().find(|r| r.headers["x-shopify-topic"] == "products/delete").unwrap();
    assert_eq!(
        serde_json::from_slice::<Json>(&deleted.body).unwrap()["id"]
            .as_u64()
            .map(|id| format!("gid://shopify/Product/{id}")),
        product.as_str().map(str::to_string)
    );
}

#[tokio::test]
async fn a_receiver_failing_8_times_in_a_row_loses_its_subscription() {
    let sim = start_with(shopify_sim::SimConfig {
        seed: seed(),
        webhook_retry_base: std::time::Duration::from_millis(1),
        ..shopify_sim::SimConfig::default()
    })
    .await;
    let receiver = Receiver::start(u32::MAX).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    let list = "{ webhookSubscriptions(first: 5) { nodes { id topic uri } } }";
    assert_eq!(data(&sim, list, json!({})).await["webhookSubscriptions"]["nodes"].as_array().unwrap().len(), 1);
    sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    for _ in 0..200 {
        if sim.deliveries().len() >= 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sim.deliveries().len(), 8, "attempts stop once the subscription is deleted");
    assert_eq!(data(&sim, list, json!({})).await["webhookSubscriptions"]["nodes"], json!([]));
}

#[tokio::test]
async fn subscriptions_can_be_deleted() {
    let sim = start().await;
    subscribe(&sim, "ORDERS_CREATE", "http://127.0.0.1:9/hooks").await;
    let d =
        data(&sim, "{ webhookSubscriptions(first: 5, topics: [ORDERS_CREATE]) { nodes { id uri } } }", json!({})).await;
    let id = d["webhookSubscriptions"]["nodes"][0]["id"].clone();
    let del = "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }";
    assert_eq!(
        data(&sim, del, json!({"id": id})).await["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"],
        id
    );
    assert_eq!(
        data(&sim, del, json!({"id": id})).await["webhookSubscriptionDelete"]["userErrors"][0]["message"],
        "Webhook subscription does not exist"
    );
}
