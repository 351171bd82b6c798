//! Orders: `orderCreate` guarded by a lookup on `sourceIdentifier` (the mutation has no
//! idempotency key, so a retry after a lost answer first checks whether the order exists).

use super::client::{full_jitter, Retry, ShopifyClient};
use super::error::{RecordError, ShopifyError, WriteError};
use super::queries;
use super::search::quoted;
use super::throttle::Priority;
use serde_json::{json, Value as Json};

/// An order in Shopify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRef {
    pub id: String,
    pub name: String,
    /// False when the order already existed (a replay).
    pub created: bool,
    /// When it already existed: its `tags`, `note` and `customAttributes` as Shopify has them
    /// (else `null`).
    pub fields: Json,
}

/// The order whose `sourceIdentifier` is `source_identifier`, if any.
pub async fn find_by_source_identifier(
    client: &ShopifyClient,
    source_identifier: &str,
) -> Result<Option<OrderRef>, ShopifyError> {
    let vars = json!({"query": format!("source_identifier:{}", quoted(source_identifier))});
    let data = client.execute(&queries::ORDER_BY_SOURCE_IDENTIFIER, vars, Priority::Orders).await?.data;
    let node = data["orders"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|o| o["sourceIdentifier"] == source_identifier))
        .cloned();
    Ok(node.map(|o| OrderRef {
        id: o["id"].as_str().unwrap_or("").to_string(),
        name: o["name"].as_str().unwrap_or("").to_string(),
        created: false,
        fields: json!({"tags": o["tags"], "note": o["note"], "customAttributes": o["customAttributes"]}),
    }))
}

/// Sets the fields of `changes` (an `OrderInput` without its `id`) on the order `id`.
pub async fn update_order(client: &ShopifyClient, id: &str, mut changes: Json) -> Result<(), WriteError> {
    changes["id"] = json!(id);
    let data = client.execute(&queries::ORDER_UPDATE, json!({"input": changes}), Priority::Orders).await?.data;
    match RecordError::list(&data["orderUpdate"]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Creates the order at most once: `order` is an `OrderCreateOrderInput` (its
/// `sourceIdentifier` is set to `source_identifier`), `options` an `OrderCreateOptionsInput`.
pub async fn create_order_once(
    client: &ShopifyClient,
    source_identifier: &str,
    mut order: Json,
    options: Json,
) -> Result<OrderRef, WriteError> {
    order["sourceIdentifier"] = json!(source_identifier);
    let vars = json!({"order": order, "options": options});
    let config = client.config().clone();
    let mut attempt = 0;
    loop {
        if let Some(existing) = find_by_source_identifier(client, source_identifier).await? {
            return Ok(existing);
        }
        match client.execute_with(&queries::ORDER_CREATE, vars.clone(), Priority::Orders, Retry::ThrottledOnly).await {
            Ok(response) => {
                let payload = &response.data["orderCreate"];
                if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
                    return Err(e.into());
                }
                let o = &payload["order"];
                let id =
                    o["id"].as_str().ok_or_else(|| ShopifyError::Decode("orderCreate returned no order".into()))?;
                return Ok(OrderRef {
                    id: id.to_string(),
                    name: o["name"].as_str().unwrap_or("").to_string(),
                    created: true,
                    fields: Json::Null,
                });
            }
            // The order may or may not exist now: wait, then look again before writing.
            Err(e) if e.is_retryable() && attempt + 1 < config.max_attempts => {
                attempt += 1;
                tokio::time::sleep(
                    full_jitter(config.backoff_base, config.backoff_cap, attempt)
                        .max(e.retry_after().unwrap_or_default()),
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
