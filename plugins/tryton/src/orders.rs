//! Orders: a shop order becomes a confirmed `sale.sale` (reference = the order name, searched
//! before create; party code = the shop's customer id; lines by product code; the warehouse set
//! explicitly). Pulled sales carry their state and `shipment_state`; fulfillments are the sales
//! whose shipments are all done (`shipment_state = sent`).

use crate::customers;
use crate::products::str_field;
use crate::rpc::Client;
use crate::values::{
    decimal, decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, to_decimal, updated_at, Mark,
};
use serde_json::{json, Value};
use weft_sdk::{FinancialStatus, Fulfillment, Money, Order, OrderLine, Page, PluginError, Pushed, Record};

const SALE_FIELDS: [&str; 11] = [
    "reference",
    "number",
    "state",
    "shipment_state",
    "invoice_state",
    "party",
    "party.code",
    "currency.code",
    "total_amount",
    "create_date",
    "last_modified_at",
];

fn fail(field: &str) -> impl Fn(crate::rpc::RpcError) -> PluginError + '_ {
    move |e| e.into_plugin_error(field)
}

/// Push one order; `field` prefixes the field names in errors.
pub fn push(client: &Client, order: &Order) -> Result<Pushed, PluginError> {
    validate(order)?;
    // Check before write: an order already imported (or half-imported) is found by reference.
    let existing = find(client, &order.name)?;
    if order.cancelled {
        // A confirmed Tryton sale cannot be cancelled over RPC (it needs the exception wizard or
        // sale_amendment); a cancelled order that was never imported is not imported now.
        return Err(match existing {
            Some((id, _)) => PluginError::Permanent(format!(
                "order {} was cancelled but sale {id} is already confirmed in Tryton: cancel it there",
                order.name
            )),
            None => PluginError::invalid("cancelled", "the order is cancelled; it is not imported"),
        });
    }
    if let Some((id, state)) = existing {
        finish(client, id, &state)?;
        return Ok(Pushed { external_id: id.to_string(), created: false });
    }
    let settings = client.settings();
    let warehouse = settings.sale_warehouse.ok_or_else(|| {
        PluginError::invalid(
            "sale_warehouse",
            "set `sale_warehouse` (or `warehouses`): sales need an explicit warehouse",
        )
    })?;
    let products = products(client, order)?;
    let currency = client
        .model(
            "currency.currency",
            "search",
            vec![json!([["code", "=", order.currency]]), json!(0), json!(1), Value::Null],
            json!({}),
        )
        .map_err(fail("currency"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            PluginError::invalid("currency", &format!("currency {} is not set up in Tryton", order.currency))
        })?;
    let party = party(client, order)?;
    let address = address(client, party, order)?;
    let lines: Vec<Value> = order
        .lines
        .iter()
        .zip(&products)
        .map(|(l, (product, unit))| {
            json!({"type": "line", "product": product, "unit": unit, "quantity": l.quantity,
                   "unit_price": to_decimal(&l.unit_price.amount), "description": l.title})
        })
        .collect();
    let vals = json!({
        "party": party, "invoice_address": address, "shipment_address": address, "warehouse": warehouse,
        "currency": currency, "reference": order.name, "description": format!("{} order {}", order.source, order.external_id),
        "invoice_method": "manual", "shipment_method": "order", "lines": [["create", lines]],
    });
    let id = client
        .model("sale.sale", "create", vec![json!([vals])], json!({}))
        .map_err(fail("order"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("sale.create returned no id".into()))?;
    finish(client, id, "draft")?;
    Ok(Pushed { external_id: id.to_string(), created: true })
}

fn validate(order: &Order) -> Result<(), PluginError> {
    if order.name.trim().is_empty() {
        return Err(PluginError::invalid("name", "an order needs its name (it becomes the sale reference)"));
    }
    if order.lines.is_empty() {
        return Err(PluginError::invalid("lines", "an order needs at least one line"));
    }
    for (i, l) in order.lines.iter().enumerate() {
        if l.sku.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(PluginError::invalid(
                &format!("lines[{i}].sku"),
                "every line needs a SKU (it is the Tryton product code)",
            ));
        }
        if l.quantity == 0 {
            return Err(PluginError::invalid(&format!("lines[{i}].quantity"), "quantity must be at least 1"));
        }
        if !is_decimal(&l.unit_price.amount) {
            return Err(PluginError::invalid(
                &format!("lines[{i}].unit-price"),
                &format!("`{}` is not a decimal amount", l.unit_price.amount),
            ));
        }
    }
    Ok(())
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("0");
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The sale with this reference, with its state.
fn find(client: &Client, reference: &str) -> Result<Option<(i64, String)>, PluginError> {
    let rows = client
        .model(
            "sale.sale",
            "search_read",
            vec![json!([["reference", "=", reference]]), json!(0), json!(1), json!([["id", "ASC"]]), json!(["state"])],
            json!({}),
        )
        .map_err(fail("order"))?;
    Ok(rows.get(0).and_then(|r| Some((r.get("id")?.as_i64()?, str_field(r, "state").unwrap_or_default()))))
}

/// Bring a sale from wherever an earlier attempt left it to confirmed.
fn finish(client: &Client, id: i64, state: &str) -> Result<(), PluginError> {
    let steps: &[&str] = match state {
        "draft" => &["quote", "confirm"],
        "quotation" => &["confirm"],
        _ => &[],
    };
    for step in steps {
        client.model("sale.sale", step, vec![json!([id])], json!({})).map_err(fail("order"))?;
    }
    Ok(())
}

/// Product id and unit per line, by code; an unknown code is `not-found` naming the line.
fn products(client: &Client, order: &Order) -> Result<Vec<(i64, i64)>, PluginError> {
    let skus: Vec<&str> = order.lines.iter().filter_map(|l| l.sku.as_deref()).collect();
    let rows = client
        .model(
            "product.product",
            "search_read",
            vec![json!([["code", "in", skus]]), json!(0), Value::Null, Value::Null, json!(["code", "default_uom"])],
            json!({}),
        )
        .map_err(fail("lines"))?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    order
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let sku = l.sku.as_deref().unwrap_or_default();
            rows.iter()
                .find(|r| r.get("code").and_then(Value::as_str) == Some(sku))
                .and_then(|r| Some((r.get("id")?.as_i64()?, r.get("default_uom")?.as_i64()?)))
                .ok_or_else(|| PluginError::NotFound(format!("lines[{i}].sku: no Tryton product with code `{sku}`")))
        })
        .collect()
}

/// The buyer's party: matched by e-mail, then by the shop's customer id (a guest's code is
/// `email:<address>`).
fn party(client: &Client, order: &Order) -> Result<i64, PluginError> {
    let guest;
    let (code, customer) = match &order.customer {
        Some(c) if !c.external_id.is_empty() => (c.external_id.clone(), c),
        _ => {
            let email = order
                .email
                .clone()
                .ok_or_else(|| PluginError::invalid("customer", "an order needs a customer or an e-mail"))?;
            guest = weft_sdk::Customer {
                external_id: String::new(),
                sku: None,
                email: Some(email.clone()),
                first_name: None,
                last_name: None,
                phone: None,
                company: None,
                addresses: order.shipping_address.iter().cloned().collect(),
                tags: Vec::new(),
                updated_at: None,
                extra: "{}".into(),
            };
            (format!("{}{email}", customers::GUEST_CODE_PREFIX), &guest)
        }
    };
    Ok(customers::ensure(client, &code, customer, "customer")?.0)
}

/// The party's first address; one from the order's shipping address when it has none.
fn address(client: &Client, party: i64, order: &Order) -> Result<i64, PluginError> {
    let found = client
        .model(
            "party.address",
            "search",
            vec![json!([["party", "=", party]]), json!(0), json!(1), json!([["id", "ASC"]])],
            json!({}),
        )
        .map_err(fail("shipping-address"))?;
    if let Some(id) = found.get(0).and_then(Value::as_i64) {
        return Ok(id);
    }
    let mut vals = order.shipping_address.as_ref().map(customers::to_tryton_address).unwrap_or_else(|| json!({}));
    vals["party"] = json!(party);
    client
        .model("party.address", "create", vec![json!([vals])], json!({}))
        .map_err(fail("shipping-address"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("party.address.create returned no id".into()))
}

/// One page of sales changed after `cursor`; with `fulfilled`, only sales shipped in full,
/// as fulfillments.
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32, fulfilled: bool) -> Result<Page, PluginError> {
    let start: Option<Mark> = cursor.map(decode_cursor).transpose()?;
    let extra = if fulfilled { vec![json!(["shipment_state", "=", "sent"])] } else { Vec::new() };
    let rows = client
        .model(
            "sale.sale",
            "search_read",
            vec![domain_after(start.as_ref(), extra), json!(0), json!(limit), order_by_mark(), json!(SALE_FIELDS)],
            json!({}),
        )
        .map_err(fail("order"))?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let records = if fulfilled { rows.iter().map(fulfillment).collect() } else { build(client, &rows)? };
    let full = rows.len() as u32 >= limit;
    let next = next_mark(start, rows.last().and_then(Mark::of), full, client.settings().overlap_seconds);
    Ok(Page { records, next_cursor: next.map(|m| encode_cursor(&m)), has_more: full })
}

/// Sales by id, with lines and states (`extra`: state, shipment_state, invoice_state, number).
pub fn fetch(client: &Client, ids: &[i64]) -> Result<Vec<Option<Record>>, PluginError> {
    let rows = client
        .model(
            "sale.sale",
            "search_read",
            vec![json!([["id", "in", ids]]), json!(0), Value::Null, Value::Null, json!(SALE_FIELDS)],
            json!({}),
        )
        .map_err(fail("order"))?;
    let records = build(client, rows.as_array().map(Vec::as_slice).unwrap_or_default())?;
    Ok(ids.iter().map(|id| records.iter().find(|r| r.external_id() == id.to_string()).cloned()).collect())
}

fn build(client: &Client, sales: &[Value]) -> Result<Vec<Record>, PluginError> {
    let ids: Vec<i64> = sales.iter().filter_map(|s| s.get("id").and_then(Value::as_i64)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let lines = client
        .model(
            "sale.line",
            "search_read",
            vec![
                json!([["sale", "in", ids]]),
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!(["sale", "product.code", "quantity", "unit_price", "description"]),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    let lines = lines.as_array().cloned().unwrap_or_default();
    Ok(sales.iter().map(|s| Record::Order(order(s, &lines))).collect())
}

fn order(s: &Value, lines: &[Value]) -> Order {
    let id = s.get("id").and_then(Value::as_i64).unwrap_or_default();
    let currency = s.get("currency.").and_then(|c| str_field(c, "code")).unwrap_or_default();
    let money = |v: Option<&Value>| Money {
        amount: v.and_then(decimal).unwrap_or_else(|| "0".into()),
        currency: currency.clone(),
    };
    let state = str_field(s, "state").unwrap_or_default();
    Order {
        external_id: id.to_string(),
        sku: None,
        name: str_field(s, "reference").or_else(|| str_field(s, "number")).unwrap_or_else(|| id.to_string()),
        source: "tryton".into(),
        email: None,
        customer: None,
        currency: currency.clone(),
        lines: lines
            .iter()
            .filter(|l| l.get("sale").and_then(Value::as_i64) == Some(id))
            .map(|l| OrderLine {
                external_id: l.get("id").and_then(Value::as_i64).unwrap_or_default().to_string(),
                sku: l.get("product.").and_then(|p| str_field(p, "code")),
                title: str_field(l, "description").unwrap_or_default(),
                quantity: l.get("quantity").and_then(Value::as_f64).unwrap_or(0.0).max(0.0).round() as u32,
                unit_price: money(l.get("unit_price")),
                discount: None,
                extra: "{}".into(),
            })
            .collect(),
        shipping: None,
        tax: None,
        total: money(s.get("total_amount")),
        financial_status: FinancialStatus::Pending,
        cancelled: state == "cancelled",
        shipping_address: None,
        billing_address: None,
        tags: Vec::new(),
        created_at: s
            .get("create_date")
            .and_then(crate::values::datetime)
            .map(crate::values::rfc3339)
            .unwrap_or_default(),
        updated_at: updated_at(s),
        extra: json!({
            "state": state, "shipment_state": s.get("shipment_state"), "invoice_state": s.get("invoice_state"),
            "number": s.get("number"), "party_code": s.get("party.").and_then(|p| p.get("code")),
        })
        .to_string(),
    }
}

fn fulfillment(s: &Value) -> Record {
    let id = s.get("id").and_then(Value::as_i64).unwrap_or_default();
    Record::Fulfillment(Fulfillment {
        external_id: format!("sale-{id}-shipped"),
        sku: None,
        order_external_id: id.to_string(),
        order_name: str_field(s, "reference").unwrap_or_default(),
        lines: Vec::new(),
        tracking_company: None,
        tracking_number: None,
        tracking_url: None,
        shipped_at: updated_at(s),
        extra: json!({"shipment_state": s.get("shipment_state"), "number": s.get("number")}).to_string(),
    })
}
