//! Control endpoints and [`SimHandle`] methods for the platform features: access scopes, webhook
//! subscriptions as Shopify's admin sees them (other apps' too), and the bulk mutation rate.
//! [`crate::control`] hands every path it does not serve to [`route`].

use crate::control::parse;
use crate::resolve::subscriptions::{self, rest_topic};
use crate::store::model::{ForeignApp, Subscription, SubscriptionRemoval};
use crate::store::{gid, parse_gid};
use crate::{lock, Shared, SimHandle};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// A control error: HTTP status and JSON body.
type Refusal = (u16, Json);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesRequest {
    scopes: Vec<String>,
}

/// Replaces the scopes the token holds.
pub fn set_access_scopes(shared: &Shared, scopes: Vec<String>) {
    lock(&shared.store).access_scopes = Some(scopes);
}

/// The scopes the token holds now.
pub fn access_scopes(shared: &Shared) -> Vec<String> {
    lock(&shared.store).access_scopes.clone().unwrap_or_else(|| shared.config.access_scopes.clone())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateRequest {
    lines_per_second: f64,
}

/// Sets how many JSONL lines per second bulk mutations process (running ones included).
pub fn set_bulk_mutation_rate(shared: &Shared, lines_per_second: f64) -> Result<(), String> {
    if !(lines_per_second.is_finite() && lines_per_second >= 0.0) {
        return Err(format!("lines_per_second must be a non-negative number, not {lines_per_second}"));
    }
    *lock(&shared.bulk_mutation_rate) = lines_per_second;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionRequest {
    topic: String,
    uri: String,
    #[serde(default)]
    name: Option<String>,
    /// Another app owning it (invisible to this app's token); None: this app.
    #[serde(default)]
    app: Option<String>,
    /// That app's secret (default `{app}-webhook-secret`).
    #[serde(default)]
    webhook_secret: Option<String>,
}

/// Adds a subscription for this app or, with `app`, for another app installed on the shop.
fn add_subscription(shared: &Shared, r: SubscriptionRequest) -> Result<u64, String> {
    let foreign_app = r.app.map(|name| ForeignApp {
        webhook_secret: r.webhook_secret.unwrap_or_else(|| format!("{name}-webhook-secret")),
        name,
    });
    if rest_topic(&r.topic).is_none() {
        return Err(format!("shopify-sim does not deliver topic {:?}", r.topic));
    }
    let input = json!({"uri": r.uri, "name": r.name, "format": "JSON"});
    subscriptions::insert(&mut lock(&shared.store), &r.topic, &input, foreign_app).map_err(|e| e.message)
}

/// Deletes a subscription as Shopify does when its endpoint fails 8 times in a row.
fn delete_subscription(shared: &Shared, id: u64) -> bool {
    let removed = subscriptions::remove(
        &mut lock(&shared.store),
        id,
        "deleted through the control API (as Shopify does after 8 consecutive failed deliveries)",
    );
    if removed.is_some() {
        lock(&shared.counters).webhook_subscriptions_deleted += 1;
    }
    removed.is_some()
}

/// Every subscription on the shop (every app's) and those Shopify deleted.
fn subscriptions_state(shared: &Shared) -> Json {
    let store = lock(&shared.store);
    json!({"subscriptions": store.subscriptions.values().collect::<Vec<_>>(), "removed": store.subscription_removals})
}

/// Serves the platform control endpoints; `None` when the path is not one of them.
pub fn route(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Option<Result<Json, Refusal>> {
    Some(match (method, path) {
        ("GET", "/_sim/access_scopes") => Ok(json!({"scopes": access_scopes(shared)})),
        ("GET", "/_sim/webhooks/subscriptions") => Ok(subscriptions_state(shared)),
        ("GET", "/_sim/bulk/rate") => Ok(json!({"lines_per_second": *lock(&shared.bulk_mutation_rate)})),
        ("POST", "/_sim/bulk/rate") => parse::<RateRequest>(body)
            .and_then(|r| set_bulk_mutation_rate(shared, r.lines_per_second).map_err(|e| (400, json!({"error": e}))))
            .map(|_| json!({"ok": true})),
        ("POST", "/_sim/webhooks/subscriptions") => parse::<SubscriptionRequest>(body).and_then(|r| {
            add_subscription(shared, r)
                .map(|id| json!({"id": gid("WebhookSubscription", id)}))
                .map_err(|e| (422, json!({"error": e})))
        }),
        ("DELETE", p) if p.starts_with("/_sim/webhooks/subscriptions/") => {
            let raw = p.trim_start_matches("/_sim/webhooks/subscriptions/");
            match raw
                .parse()
                .ok()
                .or_else(|| parse_gid("WebhookSubscription", raw))
                .filter(|id| delete_subscription(shared, *id))
            {
                Some(_) => Ok(json!({"ok": true})),
                None => Err((404, json!({"error": format!("no webhook subscription {raw}")}))),
            }
        }
        ("POST", "/_sim/access_scopes") => parse::<ScopesRequest>(body).map(|r| {
            set_access_scopes(shared, r.scopes);
            json!({"ok": true})
        }),
        _ => return None,
    })
}

impl SimHandle {
    /// The shop's `myshopify.com` domain.
    pub fn shop_domain(&self) -> &str {
        &self.shared.config.shop_domain
    }

    /// Every webhook subscription on the shop, this app's and other apps'.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        lock(&self.shared.store).subscriptions.values().cloned().collect()
    }

    /// Subscriptions Shopify deleted (8 consecutive failures, or [`SimHandle::delete_subscription`]), with why.
    pub fn removed_subscriptions(&self) -> Vec<SubscriptionRemoval> {
        lock(&self.shared.store).subscription_removals.clone()
    }

    /// Subscribes `uri` to `topic` (GraphQL enum) for this app or, with `app`, for another app whose
    /// subscriptions this app's token cannot see; returns the subscription id.
    pub fn add_subscription(&self, topic: &str, uri: &str, app: Option<&str>) -> Result<u64, String> {
        add_subscription(
            &self.shared,
            SubscriptionRequest {
                topic: topic.into(),
                uri: uri.into(),
                name: None,
                app: app.map(str::to_string),
                webhook_secret: None,
            },
        )
    }

    /// Deletes a subscription as Shopify does after 8 consecutive failed deliveries; false if unknown.
    pub fn delete_subscription(&self, id: u64) -> bool {
        delete_subscription(&self.shared, id)
    }

    /// Sets how many JSONL lines per second bulk mutations process (0 pauses them).
    pub fn set_bulk_mutation_rate(&self, lines_per_second: f64) -> Result<(), String> {
        set_bulk_mutation_rate(&self.shared, lines_per_second)
    }

    /// Replaces the access scopes the token holds (`currentAppInstallation.accessScopes`).
    pub fn set_access_scopes(&self, scopes: &[&str]) {
        set_access_scopes(&self.shared, scopes.iter().map(|s| s.to_string()).collect());
    }
}
