//! `fulfillmentCreate`: ships some or all remaining units of a fulfillment order, with tracking
//! info and `notifyCustomer`; stock leaves `committed` at the line's location. Raises
//! `fulfillments/create`, `orders/partially_fulfilled` or `orders/fulfilled`, and `orders/updated`.
//! `fulfillmentTrackingInfoUpdate` replaces a fulfillment's tracking (`fulfillments/update`).

use super::order_parts::assigned_location;
use super::order_payload::fulfillment_payload;
use super::order_write::touch_and_emit;
use super::{rel, user_errors};
use crate::store::model::{Fulfillment, UserError};
use crate::store::{now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

/// Tracking of a shipment: (number, company, url).
#[derive(Clone, Debug, Default)]
pub struct Tracking {
    pub number: Option<String>,
    pub company: Option<String>,
    pub url: Option<String>,
}

/// Records a fulfillment of `lines` ((line item id, quantity), all checked) and raises its webhooks.
pub fn fulfill(
    store: &mut Store,
    order_id: u64,
    lines: Vec<(u64, i64)>,
    tracking: Tracking,
    notify_customer: bool,
) -> u64 {
    let fid = store.next_id();
    let line_ids: Vec<u64> = lines.iter().map(|_| store.next_id()).collect();
    let first_location = store.locations.keys().next().copied();
    let mut released = Vec::new();
    if let Some(o) = store.orders.get_mut(&order_id) {
        for (lid, q) in &lines {
            if let Some(l) = o.line_items.iter_mut().find(|l| l.id == *lid) {
                l.fulfilled_quantity += q;
                if let (Some(loc), Some(variant)) = (l.detail.location_id, l.variant_id) {
                    released.push((variant, loc, *q));
                }
            }
        }
        let location_id = assigned_location(o, first_location);
        o.fulfillments.push(Fulfillment {
            id: fid,
            status: "SUCCESS".into(),
            tracking_number: tracking.number,
            tracking_company: tracking.company,
            tracking_url: tracking.url,
            lines,
            line_ids,
            notify_customer,
            location_id,
            created_at: now(),
        });
    }
    for (variant, loc, q) in released {
        let Some(item) = store.variants.get(&variant).map(|v| v.inventory_item_id) else { continue };
        if let Some(level) = store.levels.get_mut(&(item, loc)) {
            *level.quantities.entry("committed".into()).or_insert(0) -= q;
            level.updated_at = now();
        }
    }
    let o = &store.orders[&order_id];
    let body = fulfillment_payload(o, o.fulfillments.last().expect("just pushed"));
    let topic = if o.fulfillment_status() == "FULFILLED" { "orders/fulfilled" } else { "orders/partially_fulfilled" };
    store.emit("fulfillments/create", body);
    touch_and_emit(store, order_id, topic);
    fid
}

/// `fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder, trackingInfo, notifyCustomer})`.
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
    let Some(oid) = order_id else { return fail(&["fulfillment"], "No fulfillment orders given.") };
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
        let remaining = line.remaining_quantity();
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
    let tracking = tracking(input.get("trackingInfo").unwrap_or(&Json::Null));
    let notify = input.get("notifyCustomer").and_then(Json::as_bool).unwrap_or(false);
    let fid = fulfill(store, oid, lines, tracking, notify);
    json!({"fulfillment": rel("Fulfillment", fid), "userErrors": []})
}

/// A `FulfillmentTrackingInput` (or `trackingInfo`): the first of `numbers`/`urls` when the single
/// `number`/`url` is not given.
fn tracking(t: &Json) -> Tracking {
    let first = |one: &str, many: &str| {
        s(t, one)
            .or_else(|| t.get(many).and_then(Json::as_array).and_then(|l| l.first()).and_then(Json::as_str))
            .map(str::to_string)
    };
    Tracking {
        number: first("number", "numbers"),
        company: s(t, "company").map(str::to_string),
        url: first("url", "urls"),
    }
}

/// `fulfillmentTrackingInfoUpdate(fulfillmentId:, trackingInfoInput:, notifyCustomer:)`.
pub fn tracking_info_update(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fid = a.get("fulfillmentId").and_then(Json::as_str).and_then(|id| parse_gid("Fulfillment", id));
    let found = fid.and_then(|fid| {
        store.orders.values().find(|o| o.fulfillments.iter().any(|f| f.id == fid)).map(|o| (o.id, fid))
    });
    let Some((order_id, fid)) = found else {
        let e = UserError::new(&["fulfillmentId"], "Fulfillment does not exist.", None);
        return json!({"fulfillment": null, "userErrors": user_errors(&[e])});
    };
    let t = tracking(a.get("trackingInfoInput").unwrap_or(&Json::Null));
    let notify = a.get("notifyCustomer").and_then(Json::as_bool);
    if let Some(f) = store.orders.get_mut(&order_id).and_then(|o| o.fulfillments.iter_mut().find(|f| f.id == fid)) {
        f.tracking_number = t.number;
        f.tracking_company = t.company;
        f.tracking_url = t.url;
        if let Some(notify) = notify {
            f.notify_customer = notify;
        }
    }
    let o = &store.orders[&order_id];
    let body = fulfillment_payload(o, o.fulfillments.iter().find(|f| f.id == fid).expect("found above"));
    store.emit("fulfillments/update", body);
    touch_and_emit(store, order_id, "orders/updated");
    json!({"fulfillment": rel("Fulfillment", fid), "userErrors": []})
}
