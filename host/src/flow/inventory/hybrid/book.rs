//! What a hybrid inventory flow keeps in the store (`StateTable::InventoryHybrid`), so that a
//! restart loses no Shopify change and never takes weft's own write for one:
//!
//! - per level (`flow \x1f L \x1f sku \x1f Shopify location`) a [`Book`]: the Shopify value weft
//!   accounts for, the number of adjustments derived, weft's recent writes and the write under
//!   way;
//! - per adjustment not yet booked by the ERP (`flow \x1f P \x1f id`) the adjustment, written
//!   in the same transaction as the book that derived it;
//! - per write batch under way (`flow \x1f B \x1f key`) the batch as sent, so that after a crash
//!   it is sent again with the same `@idempotent` key and Shopify's answer says whether it was
//!   applied ([`super::recover`]).

use crate::model::{AdjustmentReason, InventoryAdjustment};
use crate::store::{StateTable, Store};
use serde::{Deserialize, Serialize};

const TABLE: StateTable = StateTable::InventoryHybrid;

/// weft's own writes remembered per level (what echoes are recognised by).
const WROTE: usize = 8;

/// One of weft's writes to a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrote {
    /// Shopify's value the compare-and-set expected.
    pub before: i64,
    /// The value set.
    pub after: i64,
    /// When (ms since the epoch).
    pub at_ms: u64,
}

/// A level of a hybrid flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    /// `gid://shopify/InventoryItem/...`
    pub item: String,
    /// The ERP location its changes book against.
    pub erp_location: String,
    /// Shopify's available as weft accounts for it: after the last change taken in or weft's
    /// last write. A Shopify value that differs is a change not taken in yet.
    pub known: i64,
    /// Adjustments derived so far (numbers the next one).
    pub seq: u64,
    /// The running total of Shopify's changes taken in (the sum of every adjustment derived):
    /// what a level read from the ERP lacks is measured against it ([`crate::flow::base::ReadStamp`]).
    #[serde(default)]
    pub taken: i64,
    /// The job of the newest level read from the ERP that was applied (written or found
    /// unchanged): a read from an older job is stale (a job a crashed host held comes back
    /// after newer ones).
    #[serde(default)]
    pub read_job: u64,
    /// The key of weft's write batch under way for this level ([`Batch`]).
    pub writing: Option<String>,
    /// weft's last writes, newest last.
    pub wrote: Vec<Wrote>,
}

/// Where a change taken in came from, for the adjustment's reason and source.
pub struct Seen<'a> {
    /// The flow.
    pub flow: &'a str,
    /// The SKU.
    pub sku: &'a str,
    /// The Shopify location.
    pub location: &'a str,
    /// How weft learnt of it (`inventory_levels/update`, `compare-and-set`, `reconcile`).
    pub how: &'a str,
    /// When (RFC 3339).
    pub at: String,
}

impl Book {
    /// A level first seen at `known`.
    pub fn new(item: &str, erp_location: &str, known: i64) -> Book {
        Book {
            item: item.to_owned(),
            erp_location: erp_location.to_owned(),
            known,
            seq: 0,
            taken: 0,
            read_job: 0,
            writing: None,
            wrote: Vec::new(),
        }
    }

    /// Take in that Shopify has `now`: the change since [`Book::known`] becomes an adjustment
    /// for the ERP (none when there is no change). Its id is the level and the change's number,
    /// so a retried booking is the same adjustment.
    pub fn take_in(&mut self, now: i64, seen: &Seen<'_>) -> Option<InventoryAdjustment> {
        let delta = now - self.known;
        if delta == 0 {
            return None;
        }
        self.seq += 1;
        self.taken += delta;
        let adjustment = InventoryAdjustment {
            external_id: format!("{}:{}@{}:{:08}", seen.flow, seen.sku, self.erp_location, self.seq),
            sku: seen.sku.to_owned(),
            location: self.erp_location.clone(),
            delta,
            // Shopify's webhook says only the new number; what caused it is not known.
            reason: AdjustmentReason::Other(format!("shopify {}", seen.how)),
            source: format!("Shopify {}", seen.location),
            occurred_at: seen.at.clone(),
            extra: serde_json::json!({
                "shopify_item": self.item,
                "shopify_location": seen.location,
                "shopify_before": self.known,
                "shopify_after": now,
            })
            .to_string(),
        };
        self.known = now;
        Some(adjustment)
    }

    /// weft set the level from `before` to `after`: what Shopify had before it that weft had not
    /// taken in is a Shopify change (returned as an adjustment); then weft's value is known.
    pub fn wrote(&mut self, before: i64, after: i64, at_ms: u64, seen: &Seen<'_>) -> Option<InventoryAdjustment> {
        let taken = self.take_in(before, seen);
        self.known = after;
        self.wrote.push(Wrote { before, after, at_ms });
        if self.wrote.len() > WROTE {
            self.wrote.remove(0);
        }
        taken
    }

    /// Whether `available` is a value weft wrote here (a webhook reporting it is weft's echo).
    pub fn is_echo(&self, available: i64) -> bool {
        self.wrote.iter().any(|w| w.after == available)
    }
}

/// One quantity of a write batch, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Set {
    /// The SKU (the level's book).
    pub sku: String,
    /// `gid://shopify/InventoryItem/...`
    pub item: String,
    /// `gid://shopify/Location/...`
    pub location: String,
    /// The value set.
    pub quantity: i64,
    /// The compare-and-set value.
    pub change_from: i64,
    /// The ERP location the level books against.
    pub erp_location: String,
    /// The job of the ERP read it applies (0: not a read of the flow's pull).
    #[serde(default)]
    pub job: u64,
}

/// A write batch under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// The `@idempotent` key scope it was sent with.
    pub scope: String,
    /// Its quantities, in the order sent.
    pub sets: Vec<Set>,
}

/// The key of a level's book.
pub fn level_key(flow: &str, sku: &str, location: &str) -> String {
    format!("{flow}\u{1f}L\u{1f}{sku}\u{1f}{location}")
}

/// The key of a pending adjustment.
pub fn pending_key(flow: &str, id: &str) -> String {
    format!("{flow}\u{1f}P\u{1f}{id}")
}

/// The key of a batch under way.
pub fn batch_key(flow: &str, key: &str) -> String {
    format!("{flow}\u{1f}B\u{1f}{key}")
}

/// One value of the table, decoded.
fn read<T: serde::de::DeserializeOwned>(store: &Store, key: &str) -> Result<Option<T>, String> {
    match store.state_get(TABLE, key).map_err(|e| e.to_string())? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| format!("{key:?}: {e}")),
    }
}

/// The book of a level.
pub fn get(store: &Store, flow: &str, sku: &str, location: &str) -> Result<Option<Book>, String> {
    read(store, &level_key(flow, sku, location))
}

/// A batch under way.
pub fn batch(store: &Store, flow: &str, key: &str) -> Result<Option<Batch>, String> {
    read(store, &batch_key(flow, key))
}

/// Adjustments not yet booked by the ERP, oldest first per level.
pub fn pending(store: &Store, flow: &str) -> Result<Vec<InventoryAdjustment>, String> {
    let prefix = format!("{flow}\u{1f}P\u{1f}");
    let keys = store.state_keys(TABLE, &prefix, usize::MAX).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for k in keys {
        out.extend(read::<InventoryAdjustment>(store, &k)?);
    }
    Ok(out)
}

/// The sum of a level's adjustments the ERP has not booked yet (its number lacks them).
pub fn unbooked(store: &Store, flow: &str, sku: &str, erp_location: &str) -> Result<i64, String> {
    let prefix = pending_key(flow, &format!("{flow}:{sku}@{erp_location}:"));
    let mut sum = 0;
    for k in store.state_keys(TABLE, &prefix, usize::MAX).map_err(|e| e.to_string())? {
        sum += read::<InventoryAdjustment>(store, &k)?.map_or(0, |a| a.delta);
    }
    Ok(sum)
}

/// Writes to the table, gathered and stored in one transaction.
#[derive(Default)]
pub struct Changes(Vec<(String, Option<Vec<u8>>)>);

impl Changes {
    /// Store a level's book.
    pub fn book(&mut self, flow: &str, sku: &str, location: &str, book: &Book) {
        self.put(level_key(flow, sku, location), book);
    }

    /// Keep an adjustment until the ERP booked it.
    pub fn pending(&mut self, flow: &str, adjustment: &InventoryAdjustment) {
        self.put(pending_key(flow, &adjustment.external_id), adjustment);
    }

    /// Forget an adjustment the ERP booked.
    pub fn booked(&mut self, flow: &str, id: &str) {
        self.0.push((pending_key(flow, id), None));
    }

    /// Keep a batch under way.
    pub fn batch(&mut self, flow: &str, key: &str, batch: &Batch) {
        self.put(batch_key(flow, key), batch);
    }

    /// Forget a batch.
    pub fn batch_done(&mut self, flow: &str, key: &str) {
        self.0.push((batch_key(flow, key), None));
    }

    fn put<T: Serialize>(&mut self, key: String, value: &T) {
        // These types always encode.
        self.0.push((key, serde_json::to_vec(value).ok()));
    }

    /// Store them, in one transaction.
    pub fn store(self, store: &Store) -> Result<(), String> {
        if self.0.is_empty() {
            return Ok(());
        }
        store.state_write(TABLE, &self.0).map_err(|e| e.to_string())
    }
}
