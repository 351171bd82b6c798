//! External orders (marketplace, phone, B2B) into Shopify with `orderCreate`, idempotent by
//! `sourceIdentifier` = `{from connection}:{external id}` (looked up before every create, see
//! [`create_order_once`]); lines resolve to existing variants by SKU, and an unknown SKU is
//! invalid input naming the line.

use crate::config::flow::InventoryBehaviour;
use crate::flow::base::{block_on, identity, limits, request_error, write_error, ShopifyContext, Written};
use crate::model::{FinancialStatus, KeyedRecord, Order, PluginError, Record};
use crate::shopify::orders::create_order_once;
use crate::shopify::search::any_sku;
use crate::shopify::{queries, Priority};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Write external orders to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Order(o) => external_order(ctx, o),
            _ => Err(PluginError::invalid("record", format!("flow {} writes only orders", ctx.flow_name))),
        })
        .collect()
}

/// Variant ids by SKU, for the SKUs of `order`.
pub fn variants(ctx: &ShopifyContext<'_>, order: &Order) -> Result<BTreeMap<String, String>, PluginError> {
    let mut skus: Vec<&str> = order.lines.iter().filter_map(|l| l.sku.as_deref()).collect();
    skus.sort_unstable();
    skus.dedup();
    if skus.is_empty() {
        return Ok(BTreeMap::new());
    }
    let vars = json!({"query": any_sku(&skus), "first": 250});
    let data = block_on(ctx.client.execute(&queries::VARIANTS_BY_SKU, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?
        .data;
    Ok(data["productVariants"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v["sku"].as_str()?.to_owned(), v["id"].as_str()?.to_owned())))
        .collect())
}

/// The canonical payment state as Shopify's `OrderCreateFinancialStatus`, with the transaction
/// that records the money where one applies.
fn payment(order: &Order) -> (&'static str, Option<(&'static str, &'static str)>) {
    match order.financial_status {
        FinancialStatus::Pending => ("PENDING", None),
        FinancialStatus::Authorized => ("AUTHORIZED", Some(("AUTHORIZATION", "SUCCESS"))),
        FinancialStatus::PartiallyPaid => ("PARTIALLY_PAID", None),
        FinancialStatus::Paid => ("PAID", Some(("SALE", "SUCCESS"))),
        FinancialStatus::PartiallyRefunded => ("PARTIALLY_REFUNDED", None),
        FinancialStatus::Refunded => ("REFUNDED", None),
        FinancialStatus::Voided => ("VOIDED", None),
    }
}

fn money_bag(amount: &str, currency: &str) -> Value {
    json!({"shopMoney": {"amount": amount, "currencyCode": currency}})
}

/// The `OrderCreateOrderInput` for `order`, lines resolved through `variants`.
pub fn order_input(order: &Order, variants: &BTreeMap<String, String>) -> Result<Value, PluginError> {
    let mut lines = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let sku = line
            .sku
            .as_deref()
            .ok_or_else(|| PluginError::invalid(&format!("lines[{i}].sku"), "an external order line needs a SKU"))?;
        let variant = variants.get(sku).ok_or_else(|| {
            PluginError::invalid(&format!("lines[{i}].sku"), format!("no variant with SKU `{sku}` in Shopify"))
        })?;
        if line.quantity == 0 {
            return Err(PluginError::invalid(&format!("lines[{i}].quantity"), "quantity must be at least 1"));
        }
        lines.push(json!({"variantId": variant, "quantity": line.quantity, "priceSet": money_bag(&line.unit_price.amount, &line.unit_price.currency)}));
    }
    let (status, transaction) = payment(order);
    let mut input = json!({
        "name": order.name, "sourceName": order.source, "currency": order.currency, "lineItems": lines,
        "financialStatus": status, "tags": order.tags,
    });
    if let Some((kind, tx_status)) = transaction {
        input["transactions"] = json!([{"kind": kind, "status": tx_status, "gateway": order.source, "amountSet": money_bag(&order.total.amount, &order.total.currency)}]);
    }
    if !order.created_at.is_empty() {
        input["processedAt"] = json!(order.created_at);
    }
    let email = order.email.clone().or_else(|| order.customer.as_ref().and_then(|c| c.email.clone()));
    if let Some(email) = email {
        input["email"] = json!(email);
        let mut upsert = json!({"email": email});
        if let Some(c) = &order.customer {
            upsert["firstName"] = json!(c.first_name);
            upsert["lastName"] = json!(c.last_name);
        }
        input["customer"] = json!({"toUpsert": upsert});
    }
    Ok(input)
}

fn behaviour(b: InventoryBehaviour) -> &'static str {
    match b {
        InventoryBehaviour::Bypass => "BYPASS",
        InventoryBehaviour::DecrementIgnoringPolicy => "DECREMENT_IGNORING_POLICY",
        InventoryBehaviour::DecrementObeyingPolicy => "DECREMENT_OBEYING_POLICY",
    }
}

/// Create an external order once (found by its `sourceIdentifier` when it exists).
fn external_order(ctx: &ShopifyContext<'_>, order: &Order) -> Result<Written, PluginError> {
    if order.cancelled {
        return Err(PluginError::invalid(
            "cancelled",
            format!("external order {} is cancelled; it is not created in Shopify", order.name),
        ));
    }
    for (i, sku) in order.lines.iter().enumerate().filter_map(|(i, l)| Some((i, l.sku.as_deref()?))) {
        identity::check(ctx.store, &format!("lines[{i}].sku"), sku)?;
    }
    let input = order_input(order, &variants(ctx, order)?)?;
    limits::check(&input, limits::ORDER_CREATE, &order.currency)?;
    let options = json!({"inventoryBehaviour": behaviour(ctx.flow.inventory_behaviour), "sendReceipt": false, "sendFulfillmentReceipt": false});
    let source_identifier = format!("{}:{}", ctx.flow.from, order.external_id);
    let created = block_on(create_order_once(ctx.client, &source_identifier, input, options))
        .map_err(|e| write_error(&e, "order"))?;
    Ok(if created.created { Written::Created(created.id) } else { Written::Unchanged(Some(created.id)) })
}
