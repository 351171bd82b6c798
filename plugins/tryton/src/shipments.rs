//! Fulfillments: each customer shipment of a shop sale that is done, line by line (its outgoing
//! moves: product code and quantity), with its `reference` as the tracking number (several
//! separated by `;`) and the configured `carrier` as the tracking company. A partial shipment
//! and the one of the rest are two records.

use crate::products::str_field;
use crate::rpc::Client;
use crate::values::{decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, updated_at, Mark};
use serde_json::{json, Value};
use weft_sdk::{config, Fulfillment, FulfillmentLine, Page, PluginError, Record, Tracking};

/// One page of shipments done after `cursor`.
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let start: Option<Mark> = cursor.map(decode_cursor).transpose()?;
    let rows = client
        .model(
            "stock.shipment.out",
            "search_read",
            vec![
                domain_after(start.as_ref(), vec![json!(["state", "=", "done"])]),
                json!(0),
                json!(limit),
                order_by_mark(),
                json!(["reference", "number", "effective_date", "outgoing_moves", "last_modified_at"]),
            ],
            json!({}),
        )
        .map_err(|e| e.into_plugin_error("fulfillment"))?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let moves: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.get("outgoing_moves").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|m| m.as_i64())
        .collect();
    let moves = client
        .model(
            "stock.move",
            "search_read",
            vec![
                json!([["id", "in", moves], ["state", "=", "done"]]),
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!([
                    "shipment",
                    "product.code",
                    "quantity",
                    "origin",
                    "origin.note",
                    "origin.sale.reference",
                    "origin.sale.id"
                ]),
            ],
            json!({}),
        )
        .map_err(|e| e.into_plugin_error("fulfillment"))?;
    let moves = moves.as_array().cloned().unwrap_or_default();
    let records = rows.iter().filter_map(|r| shipment(r, &moves)).map(Record::Fulfillment).collect();
    let full = rows.len() as u32 >= limit;
    let next = next_mark(start, rows.last().and_then(Mark::of), full, client.settings().overlap_seconds);
    Ok(Page { records, next_cursor: next.map(|m| encode_cursor(&m)), has_more: full })
}

/// A done shipment as a fulfillment of its sale; none when it ships no sale of the shop.
fn shipment(r: &Value, moves: &[Value]) -> Option<Fulfillment> {
    let id = r.get("id").and_then(Value::as_i64)?;
    let mine: Vec<&Value> = moves
        .iter()
        .filter(|m| m.get("shipment").and_then(Value::as_str) == Some(&format!("stock.shipment.out,{id}")))
        .collect();
    let sale = mine.iter().find_map(|m| m.get("origin.").and_then(|o| o.get("sale.")))?;
    let lines = mine
        .iter()
        .map(|m| FulfillmentLine {
            line_external_id: m
                .get("origin.")
                .and_then(|o| str_field(o, "note"))
                .and_then(|n| n.strip_prefix(crate::orders::LINE_NOTE).map(str::to_owned)),
            sku: m.get("product.").and_then(|p| str_field(p, "code")),
            quantity: m.get("quantity").and_then(Value::as_f64).unwrap_or(0.0).max(0.0).round() as u32,
        })
        .filter(|l| l.quantity > 0)
        .collect();
    let tracking = str_field(r, "reference")
        .map(|numbers| {
            numbers
                .split(';')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| Tracking { number: n.to_owned(), company: config::get("carrier"), url: None })
                .collect()
        })
        .unwrap_or_default();
    Some(Fulfillment {
        external_id: format!("shipment-{id}"),
        order_external_id: sale.get("id").and_then(Value::as_i64).unwrap_or_default().to_string(),
        order_name: str_field(sale, "reference").unwrap_or_default(),
        lines,
        tracking,
        location: None,
        shipped_at: updated_at(r),
        extra: json!({"number": r.get("number")}).to_string(),
    })
}
