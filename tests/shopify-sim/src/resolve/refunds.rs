//! Refunds: `refundCreate` (line items with quantity and restock type, shipping, money
//! transactions, `@idempotent` required from 2026-04), the full refund of a cancellation, and the
//! `Refund` object. Raises `refunds/create` and `orders/updated`.

use super::connection::nested;
use super::order_parts::{bag, line_json, shipping_line_json, transaction_json};
use super::order_payload::refund_payload;
use super::order_write::touch_and_emit;
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::store::model::{cents_to_money, Order, Transaction, UserError};
use crate::store::money::{parse_cents, Bag};
use crate::store::order_changes::{Refund, RefundLine, RefundShipping};
use crate::store::order_totals::{settle_financial_status, totals, transacted};
use crate::store::{gid, now, parse_gid, ts, Store};
use serde_json::{json, Map, Value as Json};

/// How much shipping to refund.
#[derive(Clone, Copy, Debug)]
enum ShippingRefund {
    None,
    Full,
    /// An amount before taxes, in the presentment currency (cents).
    Amount(i64),
}

/// A refund to make, checked against the order.
struct RefundSpec {
    note: Option<String>,
    /// (line item id, quantity, restock type, restock location).
    lines: Vec<(u64, i64, String, Option<u64>)>,
    shipping: ShippingRefund,
    /// (amount in presentment cents, gateway, parent transaction).
    transactions: Vec<(i64, String, Option<u64>)>,
}

/// Converts a presentment amount to both currencies at the order's own rate.
fn from_presentment(o: &Order, cents: i64) -> Bag {
    let t = totals(o).total;
    let shop = if t.presentment == 0 || o.currency == o.detail.presentment_currency {
        cents
    } else {
        Bag::same(cents).scale(t.shop, t.presentment).shop
    };
    Bag { shop, presentment: cents }
}

/// The shipping each shipping line has left to refund: (id, price after discounts, tax).
fn refundable_shipping(o: &Order) -> Vec<(u64, Bag, Bag)> {
    o.detail
        .shipping_lines
        .iter()
        .map(|s| {
            let done = o.refunds.iter().flat_map(|r| &r.shipping).filter(|r| r.shipping_line_id == s.id);
            let (sub, tax) = done.fold((Bag::default(), Bag::default()), |(a, b), r| (a + r.subtotal, b + r.tax));
            (s.id, s.discounted() - sub, s.tax() - tax)
        })
        .collect()
}

/// Puts refunded units back in stock as their restock type says; returns whether it restocked.
fn restock(
    store: &mut Store,
    variant: Option<u64>,
    committed_at: Option<u64>,
    location: Option<u64>,
    unfulfilled: i64,
    fulfilled: i64,
    restock_type: &str,
) -> bool {
    let Some(item) = variant.and_then(|v| store.variants.get(&v)).map(|v| v.inventory_item_id) else { return false };
    let target = location.or(committed_at).or_else(|| super::order_build::first_stocking_location(store, item));
    let back_in = match restock_type {
        "CANCEL" => unfulfilled,
        "RETURN" => fulfilled,
        "LEGACY_RESTOCK" => unfulfilled + fulfilled,
        _ => 0,
    };
    let mut touched = Vec::new();
    if let Some(level) = committed_at.and_then(|loc| store.levels.get_mut(&(item, loc))) {
        *level.quantities.entry("committed".into()).or_insert(0) -= unfulfilled;
        level.updated_at = now();
    }
    if let Some(loc) = target.filter(|_| back_in > 0) {
        store.activate(item, loc);
        if let Some(level) = store.levels.get_mut(&(item, loc)) {
            *level.quantities.entry("available".into()).or_insert(0) += back_in;
            level.updated_at = now();
            touched.push(loc);
        }
    }
    for loc in touched {
        store.emit_level_update(item, loc);
    }
    back_in > 0
}

/// Applies a checked refund to order `id`; returns the refund id.
fn apply(store: &mut Store, id: u64, spec: RefundSpec) -> u64 {
    let refund_id = store.next_id();
    let mut refund_lines = Vec::new();
    for (line_id, quantity, restock_type, location) in spec.lines {
        let Some(l) = store.orders[&id].line_items.iter().find(|l| l.id == line_id).cloned() else { continue };
        let unfulfilled = if restock_type == "RETURN" { 0 } else { quantity.min(l.remaining_quantity()) };
        let fulfilled = quantity - unfulfilled;
        let subtotal = l.net_of(l.gone_quantity(), quantity);
        let taxes = l.taxes_of(l.gone_quantity(), quantity);
        let restocked = restock(
            store,
            l.variant_id,
            l.detail.location_id.filter(|_| unfulfilled > 0),
            location,
            unfulfilled,
            fulfilled,
            &restock_type,
        );
        if let Some(line) = store.orders.get_mut(&id).and_then(|o| o.line_items.iter_mut().find(|x| x.id == line_id)) {
            line.detail.refunded_quantity += quantity;
            line.detail.unfulfillable_quantity += unfulfilled;
            line.detail.refunded_fulfilled_quantity += fulfilled;
        }
        let location_id = location.or(l.detail.location_id).filter(|_| restocked);
        refund_lines.push(RefundLine {
            id: store.next_id(),
            line_item_id: line_id,
            quantity,
            restock_type,
            location_id,
            restocked,
            subtotal,
            taxes,
        });
    }
    let o = &store.orders[&id];
    let mut shipping = Vec::new();
    let mut left = match spec.shipping {
        ShippingRefund::None => Bag::default(),
        ShippingRefund::Full => refundable_shipping(o).iter().map(|(_, sub, _)| *sub).sum(),
        ShippingRefund::Amount(cents) => from_presentment(o, cents),
    };
    for (shipping_line_id, sub, tax) in refundable_shipping(o) {
        if left.is_zero() || sub.is_zero() {
            continue;
        }
        let take = Bag { shop: left.shop.min(sub.shop), presentment: left.presentment.min(sub.presentment) };
        left -= take;
        shipping.push((shipping_line_id, take, tax.scale(take.shop, sub.shop.max(1))));
    }
    let parent_default = o
        .transactions
        .iter()
        .find(|t| t.status == "SUCCESS" && (t.kind == "SALE" || t.kind == "CAPTURE"))
        .map(|t| t.id);
    let transactions: Vec<(Bag, String, Option<u64>)> = spec
        .transactions
        .iter()
        .map(|(cents, gateway, parent)| (from_presentment(o, *cents), gateway.clone(), parent.or(parent_default)))
        .collect();
    let shipping: Vec<RefundShipping> = shipping
        .into_iter()
        .map(|(shipping_line_id, subtotal, tax)| RefundShipping {
            id: store.next_id(),
            shipping_line_id,
            subtotal,
            tax,
        })
        .collect();
    let t = now();
    let mut ids = Vec::new();
    let mut money = Bag::default();
    for (amount, gateway, parent_id) in transactions {
        let tid = store.next_id();
        ids.push(tid);
        money += amount;
        if let Some(o) = store.orders.get_mut(&id) {
            o.transactions.push(Transaction {
                id: tid,
                kind: "REFUND".into(),
                status: "SUCCESS".into(),
                amount: cents_to_money(amount.shop),
                amount_presentment: cents_to_money(amount.presentment),
                parent_id,
                gateway,
                processed_at: t,
            });
        }
    }
    let mut refund = Refund {
        id: refund_id,
        note: spec.note,
        lines: refund_lines,
        shipping,
        transaction_ids: ids,
        discrepancy: Bag::default(),
        created_at: t,
        processed_at: t,
    };
    refund.discrepancy = money - refund.value();
    if let Some(o) = store.orders.get_mut(&id) {
        o.refunds.push(refund);
        settle_financial_status(o);
    }
    let o = &store.orders[&id];
    let body = refund_payload(o, o.refunds.last().expect("just pushed"));
    store.emit("refunds/create", body);
    touch_and_emit(store, id, "orders/updated");
    refund_id
}

/// Reads and checks a `RefundInput` against order `o`.
fn read(store: &Store, o: &Order, input: &Json) -> Result<RefundSpec, Vec<UserError>> {
    let mut errors = Vec::new();
    let multi = o.currency != o.detail.presentment_currency;
    match input.get("currency").and_then(Json::as_str) {
        Some(c) if c != o.detail.presentment_currency => errors.push(UserError::new(
            &["currency"],
            format!("Currency must be the order's presentment currency ({})", o.detail.presentment_currency),
            None,
        )),
        None if multi => errors.push(UserError::new(
            &["currency"],
            format!(
                "Currency is required for an order presented in {} with shop currency {}",
                o.detail.presentment_currency, o.currency
            ),
            None,
        )),
        _ => {}
    }
    let mut lines = Vec::new();
    let mut taken: Vec<(u64, i64)> = Vec::new();
    for (i, rl) in input.get("refundLineItems").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let idx = i.to_string();
        let at = |f: &str| vec!["refundLineItems", idx.as_str(), f].into_iter().map(str::to_string).collect::<Vec<_>>();
        let err = |f: &str, m: String| UserError { field: Some(at(f)), message: m, code: None };
        let Some(l) = rl
            .get("lineItemId")
            .and_then(Json::as_str)
            .and_then(|g| parse_gid("LineItem", g))
            .and_then(|lid| o.line_items.iter().find(|l| l.id == lid))
        else {
            errors.push(err("lineItemId", "Line item does not exist".into()));
            continue;
        };
        let quantity = rl.get("quantity").and_then(Json::as_i64).unwrap_or(0);
        let before: i64 = taken.iter().filter(|(id, _)| *id == l.id).map(|(_, q)| q).sum();
        let restock_type = rl.get("restockType").and_then(Json::as_str).unwrap_or("NO_RESTOCK").to_string();
        let location = rl
            .get("locationId")
            .and_then(Json::as_str)
            .map(|g| parse_gid("Location", g).filter(|id| store.locations.contains_key(id)));
        if quantity < 1 {
            errors.push(err("quantity", "Quantity must be greater than 0".into()));
        } else if quantity + before > l.current_quantity() {
            errors.push(err(
                "quantity",
                format!(
                    "Quantity cannot refund more items than were purchased ({} refundable)",
                    l.current_quantity() - before
                ),
            ));
        } else if restock_type == "CANCEL" && quantity > l.remaining_quantity() {
            errors.push(err(
                "restockType",
                format!("Only unfulfilled items can be restocked with CANCEL ({} unfulfilled)", l.remaining_quantity()),
            ));
        } else if restock_type == "RETURN" && quantity > l.kept_fulfilled_quantity() {
            errors.push(err(
                "restockType",
                format!(
                    "Only fulfilled items can be restocked with RETURN ({} fulfilled)",
                    l.kept_fulfilled_quantity()
                ),
            ));
        } else if location == Some(None) {
            errors.push(err("locationId", "Location does not exist".into()));
        } else {
            taken.push((l.id, quantity));
            lines.push((l.id, quantity, restock_type, location.flatten()));
        }
    }
    let shipping = match input.get("shipping").filter(|s| !s.is_null()) {
        Some(s) if s.get("fullRefund").and_then(Json::as_bool) == Some(true) => ShippingRefund::Full,
        Some(s) => match s.get("amount").and_then(parse_cents) {
            Some(cents) => {
                let left: i64 = refundable_shipping(o).iter().map(|(_, sub, _)| sub.presentment).sum();
                if cents > left {
                    errors.push(UserError::new(
                        &["shipping", "amount"],
                        format!("Shipping refund amount exceeds the refundable shipping ({})", cents_to_money(left)),
                        None,
                    ));
                }
                ShippingRefund::Amount(cents)
            }
            None => ShippingRefund::None,
        },
        None => ShippingRefund::None,
    };
    let mut transactions = Vec::new();
    for (i, t) in input.get("transactions").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let idx = i.to_string();
        let amount = t.get("amount").and_then(parse_cents).filter(|a| *a > 0);
        let parent = t
            .get("parentId")
            .and_then(Json::as_str)
            .map(|g| parse_gid("OrderTransaction", g).filter(|p| o.transactions.iter().any(|x| x.id == *p)));
        match (t.get("kind").and_then(Json::as_str), amount, parent) {
            (Some(k), _, _) if k != "REFUND" => errors.push(UserError::new(
                &["transactions", &idx, "kind"],
                "Refund transactions must be of kind REFUND",
                None,
            )),
            (_, None, _) => {
                errors.push(UserError::new(&["transactions", &idx, "amount"], "Amount must be greater than 0", None))
            }
            (_, _, Some(None)) => errors.push(UserError::new(
                &["transactions", &idx, "parentId"],
                "Parent transaction does not exist",
                None,
            )),
            (_, Some(a), p) => transactions.push((
                a,
                t.get("gateway").and_then(Json::as_str).unwrap_or("manual").to_string(),
                p.flatten(),
            )),
        }
    }
    let t = totals(o);
    let refundable = t.received.presentment - t.refunded.presentment;
    let asked: i64 = transactions.iter().map(|(a, _, _)| a).sum();
    if asked > refundable && !input.get("allowOverRefunding").and_then(Json::as_bool).unwrap_or(false) {
        errors.push(UserError::new(
            &["transactions"],
            format!(
                "Refund amount {} exceeds the refundable amount {}",
                cents_to_money(asked),
                cents_to_money(refundable)
            ),
            None,
        ));
    }
    if errors.is_empty() {
        Ok(RefundSpec {
            note: input.get("note").and_then(Json::as_str).map(str::to_string),
            lines,
            shipping,
            transactions,
        })
    } else {
        Err(errors)
    }
}

/// `refundCreate(input:)`.
pub fn refund_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |errors: &[UserError]| json!({"refund": null, "order": null, "userErrors": user_errors(errors)});
    let Some(id) = input
        .get("orderId")
        .and_then(Json::as_str)
        .and_then(|g| parse_gid("Order", g))
        .filter(|id| store.orders.contains_key(id))
    else {
        return fail(&[UserError::new(&["orderId"], "Order does not exist", None)]);
    };
    match read(store, &store.orders[&id], &input) {
        Ok(spec) => {
            let refund = apply(store, id, spec);
            json!({"refund": rel("Refund", refund), "order": rel("Order", id), "userErrors": []})
        }
        Err(errors) => fail(&errors),
    }
}

/// Refunds everything left on order `id` (a cancellation with a refund to the original payment
/// methods): every unit (unfulfilled ones restocked with `CANCEL` when `restock`), all shipping,
/// and the money kept.
pub fn refund_everything(store: &mut Store, id: u64, restock: bool) {
    let o = &store.orders[&id];
    let mut lines = Vec::new();
    for l in &o.line_items {
        let unfulfilled = l.remaining_quantity().min(l.current_quantity());
        if unfulfilled > 0 {
            lines.push((l.id, unfulfilled, if restock { "CANCEL" } else { "NO_RESTOCK" }.to_string(), None));
        }
        if l.current_quantity() > unfulfilled {
            lines.push((l.id, l.current_quantity() - unfulfilled, "NO_RESTOCK".to_string(), None));
        }
    }
    let kept = transacted(o, &["SALE", "CAPTURE"]) - transacted(o, &["REFUND"]);
    let gateway = o.transactions.first().map_or("manual".to_string(), |t| t.gateway.clone());
    let transactions = if kept.presentment > 0 { vec![(kept.presentment, gateway, None)] } else { vec![] };
    apply(store, id, RefundSpec { note: None, lines, shipping: ShippingRefund::Full, transactions });
}

/// The `Refund` object.
pub fn refund_json(o: &Order, r: &Refund) -> Json {
    let lines: Vec<Json> = r
        .lines
        .iter()
        .filter_map(|rl| {
            let l = o.line_items.iter().find(|l| l.id == rl.line_item_id)?;
            Some(json!({
                "id": gid("RefundLineItem", rl.id), "lineItem": line_json(o, l), "quantity": rl.quantity, "restockType": rl.restock_type,
                "restocked": rl.restocked, "location": rl.location_id.map(|loc| rel("Location", loc)), "priceSet": bag(o, l.unit()),
                "subtotalSet": bag(o, rl.subtotal), "totalTaxSet": bag(o, rl.tax()),
            }))
        })
        .collect();
    let shipping: Vec<Json> = r
        .shipping
        .iter()
        .filter_map(|s| {
            let line = o.detail.shipping_lines.iter().find(|x| x.id == s.shipping_line_id)?;
            Some(json!({"id": gid("RefundShippingLine", s.id), "shippingLine": shipping_line_json(o, line, Bag::default()), "subtotalAmountSet": bag(o, s.subtotal), "taxAmountSet": bag(o, s.tax)}))
        })
        .collect();
    let transactions: Vec<&Transaction> = o.transactions.iter().filter(|t| r.transaction_ids.contains(&t.id)).collect();
    let refunded: Bag = transactions
        .iter()
        .map(|t| Bag {
            shop: crate::store::model::money_cents(&t.amount),
            presentment: crate::store::model::money_cents(&t.amount_presentment),
        })
        .sum();
    let adjustments = if r.discrepancy.is_zero() {
        vec![]
    } else {
        vec![
            json!({"id": gid("OrderAdjustment", r.id), "amountSet": bag(o, -r.discrepancy), "taxAmountSet": bag(o, Bag::default()), "reason": "REFUND_DISCREPANCY"}),
        ]
    };
    json!({
        "id": gid("Refund", r.id), "legacyResourceId": r.id.to_string(), "note": r.note, "createdAt": ts(&r.created_at), "updatedAt": ts(&r.created_at),
        "processedAt": ts(&r.processed_at), "order": rel("Order", o.id), "totalRefundedSet": bag(o, refunded), "return": null, "staffMember": null, "duties": [],
        "refundLineItems": nested(lines), "refundShippingLines": nested(shipping), "orderAdjustments": nested(adjustments),
        "transactions": nested(transactions.iter().map(|t| transaction_json(o, t)).collect()),
    })
}

/// The refund with `id`, found through its order.
pub fn refund_node<'c>(ctx: &'c Ctx<'c>, store: &Store, id: u64) -> Option<Node<'c>> {
    store.orders.values().find_map(|o| {
        o.refunds.iter().find(|r| r.id == id).map(|r| Node::new(ctx, "Refund", refund_json(o, r), Rel::None))
    })
}
