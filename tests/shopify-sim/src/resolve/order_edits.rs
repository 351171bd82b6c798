//! Order edits, the calculated-order flow: `orderEditBegin`, `orderEditAddVariant`,
//! `orderEditSetQuantity` stage changes on a `CalculatedOrder`; `orderEditCommit` applies them
//! (stock claimed or restocked, taxes at the order's rates on added lines) and raises
//! `orders/edited` and `orders/updated`.

use super::connection::nested;
use super::order_build::first_stocking_location;
use super::order_parts::{bag, line_json, tax_lines_json};
use super::order_payload::order_edit_payload;
use super::order_write::touch_and_emit;
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::store::model::{cents_to_money, money_cents, LineItem, Order, UserError};
use crate::store::order_changes::{OrderEdit, StagedChange};
use crate::store::order_detail::{LineDetail, TaxLine};
use crate::store::order_pricing::tax_on;
use crate::store::order_totals::{order_tax_lines, settle_financial_status, summed_tax_lines, totals};
use crate::store::{gid, now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};

fn fail(errors: &[UserError]) -> Json {
    json!({"calculatedOrder": null, "calculatedLineItem": null, "orderEditSession": null, "order": null, "userErrors": user_errors(errors)})
}

/// The open edit named by a `CalculatedOrder` or `OrderEditSession` id.
fn open_edit(store: &Store, raw: Option<&str>) -> Result<u64, UserError> {
    let id = raw.and_then(|g| parse_gid("CalculatedOrder", g).or_else(|| parse_gid("OrderEditSession", g)));
    match id.and_then(|id| store.order_edits.get(&id)) {
        None => Err(UserError::new(&["id"], "The calculated order does not exist", None)),
        Some(e) if e.committed => Err(UserError::new(&["id"], "The calculated order has already been committed", None)),
        Some(e) => Ok(e.id),
    }
}

fn edit_payload(edit: u64, line: Option<u64>) -> Json {
    json!({
        "calculatedOrder": rel("CalculatedOrder", edit), "orderEditSession": {"id": gid("OrderEditSession", edit)},
        "calculatedLineItem": line.map(|l| json!({"__rel": "CalculatedLineItem", "__id": edit, "__id2": l})), "userErrors": [],
    })
}

/// The order as it would be with the edit's changes (stock untouched).
pub fn edited(store: &Store, e: &OrderEdit) -> Option<Order> {
    let mut o = store.orders.get(&e.order_id)?.clone();
    let rates = summed_tax_lines(o.line_items.iter().flat_map(|l| &l.detail.tax_lines));
    for change in &e.changes {
        match change {
            StagedChange::SetQuantity { line_item_id, quantity, .. } => {
                if let Some(l) = o.line_items.iter_mut().find(|l| l.id == *line_item_id) {
                    let delta = quantity - l.current_quantity();
                    if delta < 0 {
                        l.detail.removed_quantity -= delta;
                        l.detail.unfulfillable_quantity -= delta;
                    } else {
                        l.quantity += delta;
                    }
                }
            }
            StagedChange::AddVariant { line_id, variant_id, quantity, location_id } => {
                let Some(v) = store.variants.get(variant_id) else { continue };
                let base = money_cents(&v.price);
                let unit = crate::store::money::Bag {
                    shop: base,
                    presentment: store.pricing.convert(base, &o.detail.presentment_currency),
                };
                let taxes = rates
                    .iter()
                    .filter(|_| v.taxable)
                    .map(|t| TaxLine { price: tax_on(unit * *quantity, t.rate, o.detail.taxes_included), ..t.clone() })
                    .collect();
                o.line_items.push(LineItem {
                    id: *line_id,
                    variant_id: Some(v.id),
                    product_id: Some(v.product_id),
                    sku: Some(v.sku.clone()),
                    title: store.products.get(&v.product_id).map(|p| p.title.clone()).unwrap_or_default(),
                    quantity: *quantity,
                    fulfilled_quantity: 0,
                    unit_price: cents_to_money(base),
                    detail: LineDetail {
                        unit_presentment: unit.presentment,
                        variant_title: Some(v.title()),
                        taxable: v.taxable,
                        requires_shipping: true,
                        tax_lines: taxes,
                        location_id: *location_id,
                        ..LineDetail::default()
                    },
                });
            }
        }
    }
    Some(o)
}

/// `orderEditBegin(id:)`.
fn begin(store: &mut Store, a: &Map<String, Json>) -> Json {
    let order =
        a.get("id").and_then(Json::as_str).and_then(|g| parse_gid("Order", g)).and_then(|id| store.orders.get(&id));
    let Some(o) = order else { return fail(&[UserError::new(&["id"], "Order does not exist", None)]) };
    if o.cancelled_at.is_some() {
        return fail(&[UserError::new(&["id"], "The order cannot be edited: it is cancelled", None)]);
    }
    let order_id = o.id;
    let id = store.next_id();
    store.order_edits.insert(id, OrderEdit { id, order_id, changes: Vec::new(), committed: false, created_at: now() });
    edit_payload(id, None)
}

/// `orderEditAddVariant(id:, variantId:, locationId:, quantity:, allowDuplicates:)`.
fn add_variant(store: &mut Store, a: &Map<String, Json>) -> Json {
    let edit = match open_edit(store, a.get("id").and_then(Json::as_str)) {
        Ok(e) => e,
        Err(e) => return fail(&[e]),
    };
    let quantity = a.get("quantity").and_then(Json::as_i64).unwrap_or(0);
    let Some(variant_id) = a
        .get("variantId")
        .and_then(Json::as_str)
        .and_then(|g| parse_gid("ProductVariant", g))
        .filter(|v| store.variants.contains_key(v))
    else {
        return fail(&[UserError::new(&["variantId"], "Variant does not exist", None)]);
    };
    let location = a
        .get("locationId")
        .and_then(Json::as_str)
        .map(|g| parse_gid("Location", g).filter(|l| store.locations.contains_key(l)));
    if quantity < 1 {
        return fail(&[UserError::new(&["quantity"], "Quantity must be greater than 0", None)]);
    }
    if location == Some(None) {
        return fail(&[UserError::new(&["locationId"], "Location does not exist", None)]);
    }
    let e = &store.order_edits[&edit];
    let on_order = store.orders[&e.order_id]
        .line_items
        .iter()
        .any(|l| l.variant_id == Some(variant_id) && l.current_quantity() > 0)
        || e.changes.iter().any(|c| matches!(c, StagedChange::AddVariant { variant_id: v, .. } if *v == variant_id));
    if on_order && !a.get("allowDuplicates").and_then(Json::as_bool).unwrap_or(false) {
        return fail(&[UserError::new(
            &["variantId"],
            "The variant is already on the order; pass allowDuplicates to add it again",
            None,
        )]);
    }
    let item = store.variants[&variant_id].inventory_item_id;
    let location_id = location.flatten().or_else(|| first_stocking_location(store, item));
    let line_id = store.next_id();
    if let Some(e) = store.order_edits.get_mut(&edit) {
        e.changes.push(StagedChange::AddVariant { line_id, variant_id, quantity, location_id });
    }
    edit_payload(edit, Some(line_id))
}

/// `orderEditSetQuantity(id:, lineItemId:, quantity:, restock:)`.
fn set_quantity(store: &mut Store, a: &Map<String, Json>) -> Json {
    let edit = match open_edit(store, a.get("id").and_then(Json::as_str)) {
        Ok(e) => e,
        Err(e) => return fail(&[e]),
    };
    let quantity = a.get("quantity").and_then(Json::as_i64).unwrap_or(-1);
    let restock = a.get("restock").and_then(Json::as_bool).unwrap_or(false);
    let line = a.get("lineItemId").and_then(Json::as_str).and_then(|g| parse_gid("CalculatedLineItem", g));
    let e = &store.order_edits[&edit];
    let existing = line.and_then(|l| store.orders[&e.order_id].line_items.iter().find(|x| x.id == l));
    let staged = line
        .filter(|l| e.changes.iter().any(|c| matches!(c, StagedChange::AddVariant { line_id, .. } if line_id == l)));
    if quantity < 0 {
        return fail(&[UserError::new(&["quantity"], "Quantity must be 0 or more", None)]);
    }
    let line_id = match (existing, staged) {
        (Some(l), _) if quantity < l.kept_fulfilled_quantity() => {
            return fail(&[UserError::new(
                &["quantity"],
                format!("Quantity cannot be less than the fulfilled quantity ({})", l.kept_fulfilled_quantity()),
                None,
            )]);
        }
        (Some(l), _) => l.id,
        (None, Some(l)) => l,
        (None, None) => {
            return fail(&[UserError::new(&["lineItemId"], "The calculated line item does not exist", None)])
        }
    };
    if let Some(e) = store.order_edits.get_mut(&edit) {
        if staged.is_some() {
            e.changes.retain_mut(|c| match c {
                StagedChange::AddVariant { line_id: l, quantity: q, .. } if *l == line_id => {
                    *q = quantity;
                    quantity > 0
                }
                _ => true,
            });
        } else {
            e.changes
                .retain(|c| !matches!(c, StagedChange::SetQuantity { line_item_id, .. } if *line_item_id == line_id));
            e.changes.push(StagedChange::SetQuantity { line_item_id: line_id, quantity, restock });
        }
    }
    edit_payload(edit, Some(line_id))
}

/// Moves `available` and `committed` of a line's stock by `delta` units claimed (negative: released).
fn move_stock(store: &mut Store, variant: Option<u64>, location: Option<u64>, claimed: i64, back_to_available: bool) {
    let (Some(item), Some(loc)) = (variant.and_then(|v| store.variants.get(&v)).map(|v| v.inventory_item_id), location)
    else {
        return;
    };
    let Some(level) = store.levels.get_mut(&(item, loc)) else { return };
    *level.quantities.entry("committed".into()).or_insert(0) += claimed;
    if claimed > 0 || back_to_available {
        *level.quantities.entry("available".into()).or_insert(0) -= claimed;
        level.updated_at = now();
        store.emit_level_update(item, loc);
    }
}

/// `orderEditCommit(id:, notifyCustomer:, staffNote:)`.
fn commit(store: &mut Store, a: &Map<String, Json>) -> Json {
    let edit = match open_edit(store, a.get("id").and_then(Json::as_str)) {
        Ok(e) => e,
        Err(e) => return fail(&[e]),
    };
    let e = store.order_edits[&edit].clone();
    let Some(mut after) = edited(store, &e) else {
        return fail(&[UserError::new(&["id"], "Order does not exist", None)]);
    };
    let before = store.orders[&e.order_id].clone();
    for change in &e.changes {
        match change {
            StagedChange::SetQuantity { line_item_id, quantity, restock } => {
                let Some(l) = before.line_items.iter().find(|l| l.id == *line_item_id) else { continue };
                let delta = quantity - l.current_quantity();
                move_stock(store, l.variant_id, l.detail.location_id, delta, *restock || delta > 0);
            }
            StagedChange::AddVariant { variant_id, quantity, location_id, .. } => {
                move_stock(store, Some(*variant_id), *location_id, *quantity, true)
            }
        }
    }
    after.detail.edited = true;
    settle_financial_status(&mut after);
    let notify = a.get("notifyCustomer").and_then(Json::as_bool).unwrap_or(false);
    let body = order_edit_payload(&before, &e, notify, a.get("staffNote").and_then(Json::as_str));
    store.orders.insert(e.order_id, after);
    if let Some(x) = store.order_edits.get_mut(&edit) {
        x.committed = true;
    }
    store.emit("orders/edited", body);
    touch_and_emit(store, e.order_id, "orders/updated");
    json!({"order": rel("Order", e.order_id), "successMessages": ["Order updated"], "userErrors": []})
}

/// The order edit mutations by root field name.
pub fn dispatch(store: &mut Store, name: &str, a: &Map<String, Json>) -> Option<Json> {
    Some(match name {
        "orderEditBegin" => begin(store, a),
        "orderEditAddVariant" => add_variant(store, a),
        "orderEditSetQuantity" => set_quantity(store, a),
        "orderEditCommit" => commit(store, a),
        _ => return None,
    })
}

/// A `CalculatedLineItem` of the edited order.
fn calculated_line_json(o: &Order, before: &Order, l: &LineItem) -> Json {
    let was = before.line_items.iter().find(|x| x.id == l.id).map_or(0, |x| x.current_quantity());
    let editable = l.current_quantity() - l.kept_fulfilled_quantity();
    json!({
        "id": gid("CalculatedLineItem", l.id), "quantity": l.current_quantity(), "editableQuantity": editable,
        "editableQuantityBeforeChanges": (was - l.kept_fulfilled_quantity()).max(0), "sku": l.sku, "title": l.title, "variantTitle": l.detail.variant_title,
        "originalUnitPriceSet": bag(o, l.unit()), "discountedUnitPriceSet": bag(o, l.unit()),
        "editableSubtotalSet": bag(o, l.current_net() - l.share(l.net_total(), l.kept_fulfilled_quantity())),
        "uneditableSubtotalSet": bag(o, l.share(l.net_total(), l.kept_fulfilled_quantity())),
        "restockable": l.variant_id.is_some(), "restocking": false, "hasStagedLineItemDiscount": false, "stagedChanges": [],
        "calculatedDiscountAllocations": [], "customAttributes": [], "image": null, "variant": l.variant_id.map(|v| rel("ProductVariant", v)),
    })
}

/// The `CalculatedOrder` of edit `id`, or one of its `CalculatedLineItem`s.
pub fn calculated_node<'c>(ctx: &'c Ctx<'c>, store: &Store, id: u64, line: Option<u64>) -> Option<Node<'c>> {
    let e = store.order_edits.get(&id)?;
    let before = store.orders.get(&e.order_id)?;
    let o = edited(store, e)?;
    if let Some(line) = line {
        let l = o.line_items.iter().find(|l| l.id == line)?;
        return Some(Node::new(ctx, "CalculatedLineItem", calculated_line_json(&o, before, l), Rel::None));
    }
    let t = totals(&o);
    let added: Vec<u64> = e
        .changes
        .iter()
        .filter_map(|c| if let StagedChange::AddVariant { line_id, .. } = c { Some(*line_id) } else { None })
        .collect();
    let lines: Vec<Json> = o
        .line_items
        .iter()
        .filter(|l| l.current_quantity() > 0 || !added.contains(&l.id))
        .map(|l| calculated_line_json(&o, before, l))
        .collect();
    let added_lines: Vec<Json> =
        o.line_items.iter().filter(|l| added.contains(&l.id)).map(|l| calculated_line_json(&o, before, l)).collect();
    let staged: Vec<Json> = e
        .changes
        .iter()
        .filter_map(|c| match c {
            StagedChange::AddVariant { variant_id, quantity, .. } => Some(json!({"__typename": "OrderStagedChangeAddVariant", "quantity": quantity, "variant": rel("ProductVariant", *variant_id)})),
            StagedChange::SetQuantity { line_item_id, quantity, restock } => {
                let l = before.line_items.iter().find(|l| l.id == *line_item_id)?;
                let (was, line) = (l.current_quantity(), line_json(before, l));
                Some(if *quantity >= was {
                    json!({"__typename": "OrderStagedChangeIncrementItem", "delta": quantity - was, "lineItem": line})
                } else {
                    json!({"__typename": "OrderStagedChangeDecrementItem", "delta": was - quantity, "restock": restock, "lineItem": line})
                })
            }
        })
        .collect();
    let fields = json!({
        "id": gid("CalculatedOrder", e.id), "committed": e.committed, "originalOrder": rel("Order", e.order_id),
        "lineItems": nested(lines), "addedLineItems": nested(added_lines), "stagedChanges": nested(staged), "addedDiscountApplications": nested(vec![]),
        "subtotalLineItemsQuantity": t.current_quantity, "subtotalPriceSet": bag(&o, t.current_subtotal), "totalPriceSet": bag(&o, t.current_total),
        "totalOutstandingSet": bag(&o, t.outstanding), "cartDiscountAmountSet": bag(&o, t.current_cart_discount),
        "taxLines": tax_lines_json(&o, &order_tax_lines(&o, true)), "shippingLines": [], "notificationPreviewHtml": null, "notificationPreviewTitle": "",
    });
    Some(Node::new(ctx, "CalculatedOrder", fields, Rel::None))
}
