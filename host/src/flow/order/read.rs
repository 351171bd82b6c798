//! Orders read from Shopify: an `orders/*` webhook is only a signal, so the job fetches the
//! order as it is *now* — a late, duplicated or reordered delivery yields the same canonical
//! order as the polling safety net does, and the idempotency ledger recognises it. GraphQL
//! `Order` nodes become canonical orders here, for both.

use crate::flow::base::{block_on, request_error, rest_text, ShopifyContext};
use crate::model::{Customer, FinancialStatus, Money, Order, OrderLine, Page, PluginError, Record};
use crate::shopify::{queries, Priority};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Orders per poll page: whole orders with up to 50 lines each stay under Shopify's
/// 1,000-point single-query cost limit.
pub const POLL_PAGE: u32 = 5;

/// How far each poll reaches back before its cursor, so an order changed while the previous
/// poll ran is read again (the ledger drops what did not change).
pub const POLL_OVERLAP_SECONDS: i64 = 120;

/// The order an `orders/*` webhook is about, as it is now; `None` when Shopify no longer has it
/// or weft itself created it from a connection (sending it back would echo it into its source).
pub fn from_webhook(ctx: &ShopifyContext<'_>, body: &Value) -> Result<Option<Record>, PluginError> {
    let id = order_id(body).ok_or_else(|| PluginError::invalid("body.id", "order webhook without an order id"))?;
    Ok(fetch_order(ctx, &id)?.filter(|(_, sid)| !is_echo(ctx, sid.as_deref())).map(|(o, _)| Record::Order(Box::new(o))))
}

/// The order's GraphQL id in an `orders/*` payload.
fn order_id(body: &Value) -> Option<String> {
    rest_text(body, "admin_graphql_api_id")
        .or_else(|| rest_text(body, "id").map(|id| format!("gid://shopify/Order/{id}")))
}

/// True for an order weft itself created from a connection (an external order): its
/// `sourceIdentifier` is `{connection}:{id}`, and sending it back would echo it into its source.
fn is_echo(ctx: &ShopifyContext<'_>, source_identifier: Option<&str>) -> bool {
    source_identifier.is_some_and(|sid| {
        ctx.config.connections.keys().any(|c| sid.strip_prefix(c.as_str()).is_some_and(|rest| rest.starts_with(':')))
    })
}

/// Where polling stands: orders changed after `since`, and the page cursor inside that query.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct PollCursor {
    since: Option<String>,
    after: Option<String>,
}

/// One page of orders changed since `cursor` (the polling safety net behind order webhooks).
pub fn poll(ctx: &ShopifyContext<'_>, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let at: PollCursor = match cursor {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| PluginError::invalid("cursor", format!("unreadable poll cursor: {e}")))?,
        None => PollCursor::default(),
    };
    let query = match &at.since {
        Some(since) => format!("updated_at:>'{}'", step_back(since)?),
        None => String::new(),
    };
    let vars = json!({"query": query, "first": limit.clamp(1, POLL_PAGE), "after": at.after});
    let data = block_on(ctx.client.execute(&queries::ORDERS_SINCE, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?
        .data;
    let nodes = data["orders"]["nodes"].as_array().cloned().unwrap_or_default();
    let mut records = Vec::new();
    let mut newest = at.since.clone();
    for node in &nodes {
        let order = order_from_node(node).map_err(|m| PluginError::invalid("orders", m))?;
        if order.updated_at.as_deref() > newest.as_deref() {
            newest = order.updated_at.clone();
        }
        if !is_echo(ctx, node["sourceIdentifier"].as_str()) {
            records.push(Record::Order(Box::new(order)));
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
    let t = chrono::DateTime::parse_from_rfc3339(since)
        .map_err(|e| PluginError::invalid("cursor.since", format!("`{since}`: {e}")))?;
    Ok((t - chrono::Duration::seconds(POLL_OVERLAP_SECONDS))
        .to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn money(v: &Value, currency: &str) -> Money {
    let shop = &v["shopMoney"];
    Money {
        amount: text(shop, "amount").unwrap_or_else(|| "0.00".into()),
        currency: text(shop, "currencyCode").unwrap_or_else(|| currency.to_owned()),
    }
}

/// Shopify's `OrderDisplayFinancialStatus` as the canonical payment state (explicit, no fallback
/// for unknown values: they are refused so a new state is noticed, not mis-booked).
pub fn financial_status(display: &str) -> Result<FinancialStatus, String> {
    Ok(match display {
        "PENDING" | "EXPIRED" => FinancialStatus::Pending,
        "AUTHORIZED" => FinancialStatus::Authorized,
        "PARTIALLY_PAID" => FinancialStatus::PartiallyPaid,
        "PAID" => FinancialStatus::Paid,
        "PARTIALLY_REFUNDED" => FinancialStatus::PartiallyRefunded,
        "REFUNDED" => FinancialStatus::Refunded,
        "VOIDED" => FinancialStatus::Voided,
        other => return Err(format!("unknown financial status `{other}`")),
    })
}

/// An `Order` node of `OrdersSince` as a canonical order.
pub fn order_from_node(node: &Value) -> Result<Order, String> {
    let id = text(node, "id").ok_or("order without id")?;
    let currency = text(node, "currencyCode").ok_or_else(|| format!("order {id} without currencyCode"))?;
    let customer = node.get("customer").filter(|c| c.is_object()).map(|c| Customer {
        external_id: text(c, "id").unwrap_or_default(),
        sku: None,
        email: text(c, "email").map(|e| e.to_ascii_lowercase()),
        first_name: text(c, "firstName"),
        last_name: text(c, "lastName"),
        phone: None,
        company: None,
        addresses: Vec::new(),
        tags: Vec::new(),
        updated_at: None,
        extra: "{}".into(),
    });
    if node["lineItems"]["pageInfo"]["hasNextPage"] == true {
        return Err(format!("order {id} has more than 50 lines; weft reads up to 50"));
    }
    let lines = node["lineItems"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| OrderLine {
            external_id: text(l, "id").unwrap_or_default(),
            sku: text(l, "sku"),
            title: text(l, "title").unwrap_or_default(),
            quantity: l["quantity"].as_u64().unwrap_or(0).try_into().unwrap_or(u32::MAX),
            unit_price: money(&l["originalUnitPriceSet"], &currency),
            discount: None,
            extra: "{}".into(),
        })
        .collect();
    let display = text(node, "displayFinancialStatus").unwrap_or_else(|| "PENDING".into());
    Ok(Order {
        name: text(node, "name").ok_or_else(|| format!("order {id} without name"))?,
        source: text(node, "sourceName").unwrap_or_else(|| "web".into()),
        email: text(node, "email").map(|e| e.to_ascii_lowercase()),
        customer,
        lines,
        shipping: None,
        tax: None,
        total: money(&node["totalPriceSet"], &currency),
        financial_status: financial_status(&display)?,
        cancelled: node.get("cancelledAt").is_some_and(|c| !c.is_null()),
        shipping_address: None,
        billing_address: None,
        tags: node["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect(),
        created_at: text(node, "createdAt").unwrap_or_default(),
        updated_at: text(node, "updatedAt"),
        extra: "{}".into(),
        currency,
        external_id: id,
        sku: None,
    })
}

/// The order with GraphQL id `id` as it is now, with its `sourceIdentifier`; `None` when
/// Shopify no longer has it.
pub fn fetch_order(ctx: &ShopifyContext<'_>, id: &str) -> Result<Option<(Order, Option<String>)>, PluginError> {
    let numeric = id.rsplit('/').next().unwrap_or(id);
    let vars = json!({"query": format!("id:{numeric}"), "first": 1, "after": null});
    let data = block_on(ctx.client.execute(&queries::ORDERS_SINCE, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?
        .data;
    let node = data["orders"]["nodes"].as_array().and_then(|n| n.iter().find(|o| o["id"] == id)).cloned();
    node.map(|n| {
        order_from_node(&n).map(|o| (o, text(&n, "sourceIdentifier"))).map_err(|m| PluginError::invalid("order", m))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_node_becomes_a_canonical_order() {
        let node = json!({"id": "gid://shopify/Order/9", "name": "#1001", "email": "A@B.c", "currencyCode": "USD", "sourceName": "web",
            "displayFinancialStatus": "PAID", "cancelledAt": null, "tags": ["x"], "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:01Z",
            "totalPriceSet": {"shopMoney": {"amount": "40.00", "currencyCode": "USD"}}, "customer": {"id": "gid://shopify/Customer/3", "email": "a@b.c"},
            "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/4", "sku": "MUG", "title": "Mug", "quantity": 2,
                "originalUnitPriceSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}}}]}});
        let o = order_from_node(&node).unwrap();
        assert_eq!((o.name.as_str(), o.email.as_deref(), o.total.amount.as_str()), ("#1001", Some("a@b.c"), "40.00"));
        assert_eq!(o.financial_status, FinancialStatus::Paid);
        assert_eq!((o.lines[0].sku.as_deref(), o.lines[0].quantity), (Some("MUG"), 2));
        assert_eq!(o.customer.unwrap().external_id, "gid://shopify/Customer/3");
        assert!(!o.cancelled);
        let mut cancelled = node.clone();
        cancelled["cancelledAt"] = json!("2026-01-02T00:00:00Z");
        assert!(order_from_node(&cancelled).unwrap().cancelled);
        let mut odd = node;
        odd["displayFinancialStatus"] = json!("SOMETHING_NEW");
        assert!(order_from_node(&odd).unwrap_err().contains("SOMETHING_NEW"));
    }

    #[test]
    fn poll_cursor_steps_back_by_the_overlap() {
        assert_eq!(step_back("2026-01-01T00:10:00Z").unwrap(), "2026-01-01T00:08:00Z");
        assert!(step_back("yesterday").is_err());
    }

    #[test]
    fn order_id_prefers_the_graphql_id() {
        assert_eq!(order_id(&json!({"id": 5})).as_deref(), Some("gid://shopify/Order/5"));
        assert_eq!(
            order_id(&json!({"id": 5, "admin_graphql_api_id": "gid://shopify/Order/6"})).as_deref(),
            Some("gid://shopify/Order/6")
        );
        assert_eq!(order_id(&json!({})), None);
    }
}
