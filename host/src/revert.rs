//! `weft runs revert RUN`: put back what a run changed, from its undo log.
//!
//! Every value is restored with a check that it is still what the run wrote: inventory levels
//! with compare-and-set from the run's value, prices and product fields after reading them. A
//! value changed since (a sale, an edit, a later run) is reported and left alone — the revert
//! never overwrites a change it did not make. A value already back to its old one is skipped, so
//! a second revert changes nothing. Orders, customers and products the run created are listed
//! for a person, not deleted. A restored level's "last pushed" memory is forgotten, so the
//! flow's next push of it reads Shopify first.

use crate::config::{flow::SHOPIFY, ObjectKind};
use crate::flow::catalog::{PRICE_OBJECT, PRODUCT_OBJECT};
use crate::flow::inventory::{state, LEVEL_OBJECT};
use crate::flow::shopify_out::block_on;
use crate::flow::FlowEngine;
use crate::shopify::inventory::{self as inv, QuantityName, QuantitySet, SetQuantities};
use crate::shopify::products::{product_fields, product_set_json, set_prices, variants_by_sku};
use crate::shopify::{ShopifyClient, WriteError};
use crate::store::UndoEntry;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What happened to one changed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `inventory_level`, `variant_price`, `product`.
    pub object: String,
    /// SKU or handle.
    pub key: String,
    /// Shopify location, for levels.
    pub location: Option<String>,
    /// Field.
    pub field: String,
    /// The value before the run.
    pub before: Value,
    /// The value the run wrote.
    pub after: Value,
    /// The value now (before the revert).
    pub now: Value,
}

/// The outcome of a revert.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RevertReport {
    /// The run.
    pub run: u64,
    /// Nothing was written.
    pub dry_run: bool,
    /// Values put back (or, in a dry run, that would be).
    pub restored: Vec<Change>,
    /// Values already back to what they were.
    pub already: Vec<Change>,
    /// Values changed since the run: left alone.
    pub changed_since: Vec<Change>,
    /// Values that could not be restored, with the reason.
    pub failed: Vec<(Change, String)>,
    /// What the run created, for a person to decide on (`object key -> id`).
    pub for_person: Vec<String>,
}

/// Where a change stands now.
enum Verdict {
    Restore,
    Already,
    ChangedSince,
}

fn verdict(before: &Value, after: &Value, now: &Value) -> Verdict {
    if now == after && before != after {
        Verdict::Restore
    } else if now == before {
        Verdict::Already
    } else {
        Verdict::ChangedSince
    }
}

/// The first `before` and the last `after` of each (object, target, location, field) the run
/// changed, in write order.
fn net_changes(entries: Vec<UndoEntry>) -> Vec<UndoEntry> {
    let mut order: Vec<(String, String, Option<String>, String)> = Vec::new();
    let mut net: BTreeMap<(String, String, Option<String>, String), UndoEntry> = BTreeMap::new();
    for e in entries {
        let k = (e.object.clone(), e.target_id.clone(), e.location.clone(), e.field.clone());
        match net.get_mut(&k) {
            Some(first) => first.after = e.after,
            None => {
                order.push(k.clone());
                net.insert(k, e);
            }
        }
    }
    order.into_iter().filter_map(|k| net.remove(&k)).collect()
}

/// Revert run `run_id`. `progress` gets one line per step.
pub fn revert(engine: &FlowEngine, run_id: u64, dry_run: bool, progress: &mut dyn FnMut(&str)) -> Result<RevertReport, String> {
    let store = engine.queue().store();
    let run = store.run(run_id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no run {run_id}"))?;
    let entries = net_changes(store.undo_log(run_id).map_err(|e| e.to_string())?);
    progress(&format!("revert run {run_id} of {}: {} change(s) in its undo log", run.flow, entries.len()));
    let mut report = RevertReport { run: run_id, dry_run, ..Default::default() };
    let mut by_object: BTreeMap<&str, Vec<&UndoEntry>> = BTreeMap::new();
    for e in &entries {
        if e.field == "created" {
            report.for_person.push(format!("{} {} -> {} (created by the run; not deleted)", e.object, e.key, e.target_id));
        } else {
            by_object.entry(e.object.as_str()).or_default().push(e);
        }
    }
    if !by_object.is_empty() {
        let client = engine.shopify_client().ok_or("the run wrote to Shopify but there is no [shopify] section")?;
        for (object, list) in by_object {
            progress(&format!("revert run {run_id}: {} {object} change(s)", list.len()));
            match object {
                LEVEL_OBJECT => levels(engine, client, run_id, &list, &mut report)?,
                PRICE_OBJECT => prices(client, &list, &mut report)?,
                PRODUCT_OBJECT => products(client, &list, &mut report)?,
                other => return Err(format!("the undo log has {other} changes this build cannot revert")),
            }
        }
    }
    created_records(engine, run_id, &run.flow, &mut report)?;
    progress(&format!(
        "revert run {run_id}: {} restored{}, {} already back, {} changed since (left alone), {} failed, {} for a person",
        report.restored.len(),
        if dry_run { " (dry run: nothing written)" } else { "" },
        report.already.len(),
        report.changed_since.len(),
        report.failed.len(),
        report.for_person.len()
    ));
    Ok(report)
}

fn change(e: &UndoEntry, now: Value) -> Change {
    Change { object: e.object.clone(), key: e.key.clone(), location: e.location.clone(), field: e.field.clone(), before: e.before.clone(), after: e.after.clone(), now }
}

/// Sort changes into the report; returns the ones to restore.
fn triage<'a>(list: &[&'a UndoEntry], now: impl Fn(&UndoEntry) -> Value, report: &mut RevertReport) -> Vec<(&'a UndoEntry, Change)> {
    let mut todo = Vec::new();
    for e in list {
        let c = change(e, now(e));
        match verdict(&e.before, &e.after, &c.now) {
            Verdict::Restore => todo.push((*e, c)),
            Verdict::Already => report.already.push(c),
            Verdict::ChangedSince => report.changed_since.push(c),
        }
    }
    todo
}

fn settle(todo: Vec<(&UndoEntry, Change)>, result: &Result<(), String>, report: &mut RevertReport) {
    for (_, c) in todo {
        match result {
            Ok(()) => report.restored.push(c),
            Err(e) => report.failed.push((c, e.clone())),
        }
    }
}

fn levels(engine: &FlowEngine, client: &ShopifyClient, run_id: u64, list: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let (new, list): (Vec<&UndoEntry>, Vec<&UndoEntry>) = list.iter().partition(|e| e.before.is_null());
    for e in new {
        report.for_person.push(format!("{} {} at {}: stocked there by the run (was not before); left stocked", e.object, e.key, e.location.as_deref().unwrap_or("")));
    }
    let mut skus: Vec<String> = list.iter().map(|e| e.key.clone()).collect();
    skus.sort();
    skus.dedup();
    let read = block_on(inv::levels_by_sku(client, &skus)).map_err(|e| format!("Shopify: {e}"))?;
    let now: BTreeMap<(&str, &str), i64> = read.iter().map(|l| ((l.inventory_item_id.as_str(), l.location_id.as_str()), l.available)).collect();
    let todo = triage(&list, |e| now.get(&(e.target_id.as_str(), e.location.as_deref().unwrap_or(""))).map_or(Value::Null, |v| json!(v)), report);
    if report.dry_run || todo.is_empty() {
        settle(todo, &Ok(()), report);
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
    let req = SetQuantities { name: QuantityName::Available, reason: "correction", reference_document_uri: None, key_scope: &scope };
    let results = block_on(inv::set_quantities(client, &req, &sets));
    for ((e, mut c), result) in todo.into_iter().zip(results) {
        match result {
            Ok(()) => {
                let _ = state::forget(engine.queue().store(), &e.flow, &e.key, e.location.as_deref().unwrap_or(""));
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

fn prices(client: &ShopifyClient, list: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let mut skus: Vec<String> = list.iter().map(|e| e.key.clone()).collect();
    skus.sort();
    skus.dedup();
    let read = block_on(variants_by_sku(client, &skus)).map_err(|e| format!("Shopify: {e}"))?;
    let field = |e: &UndoEntry| {
        let v = read.iter().find(|v| v.id == e.target_id);
        match e.field.as_str() {
            "price" => v.map_or(Value::Null, |v| json!(v.price)),
            _ => v.and_then(|v| v.compare_at_price.clone()).map_or(Value::Null, |c| json!(c)),
        }
    };
    let todo = triage(list, field, report);
    // One update per product: each variant's restored fields, its current value for the others.
    let mut by_product: BTreeMap<String, Vec<(String, String, Option<String>)>> = BTreeMap::new();
    for v in read.iter().filter(|v| todo.iter().any(|(e, _)| e.target_id == v.id)) {
        let restore = |f: &str| todo.iter().find(|(e, _)| e.target_id == v.id && e.field == f).map(|(e, _)| e.before.clone());
        let price = restore("price").and_then(|p| p.as_str().map(str::to_owned)).unwrap_or_else(|| v.price.clone());
        let cmp = match restore("compare_at_price") {
            Some(c) => c.as_str().map(str::to_owned),
            None => v.compare_at_price.clone(),
        };
        by_product.entry(v.product_id.clone()).or_default().push((v.id.clone(), price, cmp));
    }
    let mut result = Ok(());
    if !report.dry_run {
        for (product, prices) in by_product {
            if let Err(e) = block_on(set_prices(client, &product, &prices)) {
                result = Err(e.to_string());
            }
        }
    }
    settle(todo, &result, report);
    Ok(())
}

fn products(client: &ShopifyClient, list: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let mut by_handle: BTreeMap<&str, Vec<&UndoEntry>> = BTreeMap::new();
    for e in list {
        by_handle.entry(e.key.as_str()).or_default().push(e);
    }
    for (handle, entries) in by_handle {
        let now = block_on(product_fields(client, handle)).map_err(|e| format!("Shopify: {e}"))?.unwrap_or_default();
        let todo = triage(&entries, |e| now.get(&e.field).cloned().unwrap_or(Value::Null), report);
        let input: Map<String, Value> = todo.iter().map(|(e, _)| (e.field.clone(), e.before.clone())).collect();
        let result = if report.dry_run || input.is_empty() {
            Ok(())
        } else {
            block_on(product_set_json(client, handle, Value::Object(input))).map(|_| ()).map_err(|e| e.to_string())
        };
        settle(todo, &result, report);
    }
    Ok(())
}

/// Orders and customers the run created in either system: listed, never deleted.
fn created_records(engine: &FlowEngine, run_id: u64, flow_name: &str, report: &mut RevertReport) -> Result<(), String> {
    let Some(flow) = engine.config().flows.get(flow_name) else { return Ok(()) };
    if !matches!(flow.object, ObjectKind::Order | ObjectKind::Customer) {
        return Ok(());
    }
    let system = if flow.to == SHOPIFY { "Shopify" } else { flow.to.as_str() };
    for r in engine.queue().store().run_records(run_id).map_err(|e| e.to_string())?.into_iter().map(|e| e.record) {
        if r.outcome == "created" {
            report.for_person.push(format!("{} {} created in {system} as {}", crate::flow::entity(flow.object).name(), r.key, r.response.unwrap_or_default()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(target: &str, before: i64, after: i64) -> UndoEntry {
        UndoEntry {
            flow: "inventory".into(),
            object: LEVEL_OBJECT.into(),
            key: "SKU".into(),
            target_id: target.into(),
            location: Some("L".into()),
            field: "available".into(),
            before: json!(before),
            after: json!(after),
            at_ms: 0,
        }
    }

    #[test]
    fn a_value_written_twice_in_a_run_reverts_to_its_first_before() {
        let net = net_changes(vec![entry("a", 10, 12), entry("b", 1, 2), entry("a", 12, 15)]);
        assert_eq!(net.len(), 2);
        assert_eq!((net[0].target_id.as_str(), &net[0].before, &net[0].after), ("a", &json!(10), &json!(15)));
        assert_eq!(net[1].target_id, "b");
    }

    #[test]
    fn only_a_value_still_as_written_is_restored() {
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(15)), Verdict::Restore));
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(10)), Verdict::Already));
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(14)), Verdict::ChangedSince));
        assert!(matches!(verdict(&json!(10), &json!(15), &Value::Null), Verdict::ChangedSince));
    }
}
