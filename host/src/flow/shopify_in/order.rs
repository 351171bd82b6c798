//! Orders read from Shopify (GraphQL `Order` nodes) as canonical orders. Webhooks and polling
//! both come through here, so the same order state always gives the same record (and the same
//! idempotency key).

use super::{invalid, shopify_error};
use crate::flow::shopify_out::{block_on, ShopifyContext};
use crate::plugin::bindings::types::{Customer, FinancialStatus, Money, Order, OrderLine, PluginError};
use crate::shopify::{queries, Priority};
use serde_json::{json, Value};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn money(v: &Value, currency: &str) -> Money {
    let shop = &v["shopMoney"];
    Money { amount: text(shop, "amount").unwrap_or_else(|| "0.00".into()), currency: text(shop, "currencyCode").unwrap_or_else(|| currency.to_owned()) }
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
    let data = block_on(ctx.client.execute(&queries::ORDERS_SINCE, vars, Priority::Orders)).map_err(|e| shopify_error(&e))?.data;
    let node = data["orders"]["nodes"].as_array().and_then(|n| n.iter().find(|o| o["id"] == id)).cloned();
    node.map(|n| order_from_node(&n).map(|o| (o, text(&n, "sourceIdentifier"))).map_err(|m| invalid("order", m))).transpose()
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
}
