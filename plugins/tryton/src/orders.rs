//! Orders: a shop order becomes a confirmed `sale.sale` in the currency the buyer paid
//! (reference = the order name, searched before create; party code = the shop's customer id;
//! billing and shipping addresses; lines by product code at their price after discounts with
//! their taxes; shipping lines with theirs; the warehouse set explicitly), to the shop's total.
//! An order whose stock is already counted (a hybrid inventory flow booked the sale as an
//! adjustment) is a sale with `shipment_method = "manual"`: Tryton creates no shipment for it,
//! so no stock moves.
//! Pulled and fetched sales carry their state, and count the sales made for their changes.

use crate::customers;
use crate::money::{buyer, number, tryton, unit_price, Taxes};
use crate::products::str_field;
use crate::rpc::Client;
use crate::values::{decimal, decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, updated_at, Mark};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use weft_sdk::{log, Amount, FinancialStatus, Money, Order, OrderLine, Page, PluginError, Pushed, Record, StockEffect};

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

/// What a sale line is for, kept in its `note`: a shop order line, a shipping line, or the
/// rounding to the shop's total.
pub const LINE_NOTE: &str = "shopify line ";
/// The `note` of a sale line charging shipping.
pub const SHIPPING_NOTE: &str = "shopify shipping ";
/// The `note` of the line that rounds a sale to the shop's total.
pub const ROUNDING_NOTE: &str = "shopify rounding";

/// Push one order: found by reference (a sale already imported is unchanged: its later changes
/// come as order changes), or created as a confirmed sale with every cent of it.
pub fn push(client: &Client, order: &Order) -> Result<Pushed, PluginError> {
    validate(order)?;
    // Check before write: an order already imported (or half-imported) is found by reference.
    if let Some((id, state)) = find(client, &order.name)? {
        finish(client, id, &state)?;
        return Ok(Pushed::unchanged(id.to_string()));
    }
    if order.cancelled {
        return Ok(Pushed::skipped("", "the order was cancelled before it reached Tryton; it is not imported"));
    }
    let settings = client.settings();
    let warehouse = settings.sale_warehouse.ok_or_else(|| {
        PluginError::invalid(
            "sale_warehouse",
            "set `sale_warehouse` (or `warehouses`): sales need an explicit warehouse",
        )
    })?;
    let products = products(client, order)?;
    // The sale is in the currency the buyer paid in; its amounts are the presentment side.
    let code = order.presentment_currency.clone().unwrap_or_else(|| order.currency.clone());
    let currency = currency_id(client, &code)?;
    let party = party(client, order)?;
    let shipment_address = address(client, party, order.shipping_address.as_ref().or(order.billing_address.as_ref()))?;
    let invoice_address = match &order.billing_address {
        Some(billing) => address(client, party, Some(billing))?,
        None => shipment_address,
    };
    let mut taxes = Taxes::new(client)?;
    let mut lines = Vec::new();
    for (i, (l, (product, unit))) in order.lines.iter().zip(&products).enumerate() {
        let at = format!("lines[{i}]");
        let gross = buyer(&format!("{at}.unit_price"), &l.unit_price)? * Decimal::from(l.quantity)
            - sum(&at, l.discount_allocations.iter().map(|a| &a.amount))?;
        let tax = sum(&at, l.tax_lines.iter().map(|t| &t.amount))?;
        lines.push(json!({"type": "line", "product": product, "unit": unit, "quantity": l.quantity,
            "unit_price": tryton(unit_price(gross, tax, order.taxes_included, l.quantity)), "description": l.title,
            "taxes": [["add", taxes.ids(&format!("{at}.tax_lines"), &l.tax_lines)?]],
            "note": format!("{LINE_NOTE}{}", l.external_id)}));
    }
    let shipping_product = shipping_product(client)?;
    for (i, s) in order.shipping_lines.iter().enumerate() {
        let at = format!("shipping_lines[{i}]");
        let gross =
            buyer(&format!("{at}.price"), &s.price)? - sum(&at, s.discount_allocations.iter().map(|a| &a.amount))?;
        let tax = sum(&at, s.tax_lines.iter().map(|t| &t.amount))?;
        let mut line = json!({"type": "line", "quantity": 1, "unit_price": tryton(unit_price(gross, tax, order.taxes_included, 1)),
            "description": s.title, "taxes": [["add", taxes.ids(&format!("{at}.tax_lines"), &s.tax_lines)?]],
            "note": format!("{SHIPPING_NOTE}{}", s.external_id)});
        if let Some((product, unit)) = shipping_product {
            line["product"] = json!(product);
            line["unit"] = json!(unit);
        }
        lines.push(line);
    }
    let mut comment = format!("{} order {}", order.source, order.external_id);
    if let Some(note) = &order.note {
        comment.push_str(&format!("\n{note}"));
    }
    for (k, v) in &order.custom_attributes {
        comment.push_str(&format!("\n{k}: {v}"));
    }
    let mut vals = json!({
        "party": party, "invoice_address": invoice_address, "shipment_address": shipment_address, "warehouse": warehouse,
        "currency": currency, "reference": order.name, "description": format!("{} order {}", order.source, order.external_id),
        "comment": comment, "invoice_method": "manual", "shipment_method": shipment_method(order.stock_effect),
        "lines": [["create", lines]],
    });
    if let Some(date) = order.created_at.get(..10).filter(|d| d.len() == 10) {
        vals["sale_date"] =
            json!({"__class__": "date", "year": int(&date[..4]), "month": int(&date[5..7]), "day": int(&date[8..10])});
    }
    let id = client
        .model("sale.sale", "create", vec![json!([vals])], json!({}))
        .map_err(fail("order"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("sale.create returned no id".into()))?;
    round_to(client, id, buyer("total", &order.total)?)?;
    finish(client, id, "draft")?;
    Ok(Pushed::created(id.to_string()))
}

/// The sale's `shipment_method` for an order's stock effect: `order` makes Tryton create the
/// customer shipment when the sale is processed (its moves take the stock); `manual` creates
/// none (only a person's "Create shipment" would), so the sale moves no stock.
pub fn shipment_method(effect: StockEffect) -> &'static str {
    match effect {
        StockEffect::MoveStock => "order",
        StockEffect::AlreadyCounted => "manual",
    }
}

fn int(text: &str) -> i64 {
    text.parse().unwrap_or(1)
}

/// Sum of amounts (the buyer's side).
fn sum<'a>(field: &str, amounts: impl Iterator<Item = &'a weft_sdk::Amount>) -> Result<Decimal, PluginError> {
    amounts.map(|a| buyer(field, a)).sum()
}

/// The id of currency `code`.
pub fn currency_id(client: &Client, code: &str) -> Result<i64, PluginError> {
    client
        .model(
            "currency.currency",
            "search",
            vec![json!([["code", "=", code]]), json!(0), json!(1), Value::Null],
            json!({}),
        )
        .map_err(fail("currency"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::invalid("currency", &format!("currency {code} is not set up in Tryton")))
}

/// The configured shipping product (`shipping_product`: a product code), with its unit.
fn shipping_product(client: &Client) -> Result<Option<(i64, i64)>, PluginError> {
    let Some(code) = weft_sdk::config::get("shipping_product") else { return Ok(None) };
    let rows = client
        .model(
            "product.product",
            "search_read",
            vec![json!([["code", "=", code]]), json!(0), json!(1), Value::Null, json!(["default_uom"])],
            json!({}),
        )
        .map_err(fail("shipping_product"))?;
    rows.get(0)
        .and_then(|r| Some((r.get("id")?.as_i64()?, r.get("default_uom")?.as_i64()?)))
        .map(Some)
        .ok_or_else(|| PluginError::invalid("shipping_product", &format!("no Tryton product with code `{code}`")))
}

/// Tryton computes taxes its own way (per line or per document, as the company rounds); when
/// the sale's total is not the shop's to the cent, one line without product or tax takes up
/// the difference (marked, so reads count it as tax).
fn round_to(client: &Client, sale: i64, total: Decimal) -> Result<(), PluginError> {
    let rows = client
        .model("sale.sale", "read", vec![json!([sale]), json!(["total_amount"])], json!({}))
        .map_err(fail("order"))?;
    let tryton_total = rows.get(0).and_then(|r| r.get("total_amount")).and_then(decimal).unwrap_or_default();
    let difference = total - number("total_amount", &tryton_total)?;
    if difference.is_zero() {
        return Ok(());
    }
    log::warn(&format!(
        "sale {sale}: Tryton's total differs from the shop's by {difference}; a rounding line takes it up"
    ));
    let line = json!({"sale": sale, "type": "line", "quantity": 1, "unit_price": tryton(difference),
        "description": "Rounding to the shop's total", "note": ROUNDING_NOTE});
    client.model("sale.line", "create", vec![json!([line])], json!({})).map_err(fail("order"))?;
    Ok(())
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
        buyer(&format!("lines[{i}].unit_price"), &l.unit_price)?;
    }
    Ok(())
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
                phone: order.phone.clone(),
                company: order.company_location.as_ref().map(|c| c.company_name.clone()),
                addresses: order.shipping_address.iter().cloned().collect(),
                tags: Vec::new(),
                metafields: Vec::new(),
                updated_at: None,
                extra: "{}".into(),
            };
            (format!("{}{email}", customers::GUEST_CODE_PREFIX), &guest)
        }
    };
    Ok(customers::ensure(client, &code, customer, "customer")?.0)
}

/// The party's address matching `wanted` (street, postal code, city), created when it has
/// none; the party's first address when the order has no address.
fn address(client: &Client, party: i64, wanted: Option<&weft_sdk::Address>) -> Result<i64, PluginError> {
    let found = client
        .model(
            "party.address",
            "search_read",
            vec![
                json!([["party", "=", party]]),
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!(["street", "postal_code", "city"]),
            ],
            json!({}),
        )
        .map_err(fail("shipping-address"))?;
    let rows = found.as_array().cloned().unwrap_or_default();
    let vals = wanted.map(customers::to_tryton_address);
    let same = |r: &Value| {
        vals.as_ref().is_some_and(|v| {
            ["street", "postal_code", "city"]
                .iter()
                .all(|k| r.get(*k).and_then(Value::as_str).unwrap_or("") == v[*k].as_str().unwrap_or(""))
        })
    };
    if let Some(id) = rows
        .iter()
        .find(|r| same(r))
        .or(if vals.is_none() { rows.first() } else { None })
        .and_then(|r| r.get("id"))
        .and_then(Value::as_i64)
    {
        return Ok(id);
    }
    let mut vals = vals.unwrap_or_else(|| json!({}));
    vals["party"] = json!(party);
    client
        .model("party.address", "create", vec![json!([vals])], json!({}))
        .map_err(fail("shipping-address"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("party.address.create returned no id".into()))
}

/// One page of sales changed after `cursor` (sales of the shop: the credit, return and edit
/// sales weft made for their changes are read with them, not on their own).
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let start: Option<Mark> = cursor.map(decode_cursor).transpose()?;
    let rows = client
        .model(
            "sale.sale",
            "search_read",
            vec![
                domain_after(start.as_ref(), vec![json!(["origin", "=", null])]),
                json!(0),
                json!(limit),
                order_by_mark(),
                json!(SALE_FIELDS),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let records = build(client, &rows)?;
    let full = rows.len() as u32 >= limit;
    let next = next_mark(start, rows.last().and_then(Mark::of), full, client.settings().overlap_seconds);
    Ok(Page { records, next_cursor: next.map(|m| encode_cursor(&m)), has_more: full })
}

/// Sales by id, with lines, states and what their changes did to them.
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

/// Sales with their lines and the sales weft made for their changes (origin = the sale).
fn build(client: &Client, sales: &[Value]) -> Result<Vec<Record>, PluginError> {
    let ids: Vec<i64> = sales.iter().filter_map(|s| s.get("id").and_then(Value::as_i64)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let origins: Vec<String> = ids.iter().map(|id| format!("sale.sale,{id}")).collect();
    let changes = client
        .model(
            "sale.sale",
            "search_read",
            vec![
                json!([["origin", "in", origins], ["state", "!=", "cancelled"]]),
                json!(0),
                Value::Null,
                Value::Null,
                json!(["origin", "reference"]),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    let changes = changes.as_array().cloned().unwrap_or_default();
    let all: Vec<i64> =
        ids.iter().copied().chain(changes.iter().filter_map(|c| c.get("id").and_then(Value::as_i64))).collect();
    let lines = client
        .model(
            "sale.line",
            "search_read",
            vec![
                json!([["sale", "in", all]]),
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!(["sale", "product.code", "quantity", "unit_price", "amount", "description", "note", "taxes"]),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    let lines = lines.as_array().cloned().unwrap_or_default();
    let taxes = tax_amounts(client, &all)?;
    Ok(sales
        .iter()
        .map(|s| {
            let id = s.get("id").and_then(Value::as_i64).unwrap_or_default();
            let mine: Vec<i64> = changes
                .iter()
                .filter(|c| c.get("origin").and_then(Value::as_str) == Some(&format!("sale.sale,{id}")))
                .filter_map(|c| c.get("id").and_then(Value::as_i64))
                .collect();
            Record::Order(order(s, &lines, &mine, &taxes))
        })
        .collect())
}

/// Tax amounts per sale (as Tryton computed them).
fn tax_amounts(client: &Client, sales: &[i64]) -> Result<Vec<(i64, Decimal)>, PluginError> {
    let rows = client
        .model("sale.sale", "read", vec![json!(sales), json!(["tax_amount"])], json!({}))
        .map_err(fail("order"))?;
    Ok(rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((r.get("id")?.as_i64()?, r.get("tax_amount").and_then(decimal).and_then(|d| number("tax", &d).ok())?))
        })
        .collect())
}

/// A sale as the order it stands for now: its lines, shipping and rounding, and the credit
/// sales of its refunds (their amounts count; `extra.refunded` says how much went back).
fn order(s: &Value, lines: &[Value], changes: &[i64], taxes: &[(i64, Decimal)]) -> Order {
    let id = s.get("id").and_then(Value::as_i64).unwrap_or_default();
    let currency = s.get("currency.").and_then(|c| str_field(c, "code")).unwrap_or_default();
    let money = |d: Decimal| Amount {
        shop: Money { amount: d.round_dp(2).to_string(), currency: currency.clone() },
        presentment: None,
    };
    let of = |sale: i64| lines.iter().filter(move |l| l.get("sale").and_then(Value::as_i64) == Some(sale));
    let note = |l: &Value| str_field(l, "note").unwrap_or_default();
    let amount =
        |l: &Value| l.get("amount").and_then(decimal).and_then(|d| number("amount", &d).ok()).unwrap_or_default();
    let tax_of = |sale: i64| taxes.iter().find(|(s, _)| *s == sale).map(|(_, t)| *t).unwrap_or_default();
    let all: Vec<i64> = std::iter::once(id).chain(changes.iter().copied()).collect();
    let every = || all.iter().flat_map(|s| of(*s));
    let shipping: Decimal = every().filter(|l| note(l).starts_with(SHIPPING_NOTE)).map(amount).sum();
    let rounding: Decimal = every().filter(|l| note(l) == ROUNDING_NOTE).map(amount).sum();
    let subtotal: Decimal =
        every().filter(|l| !note(l).starts_with(SHIPPING_NOTE) && note(l) != ROUNDING_NOTE).map(amount).sum();
    let tax: Decimal = all.iter().map(|s| tax_of(*s)).sum::<Decimal>() + rounding;
    let refunded: Decimal = changes.iter().map(|c| of(*c).map(amount).sum::<Decimal>() + tax_of(*c)).sum();
    let state = str_field(s, "state").unwrap_or_default();
    Order {
        external_id: id.to_string(),
        name: str_field(s, "reference").or_else(|| str_field(s, "number")).unwrap_or_else(|| id.to_string()),
        source: "tryton".into(),
        currency: currency.clone(),
        lines: of(id)
            .filter(|l| {
                note(l).starts_with(LINE_NOTE) || (!note(l).starts_with(SHIPPING_NOTE) && note(l) != ROUNDING_NOTE)
            })
            .map(|l| {
                let quantity = l.get("quantity").and_then(Value::as_f64).unwrap_or(0.0).max(0.0).round() as u32;
                OrderLine {
                    external_id: l.get("id").and_then(Value::as_i64).unwrap_or_default().to_string(),
                    sku: l.get("product.").and_then(|p| str_field(p, "code")),
                    title: str_field(l, "description").unwrap_or_default(),
                    quantity,
                    current_quantity: quantity,
                    unit_price: money(
                        l.get("unit_price")
                            .and_then(decimal)
                            .and_then(|d| number("unit_price", &d).ok())
                            .unwrap_or_default(),
                    ),
                    discount_allocations: Vec::new(),
                    tax_lines: Vec::new(),
                    requires_shipping: true,
                    custom_attributes: Vec::new(),
                    extra: json!({"shopify_line": note(l).strip_prefix(LINE_NOTE)}).to_string(),
                }
            })
            .collect(),
        email: None,
        phone: None,
        customer: None,
        company_location: None,
        presentment_currency: None,
        shipping_lines: Vec::new(),
        discounts: Vec::new(),
        tax_lines: Vec::new(),
        taxes_included: false,
        subtotal: money(subtotal),
        shipping: money(shipping),
        tax: money(tax),
        discount: money(Decimal::ZERO),
        total: money(subtotal + shipping + tax),
        financial_status: FinancialStatus::Pending,
        cancelled: state == "cancelled",
        stock_effect: StockEffect::MoveStock,
        shipping_address: None,
        billing_address: None,
        tags: Vec::new(),
        note: None,
        custom_attributes: Vec::new(),
        po_number: None,
        metafields: Vec::new(),
        created_at: s
            .get("create_date")
            .and_then(crate::values::datetime)
            .map(crate::values::rfc3339)
            .unwrap_or_default(),
        updated_at: updated_at(s),
        extra: json!({
            "state": state, "shipment_state": s.get("shipment_state"), "invoice_state": s.get("invoice_state"),
            "number": s.get("number"), "party_code": s.get("party.").and_then(|p| p.get("code")),
            "refunded": (-refunded).round_dp(2).to_string(),
        })
        .to_string(),
    }
}
