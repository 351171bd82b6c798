//! Orders read from Shopify. A webhook (`orders/*`, `refunds/create`, `returns/*`) is only a
//! signal: the job reads the order as it is *now* — a late, duplicated or reordered delivery
//! yields the same records as the polling safety net does, and the idempotency ledger
//! recognises them. One read gives the order and, after it, the changes a destination applies
//! on its own (see [`super::changes`]). Orders placed before the flow's start (`since`) are left
//! alone, unless a backfill asks for them.

use super::changes;
use super::node;
use super::start;
use crate::flow::base::{block_on, request_error, rest_text, ShopifyContext};
use crate::model::{Order, Page, PluginError, Record};
use crate::shopify::{queries, Priority};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Orders per poll page (ids and times only: each is then read whole).
pub const POLL_PAGE: u32 = 50;

/// Lines read with the order; the rest are paged by `OrderLines`.
const FIRST_LINES: u32 = 20;

/// How far each poll reaches back before its cursor, so an order changed while the previous
/// poll ran is read again (the ledger drops what did not change).
pub const POLL_OVERLAP_SECONDS: i64 = 120;

/// The records of the order a webhook is about, as it is now; none when Shopify no longer has
/// it, it was placed before the flow's start, or weft itself created it from a connection
/// (sending it back would echo it into its source).
pub fn from_webhook(ctx: &ShopifyContext<'_>, body: &Value) -> Result<Vec<Record>, PluginError> {
    let id = order_id(body).ok_or_else(|| PluginError::invalid("body.id", "webhook without an order id"))?;
    let from = start::of(ctx)?;
    Ok(match read(ctx, &id)? {
        Some(read) if read.placed_from(&from) && !is_echo(ctx, read.source_identifier.as_deref()) => {
            changes::records(ctx, read.order, &read.node)?
        }
        _ => Vec::new(),
    })
}

/// The order's GraphQL id in an `orders/*`, `refunds/create`, `returns/*` or `orders/edited`
/// payload.
fn order_id(body: &Value) -> Option<String> {
    let gid = |id: String| if id.starts_with("gid://") { id } else { format!("gid://shopify/Order/{id}") };
    if let Some(id) = rest_text(body, "order_id").or_else(|| rest_text(&body["order_edit"], "order_id")) {
        return Some(gid(id));
    }
    if body["order"].is_object() {
        return rest_text(&body["order"], "admin_graphql_api_id").or_else(|| rest_text(&body["order"], "id")).map(gid);
    }
    rest_text(body, "admin_graphql_api_id").or_else(|| rest_text(body, "id").map(gid))
}

/// True for an order weft itself created from a connection (an external order): its
/// `sourceIdentifier` is `{connection}:{id}`, and sending it back would echo it into its source.
fn is_echo(ctx: &ShopifyContext<'_>, source_identifier: Option<&str>) -> bool {
    source_identifier.is_some_and(|sid| {
        ctx.config.connections.keys().any(|c| sid.strip_prefix(c.as_str()).is_some_and(|rest| rest.starts_with(':')))
    })
}

/// Where polling stands: orders changed after `since` (none: any time) and placed at or after
/// `placed_from` (none: the flow's start), and the page cursor inside that query.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct PollCursor {
    /// Orders changed after this time (RFC 3339).
    pub since: Option<String>,
    /// Orders placed at or after this time (a backfill's date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_from: Option<String>,
    /// Page cursor inside the query.
    pub after: Option<String>,
}

impl PollCursor {
    /// The cursor of a backfill of the orders placed since `from` (RFC 3339).
    pub fn backfill(from: &str) -> PollCursor {
        PollCursor { since: None, placed_from: Some(from.to_owned()), after: None }
    }
}

/// One page of orders changed since `cursor` (the polling safety net behind order webhooks, and
/// backfills): each order read whole, followed by its changes.
pub fn poll(ctx: &ShopifyContext<'_>, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let at: PollCursor = match cursor {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| PluginError::invalid("cursor", format!("unreadable poll cursor: {e}")))?,
        None => PollCursor::default(),
    };
    let placed_from = match &at.placed_from {
        Some(from) => from.clone(),
        None => start::of(ctx)?,
    };
    let mut query = format!("created_at:>='{placed_from}'");
    if let Some(since) = &at.since {
        query.push_str(&format!(" updated_at:>'{}'", step_back(since)?));
    }
    let vars = json!({"query": query, "first": limit.clamp(1, POLL_PAGE), "after": at.after});
    let data = block_on(ctx.client.execute(&queries::ORDERS_SINCE, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?
        .data;
    let mut records = Vec::new();
    let mut newest = at.since.clone();
    for found in node::nodes(&data["orders"]) {
        let updated = node::text(found, "updatedAt");
        if updated.as_deref() > newest.as_deref() {
            newest = updated;
        }
        let (Some(id), false) = (node::text(found, "id"), is_echo(ctx, found["sourceIdentifier"].as_str())) else {
            continue;
        };
        if let Some(read) = read(ctx, &id)? {
            records.extend(changes::records(ctx, read.order, &read.node)?);
        }
    }
    let has_more = data["orders"]["pageInfo"]["hasNextPage"] == true;
    let end = data["orders"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    let next = if has_more {
        PollCursor { after: end, ..at }
    } else {
        PollCursor { since: newest, placed_from: at.placed_from, after: None }
    };
    let next_cursor = serde_json::to_string(&next).map_err(|e| PluginError::Permanent(e.to_string()))?;
    Ok(Page { records, next_cursor: Some(next_cursor), has_more })
}

/// `since` minus the overlap, as RFC 3339.
fn step_back(since: &str) -> Result<String, PluginError> {
    let t = chrono::DateTime::parse_from_rfc3339(since)
        .map_err(|e| PluginError::invalid("cursor.since", format!("`{since}`: {e}")))?;
    Ok((t - chrono::Duration::seconds(POLL_OVERLAP_SECONDS))
        .to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// An order read whole: the canonical order, its `OrderDetail` node (for its changes) and its
/// `sourceIdentifier`.
pub struct Read {
    /// The canonical order.
    pub order: Order,
    /// The node it was made of.
    pub node: Value,
    /// Its `sourceIdentifier`.
    pub source_identifier: Option<String>,
}

impl Read {
    /// Whether it was placed at or after `from` (RFC 3339).
    fn placed_from(&self, from: &str) -> bool {
        later_or_equal(&self.order.created_at, from)
    }
}

/// Whether RFC 3339 time `a` is at or after `b` (compared as instants).
fn later_or_equal(a: &str, b: &str) -> bool {
    match (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a >= b,
        _ => a >= b,
    }
}

/// An `OrderDetail` node as a canonical order, with the lines the node itself carries (its first
/// page of `lineItems`).
pub fn order_from_node(node: &Value) -> Result<Order, String> {
    let lines: Vec<Value> = node::nodes(&node["lineItems"]).cloned().collect();
    node::order(node, &lines)
}

/// The order with GraphQL id `id` as it is now, every line of it; `None` when Shopify no longer
/// has it.
pub fn read(ctx: &ShopifyContext<'_>, id: &str) -> Result<Option<Read>, PluginError> {
    let data =
        block_on(ctx.client.execute(&queries::ORDER_DETAIL, json!({"id": id, "lines": FIRST_LINES}), Priority::Orders))
            .map_err(|e| request_error(&e))?
            .data;
    let node = data["order"].clone();
    if !node.is_object() {
        return Ok(None);
    }
    if let Some(what) = cut_short(&node) {
        return Err(PluginError::Permanent(format!(
            "order {} has more {what} than weft reads with it (OrderDetail's page); it is not read short",
            node["name"].as_str().unwrap_or("?")
        )));
    }
    let mut lines: Vec<Value> = node::nodes(&node["lineItems"]).cloned().collect();
    let mut page = node["lineItems"]["pageInfo"].clone();
    while page["hasNextPage"] == true {
        let vars = json!({"id": id, "after": page["endCursor"]});
        let more = block_on(ctx.client.execute(&queries::ORDER_LINES, vars, Priority::Orders))
            .map_err(|e| request_error(&e))?
            .data;
        lines.extend(node::nodes(&more["order"]["lineItems"]).cloned());
        page = more["order"]["lineItems"]["pageInfo"].clone();
    }
    let order = node::order(&node, &lines).map_err(|m| PluginError::invalid("order", m))?;
    Ok(Some(Read { order, source_identifier: node::text(&node, "sourceIdentifier"), node }))
}

/// What of `node` did not fit the pages `OrderDetail` reads (the lines are paged on; these are not).
fn cut_short(node: &Value) -> Option<&'static str> {
    let more = |v: &Value| v["pageInfo"]["hasNextPage"] == true;
    let refunds = || node["refunds"].as_array().into_iter().flatten();
    let returns = || node::nodes(&node["returns"]);
    if more(&node["discountApplications"]) {
        Some("discount applications")
    } else if more(&node["shippingLines"]) {
        Some("shipping lines")
    } else if refunds().any(|r| more(&r["refundLineItems"])) {
        Some("refunded lines in one refund")
    } else if more(&node["returns"]) {
        Some("returns")
    } else if returns().any(|r| more(&r["returnLineItems"])) {
        Some("lines in one return")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_cursor_steps_back_by_the_overlap() {
        assert_eq!(step_back("2026-01-01T00:10:00Z").unwrap(), "2026-01-01T00:08:00Z");
        assert!(step_back("yesterday").is_err());
    }

    #[test]
    fn every_webhook_of_the_order_family_names_its_order() {
        let gid = |n: u64| Some(format!("gid://shopify/Order/{n}"));
        assert_eq!(order_id(&json!({"id": 5})), gid(5));
        assert_eq!(order_id(&json!({"id": 5, "admin_graphql_api_id": "gid://shopify/Order/6"})), gid(6));
        assert_eq!(order_id(&json!({"id": 9, "order_id": 7, "refund_line_items": []})), gid(7), "refunds/create");
        assert_eq!(order_id(&json!({"id": 9, "order": {"id": 8}, "status": "closed"})), gid(8), "returns/*");
        assert_eq!(order_id(&json!({"order_edit": {"id": 1, "order_id": 4}})), gid(4), "orders/edited");
        assert_eq!(order_id(&json!({})), None);
    }

    #[test]
    fn placement_times_compare_as_instants() {
        assert!(later_or_equal("2026-01-01T10:00:00+02:00", "2026-01-01T08:00:00Z"));
        assert!(!later_or_equal("2026-01-01T09:00:00+02:00", "2026-01-01T08:00:00Z"));
    }
}
