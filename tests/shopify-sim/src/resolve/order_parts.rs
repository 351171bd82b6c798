//! GraphQL JSON of an order's parts: lines, addresses, shipping lines, tax lines, discount
//! applications and allocations, transactions, fulfillments and fulfillment orders.

use super::connection::nested;
use super::rel;
use crate::store::model::{cents_to_money, Fulfillment, LineItem, Order, Transaction};
use crate::store::money::{money_json, rate_json, Bag};
use crate::store::order_detail::{
    Address, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, ShippingLine, TaxLine,
};
use crate::store::{gid, ts, Store};
use serde_json::{json, Value as Json};

/// A `MoneyBag` in the order's currencies.
pub fn bag(o: &Order, b: Bag) -> Json {
    b.json(&o.currency, &o.detail.presentment_currency)
}

/// A `MailingAddress`.
pub fn address_json(id: u64, a: &Address) -> Json {
    let name = [a.first_name.as_deref(), a.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let area = [a.city.as_deref(), a.province_code.as_deref(), a.zip.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let formatted: Vec<&str> = [
        a.company.as_deref(),
        a.address1.as_deref(),
        a.address2.as_deref(),
        Some(area.as_str()),
        a.country_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    json!({
        "id": format!("gid://shopify/MailingAddress/{id}?model_name=Address"), "firstName": a.first_name, "lastName": a.last_name,
        "name": (!name.is_empty()).then_some(name), "company": a.company, "address1": a.address1, "address2": a.address2, "city": a.city,
        "province": a.province_code, "provinceCode": a.province_code, "zip": a.zip, "country": a.country_code, "countryCode": a.country_code,
        "countryCodeV2": a.country_code, "phone": a.phone, "formatted": formatted, "formattedArea": (!area.is_empty()).then_some(area),
        "coordinatesValidated": false, "latitude": null, "longitude": null, "timeZone": null, "validationResultSummary": null,
    })
}

/// A `TaxLine`.
pub fn tax_line_json(o: &Order, t: &TaxLine) -> Json {
    json!({
        "title": t.title, "rate": rate_json(t.rate), "ratePercentage": t.rate as f64 / 10_000.0, "priceSet": bag(o, t.price),
        "price": cents_to_money(t.price.shop), "channelLiable": t.channel_liable, "source": null,
    })
}

/// Tax lines as a list.
pub fn tax_lines_json(o: &Order, lines: &[TaxLine]) -> Json {
    Json::Array(lines.iter().map(|t| tax_line_json(o, t)).collect())
}

/// A `DiscountApplication` of the right concrete type.
pub fn discount_application_json(o: &Order, index: usize, d: &DiscountApplication) -> Json {
    let value = match &d.value {
        DiscountValue::Fixed(amount) => {
            json!({"__typename": "MoneyV2", "amount": cents_to_money(amount.presentment), "currencyCode": o.detail.presentment_currency})
        }
        DiscountValue::Percentage(p) => {
            json!({"__typename": "PricingPercentageValue", "percentage": *p as f64 / 10_000.0})
        }
    };
    let mut out = json!({
        "index": index, "allocationMethod": d.allocation_method, "targetSelection": d.target_selection, "targetType": d.target_type, "value": value,
    });
    let extra = match &d.kind {
        DiscountKind::Code { code } => json!({"__typename": "DiscountCodeApplication", "code": code}),
        DiscountKind::Automatic { title } => json!({"__typename": "AutomaticDiscountApplication", "title": title}),
        DiscountKind::Manual { title, description } => {
            json!({"__typename": "ManualDiscountApplication", "title": title, "description": description})
        }
    };
    if let (Some(map), Json::Object(more)) = (out.as_object_mut(), extra) {
        map.extend(more);
    }
    out
}

/// Discount allocations with their applications.
pub fn allocations_json(o: &Order, allocations: &[DiscountAllocation]) -> Json {
    Json::Array(
        allocations
            .iter()
            .filter_map(|a| {
                let d = o.detail.discount_applications.get(a.application)?;
                Some(json!({"allocatedAmountSet": bag(o, a.amount), "allocatedAmount": money_json(a.amount.shop, &o.currency), "discountApplication": discount_application_json(o, a.application, d)}))
            })
            .collect(),
    )
}

/// A `LineItem`.
pub fn line_json(o: &Order, l: &LineItem) -> Json {
    let line_level: Bag = l
        .detail
        .discount_allocations
        .iter()
        .filter(|a| o.detail.discount_applications.get(a.application).is_some_and(|d| !d.order_level() && !d.is_code()))
        .map(|a| a.amount)
        .sum();
    let discounted_total = l.original_total() - line_level;
    let unit_after_all = l.net_total().scale(1, l.quantity.max(1));
    let remaining = l.remaining_quantity();
    let name = match &l.detail.variant_title {
        Some(v) if v != "Default Title" => format!("{} - {v}", l.title),
        _ => l.title.clone(),
    };
    json!({
        "id": gid("LineItem", l.id), "sku": l.sku, "name": name, "title": l.title, "variantTitle": l.detail.variant_title, "vendor": l.detail.vendor,
        "quantity": l.quantity, "currentQuantity": l.current_quantity(), "unfulfilledQuantity": remaining, "fulfillableQuantity": remaining,
        "refundableQuantity": l.current_quantity(), "nonFulfillableQuantity": l.detail.unfulfillable_quantity,
        "restockable": l.variant_id.is_some(), "canRestock": l.variant_id.is_some(), "taxable": l.detail.taxable, "requiresShipping": l.detail.requires_shipping,
        "isGiftCard": false, "merchantEditable": true, "duties": [], "image": null,
        "fulfillmentStatus": if remaining == 0 && l.fulfilled_quantity > 0 { "fulfilled" } else if l.fulfilled_quantity > 0 { "partial" } else { "unfulfilled" },
        "originalUnitPriceSet": bag(o, l.unit()), "discountedUnitPriceSet": bag(o, discounted_total.scale(1, l.quantity.max(1))),
        "discountedUnitPriceAfterAllDiscountsSet": bag(o, unit_after_all), "originalTotalSet": bag(o, l.original_total()),
        "discountedTotalSet": bag(o, discounted_total), "totalDiscountSet": bag(o, line_level),
        "unfulfilledOriginalTotalSet": bag(o, l.unit() * remaining), "unfulfilledDiscountedTotalSet": bag(o, l.share(l.net_total(), remaining)),
        "taxLines": tax_lines_json(o, &l.detail.tax_lines), "discountAllocations": allocations_json(o, &l.detail.discount_allocations),
        "customAttributes": l.detail.properties.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "variant": l.variant_id.map(|v| rel("ProductVariant", v)), "product": l.product_id.map(|p| rel("Product", p)),
    })
}

/// A `ShippingLine`; `refunded` is the shipping already refunded from it.
pub fn shipping_line_json(o: &Order, s: &ShippingLine, refunded: Bag) -> Json {
    json!({
        "id": gid("ShippingLine", s.id), "title": s.title, "code": s.code, "source": s.source, "carrierIdentifier": null, "custom": s.source.is_none(),
        "deliveryCategory": null, "phone": null, "shippingRateHandle": null, "isRemoved": false,
        "originalPriceSet": bag(o, s.price), "discountedPriceSet": bag(o, s.discounted()), "currentDiscountedPriceSet": bag(o, s.discounted() - refunded),
        "originalPrice": money_json(s.price.shop, &o.currency), "discountedPrice": money_json(s.discounted().shop, &o.currency),
        "price": cents_to_money(s.price.shop),
        "taxLines": tax_lines_json(o, &s.tax_lines), "discountAllocations": allocations_json(o, &s.discount_allocations),
    })
}

/// An `OrderTransaction` (its parent inline).
pub fn transaction_json(o: &Order, t: &Transaction) -> Json {
    let amount = Bag {
        shop: crate::store::model::money_cents(&t.amount),
        presentment: crate::store::model::money_cents(&t.amount_presentment),
    };
    let parent = t.parent_id.and_then(|p| o.transactions.iter().find(|x| x.id == p)).map(|p| transaction_json(o, p));
    json!({
        "id": gid("OrderTransaction", t.id), "kind": t.kind, "status": t.status, "gateway": t.gateway, "formattedGateway": t.gateway, "test": o.test,
        "amountSet": bag(o, amount), "processedAt": ts(&t.processed_at), "createdAt": ts(&t.processed_at), "parentTransaction": parent,
        "manualPaymentGateway": t.gateway == "manual", "manuallyCapturable": false, "multiCapturable": false, "fees": [], "errorCode": null,
        "order": rel("Order", o.id),
    })
}

/// A `FulfillmentLineItem`.
pub fn fulfillment_line_json(o: &Order, id: u64, line_item_id: u64, quantity: i64) -> Option<Json> {
    let l = o.line_items.iter().find(|l| l.id == line_item_id)?;
    Some(json!({
        "id": gid("FulfillmentLineItem", id), "quantity": quantity, "lineItem": line_json(o, l),
        "originalTotalSet": bag(o, l.unit() * quantity), "discountedTotalSet": bag(o, l.share(l.net_total(), quantity)),
    }))
}

/// A `Fulfillment`.
pub fn fulfillment_json(store: &Store, o: &Order, f: &Fulfillment) -> Json {
    let lines: Vec<Json> =
        f.lines.iter().zip(&f.line_ids).filter_map(|((lid, q), id)| fulfillment_line_json(o, *id, *lid, *q)).collect();
    let tracking = if f.tracking_number.is_some() || f.tracking_company.is_some() {
        vec![json!({"number": f.tracking_number, "company": f.tracking_company, "url": f.tracking_url})]
    } else {
        vec![]
    };
    let position = o.fulfillments.iter().position(|x| x.id == f.id).unwrap_or(0) + 1;
    json!({
        "id": gid("Fulfillment", f.id), "legacyResourceId": f.id.to_string(), "name": format!("{}-F{position}", o.name),
        "status": f.status, "displayStatus": "FULFILLED", "createdAt": ts(&f.created_at), "updatedAt": ts(&f.created_at),
        "deliveredAt": null, "inTransitAt": null, "estimatedDeliveryAt": null, "service": null, "originAddress": null,
        "requiresShipping": true, "totalQuantity": f.lines.iter().map(|(_, q)| q).sum::<i64>(), "trackingInfo": tracking,
        "fulfillmentLineItems": nested(lines), "fulfillmentOrders": nested(vec![fulfillment_order_json(store, o)]), "events": nested(vec![]),
        "location": f.location_id.map(|l| rel("Location", l)), "order": rel("Order", o.id),
    })
}

/// The order's `FulfillmentOrder` status.
pub fn fulfillment_order_status(o: &Order) -> &'static str {
    let remaining: i64 = o.line_items.iter().map(|l| l.remaining_quantity()).sum();
    let fulfilled: i64 = o.line_items.iter().map(|l| l.fulfilled_quantity).sum();
    match (remaining, fulfilled, o.cancelled_at.is_some()) {
        (_, 0, true) => "CANCELLED",
        (0, _, _) | (_, _, true) => "CLOSED",
        (_, 0, false) => "OPEN",
        _ => "IN_PROGRESS",
    }
}

/// The location the order is fulfilled from (its first claimed line's, else the first location).
pub fn assigned_location(o: &Order, first_location: Option<u64>) -> Option<u64> {
    o.detail.retail_location_id.or_else(|| o.line_items.iter().find_map(|l| l.detail.location_id)).or(first_location)
}

/// The order's single `FulfillmentOrder`.
pub fn fulfillment_order_json(store: &Store, o: &Order) -> Json {
    let lines: Vec<Json> = o
        .line_items
        .iter()
        .map(|l| {
            json!({
                "id": gid("FulfillmentOrderLineItem", l.id), "totalQuantity": l.quantity - l.detail.unfulfillable_quantity,
                "remainingQuantity": l.remaining_quantity(), "sku": l.sku, "productTitle": l.title, "variantTitle": l.detail.variant_title,
                "vendor": l.detail.vendor, "requiresShipping": l.detail.requires_shipping, "lineItem": line_json(o, l),
                "variant": l.variant_id.map(|v| rel("ProductVariant", v)), "warnings": [], "financialSummaries": [], "image": null, "weight": null,
            })
        })
        .collect();
    let location = assigned_location(o, store.locations.keys().next().copied());
    let location_name = location.and_then(|l| store.locations.get(&l)).map(|l| l.name.clone()).unwrap_or_default();
    let destination = o.detail.shipping_address.as_ref().map(|a| {
        json!({"id": gid("FulfillmentOrderDestination", o.fulfillment_order_id), "firstName": a.first_name, "lastName": a.last_name, "company": a.company,
               "address1": a.address1, "address2": a.address2, "city": a.city, "province": a.province_code, "zip": a.zip, "countryCode": a.country_code,
               "phone": a.phone, "email": o.email, "location": null})
    });
    let status = fulfillment_order_status(o);
    let actions: Vec<Json> = if status == "OPEN" || status == "IN_PROGRESS" {
        vec![json!({"action": "CREATE_FULFILLMENT", "externalUrl": null})]
    } else {
        vec![]
    };
    json!({
        "id": gid("FulfillmentOrder", o.fulfillment_order_id), "status": status, "requestStatus": "UNSUBMITTED",
        "createdAt": ts(&o.created_at), "updatedAt": ts(&o.updated_at), "orderId": gid("Order", o.id), "orderName": o.name,
        "orderProcessedAt": ts(&o.processed_at), "order": rel("Order", o.id), "lineItems": nested(lines), "destination": destination,
        "assignedLocation": {"name": location_name, "countryCode": "US", "address1": null, "address2": null, "city": null, "province": null, "zip": null, "phone": null,
                             "location": location.map(|l| rel("Location", l))},
        "fulfillments": nested(o.fulfillments.iter().map(|f| rel("Fulfillment", f.id)).collect()), "supportedActions": actions,
        "fulfillmentHolds": [], "fulfillAt": null, "fulfillBy": null, "deliveryMethod": null, "internationalDuties": null, "channelId": null,
        "merchantRequests": nested(vec![]), "locationsForMove": nested(vec![]), "fulfillmentOrdersForMerge": nested(vec![]),
    })
}
