//! Stock per SKU and warehouse.
//!
//! * `on-hand`  = `quantity` in the warehouse (and its child zones) up to today, rounded down.
//! * `incoming` = planned moves (`draft`/`assigned`) into the warehouse from outside it
//!   (supplier deliveries, transfers in), in the product's unit.
//! * `reserved` = planned moves out of the warehouse (customer shipments of confirmed sales,
//!   transfers out) that are not done yet. Tryton's `forecast_quantity` is then
//!   `on-hand + incoming - reserved`; it is kept in `extra` for checking.
//! * `safety-stock` = 0 (Tryton core has no safety stock; order points live in `stock_supply`).
//!
//! Stock changes touch neither the product nor the template, so incremental pulls follow their
//! own cursor on `stock.move` `(last_modified_at, id)`: the first pull scans every product (by id)
//! after noting the latest move, then later pulls re-read the products whose moves changed.

use crate::products::str_field;
use crate::rpc::Client;
use crate::values::{decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, Mark};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use weft_sdk::{InventoryLevel, Page, PluginError, Record};

/// Where an inventory pull continues.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
enum Cursor {
    /// Full scan of products by id; `moves` is where the move cursor starts afterwards.
    Scan { after: i64, moves: Option<Mark> },
    /// Following stock moves.
    Moves { mark: Option<Mark> },
}

/// A warehouse and every location inside it.
struct Warehouse {
    id: i64,
    code: String,
    inside: BTreeSet<i64>,
}

/// One page of stock levels.
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let warehouses = warehouses(client)?;
    let batch = (limit as usize / warehouses.len().max(1)).max(1);
    let cursor = match cursor {
        Some(c) => decode_cursor(c)?,
        None => {
            Cursor::Scan { after: 0, moves: latest_move(client)?.map(|m| m.rewound(client.settings().overlap_seconds)) }
        }
    };
    match cursor {
        Cursor::Scan { after, moves } => {
            let domain = json!([["id", ">", after], ["type", "=", "goods"]]);
            let rows = call(
                client,
                "product.product",
                "search_read",
                vec![domain, json!(0), json!(batch), json!([["id", "ASC"]]), json!(["id"])],
            )?;
            let ids: Vec<i64> =
                rows.as_array().into_iter().flatten().filter_map(|r| r.get("id").and_then(Value::as_i64)).collect();
            let records = levels(client, &warehouses, &ids, None)?;
            let next = match ids.last() {
                Some(&last) if ids.len() == batch => Cursor::Scan { after: last, moves },
                _ => Cursor::Moves { mark: moves },
            };
            Ok(Page { records, has_more: matches!(next, Cursor::Scan { .. }), next_cursor: Some(encode_cursor(&next)) })
        }
        Cursor::Moves { mark } => {
            let domain = domain_after(mark.as_ref(), Vec::new());
            let moves = call(
                client,
                "stock.move",
                "search_read",
                vec![domain, json!(0), json!(limit), order_by_mark(), json!(["product", "last_modified_at"])],
            )?;
            let moves = moves.as_array().cloned().unwrap_or_default();
            // Take moves in order until `batch` distinct products; the cursor stops at the last taken.
            let mut products = Vec::new();
            let mut last = None;
            let mut truncated = false;
            for m in &moves {
                let Some(p) = m.get("product").and_then(Value::as_i64) else { continue };
                if !products.contains(&p) {
                    if products.len() == batch {
                        truncated = true;
                        break;
                    }
                    products.push(p);
                }
                last = Mark::of(m);
            }
            let at = last.map(|m| crate::values::rfc3339(m.at));
            let records = levels(client, &warehouses, &products, at)?;
            let full = truncated || moves.len() as u32 >= limit;
            let next = Cursor::Moves { mark: next_mark(mark, last, full, client.settings().overlap_seconds) };
            Ok(Page { records, has_more: full, next_cursor: Some(encode_cursor(&next)) })
        }
    }
}

fn call(client: &Client, model: &str, method: &str, params: Vec<Value>) -> Result<Value, PluginError> {
    client.model(model, method, params, json!({})).map_err(|e| e.into_plugin_error("inventory-level"))
}

/// The newest stock move, where following moves starts.
fn latest_move(client: &Client) -> Result<Option<Mark>, PluginError> {
    let rows = call(
        client,
        "stock.move",
        "search_read",
        vec![
            json!([]),
            json!(0),
            json!(1),
            json!([["last_modified_at", "DESC"], ["id", "DESC"]]),
            json!(["last_modified_at"]),
        ],
    )?;
    Ok(rows.get(0).and_then(Mark::of))
}

/// The configured warehouses (all when none configured) with the locations inside each.
fn warehouses(client: &Client) -> Result<Vec<Warehouse>, PluginError> {
    let wanted = &client.settings().warehouses;
    let mut domain = vec![json!(["type", "=", "warehouse"])];
    if !wanted.is_empty() {
        domain.push(json!(["id", "in", wanted]));
    }
    let found = call(
        client,
        "stock.location",
        "search_read",
        vec![Value::Array(domain), json!(0), Value::Null, json!([["id", "ASC"]]), json!(["code", "name"])],
    )?;
    let found = found.as_array().cloned().unwrap_or_default();
    if let Some(missing) =
        wanted.iter().find(|id| !found.iter().any(|w| w.get("id").and_then(Value::as_i64) == Some(**id)))
    {
        return Err(PluginError::invalid(
            "warehouses",
            &format!("stock.location {missing} is not a warehouse of this Tryton"),
        ));
    }
    let all = call(
        client,
        "stock.location",
        "search_read",
        vec![json!([]), json!(0), Value::Null, Value::Null, json!(["parent"])],
    )?;
    let parents: BTreeMap<i64, Option<i64>> = all
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| Some((l.get("id")?.as_i64()?, l.get("parent").and_then(Value::as_i64))))
        .collect();
    Ok(found
        .iter()
        .filter_map(|w| {
            let id = w.get("id")?.as_i64()?;
            let inside = parents.keys().copied().filter(|&l| is_inside(&parents, l, id)).collect();
            let code = str_field(w, "code").or_else(|| str_field(w, "name")).unwrap_or_else(|| id.to_string());
            Some(Warehouse { id, code, inside })
        })
        .collect())
}

fn is_inside(parents: &BTreeMap<i64, Option<i64>>, mut location: i64, warehouse: i64) -> bool {
    for _ in 0..64 {
        if location == warehouse {
            return true;
        }
        match parents.get(&location).copied().flatten() {
            Some(p) => location = p,
            None => return false,
        }
    }
    false
}

/// Levels of `products` in every warehouse.
fn levels(
    client: &Client,
    warehouses: &[Warehouse],
    products: &[i64],
    updated_at: Option<String>,
) -> Result<Vec<Record>, PluginError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let moves = call(
        client,
        "stock.move",
        "search_read",
        vec![
            json!([["product", "in", products], ["state", "in", ["draft", "assigned"]]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["product", "from_location", "to_location", "internal_quantity"]),
        ],
    )?;
    let moves = moves.as_array().cloned().unwrap_or_default();
    let mut records = Vec::new();
    for wh in warehouses {
        let ctx = json!({"locations": [wh.id], "with_childs": true});
        let rows = client
            .model(
                "product.product",
                "search_read",
                vec![
                    json!([["id", "in", products]]),
                    json!(0),
                    Value::Null,
                    json!([["id", "ASC"]]),
                    json!(["code", "quantity", "forecast_quantity"]),
                ],
                ctx,
            )
            .map_err(|e| e.into_plugin_error("inventory-level"))?;
        for row in rows.as_array().into_iter().flatten() {
            let Some(pid) = row.get("id").and_then(Value::as_i64) else { continue };
            let sku = str_field(row, "code");
            let (mut incoming, mut reserved) = (0.0, 0.0);
            for m in moves.iter().filter(|m| m.get("product").and_then(Value::as_i64) == Some(pid)) {
                let loc = |k: &str| m.get(k).and_then(Value::as_i64).is_some_and(|l| wh.inside.contains(&l));
                let qty = m.get("internal_quantity").and_then(Value::as_f64).unwrap_or(0.0);
                match (loc("from_location"), loc("to_location")) {
                    (false, true) => incoming += qty,
                    (true, false) => reserved += qty,
                    _ => {}
                }
            }
            let quantity = row.get("quantity").and_then(Value::as_f64).unwrap_or(0.0);
            let forecast = row.get("forecast_quantity").and_then(Value::as_f64).unwrap_or(0.0);
            records.push(Record::InventoryLevel(InventoryLevel {
                external_id: format!("{}@{}", sku.clone().unwrap_or_else(|| pid.to_string()), wh.code),
                sku,
                location: wh.code.clone(),
                // Round against overselling: on hand down, commitments up.
                on_hand: quantity.floor() as i64,
                reserved: reserved.ceil() as i64,
                incoming: incoming.floor() as i64,
                safety_stock: 0,
                updated_at: updated_at.clone(),
                extra: json!({"product_id": pid, "warehouse_id": wh.id, "quantity": quantity, "forecast_quantity": forecast}).to_string(),
            }));
        }
    }
    Ok(records)
}
