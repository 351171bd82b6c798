//! Hybrid inventory (`direction = "hybrid"`): Shopify sells too, and its changes reach the ERP as
//! adjustments while the ERP's changes keep flowing to Shopify with compare-and-set.
//!
//! Shopify's `inventory_levels/update` carries an absolute `available` and a time, no delta and no
//! cause, and deliveries come twice, late, out of order or not at all. So a delivery is only a
//! hint: weft reads the level's current value and books the difference to the value it
//! accounts for ([`book::Book::known`]) as one adjustment, numbered per level. A duplicate or a
//! late delivery then finds no difference; a lost one is caught by the next delivery for the
//! level, by weft's next write to it (its compare-and-set finds Shopify's value moved: that
//! move is booked before the ERP's change is applied on top, see [`settle`]) or by reconcile.
//! weft's own writes never come back as adjustments: each write moves `known` to the value set,
//! in the same transaction that records it, and a write whose answer a crash lost is sent again
//! with the same `@idempotent` key before anything is derived for its levels ([`recover`]).
//! Adjustments wait in the store until the ERP's connector booked them ([`deliver`]).

pub mod book;
mod deliver;

pub use deliver::deliver;

use crate::config::FlowConfig;
use crate::flow::base::{ReadStamp, ShopifyContext};
use crate::model::{InventoryAdjustment, PluginError, Record};
use crate::shopify::inventory::{self as inv, QuantityName, QuantitySet, SetQuantities};
use crate::store::Store;
use book::{Batch, Book, Changes, Seen, Set};

/// What one `inventory_levels/update` delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// A change was taken in as this adjustment.
    Taken(String),
    /// Shopify holds a value weft wrote: its own write's echo.
    Echo,
    /// Nothing changed since the last value taken in (a duplicate or late delivery).
    Nothing,
    /// The level was unknown: Shopify's value is now the starting point.
    Baseline(i64),
    /// Not the flow's level, and why.
    Ignored(String),
}

/// The GID of a webhook's numeric (or GID) id.
fn gid(kind: &str, value: &serde_json::Value) -> Option<String> {
    let id = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.rsplit('/').next().unwrap_or(s).to_owned(),
        _ => return None,
    };
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("gid://shopify/{kind}/{id}"))
}

fn store_error(e: String) -> PluginError {
    PluginError::Retryable(format!("hybrid inventory state: {e}"))
}

/// Take in one `inventory_levels/update` delivery (`body`).
pub async fn intake(ctx: &ShopifyContext<'_>, body: &serde_json::Value) -> Result<Intake, PluginError> {
    let (Some(item), Some(location)) =
        (gid("InventoryItem", &body["inventory_item_id"]), gid("Location", &body["location_id"]))
    else {
        return Err(PluginError::Permanent(
            "not an inventory_levels/update body: inventory_item_id and location_id are needed".into(),
        ));
    };
    let Some(erp_location) = ctx.flow.erp_location_of(&location) else {
        return Ok(Intake::Ignored(format!("{location} is not a location of the flow")));
    };
    // The level may have moved since the delivery was sent: what counts is the value now.
    let Some((sku, mut now)) = inv::level(ctx.client, &item, &location).await.map_err(|e| request(&e))? else {
        return Ok(Intake::Ignored(format!("{item} is not stocked at {location}")));
    };
    if sku.is_empty() {
        return Ok(Intake::Ignored(format!("{item} has no SKU")));
    }
    let mut book = match book::get(ctx.store, ctx.flow_name, &sku, &location).map_err(store_error)? {
        Some(b) if b.writing.is_some() => {
            recover(ctx, b.writing.as_deref().unwrap_or_default()).await?;
            // Settling may have applied weft's write just now: read again.
            match inv::level(ctx.client, &item, &location).await.map_err(|e| request(&e))? {
                Some((_, again)) => now = again,
                None => return Ok(Intake::Ignored(format!("{item} is no longer stocked at {location}"))),
            }
            book::get(ctx.store, ctx.flow_name, &sku, &location).map_err(store_error)?.unwrap_or(b)
        }
        Some(b) => b,
        None => {
            let mut changes = Changes::default();
            changes.book(ctx.flow_name, &sku, &location, &Book::new(&item, erp_location, now));
            changes.store(ctx.store).map_err(store_error)?;
            return Ok(Intake::Baseline(now));
        }
    };
    if book.writing.is_some() {
        // Another process's write to it is under way (its recovery failed): later.
        return Err(PluginError::Retryable(format!("weft's write to {sku} at {location} is unresolved")));
    }
    let seen = Seen {
        flow: ctx.flow_name,
        sku: &sku,
        location: &location,
        how: "inventory_levels/update",
        at: body["updated_at"].as_str().map(str::to_owned).unwrap_or_else(|| crate::clock::rfc3339(ctx.clock.now_ms())),
    };
    match book.take_in(now, &seen) {
        Some(adjustment) => {
            let mut changes = Changes::default();
            changes.book(ctx.flow_name, &sku, &location, &book);
            changes.pending(ctx.flow_name, &adjustment);
            changes.store(ctx.store).map_err(store_error)?;
            Ok(Intake::Taken(adjustment.external_id))
        }
        None if body["available"].as_i64().is_some_and(|a| book.is_echo(a)) => Ok(Intake::Echo),
        None => Ok(Intake::Nothing),
    }
}

fn request(e: &crate::shopify::ShopifyError) -> PluginError {
    crate::flow::base::request_error(e)
}

/// The request of a batch's quantities.
fn request_of<'a>(scope: &'a str) -> SetQuantities<'a> {
    SetQuantities {
        name: QuantityName::Available,
        reason: "correction",
        reference_document_uri: None,
        key_scope: scope,
    }
}

fn quantity_sets(sets: &[Set]) -> Vec<QuantitySet> {
    sets.iter()
        .map(|s| QuantitySet {
            inventory_item_id: s.item.clone(),
            location_id: s.location.clone(),
            quantity: s.quantity,
            change_from: Some(s.change_from),
        })
        .collect()
}

/// Settle a write batch a crash left unresolved: sent again with the same `@idempotent` key,
/// Shopify replays its first answer when it was applied (or applies it now, compare-and-set
/// still guarding); each level then knows whether weft's value is there.
pub async fn recover(ctx: &ShopifyContext<'_>, key: &str) -> Result<(), PluginError> {
    let Some(batch) = book::batch(ctx.store, ctx.flow_name, key).map_err(store_error)? else {
        // Settled by someone else meanwhile, or staged and never sent: clear the marks.
        return settle(ctx, &[(key.to_owned(), Vec::new())], &[]);
    };
    tracing::info!(
        flow = ctx.flow_name,
        batch = key,
        levels = batch.sets.len(),
        "settling weft's write a restart left unresolved"
    );
    let results = inv::set_quantities(ctx.client, &request_of(&batch.scope), &quantity_sets(&batch.sets)).await;
    let applied: Vec<&Set> = batch.sets.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(s, _)| s).collect();
    settle(ctx, &[(key.to_owned(), batch.sets.clone())], &applied)
}

/// Before a write batch is sent: keep it and mark its levels (books made for levels first
/// written), in one transaction; returns its key.
pub fn stage(ctx: &ShopifyContext<'_>, scope: &str, sets: Vec<Set>) -> Result<(String, Vec<Set>), PluginError> {
    let qs = quantity_sets(&sets);
    let key = inv::batch_key(&request_of(scope), &qs.iter().collect::<Vec<_>>());
    let mut changes = Changes::default();
    for set in &sets {
        let mut book = book::get(ctx.store, ctx.flow_name, &set.sku, &set.location)
            .map_err(store_error)?
            .unwrap_or_else(|| Book::new(&set.item, &set.erp_location, set.change_from));
        book.writing = Some(key.clone());
        changes.book(ctx.flow_name, &set.sku, &set.location, &book);
    }
    changes.batch(ctx.flow_name, &key, &Batch { scope: scope.to_owned(), sets: sets.clone() });
    changes.store(ctx.store).map_err(store_error)?;
    Ok((key, sets))
}

/// After write batches: each level written knows weft's value (what Shopify had before it that
/// weft had not taken in becomes an adjustment), every level's mark is cleared and the batches
/// forgotten, in one transaction.
pub fn settle(ctx: &ShopifyContext<'_>, batches: &[(String, Vec<Set>)], applied: &[&Set]) -> Result<(), PluginError> {
    let mut changes = Changes::default();
    let mut books: std::collections::BTreeMap<(String, String), Book> = Default::default();
    let at = crate::clock::rfc3339(ctx.clock.now_ms());
    let keys: std::collections::BTreeSet<&str> = batches.iter().map(|(k, _)| k.as_str()).collect();
    for (key, sets) in batches {
        changes.batch_done(ctx.flow_name, key);
        for set in sets {
            let id = (set.sku.clone(), set.location.clone());
            if books.contains_key(&id) {
                continue;
            }
            if let Some(mut b) = book::get(ctx.store, ctx.flow_name, &set.sku, &set.location).map_err(store_error)? {
                // Its mark is one of these batches (a level stale in one round is sent again in
                // the next): settled now.
                if b.writing.as_deref().is_some_and(|w| keys.contains(w)) {
                    b.writing = None;
                }
                books.insert(id, b);
            }
        }
    }
    let mut taken: Vec<InventoryAdjustment> = Vec::new();
    for set in applied {
        let id = (set.sku.clone(), set.location.clone());
        if !books.contains_key(&id) {
            // Written without a batch (stocked at a new location): its book starts here.
            let b = book::get(ctx.store, ctx.flow_name, &set.sku, &set.location)
                .map_err(store_error)?
                .unwrap_or_else(|| Book::new(&set.item, &set.erp_location, set.change_from));
            books.insert(id.clone(), b);
        }
        let Some(b) = books.get_mut(&id) else { continue };
        let seen = Seen {
            flow: ctx.flow_name,
            sku: &set.sku,
            location: &set.location,
            how: "compare-and-set",
            at: at.clone(),
        };
        taken.extend(b.wrote(set.change_from, set.quantity, ctx.clock.now_ms(), &seen));
        b.read_job = b.read_job.max(set.job);
    }
    for ((sku, location), b) in &books {
        changes.book(ctx.flow_name, sku, location, b);
    }
    for adjustment in &taken {
        changes.pending(ctx.flow_name, adjustment);
    }
    changes.store(ctx.store).map_err(store_error)
}

/// A level as a hybrid flow's write sees it.
pub struct Known {
    /// `gid://shopify/InventoryItem/...`
    pub item: String,
    /// The Shopify value weft accounts for (the compare-and-set value).
    pub known: i64,
    /// Shopify's changes the ERP has not booked yet: its number lacks them, so they are added to
    /// it rather than undone.
    pub unbooked: i64,
    /// The running total of Shopify's changes taken in ([`Book::taken`]).
    pub taken: i64,
    /// The job of the newest ERP read applied ([`Book::read_job`]).
    pub read_job: u64,
}

impl Known {
    /// What the ERP's number lacks of Shopify's changes: those taken in or booked since it was
    /// read (`read`, when the flow's pull stamped it), else those not booked now (a number read
    /// now, e.g. a webhook's fetch).
    pub fn lacking(&self, read: Option<&ReadStamp>) -> i64 {
        read.map_or(self.unbooked, |r| self.taken - r.booked)
    }

    /// Whether a read of job `job` is older than one already applied.
    pub fn superseded(&self, job: u64) -> bool {
        job < self.read_job
    }
}

/// Levels found unchanged by reads of the flow's pull: (SKU, Shopify location, job); each
/// book remembers the newest read applied, in one transaction.
pub fn applied_reads(ctx: &ShopifyContext<'_>, reads: &[(String, String, u64)]) -> Result<(), PluginError> {
    let mut changes = Changes::default();
    for (sku, location, job) in reads {
        if let Some(mut b) = book::get(ctx.store, ctx.flow_name, sku, location).map_err(store_error)? {
            if b.read_job < *job {
                b.read_job = *job;
                changes.book(ctx.flow_name, sku, location, &b);
            }
        }
    }
    changes.store(ctx.store).map_err(store_error)
}

/// The stamp of `record` as the flow's pull reads it from the ERP now: the pull holds the flow's
/// level claim, so no adjustment is being booked meanwhile. None for what is not a mapped level.
pub fn stamp(store: &Store, flow_name: &str, flow: &FlowConfig, record: &Record) -> Result<Option<ReadStamp>, String> {
    let Record::InventoryLevel(level) = record else { return Ok(None) };
    let (Some(sku), Some(location)) = (level.sku.as_deref(), flow.locations.get(&level.location)) else {
        return Ok(None);
    };
    let taken = book::get(store, flow_name, sku, location)?.map_or(0, |b| b.taken);
    let unbooked = book::unbooked(store, flow_name, sku, &level.location)?;
    Ok(Some(ReadStamp { sku: sku.to_owned(), location: location.clone(), booked: taken - unbooked }))
}

/// The level of `sku` at `location` when it has a book; a write batch a crash left unresolved is
/// settled first.
pub async fn known(ctx: &ShopifyContext<'_>, sku: &str, location: &str) -> Result<Option<Known>, PluginError> {
    let mut b = book::get(ctx.store, ctx.flow_name, sku, location).map_err(store_error)?;
    if let Some(key) = b.as_ref().and_then(|b| b.writing.clone()) {
        recover(ctx, &key).await?;
        b = book::get(ctx.store, ctx.flow_name, sku, location).map_err(store_error)?;
    }
    let Some(b) = b else { return Ok(None) };
    let unbooked = book::unbooked(ctx.store, ctx.flow_name, sku, &b.erp_location).map_err(store_error)?;
    Ok(Some(Known { item: b.item, known: b.known, unbooked, taken: b.taken, read_job: b.read_job }))
}
