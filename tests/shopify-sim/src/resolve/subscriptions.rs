//! Webhook subscriptions: `webhookSubscriptionCreate` / `Delete`, the `webhookSubscriptions` query,
//! and the mapping between GraphQL topic enums and REST topic names.

use super::connection::{id_key, paginate, Item};
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::store::model::{Subscription, UserError};
use crate::store::{gid, now, parse_gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// GraphQL topic enum value and the `X-Shopify-Topic` it is delivered under.
const TOPICS: &[(&str, &str)] = &[
    ("ORDERS_CREATE", "orders/create"),
    ("ORDERS_UPDATED", "orders/updated"),
    ("ORDERS_PAID", "orders/paid"),
    ("ORDERS_CANCELLED", "orders/cancelled"),
    ("ORDERS_EDITED", "orders/edited"),
    ("ORDERS_FULFILLED", "orders/fulfilled"),
    ("ORDERS_PARTIALLY_FULFILLED", "orders/partially_fulfilled"),
    ("FULFILLMENTS_CREATE", "fulfillments/create"),
    ("REFUNDS_CREATE", "refunds/create"),
    ("RETURNS_REQUEST", "returns/request"),
    ("RETURNS_APPROVE", "returns/approve"),
    ("RETURNS_DECLINE", "returns/decline"),
    ("RETURNS_CLOSE", "returns/close"),
    ("RETURNS_CANCEL", "returns/cancel"),
    ("PRODUCTS_CREATE", "products/create"),
    ("PRODUCTS_UPDATE", "products/update"),
    ("PRODUCTS_DELETE", "products/delete"),
    ("INVENTORY_LEVELS_UPDATE", "inventory_levels/update"),
    ("CUSTOMERS_CREATE", "customers/create"),
    ("CUSTOMERS_UPDATE", "customers/update"),
    ("BULK_OPERATIONS_FINISH", "bulk_operations/finish"),
];

/// The REST topic name for a GraphQL topic enum value the simulator delivers.
pub fn rest_topic(topic: &str) -> Option<&'static str> {
    TOPICS.iter().find(|(g, _)| *g == topic).map(|(_, r)| *r)
}

/// The subscription API version reported to clients.
const API_VERSION: &str = crate::schema::SCHEMA_VERSION;

/// A subscription node.
pub fn subscription_node<'c>(ctx: &'c Ctx<'c>, s: &Subscription) -> Node<'c> {
    let fields = json!({
        "id": gid("WebhookSubscription", s.id), "legacyResourceId": s.id.to_string(), "topic": s.topic, "uri": s.uri,
        "callbackUrl": s.uri, "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": s.uri}, "format": s.format,
        "name": s.name, "includeFields": s.include_fields, "metafieldNamespaces": [], "metafields": [], "filter": null,
        "apiVersion": {"handle": API_VERSION, "displayName": API_VERSION, "supported": true},
        "createdAt": ts(&s.created_at), "updatedAt": ts(&s.updated_at),
    });
    Node::new(ctx, "WebhookSubscription", fields, Rel::None)
}

/// `Query.webhookSubscriptions` (filters `topics`, `uri`, `format`).
pub fn subscriptions<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let topics: Option<Vec<String>> = a
        .get("topics")
        .and_then(Json::as_array)
        .map(|t| t.iter().filter_map(Json::as_str).map(str::to_string).collect());
    let uri = a.get("uri").and_then(Json::as_str);
    let format = a.get("format").and_then(Json::as_str);
    let store = ctx.store();
    let items = store
        .subscriptions
        .values()
        .filter(|s| topics.as_ref().is_none_or(|t| t.contains(&s.topic)))
        .filter(|s| uri.is_none_or(|u| u == s.uri) && format.is_none_or(|f| f == s.format))
        .map(|s| Item { key: id_key(s.id), node: subscription_node(ctx, s) })
        .collect();
    drop(store);
    paginate(ctx, info, a, items)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 50 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `webhookSubscriptionCreate(topic:, webhookSubscription:)`.
pub fn create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let topic = a.get("topic").and_then(Json::as_str).unwrap_or("").to_string();
    let input = a.get("webhookSubscription").cloned().unwrap_or(Json::Null);
    let uri = input.get("uri").or(input.get("callbackUrl")).and_then(Json::as_str).unwrap_or("").to_string();
    let name = input.get("name").and_then(Json::as_str).map(str::to_string);
    let error = if !(uri.starts_with("https://") || uri.starts_with("http://")) {
        Some(UserError::new(&["webhookSubscription", "callbackUrl"], "Address is invalid", None))
    } else if store.subscriptions.values().any(|s| s.topic == topic && s.uri == uri) {
        Some(UserError::new(
            &["webhookSubscription", "callbackUrl"],
            "Address for this topic has already been taken",
            None,
        ))
    } else if name.as_deref().is_some_and(|n| !valid_name(n)) {
        Some(UserError::new(&["webhookSubscription", "name"], "Name is invalid", None))
    } else if name.is_some() && store.subscriptions.values().any(|s| s.name == name) {
        Some(UserError::new(&["webhookSubscription", "name"], "Name has already been taken", None))
    } else {
        None
    };
    if let Some(e) = error {
        return json!({"webhookSubscription": null, "userErrors": user_errors(&[e])});
    }
    let id = store.next_id();
    let t = now();
    store.subscriptions.insert(
        id,
        Subscription {
            id,
            topic,
            uri,
            format: input.get("format").and_then(Json::as_str).unwrap_or("JSON").to_string(),
            name,
            include_fields: input
                .get("includeFields")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect(),
            consecutive_failures: 0,
            created_at: t,
            updated_at: t,
        },
    );
    json!({"webhookSubscription": rel("WebhookSubscription", id), "userErrors": []})
}

/// `webhookSubscriptionDelete(id:)`.
pub fn delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let raw = a.get("id").and_then(Json::as_str).unwrap_or("").to_string();
    match parse_gid("WebhookSubscription", &raw).and_then(|id| store.subscriptions.remove(&id)) {
        Some(_) => json!({"deletedWebhookSubscriptionId": raw, "userErrors": []}),
        None => {
            let e = UserError::new(&["id"], "Webhook subscription does not exist", None);
            json!({"deletedWebhookSubscriptionId": null, "userErrors": user_errors(&[e])})
        }
    }
}
