//! Writing inventory levels to Shopify: ERP location → Shopify location, the available formula
//! with buffer and overrides ([`crate::domain::available`]), only changed levels, batches of up
//! to 250 with `@idempotent` keys and compare-and-set from the last known Shopify value; a stale
//! compare-and-set re-reads Shopify and re-applies the ERP's change on top of what Shopify has
//! now (a sale made meanwhile is kept, not overwritten); a rejected item is isolated and fails
//! alone.

use super::baseline;
use super::hybrid::{self, book::Set};
use super::state;
use super::trace::{trace, Computed};
use crate::domain::available::Trace;
use crate::flow::base::{
    block_on, dry_run, identity, limits, request_error, settled, write_error, Gate, ShopifyContext, Slots, Target,
    Written, ITEM_LINK,
};
use crate::model::{KeyedRecord, PluginError};
use crate::shopify::inventory::{self as inv, QuantityName, QuantitySet, SetQuantities, SkuRead};
use crate::shopify::{ShopifyError, WriteError};
use crate::store::{IdLink, JournalObject};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// Rounds of re-read and re-apply after stale compare-and-set before giving up (retried later).
const CONFLICT_ROUNDS: usize = 3;

/// One level on its way to Shopify.
struct Level {
    index: usize,
    trace: Trace,
    item: Option<String>,
    /// The value we believe Shopify has (last pushed, or read).
    before: Option<i64>,
    /// The value to set.
    target: i64,
    conflict: Option<String>,
    /// Stocked at its location by this push (its run record says `created`).
    newly_stocked: bool,
    /// The job of the newest read of the level applied, this one's included (see
    /// [`crate::flow::base::LevelRead`]).
    read_job: Option<u64>,
}

/// Write records to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    block_on(write_async(ctx, records))
}

async fn write_async(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mut out: Slots = vec![None; records.len()];
    let rules = match ctx.flow.rules() {
        Ok(r) => r,
        Err((k, r)) => {
            return records
                .iter()
                .map(|_| Err(PluginError::Permanent(format!("flows.{}.{k}: {r}", ctx.flow_name))))
                .collect()
        }
    };
    let mut levels = Vec::new();
    for (index, keyed) in records.iter().enumerate() {
        match trace(ctx.flow_name, ctx.flow, &rules, &keyed.record) {
            Ok(Computed::Level(trace)) => match limits::check_quantity("available", trace.available) {
                // A number Shopify would refuse (an ERP's bogus quantity) fails this record alone.
                Err(e) => out[index] = Some(Err(e)),
                Ok(()) => levels.push(Level {
                    index,
                    trace,
                    item: None,
                    before: None,
                    target: 0,
                    conflict: None,
                    newly_stocked: false,
                    read_job: None,
                }),
            },
            Ok(Computed::Unmapped(reason)) => out[index] = Some(Ok(Written::Skipped(reason))),
            Err(e) => out[index] = Some(Err(e)),
        }
    }
    // A SKU claimed by several ERP products fails its levels (the batch asks once).
    let skus: Vec<&str> = levels.iter().map(|l| l.trace.sku.as_str()).collect();
    let claimed = identity::check_all(ctx.store, "sku", &skus);
    let mut levels: Vec<Level> = levels
        .into_iter()
        .zip(claimed)
        .filter_map(|(l, claim)| match claim {
            Ok(()) => Some(l),
            Err(e) => {
                out[l.index] = Some(Err(e));
                None
            }
        })
        .collect();
    let places: Vec<(&str, &str)> =
        levels.iter().map(|l| (l.trace.sku.as_str(), l.trace.shopify_location.as_str())).collect();
    let mut pushed = state::get_all(ctx.store, ctx.flow_name, &places).into_iter();
    // Only changed levels: compare with what we pushed last. What this call learns is stored in
    // one transaction at the end: the state of levels set (and of unchanged ones, with the
    // trace that explains them now) and the item links.
    let mut memo = Memo::default();
    let mut unknown = BTreeSet::new();
    for l in &mut levels {
        let saved = pushed.next().flatten();
        l.target = l.trace.available;
        if ctx.flow.is_hybrid() {
            // What weft accounts for in Shopify is the compare-and-set value (a Shopify change
            // not taken in yet is found stale, booked and kept).
            match hybrid::known(ctx, &l.trace.sku, &l.trace.shopify_location).await {
                Ok(Some(level)) => {
                    l.item = Some(level.item.clone());
                    l.before = Some(level.known);
                    let read = ctx.read_stamps.get(&records[l.index].key);
                    let stamp = read
                        .and_then(|r| r.stamp.as_ref())
                        .filter(|s| s.sku == l.trace.sku && s.location == l.trace.shopify_location);
                    if let Some(read) = read.filter(|r| level.superseded(r.job)) {
                        out[l.index] = Some(Ok(Written::Skipped(stale(level.read_job, read.job))));
                        continue;
                    }
                    l.read_job = read.map(|r| r.job);
                    l.target = (l.target + level.lacking(stamp)).max(0);
                    if level.known == l.target {
                        out[l.index] = Some(Ok(Written::Unchanged(Some(level_id(l)))));
                        if let Some(job) = l.read_job {
                            memo.reads.push((l.index, (l.trace.sku.clone(), l.trace.shopify_location.clone(), job)));
                        }
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    out[l.index] = Some(Err(e));
                    continue;
                }
            }
        }
        let read = ctx.read_stamps.get(&records[l.index].key).map(|r| r.job);
        match saved {
            Some(saved) if read.is_some_and(|job| job < saved.read_job) => {
                out[l.index] = Some(Ok(Written::Skipped(stale(saved.read_job, read.unwrap_or(0)))));
            }
            Some(mut saved) => {
                l.item = Some(saved.item.clone());
                l.before = Some(saved.pushed);
                l.read_job = Some(saved.read_job.max(read.unwrap_or(0)));
                if saved.pushed == l.target {
                    out[l.index] = Some(Ok(Written::Unchanged(Some(level_id(l)))));
                    saved.trace = l.trace.clone();
                    saved.read_job = l.read_job.unwrap_or(0);
                    memo.refreshed.push(saved);
                }
            }
            None => {
                l.read_job = read;
                unknown.insert(l.trace.sku.clone());
            }
        }
    }
    levels.retain(|l| l.before != Some(l.target) && out[l.index].is_none());
    // Levels never pushed: read Shopify for the item and the current value.
    if !unknown.is_empty() {
        let skus: Vec<String> = unknown.into_iter().collect();
        match read_levels(ctx, &skus).await {
            Ok(read) => {
                let items: BTreeMap<&str, &str> =
                    read.items.iter().map(|(sku, item)| (sku.as_str(), item.as_str())).collect();
                let values: BTreeMap<(&str, &str), i64> = read
                    .levels
                    .iter()
                    .map(|r| ((r.inventory_item_id.as_str(), r.location_id.as_str()), r.available))
                    .collect();
                // Found by SKU (stocked somewhere or nowhere yet), else linked by the catalog flow.
                let unread: Vec<&str> = levels
                    .iter()
                    .filter(|l| l.item.is_none() && !items.contains_key(l.trace.sku.as_str()))
                    .map(|l| l.trace.sku.as_str())
                    .collect();
                let linked: BTreeMap<String, String> = match unread.is_empty() {
                    true => BTreeMap::new(),
                    false => ctx
                        .links()
                        .get_all(ITEM_LINK, &unread)
                        .unwrap_or_default()
                        .into_iter()
                        .zip(&unread)
                        .filter_map(|(link, sku)| Some(((*sku).to_owned(), link?.shopify?)))
                        .collect(),
                };
                for l in levels.iter_mut().filter(|l| l.item.is_none()) {
                    let found = items.get(l.trace.sku.as_str()).map(|i| (*i).to_owned());
                    let Some(item) = found.or_else(|| linked.get(&l.trace.sku).cloned()) else {
                        continue;
                    };
                    l.before = values.get(&(item.as_str(), l.trace.shopify_location.as_str())).copied();
                    memo.links.push((l.trace.sku.clone(), IdLink { shopify: Some(item.clone()), erp: None }));
                    l.item = Some(item);
                }
            }
            Err(e) => {
                for l in levels.iter().filter(|l| l.item.is_none()) {
                    out[l.index] = Some(Err(request_error(&e)));
                }
                levels.retain(|l| l.item.is_some());
            }
        }
    }
    let mut ready = Vec::new();
    let mut unstocked: BTreeMap<String, Vec<Level>> = BTreeMap::new();
    for l in levels {
        match (&l.item, l.before) {
            (None, _) => {
                out[l.index] = Some(Err(PluginError::Retryable(format!(
                    "no Shopify variant with SKU {:?} yet (the catalog flow creates it)",
                    l.trace.sku
                ))));
            }
            (Some(item), None) => unstocked.entry(item.clone()).or_default().push(l),
            (Some(_), Some(_)) => ready.push(l),
        }
    }
    ready.extend(stock(ctx, unstocked, &mut out, &mut memo).await);
    set_with_conflicts(ctx, ready, &mut out, &mut memo).await;
    memo.store(ctx, &mut out);
    settled(out)
}

/// Stock items at the locations where Shopify does not stock them yet. An item missing one
/// location is activated there with its quantity (one call); an item missing several is stocked
/// at all of them with one `inventoryBulkToggleActivation`, and its levels are returned to be set
/// from 0 in the batches of 250 with the others. The calls of different items run
/// concurrently (`in_flight` of the flow): a batch of new single-variant products needs one call
/// per item, and one after the other they made a batch slow enough to die with its host.
async fn stock(
    ctx: &ShopifyContext<'_>,
    unstocked: BTreeMap<String, Vec<Level>>,
    out: &mut Slots,
    memo: &mut Memo,
) -> Vec<Level> {
    let mut ready = Vec::new();
    let mut calls = Vec::new();
    for (item, mut group) in unstocked {
        for l in &mut group {
            l.newly_stocked = true;
        }
        let locations: Vec<String> =
            group.iter().map(|l| l.trace.shopify_location.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        match ctx.gate() {
            Gate::Shadow => {
                for l in group {
                    intend(ctx, &l);
                    out[l.index] = Some(Ok(Written::Shadowed));
                }
            }
            Gate::DryRun if locations.len() == 1 => {
                for l in group {
                    let detail =
                        format!("{} at {}: available {} ({item})", l.trace.sku, l.trace.shopify_location, l.target);
                    dry_run::print(ctx.flow_name, "inventoryActivate", &detail);
                    out[l.index] = Some(Ok(Written::Shadowed));
                }
            }
            Gate::DryRun => {
                let detail = format!("{item} at {}", locations.join(", "));
                dry_run::print(ctx.flow_name, "inventoryBulkToggleActivation", &detail);
                ready.extend(group.into_iter().map(|l| Level { before: Some(0), ..l }));
            }
            Gate::Write => calls.push((item, locations, group)),
        }
    }
    let done: Vec<_> = futures::stream::iter(calls)
        .map(|(item, locations, group)| async move {
            if locations.len() == 1 {
                let mut results = Vec::new();
                for l in &group {
                    results.push(inv::activate(ctx.client, &item, &l.trace.shopify_location, l.target).await);
                }
                (group, Stocking::Activated(results))
            } else {
                (group, Stocking::Toggled(inv::stock_at(ctx.client, &item, &locations).await))
            }
        })
        .buffer_unordered(ctx.flow.in_flight.max(1) as usize)
        .collect()
        .await;
    for (group, stocking) in done {
        match stocking {
            Stocking::Activated(results) => {
                for (l, result) in group.into_iter().zip(results) {
                    out[l.index] = Some(match result {
                        Ok(()) => Ok(remember(ctx, &l, memo)),
                        Err(e) => Err(write_error(&e, "quantity")),
                    });
                }
            }
            Stocking::Toggled(Ok(())) => ready.extend(group.into_iter().map(|l| Level { before: Some(0), ..l })),
            Stocking::Toggled(Err(e)) => {
                for l in group {
                    out[l.index] = Some(Err(write_error(&e, "quantity")));
                }
            }
        }
    }
    ready
}

/// What stocking one item did: each level activated with its quantity, or the item toggled
/// active at all its missing locations (its levels then set from 0).
enum Stocking {
    Activated(Vec<Result<(), WriteError>>),
    Toggled(Result<(), WriteError>),
}

/// Shopify's levels of `skus`: from the flow's bulk baseline (read once per process when the
/// flow starts with many levels it never pushed), else by SKU queries.
async fn read_levels(ctx: &ShopifyContext<'_>, skus: &[String]) -> Result<SkuRead, ShopifyError> {
    let baseline = baseline::get(ctx, skus.len()).await;
    let (known, missing): (Vec<&String>, Vec<&String>) =
        skus.iter().partition(|s| baseline.as_ref().is_some_and(|b| b.contains(s)));
    let levels: Vec<inv::Level> =
        known.iter().flat_map(|s| baseline.as_ref().map(|b| b.levels(s)).unwrap_or_default()).collect();
    let items = levels.iter().map(|l| (l.sku.clone(), l.inventory_item_id.clone())).collect();
    let mut out = SkuRead { levels, items };
    if !missing.is_empty() {
        let missing: Vec<String> = missing.into_iter().cloned().collect();
        let read = inv::read_skus(ctx.client, &missing).await?;
        out.levels.extend(read.levels);
        out.items.extend(read.items);
    }
    Ok(out)
}

/// Journal the level a shadow-mode flow would set.
fn intend(ctx: &ShopifyContext<'_>, l: &Level) {
    let values = serde_json::json!({
        "sku": l.trace.sku,
        "location": l.trace.shopify_location,
        "erp_location": l.trace.erp_location,
        "available": l.target,
        "shopify_before": l.before,
    });
    let values = values.as_object().cloned().unwrap_or_default();
    ctx.intend(
        JournalObject::InventoryLevel,
        &format!("{}@{}", l.trace.sku, l.trace.shopify_location),
        l.item.as_deref(),
        values,
    );
}

/// State learnt by one push call, stored at its end in one transaction.
#[derive(Default)]
struct Memo {
    /// Levels set, by their index in the call.
    set: Vec<(usize, state::Pushed)>,
    /// Unchanged levels with their current trace.
    refreshed: Vec<state::Pushed>,
    /// SKU → inventory item links read from Shopify.
    links: Vec<(String, IdLink)>,
    /// Hybrid flows: the write batches staged, and the levels set (see [`hybrid::settle`]).
    staged: Vec<(String, Vec<Set>)>,
    applied: Vec<(usize, Set)>,
    /// Hybrid flows: levels found unchanged by a read of the flow's pull (see
    /// [`hybrid::applied_reads`]), by their index in the call.
    reads: Vec<(usize, (String, String, u64))>,
}

impl Memo {
    /// Store it; if the state cannot be stored, the levels set are retried (a retry finds
    /// Shopify already at the target and changes nothing).
    fn store(self, ctx: &ShopifyContext<'_>, out: &mut Slots) {
        // Unsynced: lost in a crash, the levels are read again and found set by compare-and-set;
        // the ledger's commit, next, makes them durable.
        if let Err(e) = ctx.store.unsynced(|| ctx.links().link_all(ITEM_LINK, &self.links)) {
            tracing::warn!(flow = ctx.flow_name, "inventory item links not stored: {e}");
        }
        if ctx.flow.is_hybrid() {
            let applied: Vec<&Set> = self.applied.iter().map(|(_, s)| s).collect();
            if let Err(e) = hybrid::settle(ctx, &self.staged, &applied) {
                for (index, _) in &self.applied {
                    out[*index] = Some(Err(e.clone()));
                }
            }
            let reads: Vec<(String, String, u64)> = self.reads.iter().map(|(_, r)| r.clone()).collect();
            if let Err(e) = hybrid::applied_reads(ctx, &reads) {
                for (index, _) in &self.reads {
                    out[*index] = Some(Err(e.clone()));
                }
            }
        }
        let mut all = self.refreshed;
        all.extend(self.set.iter().map(|(_, p)| p.clone()));
        if let Err(e) = ctx.store.unsynced(|| state::put_all(ctx.store, ctx.flow_name, &all)) {
            for (index, _) in &self.set {
                out[*index] =
                    Some(Err(PluginError::Retryable(format!("level set, but its state was not stored: {e}"))));
            }
        }
    }
}

/// Record a level set: its state (stored with the call's [`Memo`]), the echo to ignore and the
/// undo entry.
fn remember(ctx: &ShopifyContext<'_>, l: &Level, memo: &mut Memo) -> Written {
    let item = l.item.clone().unwrap_or_default();
    memo.set.push((
        l.index,
        state::Pushed {
            item: item.clone(),
            pushed: l.target,
            before: l.before,
            at_ms: ctx.clock.now_ms(),
            trace: l.trace.clone(),
            conflict: l.conflict.clone(),
            read_job: l.read_job.unwrap_or(0),
        },
    ));
    if ctx.flow.is_hybrid() {
        memo.applied.push((l.index, hybrid_set(l)));
    }
    if l.before != Some(l.target) {
        let target = Target {
            object: JournalObject::InventoryLevel,
            key: &l.trace.sku,
            id: &item,
            location: Some(&l.trace.shopify_location),
        };
        ctx.undo(target, "available", serde_json::json!(l.before), serde_json::json!(l.target));
    }
    let id = level_id(l);
    if l.newly_stocked {
        Written::Created(id)
    } else {
        Written::Updated(id)
    }
}

/// A level as a hybrid flow's write batch keeps it.
fn hybrid_set(l: &Level) -> Set {
    Set {
        sku: l.trace.sku.clone(),
        item: l.item.clone().unwrap_or_default(),
        location: l.trace.shopify_location.clone(),
        quantity: l.target,
        change_from: l.before.unwrap_or(0),
        erp_location: l.trace.erp_location.clone(),
        job: l.read_job.unwrap_or(0),
    }
}

/// Why a level read by job `job` is not written: job `applied`'s newer read was.
fn stale(applied: u64, job: u64) -> String {
    format!("stale: a newer read of the level from the ERP (job {applied}) was applied after this one (job {job})")
}

/// A level's id in the destination: `item@location`.
fn level_id(l: &Level) -> String {
    format!("{}@{}", l.item.as_deref().unwrap_or(""), l.trace.shopify_location)
}

/// Set every level with compare-and-set; stale ones are re-read and re-applied.
async fn set_with_conflicts(ctx: &ShopifyContext<'_>, mut levels: Vec<Level>, out: &mut Slots, memo: &mut Memo) {
    if ctx.gate() != Gate::Write {
        for l in levels {
            if ctx.gate() == Gate::DryRun {
                let detail = format!(
                    "{} at {}: {} -> {} ({} = {}, held {})",
                    l.trace.sku,
                    l.trace.shopify_location,
                    l.before.map_or("?".into(), |b| b.to_string()),
                    l.target,
                    l.trace.formula,
                    l.trace.raw,
                    l.trace.held
                );
                dry_run::print(ctx.flow_name, "inventorySetQuantities", &detail);
            } else {
                intend(ctx, &l);
            }
            out[l.index] = Some(Ok(Written::Shadowed));
        }
        return;
    }
    let scope = format!("weft/{}", ctx.flow_name);
    for round in 0..=CONFLICT_ROUNDS {
        if levels.is_empty() {
            return;
        }
        let sets: Vec<QuantitySet> = levels
            .iter()
            .map(|l| QuantitySet {
                inventory_item_id: l.item.clone().unwrap_or_default(),
                location_id: l.trace.shopify_location.clone(),
                quantity: l.target,
                change_from: l.before,
            })
            .collect();
        let req = SetQuantities {
            name: QuantityName::Available,
            reason: "correction",
            reference_document_uri: None,
            key_scope: &scope,
        };
        if ctx.flow.is_hybrid() {
            // Kept before it is sent: a crash before its answer is stored is settled by
            // sending it again (see `hybrid::recover`).
            match hybrid::stage(ctx, &scope, levels.iter().map(hybrid_set).collect()) {
                Ok(staged) => memo.staged.push(staged),
                Err(e) => {
                    for l in levels {
                        out[l.index] = Some(Err(e.clone()));
                    }
                    return;
                }
            }
        }
        let results = inv::set_quantities(ctx.client, &req, &sets).await;
        let mut stale = Vec::new();
        for (l, result) in levels.into_iter().zip(results) {
            match result {
                Ok(()) => out[l.index] = Some(Ok(remember(ctx, &l, memo))),
                Err(WriteError::Record(e))
                    if e.code.as_deref() == Some("CHANGE_FROM_QUANTITY_STALE") && round < CONFLICT_ROUNDS =>
                {
                    stale.push(l)
                }
                Err(e) => out[l.index] = Some(Err(write_error(&e, "quantity"))),
            }
        }
        levels = reapply(ctx, stale, out, memo).await;
    }
}

/// Re-read Shopify for stale levels and re-apply the ERP's change on top of Shopify's value:
/// `new = now + (target − before)`, clamped at 0, so a sale made meanwhile is kept. A level
/// Shopify already holds at the target is done: an earlier attempt set it and its host died
/// before storing that (re-applying the change on top would count it twice).
async fn reapply(ctx: &ShopifyContext<'_>, stale: Vec<Level>, out: &mut Slots, memo: &mut Memo) -> Vec<Level> {
    if stale.is_empty() {
        return stale;
    }
    let skus: Vec<String> = stale.iter().map(|l| l.trace.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let read = match inv::levels_by_sku(ctx.client, &skus).await {
        Ok(r) => r,
        Err(e) => {
            for l in &stale {
                out[l.index] = Some(Err(request_error(&e)));
            }
            return Vec::new();
        }
    };
    let mut next = Vec::new();
    for mut l in stale {
        let item = l.item.clone().unwrap_or_default();
        let Some(now) = read
            .iter()
            .find(|r| r.inventory_item_id == item && r.location_id == l.trace.shopify_location)
            .map(|r| r.available)
        else {
            out[l.index] = Some(Err(PluginError::Retryable(format!(
                "{item} is no longer stocked at {}",
                l.trace.shopify_location
            ))));
            continue;
        };
        if now == l.target {
            l.before = Some(now);
            remember(ctx, &l, memo);
            out[l.index] = Some(Ok(Written::Unchanged(Some(level_id(&l)))));
            continue;
        }
        let before = l.before.unwrap_or(now);
        let target = (now + (l.target - before)).max(0);
        let note = format!("Shopify had {now}, not {before} (changed meanwhile); re-applied the ERP's change of {:+}: {now} -> {target}", l.target - before);
        tracing::info!(flow = ctx.flow_name, sku = %l.trace.sku, location = %l.trace.shopify_location, "compare-and-set conflict: {note}");
        l.conflict = Some(note);
        l.before = Some(now);
        l.target = target;
        next.push(l);
    }
    next
}
