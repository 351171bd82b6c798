//! Order writes: `orderCreate` (financial status, transactions, inventoryBehaviour),
//! `orderCancel`, `orderClose`, `fulfillmentCreate`, and a storefront checkout for the control API.

use super::customers::upsert_by_email;
use super::orders::order_payload;
use super::{rel, user_errors};
use crate::search::parse_time;
use crate::store::model::{cents_to_money, money_cents, Fulfillment, LineItem, Order, Transaction, UserError};
use crate::store::{now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn shop_amount(v: &Json) -> Option<String> {
    v.get("shopMoney").and_then(|m| s(m, "amount")).map(str::to_string)
}

/// How an order claims stock.
#[derive(Clone, Copy, PartialEq)]
enum Claim {
    Bypass,
    IgnorePolicy,
    ObeyPolicy,
}

/// `orderCreate(order:, options:)`.
pub fn order_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("order").cloned().unwrap_or(Json::Null);
    let limit_errors = crate::limits::order_create(&input);
    if !limit_errors.is_empty() {
        return json!({"order": null, "userErrors": user_errors(&limit_errors)});
    }
    let claim = match a.get("options").and_then(|o| s(o, "inventoryBehaviour")) {
        Some("DECREMENT_IGNORING_POLICY") => Claim::IgnorePolicy,
        Some("DECREMENT_OBEYING_POLICY") => Claim::ObeyPolicy,
        _ => Claim::Bypass,
    };
    match create(store, &input, claim, "api") {
        Ok(id) => json!({"order": rel("Order", id), "userErrors": []}),
        Err(errors) => json!({"order": null, "userErrors": user_errors(&errors)}),
    }
}

/// Builds the lines of an order input, or the user errors explaining why not.
fn build_lines(store: &mut Store, input: &Json) -> Result<Vec<LineItem>, Vec<UserError>> {
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in input.get("lineItems").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let idx = i.to_string();
        let quantity = l.get("quantity").and_then(Json::as_i64).unwrap_or(0);
        if quantity < 1 {
            errors.push(UserError::new(
                &["order", "lineItems", &idx, "quantity"],
                "Quantity must be greater than 0",
                Some("INVALID"),
            ));
            continue;
        }
        let price = l.get("priceSet").and_then(shop_amount);
        let (variant_id, product_id, sku, title, price) = match s(l, "variantId") {
            Some(raw) => match parse_gid("ProductVariant", raw).and_then(|id| store.variants.get(&id)) {
                Some(v) => {
                    let title = store.products.get(&v.product_id).map(|p| p.title.clone()).unwrap_or_default();
                    (
                        Some(v.id),
                        Some(v.product_id),
                        Some(v.sku.clone()),
                        title,
                        price.unwrap_or_else(|| v.price.clone()),
                    )
                }
                None => {
                    errors.push(UserError::new(
                        &["order", "lineItems", &idx, "variantId"],
                        "Variant does not exist",
                        Some("INVALID"),
                    ));
                    continue;
                }
            },
            None => match s(l, "title") {
                Some(title) => (
                    None,
                    None,
                    s(l, "sku").map(str::to_string),
                    title.to_string(),
                    price.unwrap_or_else(|| "0.00".into()),
                ),
                None => {
                    errors.push(UserError::new(
                        &["order", "lineItems", &idx, "title"],
                        "Title can't be blank for a custom line item",
                        Some("INVALID"),
                    ));
                    continue;
                }
            },
        };
        let id = store.next_id();
        lines.push(LineItem {
            id,
            variant_id,
            product_id,
            sku,
            title,
            quantity,
            fulfilled_quantity: 0,
            unit_price: price,
        });
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(UserError::new(&["order", "lineItems"], "Line items can't be blank", Some("INVALID")));
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// Moves ordered quantities from `available` to `committed` at the first stocking location.
fn claim_stock(store: &mut Store, lines: &[LineItem], claim: Claim) -> Result<(), Vec<UserError>> {
    if claim == Claim::Bypass {
        return Ok(());
    }
    let mut plan = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(v) = l.variant_id.and_then(|v| store.variants.get(&v)) else {
            continue;
        };
        let item = v.inventory_item_id;
        let level =
            store.levels.range((item, 0)..=(item, u64::MAX)).map(|(k, lv)| (k.1, lv.quantity("available"))).next();
        match level {
            Some((_, available))
                if claim == Claim::ObeyPolicy && v.inventory_policy == "DENY" && available < l.quantity =>
            {
                return Err(vec![UserError::new(
                    &["order", "lineItems", &i.to_string()],
                    "Not enough inventory available",
                    Some("INVENTORY_CLAIM_FAILED"),
                )]);
            }
            Some((loc, _)) => plan.push((item, loc, l.quantity)),
            None if claim == Claim::ObeyPolicy => {
                return Err(vec![UserError::new(
                    &["order", "lineItems", &i.to_string()],
                    "Variant is not stocked",
                    Some("INVENTORY_CLAIM_FAILED"),
                )]);
            }
            None => {}
        }
    }
    for (item, loc, q) in plan {
        if let Some(level) = store.levels.get_mut(&(item, loc)) {
            *level.quantities.entry("available".into()).or_insert(0) -= q;
            *level.quantities.entry("committed".into()).or_insert(0) += q;
            level.updated_at = now();
        }
        store.emit_level_update(item, loc);
    }
    Ok(())
}

fn financial_status(input: &Json, transactions: &[Transaction], total: &str) -> String {
    if let Some(given) = s(input, "financialStatus") {
        return given.to_string();
    }
    let ok = |kind: &str| {
        transactions
            .iter()
            .filter(|t| t.status == "SUCCESS" && t.kind == kind)
            .map(|t| money_cents(&t.amount))
            .sum::<i64>()
    };
    let paid = ok("SALE") + ok("CAPTURE");
    if paid > 0 && paid >= money_cents(total) {
        "PAID".into()
    } else if paid > 0 {
        "PARTIALLY_PAID".into()
    } else if ok("AUTHORIZATION") > 0 {
        "AUTHORIZED".into()
    } else {
        "PENDING".into()
    }
}

/// Creates an order from an `OrderCreateOrderInput`-shaped value; emits its webhooks.
fn create(store: &mut Store, input: &Json, claim: Claim, default_source: &str) -> Result<u64, Vec<UserError>> {
    let lines = build_lines(store, input)?;
    claim_stock(store, &lines, claim)?;
    let t = now();
    let currency = s(input, "currency").unwrap_or("USD").to_string();
    let transactions: Vec<Transaction> = input
        .get("transactions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|tx| Transaction {
            id: store.next_id(),
            kind: s(tx, "kind").unwrap_or("SALE").to_string(),
            status: s(tx, "status").unwrap_or("SUCCESS").to_string(),
            amount: tx.get("amountSet").and_then(shop_amount).unwrap_or_else(|| "0.00".into()),
            gateway: s(tx, "gateway").unwrap_or("manual").to_string(),
            processed_at: t,
        })
        .collect();
    let customer = input.get("customer").and_then(|c| {
        c.get("toAssociate")
            .and_then(|a| s(a, "id"))
            .and_then(|id| parse_gid("Customer", id))
            .or_else(|| c.get("toUpsert").and_then(|u| s(u, "email")).map(|e| upsert_by_email(store, e)))
    });
    let customer = customer.or_else(|| s(input, "email").map(|e| upsert_by_email(store, e)));
    let number = store.next_order_number();
    let id = store.next_id();
    let fulfillment_order_id = store.next_id();
    let mut order = Order {
        id,
        number,
        name: s(input, "name").map(str::to_string).unwrap_or_else(|| format!("#{number}")),
        email: s(input, "email").map(str::to_string),
        source_name: s(input, "sourceName").unwrap_or(default_source).to_string(),
        source_identifier: s(input, "sourceIdentifier").map(str::to_string),
        currency,
        financial_status: String::new(),
        line_items: lines,
        transactions,
        fulfillments: Vec::new(),
        fulfillment_order_id,
        customer_id: customer,
        tags: input
            .get("tags")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect(),
        note: s(input, "note").map(str::to_string),
        test: input.get("test").and_then(Json::as_bool).unwrap_or(false),
        cancelled_at: None,
        cancel_reason: None,
        closed_at: None,
        processed_at: s(input, "processedAt").and_then(parse_time).unwrap_or(t),
        created_at: t,
        updated_at: t,
    };
    order.financial_status = financial_status(input, &order.transactions, &order.total_price());
    let paid = order.financial_status == "PAID";
    store.orders.insert(id, order);
    let body = order_payload(store, &store.orders[&id]);
    store.emit("orders/create", body.clone());
    if paid {
        store.emit("orders/paid", body);
    }
    Ok(id)
}

/// A storefront checkout: a paid order for `lines` of (sku, quantity) that claims stock.
pub fn place_order(store: &mut Store, email: Option<&str>, lines: &[(String, i64)]) -> Result<u64, String> {
    let mut inputs = Vec::new();
    let mut total = 0;
    for (sku, quantity) in lines {
        let v = store.variant_by_sku(sku).ok_or_else(|| format!("no variant with sku {sku:?}"))?;
        total += money_cents(&v.price) * quantity;
        inputs.push(json!({"variantId": crate::store::gid("ProductVariant", v.id), "quantity": quantity}));
    }
    let amount = json!({"shopMoney": {"amount": cents_to_money(total), "currencyCode": "USD"}});
    let input = json!({"lineItems": inputs, "email": email, "transactions": [{"amountSet": amount, "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments"}]});
    create(store, &input, Claim::ObeyPolicy, "web")
        .map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
}

fn touch_and_emit(store: &mut Store, id: u64, topic: &'static str) {
    if let Some(o) = store.orders.get_mut(&id) {
        o.updated_at = now();
    }
    let body = order_payload(store, &store.orders[&id]);
    if topic != "orders/updated" {
        store.emit(topic, body.clone());
    }
    store.emit("orders/updated", body);
}

/// `orderCancel(orderId:, reason:, restock:, ...)`.
pub fn order_cancel(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail = |code: &str, msg: &str| {
        let e = UserError::new(&["orderId"], msg, Some(code));
        json!({"job": null, "orderCancelUserErrors": user_errors(&[e]), "userErrors": []})
    };
    let Some(id) = a
        .get("orderId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("Order", s))
        .filter(|id| store.orders.contains_key(id))
    else {
        return fail("NOT_FOUND", "Order does not exist");
    };
    if store.orders[&id].cancelled_at.is_some() {
        return fail("INVALID", "Order has already been cancelled");
    }
    let restock = a.get("restock").and_then(Json::as_bool).unwrap_or(false);
    let lines = store.orders[&id].line_items.clone();
    if restock {
        for l in &lines {
            let Some(item) = l.variant_id.and_then(|v| store.variants.get(&v)).map(|v| v.inventory_item_id) else {
                continue;
            };
            let loc = store.levels.range((item, 0)..=(item, u64::MAX)).map(|(k, _)| k.1).next();
            if let Some(loc) = loc {
                let level = store.levels.get_mut(&(item, loc)).expect("level found above");
                let back = (l.quantity - l.fulfilled_quantity).min(level.quantity("committed").max(0));
                *level.quantities.entry("committed".into()).or_insert(0) -= back;
                *level.quantities.entry("available".into()).or_insert(0) += l.quantity - l.fulfilled_quantity;
                level.updated_at = now();
                store.emit_level_update(item, loc);
            }
        }
    }
    if let Some(o) = store.orders.get_mut(&id) {
        o.cancelled_at = Some(now());
        o.closed_at = Some(now());
        o.cancel_reason = a.get("reason").and_then(Json::as_str).map(str::to_string);
        if o.financial_status == "AUTHORIZED" || o.financial_status == "PENDING" {
            o.financial_status = "VOIDED".into();
        }
    }
    touch_and_emit(store, id, "orders/cancelled");
    let job = store.next_id();
    json!({"job": {"id": crate::store::gid("Job", job), "done": true}, "orderCancelUserErrors": [], "userErrors": []})
}

/// `orderClose(input: {id})`.
pub fn order_close(store: &mut Store, a: &Map<String, Json>) -> Json {
    let id = a
        .get("input")
        .and_then(|i| s(i, "id"))
        .and_then(|s| parse_gid("Order", s))
        .filter(|id| store.orders.contains_key(id));
    let Some(id) = id else {
        let e = UserError::new(&["id"], "Order does not exist", None);
        return json!({"order": null, "userErrors": user_errors(&[e])});
    };
    if let Some(o) = store.orders.get_mut(&id) {
        o.closed_at = Some(now());
    }
    touch_and_emit(store, id, "orders/updated");
    json!({"order": rel("Order", id), "userErrors": []})
}

/// `fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder, trackingInfo})`.
pub fn fulfillment_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("fulfillment").cloned().unwrap_or(Json::Null);
    let fail = |field: &[&str], msg: &str| json!({"fulfillment": null, "userErrors": user_errors(&[UserError::new(field, msg, None)])});
    let groups = input.get("lineItemsByFulfillmentOrder").and_then(Json::as_array).cloned().unwrap_or_default();
    let mut order_id = None;
    let mut wanted: Vec<(u64, Option<i64>)> = Vec::new();
    for g in &groups {
        let fo = s(g, "fulfillmentOrderId").and_then(|x| parse_gid("FulfillmentOrder", x));
        let Some(oid) = fo.and_then(|fo| store.orders.values().find(|o| o.fulfillment_order_id == fo)).map(|o| o.id)
        else {
            return fail(&["fulfillment", "lineItemsByFulfillmentOrder"], "Fulfillment order does not exist.");
        };
        if order_id.is_some_and(|o| o != oid) {
            return fail(&["fulfillment"], "All fulfillment orders must belong to the same order.");
        }
        order_id = Some(oid);
        match g.get("fulfillmentOrderLineItems").and_then(Json::as_array) {
            Some(items) => wanted.extend(items.iter().filter_map(|i| {
                s(i, "id")
                    .and_then(|x| parse_gid("FulfillmentOrderLineItem", x))
                    .map(|id| (id, i.get("quantity").and_then(Json::as_i64)))
            })),
            None => wanted.extend(store.orders[&oid].line_items.iter().map(|l| (l.id, None))),
        }
    }
    let Some(oid) = order_id else {
        return fail(&["fulfillment"], "No fulfillment orders given.");
    };
    if store.orders[&oid].cancelled_at.is_some() {
        return fail(&["fulfillment"], "Fulfillment order is not in a fulfillable state.");
    }
    let mut lines = Vec::new();
    for (lid, q) in wanted {
        let Some(line) = store.orders[&oid].line_items.iter().find(|l| l.id == lid) else {
            return fail(
                &["fulfillment", "lineItemsByFulfillmentOrder"],
                "Fulfillment order line item does not exist.",
            );
        };
        let remaining = line.quantity - line.fulfilled_quantity;
        let q = q.unwrap_or(remaining);
        if q > remaining || q < 0 {
            return fail(&["fulfillment"], "Invalid fulfillment order line item quantity requested.");
        }
        if q > 0 {
            lines.push((lid, q));
        }
    }
    if lines.is_empty() {
        return fail(&["fulfillment"], "Fulfillment order is already fulfilled.");
    }
    let tracking = input.get("trackingInfo").cloned().unwrap_or(Json::Null);
    let fid = store.next_id();
    if let Some(o) = store.orders.get_mut(&oid) {
        for (lid, q) in &lines {
            if let Some(l) = o.line_items.iter_mut().find(|l| l.id == *lid) {
                l.fulfilled_quantity += q;
            }
        }
        o.fulfillments.push(Fulfillment {
            id: fid,
            status: "SUCCESS".into(),
            tracking_number: s(&tracking, "number").map(str::to_string),
            tracking_company: s(&tracking, "company").map(str::to_string),
            tracking_url: s(&tracking, "url").map(str::to_string),
            lines,
            created_at: now(),
        });
    }
    touch_and_emit(store, oid, "orders/updated");
    json!({"fulfillment": rel("Fulfillment", fid), "userErrors": []})
}
