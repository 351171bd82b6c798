//! Inventory writes with 2026-04 semantics: `inventorySetQuantities` (names `available` /
//! `on_hand`, `changeFromQuantity` compare-and-set, all-or-nothing), `inventoryAdjustQuantities`
//! `inventoryActivate` and `inventoryBulkToggleActivation`. Limits on input size are checked by
//! the caller.

use super::{rel, rel_level, user_errors};
use crate::limits;
use crate::store::model::{AdjustmentGroup, InventoryChange, UserError};
use crate::store::{now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};
use std::collections::HashSet;

/// Reasons Shopify documents for inventory changes.
const REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

/// Quantity names that can be adjusted by delta.
const ADJUSTABLE: &[&str] =
    &["available", "committed", "damaged", "incoming", "quality_control", "reserved", "safety_stock"];

fn group_payload(group: Option<u64>, errors: &[UserError]) -> Json {
    json!({"inventoryAdjustmentGroup": group.map(|g| rel("InventoryAdjustmentGroup", g)), "userErrors": user_errors(errors)})
}

/// One validated line of a set/adjust request.
struct Line {
    item: u64,
    location: u64,
    /// Target quantity (set) or delta (adjust).
    value: i64,
}

/// Validates item, location, stocking and compare-and-set of line `i` (`list` names the input list).
fn check_line(store: &Store, q: &Json, i: usize, list: &str, name: &str, value_key: &str) -> Result<Line, UserError> {
    let idx = i.to_string();
    let at = |f: &str| vec!["input".to_string(), list.to_string(), idx.clone(), f.to_string()];
    let err = |f: &str, msg: &str, code: &str| UserError {
        field: Some(at(f)),
        message: msg.to_string(),
        code: Some(code.to_string()),
    };
    let item = q.get("inventoryItemId").and_then(Json::as_str).and_then(|s| parse_gid("InventoryItem", s));
    let item = item.filter(|i| store.inventory_items.contains_key(i)).ok_or_else(|| {
        err("inventoryItemId", "The specified inventory item could not be found.", "INVALID_INVENTORY_ITEM")
    })?;
    let location = q.get("locationId").and_then(Json::as_str).and_then(|s| parse_gid("Location", s));
    let location = location
        .filter(|l| store.locations.contains_key(l))
        .ok_or_else(|| err("locationId", "The specified location could not be found.", "INVALID_LOCATION"))?;
    let level = store.levels.get(&(item, location)).ok_or_else(|| {
        err(
            "locationId",
            "The specified inventory item is not stocked at the location.",
            "ITEM_NOT_STOCKED_AT_LOCATION",
        )
    })?;
    let value = q.get(value_key).and_then(Json::as_i64).unwrap_or(0);
    // Set: the total within ±1,000,000,000; adjust: a change within ±2,000,000,000 (Shopify's wording per mutation).
    let (limit, what, bound) = if list == "quantities" {
        (limits::SET_QUANTITY_LIMIT, "total quantity", "1,000,000,000")
    } else {
        (limits::ADJUST_QUANTITY_LIMIT, "quantity", "2,000,000,000")
    };
    if value > limit {
        return Err(err(value_key, &format!("The {what} can't be higher than {bound}."), "INVALID_QUANTITY_TOO_HIGH"));
    }
    if value < -limit {
        return Err(err(value_key, &format!("The {what} can't be lower than -{bound}."), "INVALID_QUANTITY_TOO_LOW"));
    }
    match q.get("changeFromQuantity") {
        None => Err(err(
            "changeFromQuantity",
            "The changeFromQuantity argument must be provided. Pass null to opt out of the compare check.",
            "COMPARE_QUANTITY_REQUIRED",
        )),
        Some(Json::Null) => Ok(Line { item, location, value }),
        Some(expected) => {
            let current = level.quantity(name);
            if expected.as_i64() == Some(current) {
                Ok(Line { item, location, value })
            } else {
                Err(err(
                    "changeFromQuantity",
                    &format!("The specified compare quantity does not match the current quantity ({current})."),
                    "CHANGE_FROM_QUANTITY_STALE",
                ))
            }
        }
    }
}

fn check_reason(input: &Json) -> Option<UserError> {
    let reason = input.get("reason").and_then(Json::as_str).unwrap_or("");
    (!REASONS.contains(&reason))
        .then(|| UserError::new(&["input", "reason"], "The specified reason is invalid.", Some("INVALID_REASON")))
}

/// Records changes as an adjustment group, emits level webhooks, returns the group id.
fn record(store: &mut Store, input: &Json, changes: Vec<InventoryChange>) -> u64 {
    let id = store.next_id();
    let touched: HashSet<(u64, u64)> =
        changes.iter().filter(|c| c.delta != 0).map(|c| (c.item_id, c.location_id)).collect();
    store.adjustment_groups.insert(
        id,
        AdjustmentGroup {
            id,
            reason: input.get("reason").and_then(Json::as_str).unwrap_or("").to_string(),
            reference_document_uri: input.get("referenceDocumentUri").and_then(Json::as_str).map(str::to_string),
            changes,
            created_at: now(),
        },
    );
    let mut touched: Vec<_> = touched.into_iter().collect();
    touched.sort();
    for (item, loc) in touched {
        if let Some(i) = store.inventory_items.get_mut(&item) {
            i.updated_at = now();
        }
        store.emit_level_update(item, loc);
    }
    id
}

/// The change entries for a level after `name` moved by `delta` (setting `available` also moves `on_hand`).
fn changes_for(store: &Store, item: u64, location: u64, name: &str, delta: i64) -> Vec<InventoryChange> {
    let level = &store.levels[&(item, location)];
    let mut names = vec![name.to_string()];
    if name == "available" {
        names.push("on_hand".to_string());
    } else if name == "on_hand" {
        names.insert(0, "available".to_string());
    }
    names
        .into_iter()
        .map(|n| InventoryChange {
            quantity_after_change: level.quantity(&n),
            name: n,
            delta,
            item_id: item,
            location_id: location,
        })
        .collect()
}

/// `inventorySetQuantities(input:)`: absolute quantities, all-or-nothing.
pub fn set_quantities(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").unwrap_or(&Json::Null);
    let name = input.get("name").and_then(Json::as_str).unwrap_or("").to_string();
    if name != "available" && name != "on_hand" {
        let e = UserError::new(
            &["input", "name"],
            "The quantity name must be either 'available' or 'on_hand'.",
            Some("INVALID_NAME"),
        );
        return group_payload(None, &[e]);
    }
    if let Some(e) = check_reason(input) {
        return group_payload(None, &[e]);
    }
    let quantities = input.get("quantities").and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    for (i, q) in quantities.iter().enumerate() {
        match check_line(store, q, i, "quantities", &name, "quantity") {
            Ok(line) if !seen.insert((line.item, line.location)) => errors.push(UserError::new(
                &["input", "quantities", &i.to_string()],
                "The combination of inventoryItemId and locationId must be unique.",
                Some("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"),
            )),
            Ok(line) => lines.push(line),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return group_payload(None, &errors);
    }
    let mut changes = Vec::new();
    for line in &lines {
        let delta = store.set_quantity(line.item, line.location, &name, line.value).unwrap_or(0);
        changes.extend(changes_for(store, line.item, line.location, &name, delta));
    }
    let group = record(store, input, changes);
    group_payload(Some(group), &[])
}

/// `inventoryAdjustQuantities(input:)`: deltas, all-or-nothing.
pub fn adjust_quantities(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").unwrap_or(&Json::Null);
    let name = input.get("name").and_then(Json::as_str).unwrap_or("").to_string();
    if !ADJUSTABLE.contains(&name.as_str()) {
        let e = UserError::new(
            &["input", "name"],
            "The specified quantity name is invalid.",
            Some("INVALID_QUANTITY_NAME"),
        );
        return group_payload(None, &[e]);
    }
    if let Some(e) = check_reason(input) {
        return group_payload(None, &[e]);
    }
    let list = input.get("changes").and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let ledger = c.get("ledgerDocumentUri").and_then(Json::as_str);
        if name != "available" && ledger.is_none() {
            errors.push(UserError::new(
                &["input", "changes", &i.to_string(), "ledgerDocumentUri"],
                "A ledger document URI is required for this quantity name.",
                Some("INVALID_QUANTITY_DOCUMENT"),
            ));
            continue;
        }
        match check_line(store, c, i, "changes", &name, "delta") {
            Ok(line) => lines.push(line),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return group_payload(None, &errors);
    }
    let mut changes = Vec::new();
    for line in &lines {
        let current = store.levels[&(line.item, line.location)].quantity(&name);
        store.set_quantity(line.item, line.location, &name, current + line.value);
        changes.extend(changes_for(store, line.item, line.location, &name, line.value));
    }
    let group = record(store, input, changes);
    group_payload(Some(group), &[])
}

/// `inventoryActivate(inventoryItemId:, locationId:, available:)`.
pub fn activate(store: &mut Store, a: &Map<String, Json>) -> Json {
    let item = a
        .get("inventoryItemId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("InventoryItem", s))
        .filter(|i| store.inventory_items.contains_key(i));
    let loc = a
        .get("locationId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("Location", s))
        .filter(|l| store.locations.contains_key(l));
    let (Some(item), Some(loc)) = (item, loc) else {
        let e = UserError::new(&["inventoryItemId"], "Inventory item or location not found", None);
        return json!({"inventoryLevel": null, "userErrors": user_errors(&[e])});
    };
    store.activate(item, loc);
    if let Some(available) = a.get("available").and_then(Json::as_i64) {
        store.set_quantity(item, loc, "available", available);
        store.emit_level_update(item, loc);
    }
    json!({"inventoryLevel": rel_level(item, loc), "userErrors": []})
}

/// `inventoryBulkToggleActivation(inventoryItemId:, inventoryItemUpdates:)`: stocks an item at
/// several locations (or unstocks it) in one call; all updates are checked before any applies.
pub fn bulk_toggle_activation(store: &mut Store, a: &Map<String, Json>) -> Json {
    let failed =
        |e: UserError| json!({"inventoryItem": null, "inventoryLevels": null, "userErrors": user_errors(&[e])});
    let item = a
        .get("inventoryItemId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("InventoryItem", s))
        .filter(|i| store.inventory_items.contains_key(i));
    let Some(item) = item else {
        return failed(UserError::new(
            &["inventoryItemId"],
            "The inventory item was not found.",
            Some("INVENTORY_ITEM_NOT_FOUND"),
        ));
    };
    let mut updates = Vec::new();
    for (i, u) in a.get("inventoryItemUpdates").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let loc = u
            .get("locationId")
            .and_then(Json::as_str)
            .and_then(|s| parse_gid("Location", s))
            .filter(|l| store.locations.contains_key(l));
        let Some(loc) = loc else {
            return failed(UserError::new(
                &["inventoryItemUpdates", &i.to_string(), "locationId"],
                "The location was not found.",
                Some("LOCATION_NOT_FOUND"),
            ));
        };
        updates.push((loc, u.get("activate").and_then(Json::as_bool).unwrap_or(true)));
    }
    let stocked_after = store
        .levels
        .range((item, 0)..=(item, u64::MAX))
        .filter(|((_, l), _)| !updates.iter().any(|(loc, on)| loc == l && !on))
        .count()
        + updates.iter().filter(|(loc, on)| *on && !store.levels.contains_key(&(item, *loc))).count();
    if stocked_after == 0 {
        return failed(UserError::new(
            &["inventoryItemUpdates"],
            "Cannot unstock an inventory item from the only location at which it is stocked.",
            Some("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION"),
        ));
    }
    let mut levels = Vec::new();
    for (loc, on) in updates {
        if on {
            store.activate(item, loc);
            levels.push(rel_level(item, loc));
        } else {
            store.levels.remove(&(item, loc));
        }
    }
    json!({"inventoryItem": rel("InventoryItem", item), "inventoryLevels": levels, "userErrors": []})
}
