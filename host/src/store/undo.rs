//! The undo log: every write to Shopify or the ERP keeps what it replaced, keyed by run, so
//! `weft runs revert RUN` can put it back.

use super::{from_json, next_seq, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

const UNDO: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("undo_log");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(UNDO).map_err(StoreError::from_display)?;
    Ok(())
}

/// One field a run changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoEntry {
    /// Flow.
    pub flow: String,
    /// `inventory_level`, `variant_price`, `product`.
    pub object: String,
    /// The object's key for people and lookups (SKU, handle).
    pub key: String,
    /// The destination's id (inventory item GID, variant GID, product GID).
    pub target_id: String,
    /// Where, for levels: the Shopify location GID.
    pub location: Option<String>,
    /// Field (`available`, `price`, `compare_at_price`, `title`...).
    pub field: String,
    /// The value before the write (null: there was none).
    pub before: serde_json::Value,
    /// The value written.
    pub after: serde_json::Value,
    /// When (ms since the epoch).
    pub at_ms: u64,
}

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl Store {
    /// Append entries to the undo log of `run_id`, in one transaction.
    pub fn add_undo(&self, run_id: u64, entries: &[UndoEntry]) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(UNDO).map_err(e)?;
            let first = next_seq(&table, run_id)?;
            for (seq, entry) in (first..).zip(entries) {
                table.insert((run_id, seq), to_json(entry)?.as_slice()).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// The undo log of a run, in write order.
    pub fn undo_log(&self, run_id: u64) -> StoreResult<Vec<UndoEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(UNDO).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(e)? {
            out.push(from_json(entry.map_err(e)?.1.value())?);
        }
        Ok(out)
    }
}
