//! Orders read model: the `Order` object with its money detail (every total in shop and
//! presentment currency), lines paged like any connection, refunds, returns, fulfillments and
//! fulfillment orders; and the `orders` query.

use super::connection::{id_key, nested, paginate, Item};
use super::order_parts::{
    address_json, bag, discount_application_json, fulfillment_json, fulfillment_order_json, line_json,
    shipping_line_json, tax_lines_json, transaction_json,
};
use super::products::sort_key;
use super::{rel, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::Order;
use crate::store::money::Bag;
use crate::store::order_detail::DiscountKind;
use crate::store::order_totals::{order_tax_lines, totals};
use crate::store::{gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// The order's discount codes, in application order.
pub fn discount_codes(o: &Order) -> Vec<String> {
    o.detail
        .discount_applications
        .iter()
        .filter_map(|d| match &d.kind {
            DiscountKind::Code { code } => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// `Order.returnStatus` from the order's returns.
pub fn return_status(o: &Order) -> &'static str {
    let live: Vec<&str> = o.returns.iter().filter(|r| r.counts()).map(|r| r.status.as_str()).collect();
    if live.is_empty() {
        "NO_RETURN"
    } else if live.contains(&"REQUESTED") {
        "RETURN_REQUESTED"
    } else if live.contains(&"OPEN") {
        "IN_PROGRESS"
    } else {
        "RETURNED"
    }
}

/// Shipping refunded from each shipping line.
fn refunded_shipping(o: &Order, shipping_line_id: u64) -> Bag {
    o.refunds
        .iter()
        .flat_map(|r| &r.shipping)
        .filter(|s| s.shipping_line_id == shipping_line_id)
        .map(|s| s.subtotal)
        .sum()
}

/// The buyer: the company location for B2B orders, else the customer.
fn purchasing_entity(store: &Store, o: &Order) -> Json {
    if let Some(l) = o.detail.company_location_id.and_then(|id| store.pricing.company_locations.get(&id)) {
        return json!({"__typename": "PurchasingCompany", "company": rel("Company", l.company_id), "location": rel("CompanyLocation", l.id), "contact": null});
    }
    match o.customer_id.filter(|c| store.customers.contains_key(c)) {
        Some(c) => rel("Customer", c),
        None => Json::Null,
    }
}

/// The plain fields of an order (nested lists included).
pub fn order_json(store: &Store, o: &Order) -> Json {
    let t = totals(o);
    let b = |x: Bag| bag(o, x);
    let lines: Vec<Json> = o.line_items.iter().map(|l| line_json(o, l)).collect();
    let shipping: Vec<Json> =
        o.detail.shipping_lines.iter().map(|s| shipping_line_json(o, s, refunded_shipping(o, s.id))).collect();
    let discounts: Vec<Json> =
        o.detail.discount_applications.iter().enumerate().map(|(i, d)| discount_application_json(o, i, d)).collect();
    let address =
        |a: &Option<crate::store::order_detail::Address>, n: u64| a.as_ref().map(|a| address_json(o.id * 10 + n, a));
    let codes = discount_codes(o);
    let net_payment = t.received - t.refunded;
    let discrepancy: Bag = o.refunds.iter().map(|r| r.discrepancy).sum();
    let mut out = json!({
        "id": gid("Order", o.id), "legacyResourceId": o.id.to_string(), "name": o.name, "number": o.number, "email": o.email,
        "phone": o.detail.phone, "createdAt": ts(&o.created_at), "updatedAt": ts(&o.updated_at), "processedAt": ts(&o.processed_at),
        "closedAt": o.closed_at.as_ref().map(ts), "closed": o.closed_at.is_some(), "cancelledAt": o.cancelled_at.as_ref().map(ts),
        "cancelReason": o.cancel_reason, "cancellation": null, "displayFinancialStatus": o.financial_status,
        "displayFulfillmentStatus": o.fulfillment_status(), "returnStatus": return_status(o), "sourceName": o.source_name,
        "sourceIdentifier": o.source_identifier, "test": o.test, "confirmed": true, "confirmationNumber": null, "poNumber": o.detail.po_number,
        "currencyCode": o.currency, "presentmentCurrencyCode": o.detail.presentment_currency, "taxesIncluded": o.detail.taxes_included,
        "taxExempt": false, "dutiesIncluded": false, "estimatedTaxes": false, "edited": o.detail.edited, "tags": o.tags, "note": o.note,
        "customAttributes": o.detail.custom_attributes.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "discountCode": codes.first(), "discountCodes": codes, "discountApplications": nested(discounts),
    });
    let money = json!({
        "totalPriceSet": b(t.total), "subtotalPriceSet": b(t.subtotal), "totalTaxSet": b(t.tax), "totalShippingPriceSet": b(t.shipping),
        "totalDiscountsSet": b(t.discounts), "cartDiscountAmountSet": b(t.cart_discount), "originalTotalPriceSet": b(o.detail.original_total),
        "currentTotalPriceSet": b(t.current_total), "currentSubtotalPriceSet": b(t.current_subtotal), "currentTotalTaxSet": b(t.current_tax),
        "currentTotalDiscountsSet": b(t.current_discounts), "currentCartDiscountAmountSet": b(t.current_cart_discount),
        "currentShippingPriceSet": b(t.current_shipping), "totalRefundedSet": b(t.refunded), "totalRefundedShippingSet": b(t.refunded_shipping),
        "totalOutstandingSet": b(t.outstanding), "totalReceivedSet": b(t.received), "netPaymentSet": b(net_payment),
        "totalCapturableSet": b(Bag::default()), "totalTipReceivedSet": b(Bag::default()), "refundDiscrepancySet": b(discrepancy),
        "currentTotalAdditionalFeesSet": null, "currentTotalDutiesSet": null, "originalTotalDutiesSet": null, "originalTotalAdditionalFeesSet": null,
        "subtotalLineItemsQuantity": t.quantity, "currentSubtotalLineItemsQuantity": t.current_quantity,
    });
    let parts = json!({
        "fullyPaid": t.outstanding.shop <= 0, "unpaid": t.received.is_zero(), "refundable": net_payment.shop > 0, "restockable": true,
        "capturable": false, "canMarkAsPaid": t.outstanding.shop > 0, "fulfillable": o.line_items.iter().any(|l| l.remaining_quantity() > 0),
        "requiresShipping": o.line_items.iter().any(|l| l.detail.requires_shipping), "merchantEditable": o.cancelled_at.is_none(),
        "merchantEditableErrors": [], "canNotifyCustomer": o.email.is_some(), "customerAcceptsMarketing": false,
        "paymentGatewayNames": o.transactions.iter().filter(|t| t.kind != "REFUND").map(|t| t.gateway.clone()).collect::<Vec<_>>(),
        "customer": o.customer_id.filter(|c| store.customers.contains_key(c)).map(|c| rel("Customer", c)),
        "purchasingEntity": purchasing_entity(store, o),
        "shippingAddress": address(&o.detail.shipping_address, 1), "billingAddress": address(&o.detail.billing_address, 2),
        "displayAddress": address(&o.detail.shipping_address, 1).or_else(|| address(&o.detail.billing_address, 2)),
        "billingAddressMatchesShippingAddress": o.detail.shipping_address == o.detail.billing_address,
        "lineItems": nested(lines), "transactions": o.transactions.iter().map(|x| transaction_json(o, x)).collect::<Vec<_>>(),
        "fulfillments": o.fulfillments.iter().map(|f| fulfillment_json(store, o, f)).collect::<Vec<_>>(),
        "fulfillmentsCount": {"count": o.fulfillments.len(), "precision": "EXACT"},
        "fulfillmentOrders": nested(vec![fulfillment_order_json(store, o)]), "shippingLines": nested(shipping.clone()),
        "shippingLine": shipping.first(), "taxLines": tax_lines_json(o, &order_tax_lines(o, false)),
        "currentTaxLines": tax_lines_json(o, &order_tax_lines(o, true)),
        "refunds": o.refunds.iter().map(|r| rel("Refund", r.id)).collect::<Vec<_>>(),
        "returns": nested(o.returns.iter().map(|r| rel("Return", r.id)).collect()),
        "retailLocation": o.detail.retail_location_id.map(|l| rel("Location", l)),
    });
    if let (Some(map), Json::Object(money), Json::Object(parts)) = (out.as_object_mut(), money, parts) {
        map.extend(money);
        map.extend(parts);
    }
    out
}

/// An order node.
pub fn order_node<'c>(ctx: &'c Ctx<'c>, store: &Store, o: &Order) -> Node<'c> {
    Node::new(ctx, "Order", order_json(store, o), Rel::None)
}

/// The fulfillment with `id`, found through its order.
pub fn fulfillment_node<'c>(ctx: &'c Ctx<'c>, store: &Store, id: u64) -> Option<Node<'c>> {
    store.orders.values().find_map(|o| {
        o.fulfillments
            .iter()
            .find(|f| f.id == id)
            .map(|f| Node::new(ctx, "Fulfillment", fulfillment_json(store, o, f), Rel::None))
    })
}

/// The fulfillment order with `id`.
pub fn fulfillment_order_node<'c>(ctx: &'c Ctx<'c>, store: &Store, id: u64) -> Option<Node<'c>> {
    store
        .orders
        .values()
        .find(|o| o.fulfillment_order_id == id)
        .map(|o| Node::new(ctx, "FulfillmentOrder", fulfillment_order_json(store, o), Rel::None))
}

/// The REST financial status (`paid`, `partially_paid`, ...).
pub fn rest_financial_status(o: &Order) -> String {
    o.financial_status.to_lowercase()
}

/// The REST fulfillment status (`fulfilled`, `partial` or none).
pub fn rest_fulfillment_status(o: &Order) -> Option<&'static str> {
    match o.fulfillment_status() {
        "FULFILLED" => Some("fulfilled"),
        "PARTIALLY_FULFILLED" => Some("partial"),
        _ => None,
    }
}

fn order_lookup(o: &Order, field: &str) -> Option<Vec<String>> {
    let status = if o.cancelled_at.is_some() {
        "cancelled"
    } else if o.closed_at.is_some() {
        "closed"
    } else {
        "open"
    };
    Some(match field {
        "name" => vec![o.name.clone(), o.name.trim_start_matches('#').to_string()],
        "id" => vec![o.id.to_string()],
        "email" => o.email.clone().into_iter().collect(),
        "source_identifier" => o.source_identifier.clone().into_iter().collect(),
        "source_name" => vec![o.source_name.clone()],
        "financial_status" => vec![rest_financial_status(o)],
        "fulfillment_status" => vec![rest_fulfillment_status(o).unwrap_or("unfulfilled").to_string()],
        "return_status" => vec![return_status(o).to_lowercase()],
        "status" => {
            let mut s = vec![status.to_string()];
            if status != "closed" {
                s.push("not_closed".to_string());
            }
            s
        }
        "sku" => o.line_items.iter().filter_map(|l| l.sku.clone()).collect(),
        "tag" | "tags" => o.tags.clone(),
        "test" => vec![o.test.to_string()],
        "discount_code" => discount_codes(o),
        "po_number" => o.detail.po_number.clone().into_iter().collect(),
        "created_at" => vec![ts(&o.created_at)],
        "updated_at" => vec![ts(&o.updated_at)],
        "processed_at" => vec![ts(&o.processed_at)],
        _ => return None,
    })
}

/// `Query.orders`.
pub fn orders<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let sort = a.get("sortKey").and_then(Json::as_str);
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .orders
        .values()
        .filter(|o| query.matches("name", |f| order_lookup(o, f)))
        .map(|o| {
            let key = match sort {
                Some("PROCESSED_AT") => format!("{}{}", ts(&o.processed_at), id_key(o.id)),
                other => sort_key(other, &o.updated_at, &o.created_at, o.id),
            };
            Item { key, node: order_node(ctx, &store, o) }
        })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}
