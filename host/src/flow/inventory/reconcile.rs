//! Inventory reconciliation: every level the flow computes from a read of the ERP from scratch
//! against Shopify's `available`, and the corrections `--heal` enqueues: the ERP's level pushed
//! again, or — in a hybrid flow, for a level whose Shopify value is not the one weft accounts
//! for (a change whose webhook was lost) — that change taken in and booked in the ERP first.

use super::hybrid::book;
use super::state;
use crate::config::FlowConfig;
use crate::domain::available::Trace;
use crate::flow::base::{idempotency_key, RecordWork, Work};
use crate::model::Record;
use crate::shopify::inventory::Level;
use crate::store::{Drift, FlowReconcile, NewJob, Store};
use std::collections::{BTreeMap, BTreeSet};

/// One ERP level as an inventory flow computes it.
#[derive(Debug, Clone)]
pub struct ErpLevel {
    /// How the available number was computed (SKU, locations, the number).
    pub trace: Trace,
    /// The record as the source sent it (what a correction job carries).
    pub raw: Record,
    /// The record after the flow's transforms (what the idempotency key is computed over).
    pub record: Record,
}

/// Compare the flow's levels (`erp`, with `rejected` source records) with Shopify's; returns the
/// report section and the levels a heal corrects (drifted, or stocked nowhere the flow maps
/// while Shopify knows the SKU: the flow activates those).
pub fn compare<'a>(
    name: &str,
    flow: &FlowConfig,
    erp: &'a [ErpLevel],
    rejected: usize,
    shopify: &[Level],
) -> (FlowReconcile, Vec<&'a ErpLevel>) {
    let mapped: BTreeSet<&str> = flow.locations.values().map(String::as_str).collect();
    let known_skus: BTreeSet<&str> = shopify.iter().map(|l| l.sku.as_str()).filter(|s| !s.is_empty()).collect();
    let at_mapped: BTreeMap<(&str, &str), i64> = shopify
        .iter()
        .filter(|l| !l.sku.is_empty() && mapped.contains(l.location_id.as_str()))
        .map(|l| ((l.sku.as_str(), l.location_id.as_str()), l.available))
        .collect();
    let mut section =
        FlowReconcile { flow: name.to_owned(), object: "inventory".into(), rejected, ..Default::default() };
    let mut to_heal = Vec::new();
    let erp_skus: BTreeSet<&str> = erp.iter().map(|l| l.trace.sku.as_str()).collect();
    let mut erp_pairs = BTreeSet::new();
    for level in erp {
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
    (section, to_heal)
}

/// One correction job per level, carrying the ERP's record. The flow would skip it as already
/// done (its ledger entry) or unchanged (its last pushed value), so both are forgotten first: the
/// push then reads Shopify's value and sets the ERP's with compare-and-set.
pub fn corrections(store: &Store, name: &str, levels: &[&ErpLevel]) -> Result<Vec<NewJob>, String> {
    let keys: Vec<String> = levels.iter().map(|l| idempotency_key(name, &l.record)).collect();
    store.forget_writes(&keys).map_err(|e| e.to_string())?;
    for l in levels {
        state::forget(store, name, &l.trace.sku, &l.trace.shopify_location)?;
    }
    levels
        .iter()
        .map(|l| {
            Ok(NewJob {
                flow: name.to_owned(),
                trigger: "heal".into(),
                key: l.raw.external_id().to_owned(),
                payload: Work::Record(RecordWork::of(l.raw.clone())).payload().map_err(|e| e.message)?,
                dedupe_id: None,
            })
        })
        .collect()
}

/// The corrections of a hybrid flow: a level whose Shopify value differs from the one weft
/// accounts for is taken in (as if its webhook came), so Shopify's change is booked in the ERP
/// rather than overwritten; the others get the ERP's level pushed again ([`corrections`]).
pub fn hybrid_corrections(
    store: &Store,
    name: &str,
    levels: &[&ErpLevel],
    shopify: &[Level],
) -> Result<Vec<NewJob>, String> {
    let now: BTreeMap<(&str, &str), i64> =
        shopify.iter().map(|l| ((l.sku.as_str(), l.location_id.as_str()), l.available)).collect();
    let mut intakes = Vec::new();
    let mut pushes = Vec::new();
    for l in levels {
        let (sku, location) = (l.trace.sku.as_str(), l.trace.shopify_location.as_str());
        match (book::get(store, name, sku, location)?, now.get(&(sku, location))) {
            (Some(b), Some(&available)) if b.known != available => {
                let body =
                    serde_json::json!({"inventory_item_id": b.item, "location_id": location, "available": available});
                intakes.push(NewJob {
                    flow: name.to_owned(),
                    trigger: "heal".into(),
                    key: format!("{sku}@{location}"),
                    payload: Work::ShopifyWebhook { topic: "inventory_levels/update".into(), body }
                        .payload()
                        .map_err(|e| e.message)?,
                    dedupe_id: None,
                });
            }
            _ => pushes.push(*l),
        }
    }
    intakes.extend(corrections(store, name, &pushes)?);
    Ok(intakes)
}
