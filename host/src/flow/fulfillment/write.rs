//! ERP shipments into Shopify as fulfillments with tracking: matched to the order by name and
//! to its open fulfillment orders line by line; nothing is written when nothing is left to ship
//! or a fulfillment with the same tracking number exists.

use crate::flow::base::{block_on, request_error, write_error, ShopifyContext, Written};
use crate::model::{Fulfillment, KeyedRecord, PluginError, Record};
use crate::shopify::search::quoted;
use crate::shopify::{queries, Priority, RecordError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Write shipments to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Fulfillment(f) => fulfillment(ctx, f),
            _ => Err(PluginError::invalid("record", format!("flow {} writes only fulfillments", ctx.flow_name))),
        })
        .collect()
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
                .filter_map(|l| {
                    Some((
                        l["id"].as_str()?.to_owned(),
                        l["sku"].as_str().map(str::to_owned),
                        l["remainingQuantity"].as_u64()?,
                    ))
                })
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
fn fulfillment(ctx: &ShopifyContext<'_>, f: &Fulfillment) -> Result<Written, PluginError> {
    if f.order_name.trim().is_empty() {
        return Err(PluginError::invalid("order-name", "a shipment needs the Shopify order name"));
    }
    let vars = json!({"query": format!("name:{}", quoted(&f.order_name))});
    let data = block_on(ctx.client.execute(&queries::ORDER_FOR_FULFILLMENT, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?
        .data;
    let order = data["orders"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|o| o["name"] == f.order_name.as_str()))
        .cloned()
        .ok_or_else(|| PluginError::NotFound(format!("no Shopify order named {}", f.order_name)))?;
    let order_id = order["id"].as_str().unwrap_or_default().to_owned();
    if !order["cancelledAt"].is_null() {
        return Err(PluginError::invalid(
            "order-name",
            format!("order {} is cancelled in Shopify; the shipment needs a person", f.order_name),
        ));
    }
    let already = f.tracking_number.as_deref().is_some_and(|n| {
        order["fulfillments"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["trackingInfo"].as_array().into_iter().flatten().any(|t| t["number"] == n))
    });
    let lines = shipment_lines(&open_lines(&order), &f.lines);
    if already || lines.is_empty() {
        return Ok(Written::Unchanged(Some(order_id)));
    }
    let mut input = json!({"lineItemsByFulfillmentOrder": lines, "notifyCustomer": false});
    if f.tracking_number.is_some() || f.tracking_company.is_some() {
        input["trackingInfo"] =
            json!({"number": f.tracking_number, "company": f.tracking_company, "url": f.tracking_url});
    }
    let response =
        block_on(ctx.client.execute(&queries::FULFILLMENT_CREATE, json!({"fulfillment": input}), Priority::Orders))
            .map_err(|e| request_error(&e))?;
    let payload = &response.data["fulfillmentCreate"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        return Err(write_error(&e.into(), "fulfillment"));
    }
    let id = payload["fulfillment"]["id"]
        .as_str()
        .ok_or_else(|| PluginError::Permanent("fulfillmentCreate returned no fulfillment".into()))?;
    Ok(Written::Created(id.to_owned()))
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
        assert_eq!(
            some,
            vec![json!({"fulfillmentOrderId": "fo1", "fulfillmentOrderLineItems": [{"id": "l1", "quantity": 2}]})]
        );
        assert!(shipment_lines(&open, &[("B".into(), 1)]).is_empty());
    }
}
