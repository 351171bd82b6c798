//! ERP shipments into Shopify as fulfillments with tracking: matched to the order by name and
//! to its open fulfillment orders line by line (by the order line's id when the shipment has it,
//! else by SKU), so a partial shipment fulfils its lines only and a second shipment of the rest
//! is a second fulfillment. Nothing is written when nothing is left to ship or a fulfillment
//! with one of the shipment's tracking numbers exists. A shipment written before (the id map
//! links it to its fulfillment) is never fulfilled twice; when the ERP owns tracking (the
//! default, `ownership.tracking`) and changes its numbers, the fulfillment's tracking is replaced.
//! Whether Shopify e-mails the buyer is the flow's `notify_customer`.

use crate::config::ownership::field_targets;
use crate::config::{FlowConfig, ObjectKind};
use crate::domain::mapping::Mapping;
use crate::flow::base::mapped::MappedInput;
use crate::flow::base::{block_on, request_error, write_error, ShopifyContext, Written};
use crate::model::{Fulfillment, FulfillmentLine, KeyedRecord, PluginError, Record};
use crate::shopify::search::quoted;
use crate::shopify::{queries, Priority, RecordError};
use crate::store::IdLink;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The id map of shipments: the ERP shipment to the Shopify fulfillment it was written as.
const FULFILLMENT_LINK: &str = "fulfillment";

/// Write shipments to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mapping = match ctx.mapping() {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Fulfillment(f) => fulfillment(ctx, &mapping, f),
            _ => Err(PluginError::invalid("record", format!("flow {} writes only fulfillments", ctx.flow_name))),
        })
        .collect()
}

/// One line of a fulfillment order with units left to ship.
#[derive(Debug, Clone, PartialEq)]
struct Open {
    /// The fulfillment order line's id.
    id: String,
    /// The order line's id.
    line: Option<String>,
    sku: Option<String>,
    remaining: u64,
}

/// Lines left to ship per fulfillment order: (fulfillment order id, its open lines).
type OpenLines = Vec<(String, Vec<Open>)>;

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
                    Some(Open {
                        id: l["id"].as_str()?.to_owned(),
                        line: l["lineItem"]["id"].as_str().map(str::to_owned),
                        sku: l["sku"].as_str().map(str::to_owned),
                        remaining: l["remainingQuantity"].as_u64()?,
                    })
                })
                .filter(|open| open.remaining > 0)
                .collect::<Vec<_>>();
            Some((fo["id"].as_str()?.to_owned(), lines)).filter(|(_, l)| !l.is_empty())
        })
        .collect()
}

/// `lineItemsByFulfillmentOrder` for the shipment: everything left, or the shipped lines — each
/// by its order line id when given, else by SKU — taken from what is left, first come first.
fn shipment_lines(open: &OpenLines, shipped: &[FulfillmentLine]) -> Vec<Value> {
    if shipped.is_empty() {
        return open.iter().map(|(fo, _)| json!({"fulfillmentOrderId": fo})).collect();
    }
    let mut wanted: Vec<(&FulfillmentLine, u64)> = shipped.iter().map(|l| (l, u64::from(l.quantity))).collect();
    let mut taken: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for (fo, lines) in open {
        for line in lines {
            let mut left = line.remaining;
            let mut here = 0;
            for (_, q) in wanted.iter_mut().filter(|(w, _)| matches(w, line)) {
                let n = (*q).min(left);
                *q -= n;
                left -= n;
                here += n;
            }
            if here > 0 {
                taken.entry(fo).or_default().push(json!({"id": line.id, "quantity": here}));
            }
        }
    }
    taken.into_iter().map(|(fo, items)| json!({"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items})).collect()
}

/// Whether a shipped line is this open line: by the order line's id, else by SKU.
fn matches(shipped: &FulfillmentLine, open: &Open) -> bool {
    match (&shipped.line_external_id, &shipped.sku) {
        (Some(id), _) => open.line.as_deref() == Some(id.as_str()),
        (None, Some(sku)) => open.sku.as_deref() == Some(sku.as_str()),
        (None, None) => false,
    }
}

/// The `FulfillmentInput` of a shipment without its lines (matched to the order's open lines
/// when it is written): whether Shopify e-mails the buyer (the flow's `notify_customer`) and the
/// tracking — one company for the shipment (Shopify's), every parcel's number and URL — completed
/// by the flow's mapping (`trackingInfo.company`, `notifyCustomer`, `originAddress`...), without
/// the tracking when Shopify owns it (`ownership.tracking = "shopify"`: an app there adds it),
/// with the names of the fields dropped; `Ok(Err(why))` when the mapping skips it.
pub fn mapped_input(
    mapping: &Mapping,
    (flow_name, flow): (&str, &FlowConfig),
    f: &Fulfillment,
) -> Result<Result<MappedInput, String>, PluginError> {
    let mut input = json!({"notifyCustomer": flow.notify_customer});
    if let Some(first) = f.tracking.first() {
        input["trackingInfo"] = json!({
            "company": first.company,
            "numbers": f.tracking.iter().map(|t| &t.number).collect::<Vec<_>>(),
            "urls": f.tracking.iter().filter_map(|t| t.url.as_ref()).collect::<Vec<_>>(),
        });
    }
    let applied = mapping.apply_to_input(f, &mut input).map_err(|e| PluginError::invalid("mapping", e))?;
    if let Some(why) = applied.skipped {
        return Ok(Err(why));
    }
    let targets = field_targets(ObjectKind::Fulfillment, true);
    Ok(Ok(MappedInput::owned(input, applied, targets, (flow_name, &flow.ownership()), &f.external_id)))
}

/// Mark the shipment's lines fulfilled in Shopify, with tracking.
fn fulfillment(ctx: &ShopifyContext<'_>, mapping: &Mapping, f: &Fulfillment) -> Result<Written, PluginError> {
    let mut input = match mapped_input(mapping, (ctx.flow_name, ctx.flow), f)? {
        Ok(mapped) => mapped.input,
        Err(why) => return Ok(Written::Skipped(why)),
    };
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
    if let Some((i, l)) = f.lines.iter().enumerate().find(|(_, l)| l.line_external_id.is_none() && l.sku.is_none()) {
        return Err(PluginError::invalid(
            &format!("lines[{i}]"),
            format!("a shipped line of {} units names neither the order line nor a SKU", l.quantity),
        ));
    }
    let linked =
        ctx.links().get(FULFILLMENT_LINK, &f.external_id).map_err(|e| PluginError::Retryable(e.to_string()))?;
    let written = linked.and_then(|l| l.shopify).filter(|id| {
        order["fulfillments"].as_array().into_iter().flatten().any(|x| x["id"].as_str() == Some(id.as_str()))
    });
    if let Some(id) = written {
        return follow_tracking(ctx, &input, &order, id);
    }
    let already = f.tracking.iter().any(|t| {
        order["fulfillments"].as_array().into_iter().flatten().any(|x| {
            x["trackingInfo"].as_array().into_iter().flatten().any(|known| known["number"] == t.number.as_str())
        })
    });
    let lines = shipment_lines(&open_lines(&order), &f.lines);
    if already || lines.is_empty() {
        return Ok(Written::Unchanged(Some(order_id)));
    }
    input["lineItemsByFulfillmentOrder"] = json!(lines);
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
    let link = IdLink { shopify: Some(id.to_owned()), erp: Some(f.external_id.clone()) };
    ctx.links()
        .link_all(FULFILLMENT_LINK, &[(f.external_id.clone(), link)])
        .map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(Written::Created(id.to_owned()))
}

/// A shipment written before as fulfillment `id` of `order`: its tracking is replaced when the
/// input carries tracking (the ERP owns it) that differs from Shopify's — other numbers, another
/// carrier (case aside), or other URLs when the ERP gives URLs (Shopify makes its own for known
/// carriers); nothing else of a fulfillment is written twice.
fn follow_tracking(ctx: &ShopifyContext<'_>, input: &Value, order: &Value, id: String) -> Result<Written, PluginError> {
    let texts = |list: &Value, key: Option<&str>| -> Vec<String> {
        let mut t: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| key.map_or(item, |k| &item[k]).as_str().map(str::to_owned))
            .collect();
        t.sort_unstable();
        t
    };
    let want = &input["trackingInfo"];
    let fulfillment = order["fulfillments"].as_array().into_iter().flatten().find(|x| x["id"].as_str() == Some(&id));
    let have = fulfillment.map_or(Value::Null, |x| x["trackingInfo"].clone());
    let urls = texts(&want["urls"], None);
    let same = texts(&want["numbers"], None) == texts(&have, Some("number"))
        && want["company"]
            .as_str()
            .is_none_or(|c| have[0]["company"].as_str().is_some_and(|h| h.eq_ignore_ascii_case(c)))
        && (urls.is_empty() || urls == texts(&have, Some("url")));
    if want.is_null() || same {
        return Ok(Written::Unchanged(Some(id)));
    }
    let vars = json!({"fulfillmentId": id, "trackingInfoInput": want, "notifyCustomer": input["notifyCustomer"]});
    let response = block_on(ctx.client.execute(&queries::FULFILLMENT_TRACKING_INFO_UPDATE, vars, Priority::Orders))
        .map_err(|e| request_error(&e))?;
    if let Some(e) = RecordError::list(&response.data["fulfillmentTrackingInfoUpdate"]["userErrors"]).into_iter().next()
    {
        return Err(write_error(&e.into(), "fulfillment"));
    }
    Ok(Written::Updated(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_sku(sku: &str, quantity: u32) -> FulfillmentLine {
        FulfillmentLine { line_external_id: None, sku: Some(sku.into()), quantity }
    }

    #[test]
    fn shipment_lines_take_what_is_left_by_line_or_sku() {
        let order = json!({"fulfillmentOrders": {"nodes": [
            {"id": "fo1", "status": "OPEN", "lineItems": {"nodes": [
                {"id": "l1", "sku": "A", "remainingQuantity": 2, "lineItem": {"id": "L1"}},
                {"id": "l2", "sku": "B", "remainingQuantity": 0, "lineItem": {"id": "L2"}},
                {"id": "l4", "sku": "A", "remainingQuantity": 3, "lineItem": {"id": "L4"}}]}},
            {"id": "fo2", "status": "CLOSED", "lineItems": {"nodes": [{"id": "l3", "sku": "A", "remainingQuantity": 5}]}}]}});
        let open = open_lines(&order);
        assert_eq!(open.len(), 1);
        assert_eq!(shipment_lines(&open, &[]), vec![json!({"fulfillmentOrderId": "fo1"})]);
        let some = shipment_lines(&open, &[by_sku("A", 3), by_sku("B", 1)]);
        assert_eq!(
            some,
            vec![
                json!({"fulfillmentOrderId": "fo1", "fulfillmentOrderLineItems": [{"id": "l1", "quantity": 2}, {"id": "l4", "quantity": 1}]})
            ]
        );
        assert!(shipment_lines(&open, &[by_sku("B", 1)]).is_empty());
        let by_line = FulfillmentLine { line_external_id: Some("L4".into()), sku: Some("A".into()), quantity: 2 };
        assert_eq!(
            shipment_lines(&open, &[by_line]),
            vec![json!({"fulfillmentOrderId": "fo1", "fulfillmentOrderLineItems": [{"id": "l4", "quantity": 2}]})]
        );
    }
}
