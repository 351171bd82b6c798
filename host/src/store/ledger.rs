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

    /// Record that `key`'s effect is confirmed.
    pub fn ledger_put(&self, key: &str, entry: &LedgerEntry) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        tx.open_table(LEDGER).map_err(e)?.insert(key, to_json(entry)?.as_slice()).map_err(e)?;
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
        let merged = {
            let mut table = tx.open_table(ID_MAP).map_err(e)?;
            let mut link: IdLink = read_json(&table, (object, key))?.unwrap_or_default();
            if update.shopify.is_some() {
                link.shopify = update.shopify.clone();
            }
            if update.erp.is_some() {
                link.erp = update.erp.clone();
            }
            table.insert((object, key), to_json(&link)?.as_slice()).map_err(e)?;
            link
        };
        tx.commit().map_err(e)?;
        Ok(merged)
    }
}
