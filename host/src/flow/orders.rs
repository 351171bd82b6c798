//! Writing to Shopify for order flows: external orders (marketplace, phone, B2B) with
//! `orderCreate`, and ERP shipments as fulfillments with tracking.
//!
//! External orders are idempotent by `sourceIdentifier` = `{from connection}:{external id}`
//! (looked up before every create, see [`crate::shopify::orders::create_order_once`]); lines
//! resolve to existing variants by SKU, and an unknown SKU is `invalid-input` naming the line.
//! Fulfillments are matched to the order by name and skipped when nothing is left to ship or
//! a fulfillment with the same tracking number exists.

use super::shopify_in::{invalid, shopify_error};
use super::shopify_out::{block_on, ShopifyContext};
use crate::config::flow::InventoryBehaviour;
use crate::plugin::bindings::types::{FinancialStatus, Fulfillment, KeyedRecord, Order, PluginError, Pushed, Record};
use crate::shopify::orders::create_order_once;
use crate::shopify::{queries, Priority, RecordError, WriteError};
use crate::store::JobError;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Write records to Shopify; one outcome per record.
pub fn push(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Pushed, PluginError>> {
    records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Order(o) => external_order(ctx, o),
            Record::Fulfillment(f) => fulfillment(ctx, f),
            _ => Err(invalid("record", format!("flow {} writes only orders and fulfillments", ctx.flow_name))),
        })
        .collect()
}

/// A failed push of a *cancelled* order is flagged for a person: the ERP already processed
/// the order, so a machine must not guess how to undo it (class `needs_person`, dead-lettered).
pub fn flag_for_person(record: &Record, error: JobError) -> JobError {
    match record {
        Record::Order(o) if o.cancelled && !error.retryable && error.class != "invalid_input" => JobError {
            class: "needs_person".into(),
            message: format!("order {} was cancelled in Shopify after the ERP processed it; undo it in the ERP: {}", o.name, error.message),
            retryable: false,
            retry_after_ms: None,
        },
        _ => error,
    }
}

fn write_error(e: WriteError) -> PluginError {
    match e {
        WriteError::Record(RecordError { field, message, code }) => {
            let field = if field.is_empty() { "order".to_owned() } else { field.join(".") };
            invalid(&field, format!("{message}{}", code.map(|c| format!(" ({c})")).unwrap_or_default()))
        }
        WriteError::Request(e) => shopify_error(&e),
    }
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Variant ids by SKU, for the SKUs of `order`.
pub(super) fn variants(ctx: &ShopifyContext<'_>, order: &Order) -> Result<BTreeMap<String, String>, PluginError> {
    let mut skus: Vec<&str> = order.lines.iter().filter_map(|l| l.sku.as_deref()).collect();
    skus.sort_unstable();
    skus.dedup();
    if skus.is_empty() {
        return Ok(BTreeMap::new());
    }
    let query = skus.iter().map(|s| format!("sku:{}", quoted(s))).collect::<Vec<_>>().join(" OR ");
    let vars = json!({"query": query, "first": 250});
    let data = block_on(ctx.client.execute(&queries::VARIANTS_BY_SKU, vars, Priority::Orders)).map_err(|e| shopify_error(&e))?.data;
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
pub(super) fn order_input(order: &Order, variants: &BTreeMap<String, String>) -> Result<Value, PluginError> {
    let mut lines = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let sku = line.sku.as_deref().ok_or_else(|| invalid(&format!("lines[{i}].sku"), "an external order line needs a SKU"))?;
        let variant = variants.get(sku).ok_or_else(|| invalid(&format!("lines[{i}].sku"), format!("no variant with SKU `{sku}` in Shopify")))?;
        if line.quantity == 0 {
            return Err(invalid(&format!("lines[{i}].quantity"), "quantity must be at least 1"));
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

/// Create an external order once.
fn external_order(ctx: &ShopifyContext<'_>, order: &Order) -> Result<Pushed, PluginError> {
    if order.cancelled {
        return Err(invalid("cancelled", format!("external order {} is cancelled; it is not created in Shopify", order.name)));
    }
    let input = order_input(order, &variants(ctx, order)?)?;
    let options = json!({"inventoryBehaviour": behaviour(ctx.flow.inventory_behaviour), "sendReceipt": false, "sendFulfillmentReceipt": false});
    let source_identifier = format!("{}:{}", ctx.flow.from, order.external_id);
    let created = block_on(create_order_once(ctx.client, &source_identifier, input, options)).map_err(write_error)?;
    Ok(Pushed { external_id: created.id, created: created.created })
}

/// Lines left to ship per fulfillment order: (fulfillment order id, [(line id, sku, remaining)]).
type OpenLines = Vec<(String, Vec<(String, Option<String>, u64)>)>;

fn open_lines(order: &Value) -> OpenLines {
    order["fulfillmentOrders"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|fo| fo["status"] != "CLOSED" && fo["status"] != "CANCELLED")
        .filter_map(|fo| {
            let lines = fo["lineItems"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| Some((l["id"].as_str()?.to_owned(), l["sku"].as_str().map(str::to_owned), l["remainingQuantity"].as_u64()?)))
                .filter(|(_, _, remaining)| *remaining > 0)
                .collect::<Vec<_>>();
            Some((fo["id"].as_str()?.to_owned(), lines)).filter(|(_, l)| !l.is_empty())
        })
        .collect()
}

/// `lineItemsByFulfillmentOrder` for the shipment: everything left, or the shipped SKUs.
fn shipment_lines(open: &OpenLines, shipped: &[(String, u32)]) -> Vec<Value> {
    let mut wanted: BTreeMap<&str, u64> = shipped.iter().map(|(sku, q)| (sku.as_str(), u64::from(*q))).collect();
    open.iter()
        .filter_map(|(fo, lines)| {
            if shipped.is_empty() {
                return Some(json!({"fulfillmentOrderId": fo}));
            }
            let items: Vec<Value> = lines
                .iter()
                .filter_map(|(id, sku, remaining)| {
                    let want = wanted.get_mut(sku.as_deref()?)?;
                    let q = (*want).min(*remaining);
                    *want -= q;
                    (q > 0).then(|| json!({"id": id, "quantity": q}))
                })
                .collect();
            (!items.is_empty()).then(|| json!({"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items}))
        })
        .collect()
}

/// Mark the shipment's lines fulfilled in Shopify, with tracking.
fn fulfillment(ctx: &ShopifyContext<'_>, f: &Fulfillment) -> Result<Pushed, PluginError> {
    if f.order_name.trim().is_empty() {
        return Err(invalid("order-name", "a shipment needs the Shopify order name"));
    }
    let vars = json!({"query": format!("name:{}", quoted(&f.order_name))});
    let data = block_on(ctx.client.execute(&queries::ORDER_FOR_FULFILLMENT, vars, Priority::Orders)).map_err(|e| shopify_error(&e))?.data;
    let order = data["orders"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|o| o["name"] == f.order_name.as_str()))
        .cloned()
        .ok_or_else(|| PluginError::NotFound(format!("no Shopify order named {}", f.order_name)))?;
    let order_id = order["id"].as_str().unwrap_or_default().to_owned();
    if !order["cancelledAt"].is_null() {
        return Err(invalid("order-name", format!("order {} is cancelled in Shopify; the shipment needs a person", f.order_name)));
    }
    let already = f.tracking_number.as_deref().is_some_and(|n| {
        order["fulfillments"].as_array().into_iter().flatten().any(|x| x["trackingInfo"].as_array().into_iter().flatten().any(|t| t["number"] == n))
    });
    let lines = shipment_lines(&open_lines(&order), &f.lines);
    if already || lines.is_empty() {
        return Ok(Pushed { external_id: order_id, created: false });
    }
    let mut input = json!({"lineItemsByFulfillmentOrder": lines, "notifyCustomer": false});
    if f.tracking_number.is_some() || f.tracking_company.is_some() {
        input["trackingInfo"] = json!({"number": f.tracking_number, "company": f.tracking_company, "url": f.tracking_url});
    }
    let response = block_on(ctx.client.execute(&queries::FULFILLMENT_CREATE, json!({"fulfillment": input}), Priority::Orders)).map_err(|e| shopify_error(&e))?;
    let payload = &response.data["fulfillmentCreate"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        return Err(write_error(e.into()));
    }
    let id = payload["fulfillment"]["id"].as_str().ok_or_else(|| PluginError::Permanent("fulfillmentCreate returned no fulfillment".into()))?;
    Ok(Pushed { external_id: id.to_owned(), created: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipment_lines_take_what_is_left_by_sku() {
        let order = json!({"fulfillmentOrders": {"nodes": [
            {"id": "fo1", "status": "OPEN", "lineItems": {"nodes": [
                {"id": "l1", "sku": "A", "remainingQuantity": 2}, {"id": "l2", "sku": "B", "remainingQuantity": 0}]}},
            {"id": "fo2", "status": "CLOSED", "lineItems": {"nodes": [{"id": "l3", "sku": "A", "remainingQuantity": 5}]}}]}});
        let open = open_lines(&order);
        assert_eq!(open.len(), 1);
        assert_eq!(shipment_lines(&open, &[]), vec![json!({"fulfillmentOrderId": "fo1"})]);
        let some = shipment_lines(&open, &[("A".into(), 5), ("B".into(), 1)]);
        assert_eq!(some, vec![json!({"fulfillmentOrderId": "fo1", "fulfillmentOrderLineItems": [{"id": "l1", "quantity": 2}]})]);
        assert!(shipment_lines(&open, &[("B".into(), 1)]).is_empty());
    }
}
