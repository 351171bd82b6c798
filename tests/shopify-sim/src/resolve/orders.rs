//! Orders read model (orders, line items, transactions, fulfillments, fulfillment orders),
//! the `orders` query and the REST-shaped `orders/*` webhook payload.

use super::connection::{id_key, paginate, Item};
use super::products::sort_key;
use super::{money_bag, rel, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{cents_to_money, money_cents, Fulfillment, LineItem, Order};
use crate::store::{gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// A nested connection served whole (small lists: order lines, fulfillment lines).
pub fn plain_connection(nodes: Vec<Json>) -> Json {
    let edges: Vec<Json> =
        nodes.iter().enumerate().map(|(i, n)| json!({"cursor": format!("{i}"), "node": n})).collect();
    json!({
        "edges": edges, "nodes": nodes,
        "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null},
    })
}

fn line_json(o: &Order, l: &LineItem) -> Json {
    let total = cents_to_money(money_cents(&l.unit_price) * l.quantity);
    json!({
        "id": gid("LineItem", l.id), "sku": l.sku, "name": l.title, "title": l.title, "variantTitle": null, "vendor": null,
        "quantity": l.quantity, "currentQuantity": l.quantity, "unfulfilledQuantity": l.quantity - l.fulfilled_quantity,
        "fulfillableQuantity": l.quantity - l.fulfilled_quantity, "refundableQuantity": l.quantity,
        "originalUnitPriceSet": money_bag(&l.unit_price, &o.currency), "discountedUnitPriceSet": money_bag(&l.unit_price, &o.currency),
        "originalTotalSet": money_bag(&total, &o.currency), "discountedTotalSet": money_bag(&total, &o.currency),
        "totalDiscountSet": money_bag("0.00", &o.currency), "taxable": true, "requiresShipping": true, "taxLines": [],
        "variant": l.variant_id.map(|v| rel("ProductVariant", v)), "product": l.product_id.map(|p| rel("Product", p)),
    })
}

/// A fulfillment as GraphQL JSON.
pub fn fulfillment_json(o: &Order, f: &Fulfillment) -> Json {
    let lines: Vec<Json> = f
        .lines
        .iter()
        .filter_map(|(lid, q)| o.line_items.iter().find(|l| l.id == *lid).map(|l| json!({"id": gid("FulfillmentLineItem", l.id * 1000 + f.id % 1000), "quantity": q, "lineItem": line_json(o, l)})))
        .collect();
    let tracking = if f.tracking_number.is_some() || f.tracking_company.is_some() {
        vec![json!({"number": f.tracking_number, "company": f.tracking_company, "url": f.tracking_url})]
    } else {
        vec![]
    };
    json!({
        "id": gid("Fulfillment", f.id), "legacyResourceId": f.id.to_string(), "name": format!("{}-F{}", o.name, f.id % 100),
        "status": f.status, "displayStatus": "FULFILLED", "createdAt": ts(&f.created_at), "updatedAt": ts(&f.created_at),
        "requiresShipping": true, "totalQuantity": f.lines.iter().map(|(_, q)| q).sum::<i64>(), "trackingInfo": tracking,
        "fulfillmentLineItems": plain_connection(lines), "order": rel("Order", o.id),
    })
}

fn fulfillment_order_json(o: &Order) -> Json {
    let remaining: i64 = o.line_items.iter().map(|l| l.quantity - l.fulfilled_quantity).sum();
    let lines: Vec<Json> = o
        .line_items
        .iter()
        .map(|l| {
            json!({"id": gid("FulfillmentOrderLineItem", l.id), "totalQuantity": l.quantity, "remainingQuantity": l.quantity - l.fulfilled_quantity,
                   "sku": l.sku, "lineItem": line_json(o, l)})
        })
        .collect();
    json!({
        "id": gid("FulfillmentOrder", o.fulfillment_order_id), "status": if remaining == 0 || o.cancelled_at.is_some() { "CLOSED" } else { "OPEN" },
        "createdAt": ts(&o.created_at), "updatedAt": ts(&o.updated_at), "orderId": gid("Order", o.id), "lineItems": plain_connection(lines),
    })
}

/// The plain fields of an order (nested lists included).
pub fn order_json(store: &Store, o: &Order) -> Json {
    let total = o.total_price();
    let paid: i64 = o
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && (t.kind == "SALE" || t.kind == "CAPTURE"))
        .map(|t| money_cents(&t.amount))
        .sum();
    let outstanding = cents_to_money((money_cents(&total) - paid).max(0));
    let transactions: Vec<Json> = o
        .transactions
        .iter()
        .map(|t| {
            json!({"id": gid("OrderTransaction", t.id), "kind": t.kind, "status": t.status, "gateway": t.gateway, "test": o.test,
                   "amountSet": money_bag(&t.amount, &o.currency), "processedAt": ts(&t.processed_at), "createdAt": ts(&t.processed_at)})
        })
        .collect();
    let lines: Vec<Json> = o.line_items.iter().map(|l| line_json(o, l)).collect();
    let fulfillments: Vec<Json> = o.fulfillments.iter().map(|f| fulfillment_json(o, f)).collect();
    let zero = money_bag("0.00", &o.currency);
    json!({
        "id": gid("Order", o.id), "legacyResourceId": o.id.to_string(), "name": o.name, "number": o.number, "email": o.email,
        "phone": null, "createdAt": ts(&o.created_at), "updatedAt": ts(&o.updated_at), "processedAt": ts(&o.processed_at),
        "closedAt": o.closed_at.as_ref().map(ts), "closed": o.closed_at.is_some(), "cancelledAt": o.cancelled_at.as_ref().map(ts),
        "cancelReason": o.cancel_reason, "displayFinancialStatus": o.financial_status, "displayFulfillmentStatus": o.fulfillment_status(),
        "sourceName": o.source_name, "sourceIdentifier": o.source_identifier, "test": o.test, "confirmed": true,
        "currencyCode": o.currency, "presentmentCurrencyCode": o.currency, "taxesIncluded": false, "tags": o.tags, "note": o.note,
        "totalPriceSet": money_bag(&total, &o.currency), "subtotalPriceSet": money_bag(&total, &o.currency),
        "currentTotalPriceSet": money_bag(&total, &o.currency), "currentSubtotalPriceSet": money_bag(&total, &o.currency),
        "totalTaxSet": zero, "currentTotalTaxSet": zero, "totalShippingPriceSet": zero, "totalDiscountsSet": zero,
        "totalRefundedSet": zero, "totalOutstandingSet": money_bag(&outstanding, &o.currency), "fullyPaid": outstanding == "0.00",
        "unpaid": paid == 0, "paymentGatewayNames": o.transactions.iter().map(|t| t.gateway.clone()).collect::<Vec<_>>(),
        "customer": o.customer_id.filter(|c| store.customers.contains_key(c)).map(|c| rel("Customer", c)),
        "lineItems": plain_connection(lines), "transactions": transactions, "fulfillments": fulfillments,
        "fulfillmentOrders": plain_connection(vec![fulfillment_order_json(o)]), "shippingLines": plain_connection(vec![]),
        "taxLines": [], "refunds": [], "shippingAddress": null, "billingAddress": null,
    })
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
            .map(|f| Node::new(ctx, "Fulfillment", fulfillment_json(o, f), Rel::None))
    })
}

/// The REST financial status (`paid`, `partially_paid`, ...).
pub fn rest_financial_status(o: &Order) -> String {
    o.financial_status.to_lowercase()
}

fn rest_fulfillment_status(o: &Order) -> Option<&'static str> {
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

/// The REST-shaped order for `orders/*` webhooks.
pub fn order_payload(store: &Store, o: &Order) -> Json {
    let customer = o.customer_id.and_then(|c| store.customers.get(&c)).map(|c| {
        json!({"id": c.id, "email": c.email, "first_name": c.first_name, "last_name": c.last_name, "admin_graphql_api_id": gid("Customer", c.id)})
    });
    let lines: Vec<Json> = o
        .line_items
        .iter()
        .map(|l| {
            json!({"id": l.id, "variant_id": l.variant_id, "product_id": l.product_id, "sku": l.sku, "title": l.title, "name": l.title,
                   "quantity": l.quantity, "price": l.unit_price, "fulfillable_quantity": l.quantity - l.fulfilled_quantity,
                   "admin_graphql_api_id": gid("LineItem", l.id)})
        })
        .collect();
    let fulfillments: Vec<Json> = o
        .fulfillments
        .iter()
        .map(|f| json!({"id": f.id, "status": f.status.to_lowercase(), "tracking_number": f.tracking_number, "created_at": ts(&f.created_at)}))
        .collect();
    json!({
        "id": o.id, "admin_graphql_api_id": gid("Order", o.id), "name": o.name, "order_number": o.number, "email": o.email,
        "created_at": ts(&o.created_at), "updated_at": ts(&o.updated_at), "processed_at": ts(&o.processed_at),
        "cancelled_at": o.cancelled_at.as_ref().map(ts), "cancel_reason": o.cancel_reason.as_ref().map(|r| r.to_lowercase()),
        "closed_at": o.closed_at.as_ref().map(ts), "financial_status": rest_financial_status(o),
        "fulfillment_status": rest_fulfillment_status(o), "currency": o.currency, "total_price": o.total_price(),
        "subtotal_price": o.total_price(), "source_name": o.source_name, "source_identifier": o.source_identifier, "test": o.test,
        "tags": o.tags.join(", "), "note": o.note, "customer": customer, "line_items": lines, "fulfillments": fulfillments,
    })
}
