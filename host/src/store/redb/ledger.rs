//! The idempotency ledger (keys whose effect is confirmed) and the id map between systems.

use super::{e, read_json, to_json, RedbStore};
use crate::store::contract::LedgerStore;
use crate::store::{ConfirmedWrite, IdLink, LedgerEntry, StoreResult};
use redb::{TableDefinition, WriteTransaction};

pub(super) const LEDGER: TableDefinition<&str, &[u8]> = TableDefinition::new("ledger");
pub(super) const ID_MAP: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("id_map");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(LEDGER).map_err(e)?;
    tx.open_table(ID_MAP).map_err(e)?;
    Ok(())
}

impl LedgerStore for RedbStore {
    fn ledger_get_all(&self, keys: &[&str]) -> StoreResult<Vec<Option<LedgerEntry>>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(LEDGER).map_err(e)?;
        keys.iter().map(|key| read_json(&table, *key)).collect()
    }

    fn confirm_writes(&self, writes: &[ConfirmedWrite]) -> StoreResult<()> {
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

    fn forget_writes(&self, keys: &[String]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut ledger = tx.open_table(LEDGER).map_err(e)?;
            for key in keys {
                ledger.remove(key.as_str()).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn id_links(&self, object: &str, keys: &[&str]) -> StoreResult<Vec<Option<IdLink>>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(ID_MAP).map_err(e)?;
        keys.iter().map(|key| read_json(&table, (object, *key))).collect()
    }

    fn link_ids_all(&self, object: &str, updates: &[(String, IdLink)]) -> StoreResult<()> {
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
fn merge_link(
    table: &mut redb::Table<(&str, &str), &[u8]>,
    object: &str,
    key: &str,
    update: &IdLink,
) -> StoreResult<IdLink> {
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
