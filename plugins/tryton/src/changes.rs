//! Changes to a shop order after Tryton imported it, each applied once (found by a reference of
//! its own before anything is written):
//! - **refund** → a credit sale (origin: the sale; reference `{order} refund {id}`): one line per
//!   refunded line and one for refunded shipping, negative, without product (money only), with
//!   the taxes of the sale line it refunds. Goods do not move with a refund: they come back with
//!   the return.
//! - **return** → once closed (goods received), a return sale (reference `{order} return {id}`)
//!   with the returned products, negative, at price 0 (the money is the refund's); Tryton makes
//!   the customer return shipment. Other return states change nothing.
//! - **cancellation** → a sale still in draft or quotation is cancelled; a confirmed sale whose
//!   shipments have not left is stopped (its shipments cancelled and their moves ignored, as
//!   Tryton's shipment exception does); a sale already shipped needs a person. A confirmed sale
//!   without shipments because its stock is counted by adjustments (`shipment_method =
//!   "manual"`) has nothing to stop: its comment says it was cancelled and must not be shipped.
//!
//! The sales made for changes take the shipment method of the order's sale: an order imported
//! without moving stock (`manual`, its stock counted by a hybrid inventory flow's adjustments,
//! restocks included) gets return and edit sales that move none either.
//! - **edit** → made true: each line's quantity in Tryton (the sale's line plus earlier edit
//!   sales) is brought to the edit's `quantity_after`; added units go in an edit sale (reference
//!   `{order} edit {id}`). Once anything shipped, or to lower a line (core Tryton cannot lower a
//!   confirmed sale over RPC), it needs a person: the error names the order and what differs.

use crate::money::{buyer, tryton};
use crate::orders::{currency_id, LINE_NOTE, SHIPPING_NOTE};
use crate::products::str_field;
use crate::rpc::Client;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use weft_sdk::{
    Cancellation, LineEdit, OrderChange, OrderChangeKind, OrderReturn, PluginError, Pushed, Refund, ReturnStatus,
};

/// The note of a credit line for a refunded order line.
const REFUND_NOTE: &str = "shopify refund ";
/// The note of a return line.
const RETURN_NOTE: &str = "shopify return ";

fn fail(field: &str) -> impl Fn(crate::rpc::RpcError) -> PluginError + '_ {
    move |e| e.into_plugin_error(field)
}

/// The sale of an order: id, state, party, addresses, warehouse, currency code.
struct Sale {
    id: i64,
    state: String,
    header: Value,
}

impl Sale {
    /// The sale's shipment method (`order` unless Tryton says otherwise).
    fn shipment_method(&self) -> &str {
        self.header.get("shipment_method").and_then(Value::as_str).unwrap_or("order")
    }
}

fn sale(client: &Client, order_name: &str) -> Result<Option<Sale>, PluginError> {
    let fields = json!([
        "state",
        "party",
        "invoice_address",
        "shipment_address",
        "warehouse",
        "currency.code",
        "shipment_method",
        "comment"
    ]);
    let rows = client
        .model(
            "sale.sale",
            "search_read",
            vec![
                json!([["reference", "=", order_name], ["origin", "=", null]]),
                json!(0),
                json!(1),
                json!([["id", "ASC"]]),
                fields,
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    Ok(rows.get(0).map(|r| Sale {
        id: r.get("id").and_then(Value::as_i64).unwrap_or_default(),
        state: str_field(r, "state").unwrap_or_default(),
        header: r.clone(),
    }))
}

/// Apply one change.
pub fn push(client: &Client, c: &OrderChange) -> Result<Pushed, PluginError> {
    let Some(sale) = sale(client, &c.order_name)? else {
        return match &c.change {
            // Cancelled or edited before Tryton had it: the order itself is imported as it is now.
            OrderChangeKind::Cancellation(_) | OrderChangeKind::Edit(_) => {
                Ok(Pushed::skipped("", format!("order {} is not in Tryton; nothing to change", c.order_name)))
            }
            _ => Err(PluginError::Retryable(format!("order {} is not in Tryton yet", c.order_name))),
        };
    };
    match &c.change {
        OrderChangeKind::Cancellation(x) => cancel(client, &sale, c, x),
        OrderChangeKind::Refund(r) => refund(client, &sale, c, r),
        OrderChangeKind::Return(r) => order_return(client, &sale, c, r),
        OrderChangeKind::Edit(e) => edit(client, &sale, c, e),
    }
}

/// The sale made for a change, by its reference.
fn made(client: &Client, reference: &str) -> Result<Option<i64>, PluginError> {
    let found = client
        .model(
            "sale.sale",
            "search",
            vec![json!([["reference", "=", reference]]), json!(0), json!(1), Value::Null],
            json!({}),
        )
        .map_err(fail("order"))?;
    Ok(found.get(0).and_then(Value::as_i64))
}

/// Create a sale of `lines` for a change of `sale`, quoted and confirmed.
fn change_sale(
    client: &Client,
    sale: &Sale,
    reference: &str,
    description: &str,
    lines: Vec<Value>,
) -> Result<i64, PluginError> {
    let h = &sale.header;
    let currency =
        currency_id(client, h.get("currency.").and_then(|c| str_field(c, "code")).as_deref().unwrap_or_default())?;
    let vals = json!({
        "party": h["party"], "invoice_address": h["invoice_address"], "shipment_address": h["shipment_address"],
        "warehouse": h["warehouse"], "currency": currency, "reference": reference, "description": description,
        "origin": format!("sale.sale,{}", sale.id), "invoice_method": "manual", "shipment_method": sale.shipment_method(),
        "lines": [["create", lines]],
    });
    let id = client
        .model("sale.sale", "create", vec![json!([vals])], json!({}))
        .map_err(fail("order"))?
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("sale.create returned no id".into()))?;
    for step in ["quote", "confirm"] {
        client.model("sale.sale", step, vec![json!([id])], json!({})).map_err(fail("order"))?;
    }
    Ok(id)
}

/// The sale's lines (of it and of its edit sales): id, product, quantity, note, taxes.
fn lines(client: &Client, sale: &Sale) -> Result<Vec<Value>, PluginError> {
    let domain = json!([
        "OR",
        [["sale", "=", sale.id]],
        [["sale.origin", "=", format!("sale.sale,{}", sale.id)], ["sale.reference", "like", "% edit %"]]
    ]);
    let rows = client
        .model(
            "sale.line",
            "search_read",
            vec![
                domain,
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!(["product", "unit", "quantity", "note", "taxes", "unit_price", "description"]),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    Ok(rows.as_array().cloned().unwrap_or_default())
}

fn note(l: &Value) -> String {
    str_field(l, "note").unwrap_or_default()
}

fn taxes_of(l: Option<&Value>) -> Vec<Value> {
    l.and_then(|l| l.get("taxes")).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// Whether any customer shipment of the sale is done.
fn shipped(client: &Client, sale: &Sale) -> Result<bool, PluginError> {
    let found = client
        .model(
            "stock.move",
            "search_count",
            vec![json!([
                ["origin.sale", "=", sale.id, "sale.line"],
                ["state", "=", "done"],
                ["to_location.type", "=", "customer"]
            ])],
            json!({}),
        )
        .map_err(fail("order"))?;
    Ok(found.as_i64().unwrap_or(0) > 0)
}

fn cancel(client: &Client, sale: &Sale, c: &OrderChange, x: &Cancellation) -> Result<Pushed, PluginError> {
    let id = sale.id.to_string();
    match sale.state.as_str() {
        "cancelled" => return Ok(Pushed::unchanged(id)),
        "draft" | "quotation" => {
            client.model("sale.sale", "cancel", vec![json!([sale.id])], json!({})).map_err(fail("order"))?;
            return Ok(Pushed::updated(id));
        }
        _ => {}
    }
    if sale.shipment_method() == "manual" {
        return cancel_unshipped(client, sale, x);
    }
    if shipped(client, sale)? {
        return Err(PluginError::NeedsPerson(format!(
            "order {} was cancelled in Shopify ({}) but Tryton already shipped sale {}: take the goods back and cancel what is left there",
            c.order_name, x.reason, sale.id
        )));
    }
    let shipments = client
        .model(
            "stock.shipment.out",
            "search",
            vec![
                json!([["moves.origin.sale", "=", sale.id, "sale.line"], ["state", "not in", ["cancelled", "done"]]]),
                json!(0),
                Value::Null,
                Value::Null,
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    let open: Vec<i64> = shipments.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    let mut changed = !open.is_empty();
    if changed {
        client.model("stock.shipment.out", "cancel", vec![json!(open)], json!({})).map_err(fail("order"))?;
    }
    // Ignore every cancelled move of the sale (Tryton's "handle shipment exception"), so the
    // sale ends with nothing left to ship.
    let rows = client
        .model(
            "sale.line",
            "search_read",
            vec![
                json!([["sale", "=", sale.id]]),
                json!(0),
                Value::Null,
                Value::Null,
                json!(["moves", "moves_ignored"]),
            ],
            json!({}),
        )
        .map_err(fail("order"))?;
    for line in rows.as_array().into_iter().flatten() {
        let ignored: Vec<i64> =
            line["moves_ignored"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
        let moves: Vec<i64> = line["moves"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .filter(|m| !ignored.contains(m))
            .collect();
        if moves.is_empty() {
            continue;
        }
        let cancelled = client
            .model(
                "stock.move",
                "search",
                vec![json!([["id", "in", moves], ["state", "=", "cancelled"]]), json!(0), Value::Null, Value::Null],
                json!({}),
            )
            .map_err(fail("order"))?;
        let cancelled: Vec<i64> = cancelled.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
        if !cancelled.is_empty() {
            changed = true;
            client
                .model(
                    "sale.line",
                    "write",
                    vec![json!([line["id"]]), json!({"moves_ignored": [["add", cancelled]]})],
                    json!({}),
                )
                .map_err(fail("order"))?;
        }
    }
    if changed {
        client.model("sale.sale", "process", vec![json!([sale.id])], json!({})).map_err(fail("order"))?;
        let comment = format!("Cancelled in Shopify ({}); nothing shipped.", x.reason);
        client
            .model("sale.sale", "write", vec![json!([sale.id]), json!({"comment": comment})], json!({}))
            .map_err(fail("order"))?;
        return Ok(Pushed::updated(id));
    }
    Ok(Pushed::unchanged(id))
}

/// A confirmed sale that creates no shipment (`manual`: its stock is counted by adjustments)
/// cannot be cancelled in Tryton once confirmed and has nothing to stop: a line added to its
/// comment says so, so nobody creates its shipment by hand.
fn cancel_unshipped(client: &Client, sale: &Sale, x: &Cancellation) -> Result<Pushed, PluginError> {
    let line = format!(
        "Cancelled in Shopify ({}); its stock is counted by adjustments: do not create a shipment for it.",
        x.reason
    );
    let was = str_field(&sale.header, "comment").unwrap_or_default();
    if was.contains(&line) {
        return Ok(Pushed::unchanged(sale.id.to_string()));
    }
    let comment = if was.is_empty() { line } else { format!("{was}\n{line}") };
    client
        .model("sale.sale", "write", vec![json!([sale.id]), json!({"comment": comment})], json!({}))
        .map_err(fail("order"))?;
    Ok(Pushed::updated(sale.id.to_string()))
}

fn refund(client: &Client, sale: &Sale, c: &OrderChange, r: &Refund) -> Result<Pushed, PluginError> {
    let reference = format!("{} refund {}", c.order_name, c.external_id.rsplit('/').next().unwrap_or(&c.external_id));
    if let Some(id) = made(client, &reference)? {
        return Ok(Pushed::unchanged(id.to_string()));
    }
    let existing = lines(client, sale)?;
    let find = |prefix: &str, id: &str| existing.iter().find(|l| note(l) == format!("{prefix}{id}"));
    let mut out = Vec::new();
    for (i, l) in r.lines.iter().enumerate().filter(|(_, l)| l.quantity > 0) {
        let subtotal = buyer(&format!("lines[{i}].subtotal"), &l.subtotal)?;
        out.push(json!({"type": "line", "quantity": -(l.quantity as i64), "unit_price": tryton(subtotal / Decimal::from(l.quantity)),
            "description": format!("Refund of {} × {}", l.sku.as_deref().unwrap_or("line"), l.quantity),
            "taxes": [["add", taxes_of(find(LINE_NOTE, &l.line_external_id))]], "note": format!("{REFUND_NOTE}{}", l.line_external_id)}));
    }
    let shipping = buyer("shipping", &r.shipping)?;
    if !shipping.is_zero() {
        let line = existing.iter().find(|l| note(l).starts_with(SHIPPING_NOTE));
        out.push(
            json!({"type": "line", "quantity": -1, "unit_price": tryton(shipping), "description": "Refund of shipping",
            "taxes": [["add", taxes_of(line)]], "note": format!("{SHIPPING_NOTE}refund")}),
        );
    }
    if out.is_empty() {
        return Ok(Pushed::skipped(sale.id.to_string(), "the refund moved no line and no shipping"));
    }
    let description =
        format!("Refund of order {}{}", c.order_name, r.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default());
    Ok(Pushed::created(change_sale(client, sale, &reference, &description, out)?.to_string()))
}

fn order_return(client: &Client, sale: &Sale, c: &OrderChange, r: &OrderReturn) -> Result<Pushed, PluginError> {
    if r.status != ReturnStatus::Closed {
        return Ok(Pushed::skipped(sale.id.to_string(), "Tryton books a return once it is closed (goods received)"));
    }
    let id = c.external_id.trim_end_matches("/closed");
    let reference = format!("{} return {}", c.order_name, id.rsplit('/').next().unwrap_or(id));
    if let Some(made) = made(client, &reference)? {
        return Ok(Pushed::unchanged(made.to_string()));
    }
    let existing = lines(client, sale)?;
    let mut out = Vec::new();
    for (i, l) in r.lines.iter().enumerate().filter(|(_, l)| l.quantity > 0) {
        let line =
            existing.iter().find(|x| note(x) == format!("{LINE_NOTE}{}", l.line_external_id)).ok_or_else(|| {
                PluginError::invalid(
                    &format!("lines[{i}]"),
                    &format!("sale {} has no line {}", sale.id, l.line_external_id),
                )
            })?;
        out.push(json!({"type": "line", "product": line["product"], "unit": line["unit"], "quantity": -(l.quantity as i64),
            "unit_price": tryton(Decimal::ZERO), "description": format!("Return: {}", l.reason.as_deref().unwrap_or("no reason given")),
            "note": format!("{RETURN_NOTE}{}", l.line_external_id)}));
    }
    Ok(Pushed::created(
        change_sale(client, sale, &reference, &format!("Return of order {}", c.order_name), out)?.to_string(),
    ))
}

fn edit(client: &Client, sale: &Sale, c: &OrderChange, edits: &[LineEdit]) -> Result<Pushed, PluginError> {
    let existing = lines(client, sale)?;
    let effective = |id: &str| -> i64 {
        existing
            .iter()
            .filter(|l| note(l) == format!("{LINE_NOTE}{id}"))
            .map(|l| l["quantity"].as_f64().unwrap_or(0.0).round() as i64)
            .sum()
    };
    let differs: Vec<(&LineEdit, i64)> = edits
        .iter()
        .map(|e| (e, i64::from(e.quantity_after) - effective(&e.line_external_id)))
        .filter(|(_, d)| *d != 0)
        .collect();
    if differs.is_empty() {
        return Ok(Pushed::unchanged(sale.id.to_string()));
    }
    let what = || {
        differs
            .iter()
            .map(|(e, d)| {
                format!(
                    "{} {} → {} ({d:+})",
                    e.sku.as_deref().unwrap_or(&e.line_external_id),
                    e.quantity_after as i64 - d,
                    e.quantity_after
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if shipped(client, sale)? {
        return Err(PluginError::NeedsPerson(format!(
            "order {} was edited in Shopify after Tryton shipped sale {}: {}; change the sale in Tryton by hand",
            c.order_name,
            sale.id,
            what()
        )));
    }
    if differs.iter().any(|(_, d)| *d < 0) {
        return Err(PluginError::NeedsPerson(format!(
            "order {} was edited in Shopify to lower lines of confirmed sale {}: {}; core Tryton cannot lower a confirmed sale over RPC: change it by hand",
            c.order_name, sale.id, what()
        )));
    }
    let mut out = Vec::new();
    for (e, delta) in &differs {
        let sku = e.sku.as_deref().ok_or_else(|| PluginError::invalid("edit.sku", "an added line needs a SKU"))?;
        let product = client
            .model(
                "product.product",
                "search_read",
                vec![json!([["code", "=", sku]]), json!(0), json!(1), Value::Null, json!(["default_uom"])],
                json!({}),
            )
            .map_err(fail("edit"))?;
        let product =
            product.get(0).ok_or_else(|| PluginError::NotFound(format!("no Tryton product with code `{sku}`")))?;
        let known = existing.iter().find(|l| note(l) == format!("{LINE_NOTE}{}", e.line_external_id));
        let price = match (&e.unit_price, known) {
            (Some(p), _) => tryton(buyer("edit.unit_price", p)?),
            (None, Some(l)) => l["unit_price"].clone(),
            (None, None) => return Err(PluginError::invalid("edit.unit_price", "an added line needs its unit price")),
        };
        out.push(json!({"type": "line", "product": product["id"], "unit": product["default_uom"], "quantity": delta,
            "unit_price": price, "description": format!("Added by an edit in Shopify: {sku}"),
            "taxes": [["add", taxes_of(known)]], "note": format!("{LINE_NOTE}{}", e.line_external_id)}));
    }
    let reference = format!("{} edit {}", c.order_name, c.external_id.rsplit('/').next().unwrap_or(&c.external_id));
    if let Some(id) = made(client, &reference)? {
        return Ok(Pushed::unchanged(id.to_string()));
    }
    Ok(Pushed::created(
        change_sale(client, sale, &reference, &format!("Edit of order {}", c.order_name), out)?.to_string(),
    ))
}
