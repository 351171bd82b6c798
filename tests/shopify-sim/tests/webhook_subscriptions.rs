//! Webhook subscription management as an app sees it: list (filters, paging), create, update (fix
//! a wrong address), delete, count; other apps' subscriptions stay invisible; Shopify's deletion
//! of a failing subscription is observable.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::webhooks::sign;
use shopify_sim::SimConfig;
use std::time::Duration;

const LIST: &str = "query($first: Int, $after: String, $topics: [WebhookSubscriptionTopic!], $uri: String, $sort: WebhookSubscriptionSortKeys, $q: String) {
  webhookSubscriptions(first: $first, after: $after, topics: $topics, uri: $uri, sortKey: $sort, query: $q) {
    nodes { id topic uri name } pageInfo { hasNextPage endCursor } } }";
const UPDATE: &str =
    "mutation($id: ID!, $s: WebhookSubscriptionInput!) { webhookSubscriptionUpdate(id: $id, webhookSubscription: $s) {
  webhookSubscription { id topic uri name } userErrors { field message } } }";

async fn list(sim: &shopify_sim::SimHandle, vars: Json) -> Json {
    data(sim, LIST, vars).await["webhookSubscriptions"].clone()
}

#[tokio::test]
async fn subscriptions_are_listed_filtered_paged_and_counted() {
    let sim = start().await;
    for (topic, uri) in [
        ("ORDERS_CREATE", "http://127.0.0.1:9/a"),
        ("ORDERS_PAID", "http://127.0.0.1:9/a"),
        ("PRODUCTS_UPDATE", "http://127.0.0.1:9/b"),
    ] {
        subscribe(&sim, topic, uri).await;
    }
    let all = list(&sim, json!({"first": 10})).await;
    assert_eq!(all["nodes"].as_array().unwrap().len(), 3);
    let by_topic = list(&sim, json!({"first": 10, "topics": ["ORDERS_PAID"]})).await;
    assert_eq!(by_topic["nodes"][0]["topic"], "ORDERS_PAID");
    assert_eq!(by_topic["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(
        list(&sim, json!({"first": 10, "uri": "http://127.0.0.1:9/a"})).await["nodes"].as_array().unwrap().len(),
        2
    );
    let first = list(&sim, json!({"first": 2, "sort": "ID"})).await;
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = list(&sim, json!({"first": 2, "sort": "ID", "after": first["pageInfo"]["endCursor"]})).await;
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let id = all["nodes"][2]["id"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(list(&sim, json!({"first": 10, "q": format!("id:{id}")})).await["nodes"].as_array().unwrap().len(), 1);
    let d = data(&sim, "{ webhookSubscriptionsCount { count precision } limited: webhookSubscriptionsCount(limit: 2) { count precision } }", json!({})).await;
    assert_eq!(d["webhookSubscriptionsCount"], json!({"count": 3, "precision": "EXACT"}));
    assert_eq!(d["limited"], json!({"count": 2, "precision": "AT_LEAST"}));
}

#[tokio::test]
async fn a_wrong_address_is_fixed_in_place_and_deliveries_follow() {
    let sim = start().await;
    let good = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", "http://127.0.0.1:9/wrong").await;
    subscribe(&sim, "ORDERS_PAID", &good.url).await;
    let nodes = list(&sim, json!({"first": 5, "topics": ["ORDERS_CREATE"]})).await["nodes"].clone();
    let id = nodes[0]["id"].clone();
    let d = data(&sim, UPDATE, json!({"id": id, "s": {"uri": good.url, "name": "weft-orders"}})).await;
    assert_eq!(d["webhookSubscriptionUpdate"]["userErrors"], json!([]));
    assert_eq!(
        d["webhookSubscriptionUpdate"]["webhookSubscription"],
        json!({"id": id, "topic": "ORDERS_CREATE", "uri": good.url, "name": "weft-orders"})
    );
    sim.place_order(None, &[("MUG".to_string(), 1)]).unwrap();
    let got = good.wait_for(2).await;
    let create = got
        .iter()
        .find(|r| r.headers["x-shopify-topic"] == "orders/create")
        .expect("orders/create reaches the fixed address");
    assert_eq!(create.headers["x-shopify-name"], "weft-orders");

    // Updating onto an address the topic already has, or an unknown id, is refused.
    let paid = list(&sim, json!({"first": 5, "topics": ["ORDERS_PAID"]})).await["nodes"][0]["id"].clone();
    subscribe(&sim, "ORDERS_PAID", "http://127.0.0.1:9/other").await;
    let d = data(&sim, UPDATE, json!({"id": paid, "s": {"uri": "http://127.0.0.1:9/other"}})).await;
    assert_eq!(
        d["webhookSubscriptionUpdate"]["userErrors"][0]["message"],
        "Address for this topic has already been taken"
    );
    let d = data(&sim, UPDATE, json!({"id": "gid://shopify/WebhookSubscription/1", "s": {"uri": good.url}})).await;
    assert_eq!(
        d["webhookSubscriptionUpdate"]["userErrors"],
        json!([{"field": ["id"], "message": "Webhook subscription does not exist"}])
    );
}

#[tokio::test]
async fn another_apps_subscriptions_are_invisible_but_delivered_with_its_secret() {
    let sim = start().await;
    let theirs = Receiver::start(0).await;
    let (status, created) = send(
        "POST",
        &format!("{}/_sim/webhooks/subscriptions", sim.base_url()),
        json!({"topic": "ORDERS_CREATE", "uri": theirs.url, "app": "erp-connector", "webhook_secret": "their-secret"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let foreign = created["id"].clone();
    subscribe(&sim, "ORDERS_CREATE", &theirs.url).await; // the same address is free for this app
    let ours = list(&sim, json!({"first": 10})).await["nodes"].clone();
    assert_eq!(ours.as_array().unwrap().len(), 1);
    assert_ne!(ours[0]["id"], foreign);
    assert_eq!(
        data(&sim, "query($id: ID!) { webhookSubscription(id: $id) { id } }", json!({"id": foreign})).await
            ["webhookSubscription"],
        Json::Null
    );
    let d = data(&sim, "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }", json!({"id": foreign})).await;
    assert_eq!(d["webhookSubscriptionDelete"]["userErrors"][0]["message"], "Webhook subscription does not exist");
    assert_eq!(
        data(&sim, UPDATE, json!({"id": foreign, "s": {"uri": "http://127.0.0.1:9/x"}})).await
            ["webhookSubscriptionUpdate"]["userErrors"][0]["field"],
        json!(["id"])
    );

    let (_, state) = send("GET", &format!("{}/_sim/webhooks/subscriptions", sim.base_url()), Json::Null).await;
    let all = state["subscriptions"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|s| s["foreign_app"]["name"] == "erp-connector"));

    sim.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    let got = theirs.wait_for(2).await;
    assert_eq!(got.len(), 2, "one delivery per subscription");
    let signatures: Vec<bool> = got
        .iter()
        .map(|r| r.headers["x-shopify-hmac-sha256"].to_str().unwrap() == sign("their-secret", &r.body))
        .collect();
    assert_eq!(
        signatures.iter().filter(|s| **s).count(),
        1,
        "the other app's delivery is signed with its secret, ours with ours"
    );
    assert!(got
        .iter()
        .any(|r| r.headers["x-shopify-hmac-sha256"].to_str().unwrap()
            == sign(&sim.shared.config.webhook_secret, &r.body)));
}

#[tokio::test]
async fn shopify_deleting_a_subscription_is_observable() {
    let sim =
        start_with(SimConfig { seed: seed(), webhook_retry_base: Duration::from_millis(1), ..SimConfig::default() })
            .await;
    let failing = Receiver::start(u32::MAX).await;
    let working = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", &failing.url).await;
    subscribe(&sim, "ORDERS_PAID", &working.url).await;
    let paid = sim.subscriptions().into_iter().find(|s| s.topic == "ORDERS_PAID").unwrap().id;
    sim.place_order(None, &[("MUG".to_string(), 1)]).unwrap();
    for _ in 0..200 {
        if !sim.removed_subscriptions().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let removed = sim.removed_subscriptions();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].subscription.topic, "ORDERS_CREATE");
    assert_eq!(removed[0].reason, "8 consecutive failed deliveries");
    assert_eq!(sim.counters().webhook_subscriptions_deleted, 1);
    assert!(sim
        .deliveries()
        .iter()
        .all(|d| d.subscription_id == removed[0].subscription.id || d.subscription_id == paid));

    // The control API deletes one the same way.
    let (status, _) = send(
        "DELETE",
        &format!("{}/_sim/webhooks/subscriptions/gid://shopify/WebhookSubscription/{paid}", sim.base_url()),
        Json::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list(&sim, json!({"first": 5})).await["nodes"], json!([]));
    assert_eq!(sim.counters().webhook_subscriptions_deleted, 2);
    let (status, _) =
        send("DELETE", &format!("{}/_sim/webhooks/subscriptions/{paid}", sim.base_url()), Json::Null).await;
    assert_eq!(status, 404);
    let (_, state) = send("GET", &format!("{}/_sim/webhooks/subscriptions", sim.base_url()), Json::Null).await;
    assert_eq!(state["removed"].as_array().unwrap().len(), 2);
    let (_, deliveries) = send("GET", &format!("{}/_sim/webhooks/deliveries", sim.base_url()), Json::Null).await;
    assert!(deliveries.as_array().unwrap().iter().all(|d| d["subscription_id"].is_u64()));
}
