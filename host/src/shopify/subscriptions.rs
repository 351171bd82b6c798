//! The app's webhook subscriptions: listed, and brought to what the flows consume at one
//! address. weft names its own subscriptions after [`PREFIX`] and the topic (Shopify wants names
//! unique); one it made at another address is moved,
//! one whose topic no flow consumes any more is removed, and a subscription of any other name
//! (another integration of the same app, a person's) is left alone.

use super::client::ShopifyClient;
use super::error::RecordError;
use super::queries;
use super::throttle::Priority;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;

/// How the names of the subscriptions weft keeps begin.
pub const PREFIX: &str = "weft-";

/// The name weft gives its subscription of `topic` (`weft-orders-create`).
pub fn name(topic: &str) -> String {
    format!("{PREFIX}{}", topic.to_lowercase().replace('_', "-"))
}

/// One subscription of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Its gid.
    pub id: String,
    /// `ORDERS_CREATE`, ...
    pub topic: String,
    /// Where Shopify delivers.
    pub uri: String,
    /// Its name (weft's begin with [`PREFIX`]).
    pub name: Option<String>,
}

impl Subscription {
    /// Whether weft made it (its name begins with [`PREFIX`]).
    pub fn ours(&self) -> bool {
        self.name.as_deref().is_some_and(|n| n.starts_with(PREFIX))
    }
}

/// What bringing the subscriptions in line changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Subscribe the topic.
    Create(String),
    /// Point weft's subscription (id, topic) at the address.
    Move(String, String),
    /// Remove weft's subscription (id, topic): no flow consumes it, or it is a second one.
    Remove(String, String),
}

/// What a sync found and did, by topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Where the subscriptions deliver.
    pub address: String,
    /// Topics already subscribed there.
    pub kept: Vec<String>,
    /// Topics subscribed now.
    pub created: Vec<String>,
    /// Topics whose subscription was moved to the address.
    pub moved: Vec<String>,
    /// weft's subscriptions removed (topics no flow consumes).
    pub removed: Vec<String>,
    /// Subscriptions weft did not make, left alone.
    pub foreign: Vec<Subscription>,
}

/// Every subscription of the app, a page of 100 at a time.
pub async fn list(client: &ShopifyClient) -> Result<Vec<Subscription>, String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let vars = json!({"first": 100, "after": after});
        let data = client
            .execute(&queries::WEBHOOK_SUBSCRIPTIONS, vars, Priority::Orders)
            .await
            .map_err(|e| format!("listing the webhook subscriptions: {e}"))?
            .data;
        let page = &data["webhookSubscriptions"];
        for node in page["nodes"].as_array().into_iter().flatten() {
            let text = |k: &str| node[k].as_str().unwrap_or_default().to_owned();
            out.push(Subscription {
                id: text("id"),
                topic: text("topic"),
                uri: text("uri"),
                name: node["name"].as_str().map(str::to_owned),
            });
        }
        match page["pageInfo"]["endCursor"].as_str().filter(|_| page["pageInfo"]["hasNextPage"] == true) {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return Ok(out),
        }
    }
}

/// The changes that make `current` deliver each of `wanted` once to `address`.
pub fn plan(current: &[Subscription], wanted: &BTreeSet<&str>, address: &str) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    // Subscriptions already at the address first, so a misplaced one is a second one, not moved.
    let mut ours: Vec<&Subscription> = current.iter().filter(|s| s.ours()).collect();
    ours.sort_by_key(|s| s.uri != address);
    for s in ours {
        let topic = s.topic.as_str();
        if !wanted.contains(topic) || covered.contains(topic) {
            changes.push(Change::Remove(s.id.clone(), s.topic.clone()));
        } else {
            covered.insert(topic);
            if s.uri != address {
                changes.push(Change::Move(s.id.clone(), s.topic.clone()));
            }
        }
    }
    let elsewhere = |topic: &str| current.iter().any(|s| !s.ours() && s.topic == topic && s.uri == address);
    for topic in wanted.iter().filter(|t| !covered.contains(**t) && !elsewhere(t)) {
        changes.push(Change::Create((*topic).to_owned()));
    }
    changes
}

/// Bring the app's subscriptions in line: each of `wanted` delivered once to `address`.
pub async fn sync(client: &ShopifyClient, wanted: &BTreeSet<&str>, address: &str) -> Result<SyncReport, String> {
    let current = list(client).await?;
    let changes = plan(&current, wanted, address);
    let mut report = SyncReport {
        address: address.to_owned(),
        foreign: current.iter().filter(|s| !s.ours()).cloned().collect(),
        ..SyncReport::default()
    };
    for change in &changes {
        let (op, vars, field, topic, into) = match change {
            Change::Create(topic) => (
                &queries::WEBHOOK_SUBSCRIPTION_CREATE,
                json!({"topic": topic, "subscription": {"uri": address, "format": "JSON", "name": name(topic)}}),
                "webhookSubscriptionCreate",
                topic,
                &mut report.created,
            ),
            Change::Move(id, topic) => (
                &queries::WEBHOOK_SUBSCRIPTION_UPDATE,
                json!({"id": id, "subscription": {"uri": address, "name": name(topic)}}),
                "webhookSubscriptionUpdate",
                topic,
                &mut report.moved,
            ),
            Change::Remove(id, topic) => (
                &queries::WEBHOOK_SUBSCRIPTION_DELETE,
                json!({"id": id}),
                "webhookSubscriptionDelete",
                topic,
                &mut report.removed,
            ),
        };
        let data = client.execute(op, vars, Priority::Orders).await.map_err(|e| format!("{field} {topic}: {e}"))?.data;
        if let Some(e) = RecordError::list(&data[field]["userErrors"]).into_iter().next() {
            return Err(format!("{field} {topic}: {e}"));
        }
        into.push(topic.clone());
    }
    let changed: BTreeSet<&String> = report.created.iter().chain(&report.moved).collect();
    report.kept = wanted.iter().map(|t| (*t).to_owned()).filter(|t| !changed.contains(t)).collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, topic: &str, uri: &str, name: Option<&str>) -> Subscription {
        Subscription { id: id.into(), topic: topic.into(), uri: uri.into(), name: name.map(str::to_owned) }
    }

    #[test]
    fn creates_the_missing_moves_its_own_and_leaves_others_alone() {
        let here = "https://weft.example.com/webhooks/shopify";
        let current = [
            sub("1", "ORDERS_CREATE", here, Some("weft-x")),
            sub("2", "ORDERS_PAID", "https://old.example.com/webhooks/shopify", Some("weft-x")),
            sub("3", "CUSTOMERS_CREATE", here, Some("weft-x")),
            sub("4", "ORDERS_CREATE", here, Some("weft-x")),
            sub("5", "ORDERS_UPDATED", "https://erp.example.com/hook", None),
        ];
        let wanted: BTreeSet<&str> = ["ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED"].into();
        assert_eq!(
            plan(&current, &wanted, here),
            [
                Change::Remove("3".into(), "CUSTOMERS_CREATE".into()),
                Change::Remove("4".into(), "ORDERS_CREATE".into()),
                Change::Move("2".into(), "ORDERS_PAID".into()),
                Change::Create("ORDERS_UPDATED".into()),
            ]
        );
        assert!(plan(&[sub("1", "ORDERS_CREATE", here, Some("weft-x"))], &["ORDERS_CREATE"].into(), here).is_empty());
    }
}
