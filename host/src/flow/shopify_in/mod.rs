//! Shopify as a source: webhooks and the polling safety net to canonical records.
//!
//! Customer webhooks carry the whole customer and are converted as they are ([`rest`]). Order
//! webhooks are only a signal: the job fetches the order as it is *now* ([`order`]), so a late,
//! duplicated or reordered delivery (an `orders/updated` before `orders/create`) yields the same
//! canonical order as the polling safety net does, and the idempotency ledger recognises it.

mod order;
mod rest;

pub use order::{fetch_order, order_from_node};
pub use rest::customer;

use super::shopify_out::{block_on, ShopifyContext};
use crate::config::ObjectKind;
use crate::plugin::bindings::types::{FieldError, Page, PluginError, Record};
use crate::shopify::{queries, Priority, ShopifyError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Orders per poll page: whole orders with up to 50 lines each stay under Shopify's
/// 1,000-point single-query cost limit.
pub const POLL_PAGE: u32 = 5;

/// How far each poll reaches back before its cursor, so an order changed while the previous
/// poll ran is read again (the ledger drops what did not change).
pub const POLL_OVERLAP_SECONDS: i64 = 120;

/// A failed Shopify call as a plugin error (retryable where the client says so).
pub fn shopify_error(e: &ShopifyError) -> PluginError {
    match e {
        ShopifyError::Unauthorized { .. } => PluginError::Unauthorized(e.to_string()),
        ShopifyError::Throttled { .. } => PluginError::RateLimited(1_000),
        e if e.is_retryable() => PluginError::Retryable(e.to_string()),
        e => PluginError::Permanent(e.to_string()),
    }
}

/// An invalid-input error naming the field.
pub fn invalid(field: &str, message: impl Into<String>) -> PluginError {
    PluginError::InvalidInput(FieldError { field: field.to_owned(), message: message.into() })
}

/// Convert a webhook of `topic` to the record the flow pushes; `None` when the topic does not
/// carry this kind of record (or the order no longer exists).
pub fn record(ctx: &ShopifyContext<'_>, topic: &str, body: &Value) -> Result<Option<Record>, PluginError> {
    match topic {
        "customers/create" | "customers/update" => customer(body).map(|c| Some(Record::Customer(c))).map_err(|m| invalid("body", m)),
        t if t.starts_with("orders/") => {
            let id = rest::order_id(body).ok_or_else(|| invalid("body.id", "order webhook without an order id"))?;
            Ok(fetch_order(ctx, &id)?.filter(|(_, sid)| !is_echo(ctx, sid.as_deref())).map(|(o, _)| Record::Order(o)))
        }
        _ => Ok(None),
    }
}

/// True for an order weft itself created from a connection (an external order): its
/// `sourceIdentifier` is `{connection}:{id}`, and sending it back would echo it into its source.
fn is_echo(ctx: &ShopifyContext<'_>, source_identifier: Option<&str>) -> bool {
    source_identifier.is_some_and(|sid| ctx.config.connections.keys().any(|c| sid.strip_prefix(c.as_str()).is_some_and(|rest| rest.starts_with(':'))))
}

/// Where polling stands: orders changed after `since`, and the page cursor inside that query.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct PollCursor {
    since: Option<String>,
    after: Option<String>,
}

/// One page of orders changed since `cursor` (the polling safety net behind order webhooks).
pub fn pull(ctx: &ShopifyContext<'_>, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    if ctx.flow.object != ObjectKind::Order {
        return Err(PluginError::Permanent(format!("flow {}: polling {:?} from Shopify is not supported; use webhooks", ctx.flow_name, ctx.flow.object)));
    }
    let at: PollCursor = match cursor {
        Some(text) => serde_json::from_str(text).map_err(|e| invalid("cursor", format!("unreadable poll cursor: {e}")))?,
        None => PollCursor::default(),
    };
    let query = match &at.since {
        Some(since) => format!("updated_at:>'{}'", step_back(since)?),
        None => String::new(),
    };
    let vars = json!({"query": query, "first": limit.clamp(1, POLL_PAGE), "after": at.after});
    let data = block_on(ctx.client.execute(&queries::ORDERS_SINCE, vars, Priority::Orders)).map_err(|e| shopify_error(&e))?.data;
    let nodes = data["orders"]["nodes"].as_array().cloned().unwrap_or_default();
    let mut records = Vec::new();
    let mut newest = at.since.clone();
    for node in &nodes {
        let order = order_from_node(node).map_err(|m| invalid("orders", m))?;
        if order.updated_at.as_deref() > newest.as_deref() {
            newest = order.updated_at.clone();
        }
        if !is_echo(ctx, node["sourceIdentifier"].as_str()) {
            records.push(Record::Order(order));
        }
    }
    let has_more = data["orders"]["pageInfo"]["hasNextPage"] == true;
    let next = if has_more {
        PollCursor { since: at.since, after: data["orders"]["pageInfo"]["endCursor"].as_str().map(str::to_owned) }
    } else {
        PollCursor { since: newest, after: None }
    };
    let next_cursor = serde_json::to_string(&next).map_err(|e| PluginError::Permanent(e.to_string()))?;
    Ok(Page { records, next_cursor: Some(next_cursor), has_more })
}

/// `since` minus the overlap, as RFC 3339.
fn step_back(since: &str) -> Result<String, PluginError> {
    let t = chrono::DateTime::parse_from_rfc3339(since).map_err(|e| invalid("cursor.since", format!("`{since}`: {e}")))?;
    Ok((t - chrono::Duration::seconds(POLL_OVERLAP_SECONDS)).to_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_cursor_steps_back_by_the_overlap() {
        assert_eq!(step_back("2026-01-01T00:10:00Z").unwrap(), "2026-01-01T00:08:00Z");
        assert!(step_back("yesterday").is_err());
    }
}
