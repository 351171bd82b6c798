//! REST-shaped webhook payloads of the order family: the order (`orders/*`), its refunds
//! (`refunds/create`), fulfillments (`fulfillments/create`) and order edits (`orders/edited`).

use super::orders::{discount_codes, rest_financial_status, rest_fulfillment_status};
use crate::store::model::{cents_to_money, money_cents, Fulfillment, LineItem, Order, Transaction};
use crate::store::money::{rate_json, Bag};
use crate::store::order_changes::{OrderEdit, Refund, StagedChange};
use crate::store::order_detail::{Address, DiscountAllocation, DiscountKind, DiscountValue, TaxLine};
use crate::store::order_totals::{order_tax_lines, totals};
use crate::store::{gid, ts, Store};
use serde_json::{json, Value as Json};

fn set(o: &Order, b: Bag) -> Json {
    b.rest_json(&o.currency, &o.detail.presentment_currency)
}

fn address(a: &Option<Address>) -> Json {
    match a {
        Some(a) => {
            let name =
                [a.first_name.as_deref(), a.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            json!({"first_name": a.first_name, "last_name": a.last_name, "name": name, "company": a.company, "address1": a.address1,
                   "address2": a.address2, "city": a.city, "province_code": a.province_code, "province": a.province_code, "zip": a.zip,
                   "country_code": a.country_code, "country": a.country_code, "phone": a.phone})
        }
        None => Json::Null,
    }
}

fn tax_lines(o: &Order, lines: &[TaxLine]) -> Json {
    Json::Array(
        lines
            .iter()
            .map(|t| json!({"title": t.title, "rate": rate_json(t.rate), "price": cents_to_money(t.price.shop), "price_set": set(o, t.price), "channel_liable": t.channel_liable}))
            .collect(),
    )
}

fn allocations(o: &Order, list: &[DiscountAllocation]) -> Json {
    Json::Array(list.iter().map(|a| json!({"amount": cents_to_money(a.amount.shop), "amount_set": set(o, a.amount), "discount_application_index": a.application})).collect())
}

/// A line as REST JSON.
pub fn line_payload(o: &Order, l: &LineItem) -> Json {
    json!({
        "id": l.id, "admin_graphql_api_id": gid("LineItem", l.id), "variant_id": l.variant_id, "product_id": l.product_id, "sku": l.sku,
        "title": l.title, "name": l.title, "variant_title": l.detail.variant_title, "vendor": l.detail.vendor, "quantity": l.quantity,
        "current_quantity": l.current_quantity(), "fulfillable_quantity": l.remaining_quantity(), "price": l.unit_price,
        "price_set": set(o, l.unit()), "total_discount": cents_to_money(0), "total_discount_set": set(o, Bag::default()),
        "taxable": l.detail.taxable, "requires_shipping": l.detail.requires_shipping, "gift_card": false,
        "properties": l.detail.properties.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        "tax_lines": tax_lines(o, &l.detail.tax_lines), "discount_allocations": allocations(o, &l.detail.discount_allocations),
        "fulfillment_status": if l.remaining_quantity() == 0 && l.fulfilled_quantity > 0 { Some("fulfilled") } else if l.fulfilled_quantity > 0 { Some("partial") } else { None },
    })
}

fn transaction_payload(o: &Order, t: &Transaction) -> Json {
    json!({
        "id": t.id, "admin_graphql_api_id": gid("OrderTransaction", t.id), "order_id": o.id, "kind": t.kind.to_lowercase(),
        "status": t.status.to_lowercase(), "amount": t.amount, "currency": o.currency, "gateway": t.gateway, "parent_id": t.parent_id,
        "processed_at": ts(&t.processed_at), "created_at": ts(&t.processed_at), "test": o.test,
        "amount_set": set(o, Bag { shop: money_cents(&t.amount), presentment: money_cents(&t.amount_presentment) }),
    })
}

/// A refund as REST JSON (`refunds/create`, and inside the order).
pub fn refund_payload(o: &Order, r: &Refund) -> Json {
    let lines: Vec<Json> = r
        .lines
        .iter()
        .map(|rl| {
            let line = o.line_items.iter().find(|l| l.id == rl.line_item_id).map(|l| line_payload(o, l));
            json!({"id": rl.id, "line_item_id": rl.line_item_id, "quantity": rl.quantity, "restock_type": rl.restock_type.to_lowercase(),
                   "location_id": rl.location_id, "subtotal": cents_to_money(rl.subtotal.shop), "subtotal_set": set(o, rl.subtotal),
                   "total_tax": cents_to_money(rl.tax().shop), "total_tax_set": set(o, rl.tax()), "line_item": line})
        })
        .collect();
    let shipping: Vec<Json> = r
        .shipping
        .iter()
        .map(|s| json!({"id": s.id, "shipping_line_id": s.shipping_line_id, "subtotal_amount_set": set(o, s.subtotal), "tax_amount_set": set(o, s.tax)}))
        .collect();
    let adjustments: Vec<Json> = if r.discrepancy.is_zero() {
        vec![]
    } else {
        vec![
            json!({"id": r.id, "order_id": o.id, "refund_id": r.id, "kind": "refund_discrepancy", "reason": "Refund discrepancy",
                    "amount": cents_to_money(-r.discrepancy.shop), "amount_set": set(o, -r.discrepancy), "tax_amount": "0.00", "tax_amount_set": set(o, Bag::default())}),
        ]
    };
    let transactions: Vec<Json> = o
        .transactions
        .iter()
        .filter(|t| r.transaction_ids.contains(&t.id))
        .map(|t| transaction_payload(o, t))
        .collect();
    json!({
        "id": r.id, "admin_graphql_api_id": gid("Refund", r.id), "order_id": o.id, "note": r.note, "created_at": ts(&r.created_at),
        "processed_at": ts(&r.processed_at), "restock": r.lines.iter().any(|l| l.restocked), "refund_line_items": lines,
        "refund_shipping_lines": shipping, "order_adjustments": adjustments, "transactions": transactions, "duties": [], "return": null,
    })
}

/// A fulfillment as REST JSON (`fulfillments/create`).
pub fn fulfillment_payload(o: &Order, f: &Fulfillment) -> Json {
    let lines: Vec<Json> = f
        .lines
        .iter()
        .filter_map(|(lid, q)| {
            let mut line = line_payload(o, o.line_items.iter().find(|l| l.id == *lid)?);
            line["quantity"] = json!(q);
            Some(line)
        })
        .collect();
    let numbers: Vec<&String> = f.tracking_number.iter().collect();
    let urls: Vec<&String> = f.tracking_url.iter().collect();
    json!({
        "id": f.id, "admin_graphql_api_id": gid("Fulfillment", f.id), "order_id": o.id, "name": format!("{}.{}", o.name, o.fulfillments.iter().position(|x| x.id == f.id).unwrap_or(0) + 1),
        "status": f.status.to_lowercase(), "service": "manual", "shipment_status": null, "location_id": f.location_id,
        "tracking_company": f.tracking_company, "tracking_number": f.tracking_number, "tracking_numbers": numbers, "tracking_url": f.tracking_url,
        "tracking_urls": urls, "notify_customer": f.notify_customer, "email": o.email, "destination": address(&o.detail.shipping_address),
        "line_items": lines, "created_at": ts(&f.created_at), "updated_at": ts(&f.created_at),
    })
}

/// The `orders/edited` payload of a committed edit.
pub fn order_edit_payload(o: &Order, e: &OrderEdit, notify: bool, staff_note: Option<&str>) -> Json {
    let mut additions = Vec::new();
    let mut removals = Vec::new();
    for c in &e.changes {
        match c {
            StagedChange::AddVariant { line_id, quantity, .. } => {
                additions.push(json!({"id": line_id, "delta": quantity}))
            }
            StagedChange::SetQuantity { line_item_id, quantity, .. } => {
                let before = o.line_items.iter().find(|l| l.id == *line_item_id).map_or(0, |l| l.current_quantity());
                let delta = quantity - before;
                if delta > 0 {
                    additions.push(json!({"id": line_item_id, "delta": delta}));
                } else if delta < 0 {
                    removals.push(json!({"id": line_item_id, "delta": -delta}));
                }
            }
        }
    }
    json!({"order_edit": {
        "id": e.id, "app_id": null, "created_at": ts(&e.created_at), "committed_at": ts(&crate::store::now()), "notify_customer": notify,
        "order_id": o.id, "staff_note": staff_note.unwrap_or(""), "user_id": null,
        "line_items": {"additions": additions, "removals": removals},
        "discounts": {"line_item": {"additions": [], "removals": []}}, "shipping_lines": {"additions": [], "removals": []},
    }})
}

/// The REST-shaped order for `orders/*` webhooks.
pub fn order_payload(store: &Store, o: &Order) -> Json {
    let t = totals(o);
    let customer = o.customer_id.and_then(|c| store.customers.get(&c)).map(|c| {
        json!({"id": c.id, "email": c.email, "first_name": c.first_name, "last_name": c.last_name, "admin_graphql_api_id": gid("Customer", c.id)})
    });
    let fulfillments: Vec<Json> = o.fulfillments.iter().map(|f| fulfillment_payload(o, f)).collect();
    let applications: Vec<Json> = o
        .detail
        .discount_applications
        .iter()
        .map(|d| {
            let (value, value_type) = match &d.value {
                DiscountValue::Fixed(b) => (cents_to_money(b.presentment), "fixed_amount"),
                DiscountValue::Percentage(p) => (format!("{}", *p as f64 / 10_000.0), "percentage"),
            };
            let mut out = json!({"target_type": d.target_type.to_lowercase(), "value": value, "value_type": value_type,
                                 "allocation_method": d.allocation_method.to_lowercase(), "target_selection": d.target_selection.to_lowercase()});
            let (kind, extra) = match &d.kind {
                DiscountKind::Code { code } => ("discount_code", json!({"code": code})),
                DiscountKind::Automatic { title } => ("automatic", json!({"title": title, "description": title})),
                DiscountKind::Manual { title, description } => ("manual", json!({"title": title, "description": description})),
            };
            out["type"] = json!(kind);
            if let (Some(map), Json::Object(more)) = (out.as_object_mut(), extra) {
                map.extend(more);
            }
            out
        })
        .collect();
    let codes: Vec<Json> = discount_codes(o)
        .into_iter()
        .map(|code| {
            let index = o
                .detail
                .discount_applications
                .iter()
                .position(|d| matches!(&d.kind, DiscountKind::Code { code: c } if *c == code));
            let amount: Bag = o
                .line_items
                .iter()
                .flat_map(|l| &l.detail.discount_allocations)
                .chain(o.detail.shipping_lines.iter().flat_map(|s| &s.discount_allocations))
                .filter(|a| Some(a.application) == index)
                .map(|a| a.amount)
                .sum();
            let kind = match index
                .and_then(|i| o.detail.discount_applications.get(i))
                .map(|d| (&d.value, d.target_type.as_str()))
            {
                Some((_, "SHIPPING_LINE")) => "shipping",
                Some((DiscountValue::Percentage(_), _)) => "percentage",
                _ => "fixed_amount",
            };
            json!({"code": code, "amount": cents_to_money(amount.shop), "type": kind})
        })
        .collect();
    let shipping: Vec<Json> = o
        .detail
        .shipping_lines
        .iter()
        .map(|s| json!({"id": s.id, "title": s.title, "code": s.code, "source": s.source, "price": cents_to_money(s.price.shop), "price_set": set(o, s.price),
                        "discounted_price": cents_to_money(s.discounted().shop), "discounted_price_set": set(o, s.discounted()),
                        "tax_lines": tax_lines(o, &s.tax_lines), "discount_allocations": allocations(o, &s.discount_allocations)}))
        .collect();
    let company = o
        .detail
        .company_location_id
        .and_then(|id| store.pricing.company_locations.get(&id))
        .map(|l| json!({"id": l.company_id, "location_id": l.id}));
    json!({
        "id": o.id, "admin_graphql_api_id": gid("Order", o.id), "name": o.name, "order_number": o.number, "email": o.email,
        "phone": o.detail.phone, "created_at": ts(&o.created_at), "updated_at": ts(&o.updated_at), "processed_at": ts(&o.processed_at),
        "cancelled_at": o.cancelled_at.as_ref().map(ts), "cancel_reason": o.cancel_reason.as_ref().map(|r| r.to_lowercase()),
        "closed_at": o.closed_at.as_ref().map(ts), "financial_status": rest_financial_status(o),
        "fulfillment_status": rest_fulfillment_status(o), "currency": o.currency, "presentment_currency": o.detail.presentment_currency,
        "total_price": cents_to_money(t.total.shop), "total_price_set": set(o, t.total), "subtotal_price": cents_to_money(t.subtotal.shop),
        "subtotal_price_set": set(o, t.subtotal), "total_line_items_price": cents_to_money(t.line_items.shop), "total_line_items_price_set": set(o, t.line_items),
        "total_tax": cents_to_money(t.tax.shop), "total_tax_set": set(o, t.tax), "total_discounts": cents_to_money(t.discounts.shop),
        "total_discounts_set": set(o, t.discounts), "total_shipping_price_set": set(o, t.shipping),
        "current_total_price": cents_to_money(t.current_total.shop), "current_total_price_set": set(o, t.current_total),
        "current_subtotal_price": cents_to_money(t.current_subtotal.shop), "current_subtotal_price_set": set(o, t.current_subtotal),
        "current_total_tax": cents_to_money(t.current_tax.shop), "current_total_tax_set": set(o, t.current_tax),
        "current_total_discounts": cents_to_money(t.current_discounts.shop), "current_total_discounts_set": set(o, t.current_discounts),
        "total_outstanding": cents_to_money(t.outstanding.shop), "taxes_included": o.detail.taxes_included,
        "tax_lines": tax_lines(o, &order_tax_lines(o, false)), "discount_codes": codes, "discount_applications": applications,
        "shipping_lines": shipping, "billing_address": address(&o.detail.billing_address), "shipping_address": address(&o.detail.shipping_address),
        "note_attributes": o.detail.custom_attributes.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        "po_number": o.detail.po_number, "company": company, "location_id": o.detail.retail_location_id,
        "source_name": o.source_name, "source_identifier": o.source_identifier, "test": o.test, "tags": o.tags.join(", "), "note": o.note,
        "customer": customer, "line_items": o.line_items.iter().map(|l| line_payload(o, l)).collect::<Vec<_>>(), "fulfillments": fulfillments,
        "refunds": o.refunds.iter().map(|r| refund_payload(o, r)).collect::<Vec<_>>(),
    })
}
