//! The idempotency ledger (keys whose effect is confirmed) and the id map between systems.

use super::{read_json, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

const LEDGER: TableDefinition<&str, &[u8]> = TableDefinition::new("ledger");
const ID_MAP: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("id_map");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(LEDGER).map_err(StoreError::from_display)?;
    tx.open_table(ID_MAP).map_err(StoreError::from_display)?;
    Ok(())
}

/// A write whose effect is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// `created`, `updated`, `unchanged`...
    pub outcome: String,
    /// The id the destination gave the object.
    pub destination_id: String,
    /// When it was confirmed.
    pub at_ms: u64,
}

/// One confirmed write: its idempotency key and ledger entry, and the ids to link.
#[derive(Debug, Clone)]
pub struct ConfirmedWrite {
    /// Idempotency key.
    pub key: String,
    /// The outcome.
    pub entry: LedgerEntry,
    /// Id-map object (`customer`, `order`...).
    pub object: String,
    /// Id-map key (the record's external id).
    pub object_key: String,
    /// Ids to merge.
    pub link: IdLink,
}

/// The ids of one object across systems, keyed by (object, shared key such as the SKU).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdLink {
    /// Shopify GID.
    pub shopify: Option<String>,
    /// ERP id.
    pub erp: Option<String>,
}

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl Store {
    /// The confirmed outcome of idempotency key `key`.
    pub fn ledger_get(&self, key: &str) -> StoreResult<Option<LedgerEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(LEDGER).map_err(e)?, key)
    }

    /// Confirm a batch of writes in one transaction: each key's ledger entry, and its ids merged
    /// into the id map under (object, key).
    pub fn confirm_writes(&self, writes: &[ConfirmedWrite]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut ledger = tx.open_table(LEDGER).map_err(e)?;
            let mut ids = tx.open_table(ID_MAP).map_err(e)?;
            for w in writes {
                ledger.insert(w.key.as_str(), to_json(&w.entry)?.as_slice()).map_err(e)?;
                merge_link(&mut ids, &w.object, &w.object_key, &w.link)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Forget confirmed writes, so the same content is pushed again (reconcile `--heal`).
    pub fn forget_writes(&self, keys: &[String]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut ledger = tx.open_table(LEDGER).map_err(e)?;
            for key in keys {
                ledger.remove(key.as_str()).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// The ids linked to (`object`, `key`).
    pub fn id_link(&self, object: &str, key: &str) -> StoreResult<Option<IdLink>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(ID_MAP).map_err(e)?, (object, key))
    }

    /// Merge ids into the link of (`object`, `key`); `None` fields keep their value.
    pub fn link_ids(&self, object: &str, key: &str, update: &IdLink) -> StoreResult<IdLink> {
        let tx = self.db.begin_write().map_err(e)?;
        let merged = merge_link(&mut tx.open_table(ID_MAP).map_err(e)?, object, key, update)?;
        tx.commit().map_err(e)?;
        Ok(merged)
    }

    /// [`Store::link_ids`] for many keys of `object`, in one transaction.
    pub fn link_ids_all(&self, object: &str, updates: &[(String, IdLink)]) -> StoreResult<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(ID_MAP).map_err(e)?;
            for (key, update) in updates {
                merge_link(&mut table, object, key, update)?;
            }
        }
        tx.commit().map_err(e)
    }
}

/// Merge `update` into the stored link of (`object`, `key`) and return the result.
fn merge_link(table: &mut redb::Table<(&str, &str), &[u8]>, object: &str, key: &str, update: &IdLink) -> StoreResult<IdLink> {
    let mut link: IdLink = read_json(&*table, (object, key))?.unwrap_or_default();
    if update.shopify.is_some() {
        link.shopify = update.shopify.clone();
    }
    if update.erp.is_some() {
        link.erp = update.erp.clone();
    }
    table.insert((object, key), to_json(&link)?.as_slice()).map_err(e)?;
    Ok(link)
}
