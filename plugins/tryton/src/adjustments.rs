//! Stock changes made in Shopify (hybrid inventory), booked in Tryton: one internal shipment per
//! adjustment whose `reference` is the adjustment's id, from the warehouse's storage location to
//! the adjustment location (units taken) or back (units added), pushed to done at once. The
//! adjustment location is `adjustment_location` (a stock.location id) or else the warehouse's
//! lost-and-found. The reference makes booking idempotent in Tryton itself: an adjustment already
//! there is only pushed on to done (a crash between creating and finishing it), never booked
//! twice.

use crate::rpc::Client;
use serde_json::{json, Value};
use weft_sdk::{config, InventoryAdjustment, PluginError, Pushed};

fn call(client: &Client, model: &str, method: &str, params: Vec<Value>) -> Result<Value, PluginError> {
    client.model(model, method, params, json!({})).map_err(|e| e.into_plugin_error("inventory-adjustment"))
}

/// The one id a search found, if any.
fn first_id(found: &Value) -> Option<i64> {
    found.get(0).and_then(|r| r.get("id")).and_then(Value::as_i64)
}

/// Book one adjustment; the pushed id is the internal shipment's.
pub fn push(client: &Client, a: &InventoryAdjustment) -> Result<Pushed, PluginError> {
    if a.external_id.trim().is_empty() {
        return Err(PluginError::invalid("external-id", "the adjustment needs its id (the shipment's reference)"));
    }
    if a.delta == 0 {
        return Err(PluginError::invalid("delta", "an adjustment of 0 books nothing"));
    }
    let found = call(
        client,
        "stock.shipment.internal",
        "search_read",
        vec![json!([["reference", "=", a.external_id]]), json!(0), json!(1), Value::Null, json!(["state"])],
    )?;
    if let Some(id) = first_id(&found) {
        let state = found[0]["state"].as_str().unwrap_or("").to_owned();
        finish(client, id, &state)?;
        return Ok(Pushed::unchanged(id.to_string()));
    }
    let warehouse = call(
        client,
        "stock.location",
        "search_read",
        vec![
            json!([["type", "=", "warehouse"], ["code", "=", a.location]]),
            json!(0),
            json!(1),
            Value::Null,
            json!(["storage_location", "lost_found_location"]),
        ],
    )?;
    let Some(storage) = warehouse.get(0).and_then(|w| w["storage_location"].as_i64()) else {
        return Err(PluginError::invalid("location", &format!("no Tryton warehouse with code {:?}", a.location)));
    };
    let other = match config::get("adjustment_location") {
        Some(text) => text.trim().trim_matches('"').parse::<i64>().map_err(|_| {
            PluginError::invalid("adjustment_location", &format!("`{text}` is not a stock.location id"))
        })?,
        None => warehouse[0]["lost_found_location"].as_i64().ok_or_else(|| {
            PluginError::invalid(
                "adjustment_location",
                &format!("warehouse {} has no lost-and-found location; set adjustment_location", a.location),
            )
        })?,
    };
    let product = call(
        client,
        "product.product",
        "search_read",
        vec![json!([["code", "=", a.sku]]), json!(0), json!(1), Value::Null, json!(["default_uom", "cost_price"])],
    )?;
    let (Some(product_id), Some(unit)) = (first_id(&product), product.get(0).and_then(|p| p["default_uom"].as_i64()))
    else {
        return Err(PluginError::invalid("sku", &format!("no Tryton product with code {:?}", a.sku)));
    };
    let (from, to) = if a.delta < 0 { (storage, other) } else { (other, storage) };
    let company = client.settings().company;
    let mut the_move = json!({
        "product": product_id,
        "from_location": from,
        "to_location": to,
        "quantity": a.delta.unsigned_abs(),
        "unit": unit,
        "company": company,
    });
    // Tryton wants a unit price exactly on the moves it values (to or from a supplier, a
    // customer, production) and refuses one on the others (lost-and-found, inventory): at the
    // product's cost, in the company's currency, where the adjustment location asks for it.
    let types = call(client, "stock.location", "read", vec![json!([from, to]), json!(["type"])])?;
    let type_of = |id: i64| {
        types.as_array().into_iter().flatten().find(|l| l["id"].as_i64() == Some(id)).and_then(|l| l["type"].as_str())
    };
    if unit_price_required(type_of(from).unwrap_or(""), type_of(to).unwrap_or("")) {
        let cost = product[0].get("cost_price").filter(|v| !v.is_null()).cloned();
        let companies = call(client, "company.company", "read", vec![json!([company]), json!(["currency"])])?;
        let Some(currency) = companies.get(0).and_then(|c| c["currency"].as_i64()) else {
            return Err(PluginError::invalid(
                "company",
                &format!("company {company} does not exist or has no currency"),
            ));
        };
        the_move["unit_price"] = cost.unwrap_or_else(|| json!({"__class__": "Decimal", "decimal": "0"}));
        the_move["currency"] = json!(currency);
    }
    let created = call(
        client,
        "stock.shipment.internal",
        "create",
        vec![json!([{
            "reference": a.external_id,
            "company": company,
            "from_location": from,
            "to_location": to,
            "moves": [["create", [the_move]]],
        }])],
    )?;
    let id =
        first_number(&created).ok_or_else(|| PluginError::Retryable("Tryton created no internal shipment".into()))?;
    finish(client, id, "draft")?;
    Ok(Pushed::created(id.to_string()))
}

/// Whether Tryton requires (and so accepts) a unit price on a move between locations of these
/// types (`stock.move.on_change_with_unit_price_required`, Tryton 7–8).
fn unit_price_required(from: &str, to: &str) -> bool {
    let stock = |t: &str| matches!(t, "storage" | "drop" | "view");
    (from == "supplier" && stock(to))
        || (from == "production" && to != "lost_found")
        || (stock(from) && matches!(to, "customer" | "supplier"))
        || (from == "customer" && stock(to))
}

fn first_number(v: &Value) -> Option<i64> {
    v.get(0).and_then(Value::as_i64)
}

/// Push an internal shipment from `state` to done.
fn finish(client: &Client, id: i64, state: &str) -> Result<(), PluginError> {
    let steps: &[&str] = match state {
        "draft" => &["wait", "assign_force", "do"],
        "waiting" => &["assign_force", "do"],
        "assigned" => &["do"],
        "done" => &[],
        other => {
            return Err(PluginError::Permanent(format!(
                "internal shipment {id} of this adjustment is {other}; a person must look at it"
            )))
        }
    };
    for step in steps {
        call(client, "stock.shipment.internal", step, vec![json!([id])])?;
    }
    Ok(())
}
