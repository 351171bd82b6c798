//! Inventory reconciliation: the flow's computed available per SKU × Shopify location against
//! Shopify's, and the corrections `--heal` enqueues.

use crate::config::FlowConfig;
use crate::flow::inventory::state;
use crate::flow::snapshot::ErpLevel;
use crate::flow::{idempotency_key, FlowEngine, Work};
use crate::shopify::inventory::Level;
use crate::store::{Drift, FlowReconcile, NewJob};
use std::collections::{BTreeMap, BTreeSet};

/// Compare one inventory flow; with `heal`, enqueue corrections. Returns the section and the
/// number of correction jobs enqueued.
pub fn reconcile(engine: &FlowEngine, name: &str, flow: &FlowConfig, shopify: &[Level], heal: bool, progress: &mut dyn FnMut(&str)) -> Result<(FlowReconcile, usize), String> {
    let mut last = 0;
    let (erp, rejected) = engine.inventory_from_scratch(name, &mut |n| {
        if n >= last + 1_000 {
            last = n;
            progress(&format!("reconcile {name}: {n} ERP records read"));
        }
    })?;
    progress(&format!("reconcile {name}: {} ERP levels computed ({rejected} rejected)", erp.len()));
    let mapped: BTreeSet<&str> = flow.locations.values().map(String::as_str).collect();
    let known_skus: BTreeSet<&str> = shopify.iter().map(|l| l.sku.as_str()).filter(|s| !s.is_empty()).collect();
    let at_mapped: BTreeMap<(&str, &str), i64> =
        shopify.iter().filter(|l| !l.sku.is_empty() && mapped.contains(l.location_id.as_str())).map(|l| ((l.sku.as_str(), l.location_id.as_str()), l.available)).collect();
    let mut section = FlowReconcile { flow: name.to_owned(), object: "inventory".into(), rejected, ..Default::default() };
    let mut to_heal: Vec<&ErpLevel> = Vec::new();
    let erp_skus: BTreeSet<&str> = erp.iter().map(|l| l.trace.sku.as_str()).collect();
    let mut erp_pairs = BTreeSet::new();
    for level in &erp {
        let t = &level.trace;
        erp_pairs.insert((t.sku.as_str(), t.shopify_location.as_str()));
        let drift = |shopify: Option<i64>| Drift {
            sku: t.sku.clone(),
            location: t.shopify_location.clone(),
            erp_location: Some(t.erp_location.clone()),
            erp_available: Some(t.available),
            shopify_available: shopify,
            difference: t.available - shopify.unwrap_or(0),
        };
        match at_mapped.get(&(t.sku.as_str(), t.shopify_location.as_str())) {
            Some(&available) => {
                section.compared += 1;
                if available != t.available {
                    section.drift.push(drift(Some(available)));
                    to_heal.push(level);
                }
            }
            None => {
                section.erp_only.push(drift(None));
                // Shopify knows the SKU but does not stock it there: the flow activates it.
                if known_skus.contains(t.sku.as_str()) {
                    to_heal.push(level);
                }
            }
        }
    }
    for (&(sku, location), &available) in &at_mapped {
        if !erp_pairs.contains(&(sku, location)) {
            section.shopify_only.push(Drift {
                sku: sku.to_owned(),
                location: location.to_owned(),
                erp_location: None,
                erp_available: None,
                shopify_available: Some(available),
                difference: -available,
            });
        }
    }
    section.erp_only_skus = erp_skus.iter().filter(|s| !known_skus.contains(*s)).map(|s| (*s).to_owned()).collect();
    let at_mapped_skus: BTreeSet<&str> = at_mapped.keys().map(|(s, _)| *s).collect();
    section.shopify_only_skus = at_mapped_skus.difference(&erp_skus).map(|s| (*s).to_owned()).collect();
    progress(&format!("reconcile {name}: {} compared, {} drifted, {} ERP only, {} Shopify only", section.compared, section.drift.len(), section.erp_only.len(), section.shopify_only.len()));
    let healed = if heal { enqueue_corrections(engine, name, &to_heal)? } else { 0 };
    Ok((section, healed))
}

/// One job per level to correct, carrying the ERP's record. The flow would skip it as already
/// done (its ledger entry) or unchanged (its last pushed value), so both are forgotten first:
/// the push then reads Shopify's value and sets the ERP's with compare-and-set.
fn enqueue_corrections(engine: &FlowEngine, name: &str, levels: &[&ErpLevel]) -> Result<usize, String> {
    let store = engine.queue().store();
    let keys: Vec<String> = levels.iter().map(|l| idempotency_key(name, &l.record)).collect();
    store.forget_writes(&keys).map_err(|e| e.to_string())?;
    for l in levels {
        state::forget(store, name, &l.trace.sku, &l.trace.shopify_location)?;
    }
    let jobs: Vec<NewJob> = levels
        .iter()
        .map(|l| NewJob {
            flow: name.to_owned(),
            trigger: "heal".into(),
            key: l.raw.external_id().to_owned(),
            payload: serde_json::to_value(Work::Record { record: l.raw.clone(), pulled_by: None }).unwrap_or_default(),
            webhook_id: None,
        })
        .collect();
    engine.queue().enqueue(jobs).map_err(|e| e.to_string())?;
    Ok(levels.len())
}
