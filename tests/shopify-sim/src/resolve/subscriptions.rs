//! Webhook subscriptions: `webhookSubscriptionCreate` / `Update` / `Delete`, the
//! `webhookSubscriptions` / `webhookSubscription` / `webhookSubscriptionsCount` queries (the calling
//! app's own subscriptions only, as in Shopify), and the mapping between GraphQL topic enums and
//! REST topic names.

use super::connection::{id_key, paginate, Item};
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{ForeignApp, Subscription, SubscriptionRemoval, UserError};
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
    ("FULFILLMENTS_UPDATE", "fulfillments/update"),
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
        "name": s.name, "includeFields": s.include_fields, "metafieldNamespaces": [], "metafields": [], "filter": s.filter,
        "apiVersion": {"handle": API_VERSION, "displayName": API_VERSION, "supported": true},
        "createdAt": ts(&s.created_at), "updatedAt": ts(&s.updated_at),
    });
    Node::new(ctx, "WebhookSubscription", fields, Rel::None)
}

/// The subscriptions the calling app sees: Shopify lists only the app's own, never another app's.
fn own(store: &Store) -> impl Iterator<Item = &Subscription> {
    store.subscriptions.values().filter(|s| s.foreign_app.is_none())
}

/// Search-syntax fields of a subscription (`webhookSubscriptions` and `webhookSubscriptionsCount` filters).
fn lookup(s: &Subscription, field: &str) -> Option<Vec<String>> {
    Some(match field {
        "id" => vec![s.id.to_string()],
        "created_at" => vec![ts(&s.created_at)],
        "updated_at" => vec![ts(&s.updated_at)],
        "topic" => vec![s.topic.clone(), rest_topic(&s.topic).unwrap_or_default().to_string()],
        "endpoint" => vec![s.uri.clone()],
        _ => return None,
    })
}

/// `Query.webhookSubscriptions` (filters `topics`, `uri`, `format`, `query`; sort keys `CREATED_AT`, `ID`).
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
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let by_id = a.get("sortKey").and_then(Json::as_str) == Some("ID");
    let store = ctx.store();
    let mut items: Vec<Item> = own(&store)
        .filter(|s| topics.as_ref().is_none_or(|t| t.contains(&s.topic)))
        .filter(|s| uri.is_none_or(|u| u == s.uri) && format.is_none_or(|f| f == s.format))
        .filter(|s| query.matches("endpoint", |f| lookup(s, f)))
        .map(|s| Item {
            key: if by_id { id_key(s.id) } else { format!("{}{}", ts(&s.created_at), id_key(s.id)) },
            node: subscription_node(ctx, s),
        })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}

/// `Query.webhookSubscription(id:)`: null for an unknown id or another app's subscription.
pub fn subscription<'a>(ctx: &'a Ctx<'a>, a: &Map<String, Json>) -> Json {
    let store = ctx.store();
    super::id_arg(a, "id", "WebhookSubscription")
        .filter(|id| own(&store).any(|s| s.id == *id))
        .map_or(Json::Null, |id| rel("WebhookSubscription", id))
}

/// `Query.webhookSubscriptionsCount(query:, limit:)`.
pub fn count(store: &Store, a: &Map<String, Json>) -> Json {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let limit = a.get("limit").and_then(Json::as_u64);
    let n = own(store).filter(|s| query.matches("endpoint", |f| lookup(s, f))).count() as u64;
    match limit {
        Some(limit) if n > limit => json!({"count": limit, "precision": "AT_LEAST"}),
        _ => json!({"count": n, "precision": "EXACT"}),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 50 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The first problem with `uri`/`name` for a subscription of `topic` owned like `owner` (`except`: the one being updated).
fn input_error(
    store: &Store,
    topic: &str,
    uri: &str,
    name: Option<&str>,
    owner: Option<&str>,
    except: Option<u64>,
) -> Option<UserError> {
    let peers = || {
        store
            .subscriptions
            .values()
            .filter(|s| s.foreign_app.as_ref().map(|a| a.name.as_str()) == owner && Some(s.id) != except)
    };
    if !(uri.starts_with("https://") || uri.starts_with("http://")) {
        Some(UserError::new(&["webhookSubscription", "callbackUrl"], "Address is invalid", None))
    } else if peers().any(|s| s.topic == topic && s.uri == uri) {
        Some(UserError::new(
            &["webhookSubscription", "callbackUrl"],
            "Address for this topic has already been taken",
            None,
        ))
    } else if name.is_some_and(|n| !valid_name(n)) {
        Some(UserError::new(&["webhookSubscription", "name"], "Name is invalid", None))
    } else if name.is_some() && peers().any(|s| s.name.as_deref() == name) {
        Some(UserError::new(&["webhookSubscription", "name"], "Name has already been taken", None))
    } else {
        None
    }
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Json::as_str).map(str::to_string).collect()
}

/// Adds a subscription of `topic` from a `WebhookSubscriptionInput`, for this app or `foreign_app`.
pub fn insert(store: &mut Store, topic: &str, input: &Json, foreign_app: Option<ForeignApp>) -> Result<u64, UserError> {
    let uri = input.get("uri").and_then(Json::as_str).unwrap_or("").to_string();
    let name = input.get("name").and_then(Json::as_str).map(str::to_string);
    if let Some(e) =
        input_error(store, topic, &uri, name.as_deref(), foreign_app.as_ref().map(|a| a.name.as_str()), None)
    {
        return Err(e);
    }
    let id = store.next_id();
    let t = now();
    let subscription = Subscription {
        id,
        topic: topic.to_string(),
        uri,
        format: input.get("format").and_then(Json::as_str).unwrap_or("JSON").to_string(),
        name,
        include_fields: input.get("includeFields").map(strings).unwrap_or_default(),
        filter: input.get("filter").and_then(Json::as_str).map(str::to_string),
        foreign_app,
        consecutive_failures: 0,
        created_at: t,
        updated_at: t,
    };
    store.subscriptions.insert(id, subscription);
    Ok(id)
}

/// `webhookSubscriptionCreate(topic:, webhookSubscription:)`.
pub fn create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let topic = a.get("topic").and_then(Json::as_str).unwrap_or("");
    match insert(store, topic, a.get("webhookSubscription").unwrap_or(&Json::Null), None) {
        Ok(id) => json!({"webhookSubscription": rel("WebhookSubscription", id), "userErrors": []}),
        Err(e) => json!({"webhookSubscription": null, "userErrors": user_errors(&[e])}),
    }
}

/// `webhookSubscriptionUpdate(id:, webhookSubscription:)`: changes the given fields (a wrong address, a name).
pub fn update(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail = |e: UserError| json!({"webhookSubscription": null, "userErrors": user_errors(&[e])});
    let id = super::id_arg(a, "id", "WebhookSubscription").filter(|id| own(store).any(|s| s.id == *id));
    let Some(current) = id.and_then(|id| store.subscriptions.get(&id)).cloned() else {
        return fail(UserError::new(&["id"], "Webhook subscription does not exist", None));
    };
    let input = a.get("webhookSubscription").cloned().unwrap_or(Json::Null);
    let uri = input.get("uri").and_then(Json::as_str).unwrap_or(&current.uri).to_string();
    let name = match input.get("name") {
        Some(n) => n.as_str().map(str::to_string),
        None => current.name.clone(),
    };
    if let Some(e) = input_error(store, &current.topic, &uri, name.as_deref(), None, Some(current.id)) {
        return fail(e);
    }
    let Some(s) = store.subscriptions.get_mut(&current.id) else {
        return fail(UserError::new(&["id"], "Webhook subscription does not exist", None));
    };
    s.uri = uri;
    s.name = name;
    if let Some(format) = input.get("format").and_then(Json::as_str) {
        s.format = format.to_string();
    }
    if let Some(fields) = input.get("includeFields") {
        s.include_fields = strings(fields);
    }
    if let Some(filter) = input.get("filter") {
        s.filter = filter.as_str().map(str::to_string);
    }
    s.consecutive_failures = 0;
    s.updated_at = now();
    json!({"webhookSubscription": rel("WebhookSubscription", current.id), "userErrors": []})
}

/// Deletes a subscription as Shopify does (after 8 consecutive failures, or by the control API), keeping why.
pub fn remove(store: &mut Store, id: u64, reason: &str) -> Option<Subscription> {
    let subscription = store.subscriptions.remove(&id)?;
    store.subscription_removals.push(SubscriptionRemoval {
        subscription: subscription.clone(),
        reason: reason.to_string(),
        at: now(),
    });
    Some(subscription)
}

/// `webhookSubscriptionDelete(id:)` (another app's subscription does not exist for this app).
pub fn delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let raw = a.get("id").and_then(Json::as_str).unwrap_or("").to_string();
    let id = parse_gid("WebhookSubscription", &raw).filter(|id| own(store).any(|s| s.id == *id));
    match id.and_then(|id| store.subscriptions.remove(&id)) {
        Some(_) => json!({"deletedWebhookSubscriptionId": raw, "userErrors": []}),
        None => {
            let e = UserError::new(&["id"], "Webhook subscription does not exist", None);
            json!({"deletedWebhookSubscriptionId": null, "userErrors": user_errors(&[e])})
        }
    }
}
