//! Returns: `returnCreate` (OPEN), `returnRequest` (REQUESTED), `returnApproveRequest`,
//! `returnDeclineRequest`, `returnClose`, `returnCancel`; the `Return` object and its webhooks
//! (`returns/approve`, `returns/request`, `returns/decline`, `returns/close`, `returns/cancel`,
//! each with `orders/updated`). A return moves no money or stock: refund it with `refundCreate`.

use super::connection::nested;
use super::order_parts::{bag, fulfillment_line_json};
use super::order_write::touch_and_emit;
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::store::model::{Order, UserError};
use crate::store::money::{parse_cents, Bag};
use crate::store::order_changes::{Return, ReturnLine};
use crate::store::{gid, now, parse_gid, ts, Store};
use serde_json::{json, Map, Value as Json};

fn payload(ret: Option<u64>, errors: &[UserError]) -> Json {
    json!({"return": ret.map(|id| rel("Return", id)), "userErrors": user_errors(errors)})
}

/// The order holding return `id`, and the return's position in it.
fn find(store: &Store, id: u64) -> Option<(u64, usize)> {
    store.orders.values().find_map(|o| o.returns.iter().position(|r| r.id == id).map(|i| (o.id, i)))
}

/// Units of a fulfillment line item not yet claimed by a live return.
fn returnable(o: &Order, fulfillment_line_item_id: u64) -> Option<(u64, i64)> {
    let (line_item_id, shipped) = o
        .fulfillments
        .iter()
        .find_map(|f| f.line_ids.iter().position(|id| *id == fulfillment_line_item_id).map(|i| f.lines[i]))?;
    let claimed: i64 = o
        .returns
        .iter()
        .filter(|r| r.counts())
        .flat_map(|r| &r.lines)
        .filter(|l| l.fulfillment_line_item_id == fulfillment_line_item_id)
        .map(|l| l.quantity)
        .sum();
    Some((line_item_id, shipped - claimed))
}

/// Creates a return with `status` from `returnInput` / `input` (under `root`).
fn open(store: &mut Store, input: &Json, root: &str, status: &str) -> Json {
    let err = |path: &[&str], msg: String, code: &str| {
        let field: Vec<&str> = std::iter::once(root).chain(path.iter().copied()).collect();
        UserError::new(&field, msg, Some(code))
    };
    let Some(order_id) = input
        .get("orderId")
        .and_then(Json::as_str)
        .and_then(|g| parse_gid("Order", g))
        .filter(|id| store.orders.contains_key(id))
    else {
        return payload(None, &[err(&["orderId"], "Order does not exist".into(), "NOT_FOUND")]);
    };
    if input.get("exchangeLineItems").and_then(Json::as_array).is_some_and(|l| !l.is_empty()) {
        return payload(
            None,
            &[err(&["exchangeLineItems"], "shopify-sim does not simulate exchanges".into(), "FEATURE_NOT_ENABLED")],
        );
    }
    let o = &store.orders[&order_id];
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in input.get("returnLineItems").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let idx = i.to_string();
        let quantity = l.get("quantity").and_then(Json::as_i64).unwrap_or(0);
        let fli =
            l.get("fulfillmentLineItemId").and_then(Json::as_str).and_then(|g| parse_gid("FulfillmentLineItem", g));
        let Some((fli, (line_item_id, left))) = fli.and_then(|f| returnable(o, f).map(|r| (f, r))) else {
            errors.push(err(
                &["returnLineItems", &idx, "fulfillmentLineItemId"],
                "Fulfillment line item does not exist".into(),
                "NOT_FOUND",
            ));
            continue;
        };
        if quantity < 1 {
            errors.push(err(
                &["returnLineItems", &idx, "quantity"],
                "Quantity must be greater than 0".into(),
                "GREATER_THAN",
            ));
        } else if quantity > left {
            errors.push(err(
                &["returnLineItems", &idx, "quantity"],
                format!("Quantity is greater than the returnable quantity ({left})"),
                "INVALID",
            ));
        } else {
            let text = |k: &str| l.get(k).and_then(Json::as_str).map(str::to_string);
            lines.push((
                fli,
                line_item_id,
                quantity,
                text("returnReasonNote").unwrap_or_default(),
                text("customerNote"),
            ));
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(err(&["returnLineItems"], "Return line items can't be blank".into(), "BLANK"));
    }
    let fee = input.get("returnShippingFee").and_then(|f| f.get("amount")).filter(|m| !m.is_null());
    if let Some(m) =
        fee.filter(|m| m.get("currencyCode").and_then(Json::as_str) != Some(&o.detail.presentment_currency))
    {
        errors.push(err(
            &["returnShippingFee", "amount", "currencyCode"],
            format!(
                "Currency {} is not the order's presentment currency {}",
                m["currencyCode"], o.detail.presentment_currency
            ),
            "INVALID",
        ));
    }
    if !errors.is_empty() {
        return payload(None, &errors);
    }
    let shipping_fee = fee.and_then(|m| m.get("amount")).and_then(parse_cents).map(Bag::same);
    let name = format!("{}-R{}", o.name, o.returns.len() + 1);
    let id = store.next_id();
    let lines: Vec<ReturnLine> = lines
        .into_iter()
        .map(|(fulfillment_line_item_id, line_item_id, quantity, reason_note, customer_note)| ReturnLine {
            id: store.next_id(),
            fulfillment_line_item_id,
            line_item_id,
            quantity,
            reason_note,
            customer_note,
        })
        .collect();
    let t = now();
    let approved_at = (status == "OPEN").then_some(t);
    let ret = Return {
        id,
        name,
        status: status.into(),
        lines,
        shipping_fee,
        decline: None,
        created_at: t,
        approved_at,
        closed_at: None,
    };
    if let Some(o) = store.orders.get_mut(&order_id) {
        o.returns.push(ret);
    }
    emit(store, order_id, id, if status == "OPEN" { "returns/approve" } else { "returns/request" });
    payload(Some(id), &[])
}

/// Raises a return webhook and `orders/updated`.
fn emit(store: &mut Store, order_id: u64, id: u64, topic: &'static str) {
    let o = &store.orders[&order_id];
    if let Some(r) = o.returns.iter().find(|r| r.id == id) {
        let body = return_payload(o, r);
        store.emit(topic, body);
    }
    touch_and_emit(store, order_id, "orders/updated");
}

/// Moves a return from one of `from` to `to`, raising `topic`.
fn transition(
    store: &mut Store,
    raw_id: Option<&str>,
    field: &[&str],
    from: &[&str],
    to: &str,
    topic: &'static str,
    decline: Option<(String, Option<String>)>,
) -> Json {
    let Some((order_id, i)) = raw_id.and_then(|g| parse_gid("Return", g)).and_then(|id| find(store, id)) else {
        return payload(None, &[UserError::new(field, "Return does not exist", Some("NOT_FOUND"))]);
    };
    let Some(r) = store.orders.get_mut(&order_id).and_then(|o| o.returns.get_mut(i)) else { return payload(None, &[]) };
    if !from.contains(&r.status.as_str()) {
        let msg = format!("Return is {}; only returns with status {} can become {to}", r.status, from.join(" or "));
        return payload(None, &[UserError::new(field, msg, Some("INVALID_STATE"))]);
    }
    let t = now();
    r.status = to.into();
    match to {
        "OPEN" => r.approved_at = Some(t),
        "CLOSED" => r.closed_at = Some(t),
        "DECLINED" => r.decline = decline,
        _ => {}
    }
    let id = r.id;
    emit(store, order_id, id, topic);
    payload(Some(id), &[])
}

/// The return mutations by root field name.
pub fn dispatch(store: &mut Store, name: &str, a: &Map<String, Json>) -> Option<Json> {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let input_id = input.get("id").and_then(Json::as_str);
    let id = a.get("id").and_then(Json::as_str);
    Some(match name {
        "returnCreate" => open(store, &a.get("returnInput").cloned().unwrap_or(Json::Null), "returnInput", "OPEN"),
        "returnRequest" => open(store, &input, "input", "REQUESTED"),
        "returnApproveRequest" => {
            transition(store, input_id, &["input", "id"], &["REQUESTED"], "OPEN", "returns/approve", None)
        }
        "returnDeclineRequest" => {
            let reason = input.get("declineReason").and_then(Json::as_str).unwrap_or("OTHER").to_string();
            let note = input.get("declineNote").and_then(Json::as_str).map(str::to_string);
            transition(
                store,
                input_id,
                &["input", "id"],
                &["REQUESTED"],
                "DECLINED",
                "returns/decline",
                Some((reason, note)),
            )
        }
        "returnClose" => transition(store, id, &["id"], &["OPEN"], "CLOSED", "returns/close", None),
        "returnCancel" => transition(store, id, &["id"], &["REQUESTED", "OPEN"], "CANCELED", "returns/cancel", None),
        _ => return None,
    })
}

/// The REST-shaped return for `returns/*` webhooks.
pub fn return_payload(o: &Order, r: &Return) -> Json {
    let lines: Vec<Json> = r
        .lines
        .iter()
        .map(|l| {
            json!({
                "id": l.id, "admin_graphql_api_id": gid("ReturnLineItem", l.id), "quantity": l.quantity, "return_reason": "unknown",
                "return_reason_note": l.reason_note, "customer_note": l.customer_note, "restocking_fee": null,
                "fulfillment_line_item": {"id": l.fulfillment_line_item_id, "admin_graphql_api_id": gid("FulfillmentLineItem", l.fulfillment_line_item_id),
                                          "line_item": {"id": l.line_item_id, "admin_graphql_api_id": gid("LineItem", l.line_item_id)}},
            })
        })
        .collect();
    let fees: Vec<Json> = r.shipping_fee.iter().map(|f| json!({"id": r.id, "admin_graphql_api_id": gid("ReturnShippingFee", r.id), "price": f.rest_json(&o.detail.presentment_currency, &o.detail.presentment_currency)})).collect();
    json!({
        "id": r.id, "admin_graphql_api_id": gid("Return", r.id), "name": r.name, "status": r.status.to_lowercase(),
        "order": {"id": o.id, "admin_graphql_api_id": gid("Order", o.id)}, "total_return_line_items": r.lines.len(),
        "return_line_items": lines, "return_shipping_fees": fees, "exchange_line_items": [], "total_exchange_line_items": 0,
        "decline": r.decline.as_ref().map(|(reason, note)| json!({"reason": reason.to_lowercase(), "note": note})),
    })
}

/// The `Return` object.
pub fn return_json(o: &Order, r: &Return) -> Json {
    let lines: Vec<Json> = r
        .lines
        .iter()
        .map(|l| {
            let value = o.line_items.iter().find(|x| x.id == l.line_item_id).map_or(Bag::default(), |x| x.share(x.net_total(), l.quantity));
            json!({
                "__typename": "ReturnLineItem", "id": gid("ReturnLineItem", l.id), "quantity": l.quantity, "customerNote": l.customer_note,
                "returnReasonNote": l.reason_note, "returnReasonDefinition": null, "restockingFee": null, "totalWeight": null,
                "processableQuantity": l.quantity, "processedQuantity": 0, "unprocessedQuantity": l.quantity,
                "refundableQuantity": l.quantity, "refundedQuantity": 0, "withCodeDiscountedTotalSet": bag(o, value),
                "fulfillmentLineItem": fulfillment_line_json(o, l.fulfillment_line_item_id, l.line_item_id, l.quantity),
            })
        })
        .collect();
    let fees: Vec<Json> =
        r.shipping_fee.iter().map(|f| json!({"id": gid("ReturnShippingFee", r.id), "amountSet": bag(o, *f)})).collect();
    json!({
        "id": gid("Return", r.id), "name": r.name, "status": r.status, "createdAt": ts(&r.created_at), "closedAt": r.closed_at.as_ref().map(ts),
        "requestApprovedAt": r.approved_at.as_ref().map(ts), "order": rel("Order", o.id), "totalQuantity": r.lines.iter().map(|l| l.quantity).sum::<i64>(),
        "decline": r.decline.as_ref().map(|(reason, note)| json!({"reason": reason, "note": note})), "staffMember": null,
        "returnLineItems": nested(lines), "returnShippingFees": fees, "refunds": nested(vec![]), "exchangeLineItems": nested(vec![]),
        "reverseFulfillmentOrders": nested(vec![]), "transactions": nested(vec![]),
    })
}

/// The return with `id`, found through its order.
pub fn return_node<'c>(ctx: &'c Ctx<'c>, store: &Store, id: u64) -> Option<Node<'c>> {
    store.orders.values().find_map(|o| {
        o.returns.iter().find(|r| r.id == id).map(|r| Node::new(ctx, "Return", return_json(o, r), Rel::None))
    })
}
