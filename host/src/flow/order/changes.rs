//! What happened to a shop order after it was placed, as changes a destination applies on its
//! own, each once: its cancellation, each refund, each return (per status) and its edits. They
//! follow the order in the records of one read, oldest first.
//!
//! Edits: Shopify keeps no history of them on the order, so the flow keeps the line quantities
//! of the first read (what the destination imported) and gives, whenever they differ now, one
//! edit with every line that changed since then (before: first read, after: now). Its id comes
//! from the quantities after it: the same edit read twice is the same change, a later edit a
//! new one that again says the whole difference — a destination applies it by making its lines
//! equal to `quantity_after`, which is the same whether it saw the earlier edit or not.

use super::node::{amount, nodes, text};
use crate::flow::base::ShopifyContext;
use crate::model::{
    Cancellation, LineEdit, LineEditKind, Order, OrderChange, OrderChangeKind, OrderReturn, PluginError, Record,
    Refund, RefundLine, RefundTransaction, RestockType, ReturnLine, ReturnStatus,
};
use crate::store::StateTable;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The order, then its changes, oldest first. The order says whether importing it moves stock
/// (the flow's `stock_counted_by`).
pub fn records(ctx: &ShopifyContext<'_>, mut order: Order, node: &Value) -> Result<Vec<Record>, PluginError> {
    order.stock_effect = ctx.flow.stock_effect();
    let mut changes = Vec::new();
    let change = |external_id: String, occurred_at: Option<String>, change: OrderChangeKind| OrderChange {
        external_id,
        order_external_id: order.external_id.clone(),
        order_name: order.name.clone(),
        occurred_at: occurred_at.or_else(|| order.updated_at.clone()).unwrap_or_default(),
        change,
        extra: "{}".into(),
    };
    if let Some(edit) = edit(ctx, &order)? {
        changes.push(change(edit.0, order.updated_at.clone(), OrderChangeKind::Edit(edit.1)));
    }
    for r in nodes(&node["refunds"]) {
        let id = text(r, "id").unwrap_or_default();
        changes.push(change(id, text(r, "createdAt"), OrderChangeKind::Refund(refund(r, &order.currency))));
    }
    for r in nodes(&node["returns"]) {
        let status = return_status(r["status"].as_str().unwrap_or_default())?;
        let id = format!("{}/{}", text(r, "id").unwrap_or_default(), status.name());
        let at = text(r, "closedAt").filter(|_| status == ReturnStatus::Closed).or_else(|| text(r, "createdAt"));
        changes.push(change(id, at, OrderChangeKind::Return(order_return(r, status))));
    }
    if order.cancelled {
        let restocked = nodes(&node["refunds"])
            .flat_map(|r| nodes(&r["refundLineItems"]))
            .any(|l| matches!(l["restockType"].as_str(), Some("CANCEL" | "RETURN" | "LEGACY_RESTOCK")));
        let cancellation = Cancellation {
            reason: text(node, "cancelReason").unwrap_or_else(|| "OTHER".into()).to_ascii_lowercase(),
            restock: restocked,
            refunded: nodes(&node["refunds"]).next().is_some(),
        };
        let id = format!("{}/cancellation", order.external_id);
        changes.push(change(id, text(node, "cancelledAt"), OrderChangeKind::Cancellation(cancellation)));
    }
    // Oldest first; a cancellation after the refunds it brought.
    changes.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then(rank(&a.change).cmp(&rank(&b.change))));
    let mut out = vec![Record::Order(Box::new(order))];
    out.extend(changes.into_iter().map(|c| Record::OrderChange(Box::new(c))));
    Ok(out)
}

fn rank(change: &OrderChangeKind) -> u8 {
    match change {
        OrderChangeKind::Edit(_) => 0,
        OrderChangeKind::Refund(_) => 1,
        OrderChangeKind::Return(_) => 2,
        OrderChangeKind::Cancellation(_) => 3,
    }
}

fn restock_type(text: &str) -> RestockType {
    match text {
        "CANCEL" => RestockType::Cancel,
        "RETURN" | "LEGACY_RESTOCK" => RestockType::Return,
        _ => RestockType::NoRestock,
    }
}

fn count(v: &Value) -> u32 {
    v.as_u64().unwrap_or(0).try_into().unwrap_or(u32::MAX)
}

fn refund(r: &Value, currency: &str) -> Refund {
    let lines = nodes(&r["refundLineItems"])
        .map(|l| RefundLine {
            line_external_id: text(&l["lineItem"], "id").unwrap_or_default(),
            sku: text(&l["lineItem"], "sku"),
            quantity: count(&l["quantity"]),
            restock: restock_type(l["restockType"].as_str().unwrap_or_default()),
            location: text(&l["location"], "id"),
            subtotal: amount(&l["subtotalSet"], currency),
            tax: amount(&l["totalTaxSet"], currency),
        })
        .collect();
    let shipping: Vec<_> =
        nodes(&r["refundShippingLines"]).map(|s| amount(&s["subtotalAmountSet"], currency)).collect();
    let transactions = nodes(&r["transactions"])
        .filter(|t| t["kind"] == "REFUND")
        .map(|t| RefundTransaction {
            gateway: text(t, "gateway").unwrap_or_default(),
            amount: amount(&t["amountSet"], currency),
        })
        .collect();
    Refund { lines, shipping: super::totals::sum(&shipping, currency), transactions, note: text(r, "note") }
}

fn return_status(status: &str) -> Result<ReturnStatus, PluginError> {
    Ok(match status {
        "REQUESTED" => ReturnStatus::Requested,
        "OPEN" => ReturnStatus::Open,
        "CLOSED" => ReturnStatus::Closed,
        "DECLINED" => ReturnStatus::Declined,
        "CANCELED" | "CANCELLED" => ReturnStatus::Cancelled,
        other => return Err(PluginError::invalid("returns.status", format!("unknown return status `{other}`"))),
    })
}

fn order_return(r: &Value, status: ReturnStatus) -> OrderReturn {
    let lines = nodes(&r["returnLineItems"])
        .map(|l| {
            let line = &l["fulfillmentLineItem"]["lineItem"];
            ReturnLine {
                line_external_id: text(line, "id").unwrap_or_default(),
                sku: text(line, "sku"),
                quantity: count(&l["quantity"]),
                reason: text(l, "returnReasonNote"),
            }
        })
        .collect();
    OrderReturn { status, lines }
}

/// The edit since the first read of the order, with its id; none when the lines are as they
/// were (or this is the first read: the quantities are kept for the next).
fn edit(ctx: &ShopifyContext<'_>, order: &Order) -> Result<Option<(String, Vec<LineEdit>)>, PluginError> {
    let key = format!("{}\u{1f}lines\u{1f}{}", ctx.flow_name, order.external_id);
    let now: BTreeMap<String, u32> = order.lines.iter().map(|l| (l.external_id.clone(), l.quantity)).collect();
    let store_error = |e: crate::store::StoreError| PluginError::Retryable(e.to_string());
    let first: BTreeMap<String, u32> = match ctx.store.state_get(StateTable::Orders, &key).map_err(store_error)? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => {
            let bytes = serde_json::to_vec(&now).map_err(|e| PluginError::Permanent(e.to_string()))?;
            ctx.store.state_write(StateTable::Orders, &[(key, Some(bytes))]).map_err(store_error)?;
            return Ok(None);
        }
    };
    let edits: Vec<LineEdit> = order
        .lines
        .iter()
        .filter_map(|l| {
            let before = first.get(&l.external_id).copied();
            let kind = match before {
                None => LineEditKind::Added,
                Some(b) if b == l.quantity => return None,
                Some(_) if l.quantity == 0 => LineEditKind::Removed,
                Some(_) => LineEditKind::QuantityChanged,
            };
            Some(LineEdit {
                line_external_id: l.external_id.clone(),
                sku: l.sku.clone(),
                kind,
                quantity_before: before.unwrap_or(0),
                quantity_after: l.quantity,
                unit_price: (kind == LineEditKind::Added).then(|| l.unit_price.clone()),
            })
        })
        .collect();
    if edits.is_empty() {
        return Ok(None);
    }
    let after: Vec<(&str, u32)> = edits.iter().map(|e| (e.line_external_id.as_str(), e.quantity_after)).collect();
    let digest = Sha256::digest(serde_json::to_vec(&after).unwrap_or_default());
    Ok(Some((format!("{}/edit/{}", order.external_id, hex::encode(&digest[..6])), edits)))
}
