//! `weft runs revert RUN`: put back what a run changed, from its undo log (each object's part in
//! its folder, dispatched by `flow::objects`).
//!
//! Every value is restored with a check that it is still what the run wrote: inventory levels
//! with compare-and-set from the run's value, prices and product fields after reading them. A
//! value changed since (a sale, an edit, a later run) is reported and left alone — the revert
//! never overwrites a change it did not make. A value already back to its old one is skipped, so
//! a second revert changes nothing. Orders, customers and products the run created are listed
//! for a person, not deleted. A restored level's "last pushed" memory is forgotten, so the
//! flow's next push of it reads Shopify first.

use crate::config::Endpoint;
use crate::flow::base::revert::RevertReport;
use crate::flow::{objects, FlowEngine};
use crate::store::{JournalObject, Outcome, UndoEntry};
use std::collections::BTreeMap;

/// The first `before` and the last `after` of each (object, target, location, field) the run
/// changed, in write order.
fn net_changes(entries: Vec<UndoEntry>) -> Vec<UndoEntry> {
    type Key = (JournalObject, String, Option<String>, String);
    let mut order: Vec<Key> = Vec::new();
    let mut net: BTreeMap<Key, UndoEntry> = BTreeMap::new();
    for e in entries {
        let k = (e.object, e.target_id.clone(), e.location.clone(), e.field.clone());
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
pub fn revert(
    engine: &FlowEngine,
    run_id: u64,
    dry_run: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<RevertReport, String> {
    let store = engine.queue().store();
    let run = store.run(run_id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no run {run_id}"))?;
    let entries = net_changes(store.undo_log(run_id).map_err(|e| e.to_string())?);
    progress(&format!("revert run {run_id} of {}: {} change(s) in its undo log", run.flow, entries.len()));
    let mut report = RevertReport { run: run_id, dry_run, ..Default::default() };
    let mut by_object: BTreeMap<JournalObject, Vec<&UndoEntry>> = BTreeMap::new();
    for e in &entries {
        if e.field == "created" {
            report
                .for_person
                .push(format!("{} {} -> {} (created by the run; not deleted)", e.object, e.key, e.target_id));
        } else {
            by_object.entry(e.object).or_default().push(e);
        }
    }
    if !by_object.is_empty() {
        let flow = engine
            .config()
            .flows
            .get(&run.flow)
            .ok_or_else(|| format!("the run's flow `{}` is no longer configured", run.flow))?;
        let (_, client) = engine.shop_of(flow)?;
        for (object, list) in by_object {
            progress(&format!("revert run {run_id}: {} {object} change(s)", list.len()));
            objects::revert(client, store, run_id, object, &list, &mut report)?;
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

/// Orders and customers the run created in either system: listed, never deleted.
fn created_records(engine: &FlowEngine, run_id: u64, flow_name: &str, report: &mut RevertReport) -> Result<(), String> {
    let Some(flow) = engine.config().flows.get(flow_name) else { return Ok(()) };
    if !objects::lists_created(flow.object) {
        return Ok(());
    }
    let system = match &flow.to {
        Endpoint::Shopify => "Shopify",
        Endpoint::Connection(c) => c,
    };
    for r in engine.queue().store().run_records(run_id).map_err(|e| e.to_string())?.into_iter().map(|e| e.record) {
        if r.outcome == Outcome::Created {
            report.for_person.push(format!(
                "{} {} created in {system} as {}",
                flow.object.entity().name(),
                r.key,
                r.response.unwrap_or_default()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(target: &str, before: i64, after: i64) -> UndoEntry {
        UndoEntry {
            flow: "inventory".into(),
            object: JournalObject::InventoryLevel,
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
}
