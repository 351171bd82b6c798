//! Revert of inventory levels a run set.

use super::state;
use crate::flow::base::block_on;
use crate::flow::base::revert::RevertReport;
use crate::shopify::inventory::{self as inv, QuantityName, QuantitySet, SetQuantities};
use crate::shopify::{ShopifyClient, WriteError};
use crate::store::{Store, UndoEntry};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Put back the levels of `list` with compare-and-set from the run's value (dry run: only
/// report); a restored level's "last pushed" is forgotten. Levels the run stocked are listed.
pub fn revert(
    client: &ShopifyClient,
    store: &Store,
    run_id: u64,
    list: &[&UndoEntry],
    report: &mut RevertReport,
) -> Result<(), String> {
    let (new, list): (Vec<&UndoEntry>, Vec<&UndoEntry>) = list.iter().partition(|e| e.before.is_null());
    for e in new {
        report.for_person.push(format!(
            "{} {} at {}: stocked there by the run (was not before); left stocked",
            e.object,
            e.key,
            e.location.as_deref().unwrap_or("")
        ));
    }
    let mut skus: Vec<String> = list.iter().map(|e| e.key.clone()).collect();
    skus.sort();
    skus.dedup();
    let read = block_on(inv::levels_by_sku(client, &skus)).map_err(|e| format!("Shopify: {e}"))?;
    let now: BTreeMap<(&str, &str), i64> =
        read.iter().map(|l| ((l.inventory_item_id.as_str(), l.location_id.as_str()), l.available)).collect();
    let todo = report.triage(&list, |e| {
        now.get(&(e.target_id.as_str(), e.location.as_deref().unwrap_or(""))).map_or(Value::Null, |v| json!(v))
    });
    if report.dry_run || todo.is_empty() {
        report.settle(todo, &Ok(()));
        return Ok(());
    }
    let sets: Vec<QuantitySet> = todo
        .iter()
        .map(|(e, _)| QuantitySet {
            inventory_item_id: e.target_id.clone(),
            location_id: e.location.clone().unwrap_or_default(),
            quantity: e.before.as_i64().unwrap_or(0),
            change_from: e.after.as_i64(),
        })
        .collect();
    let scope = format!("weft/revert/{run_id}");
    let req = SetQuantities {
        name: QuantityName::Available,
        reason: "correction",
        reference_document_uri: None,
        key_scope: &scope,
    };
    let results = block_on(inv::set_quantities(client, &req, &sets));
    for ((e, mut c), result) in todo.into_iter().zip(results) {
        match result {
            Ok(()) => {
                let _ = state::forget(store, &e.flow, &e.key, e.location.as_deref().unwrap_or(""));
                report.restored.push(c);
            }
            // Changed between our read and the write: left alone, like any change since.
            Err(WriteError::Record(r)) if r.code.as_deref() == Some("CHANGE_FROM_QUANTITY_STALE") => {
                c.now = Value::String("changed during the revert".into());
                report.changed_since.push(c);
            }
            Err(err) => report.failed.push((c, err.to_string())),
        }
    }
    Ok(())
}
