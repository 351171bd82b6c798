//! The host's own flow state: one table per [`StateTable`], key → JSON value.

use super::{e, keys_with_prefix, RedbStore};
use crate::store::contract::StateStore;
use crate::store::{StateTable, StoreResult};
use redb::{TableDefinition, WriteTransaction};

pub(super) fn table(t: StateTable) -> TableDefinition<'static, &'static str, &'static [u8]> {
    TableDefinition::new(t.name())
}

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    for t in StateTable::ALL {
        tx.open_table(table(t)).map_err(e)?;
    }
    Ok(())
}

/// Store `entries` in `t` inside `tx`.
pub(super) fn put_all(tx: &WriteTransaction, t: StateTable, entries: &[(String, Vec<u8>)]) -> StoreResult<()> {
    let mut open = tx.open_table(table(t)).map_err(e)?;
    for (key, value) in entries {
        open.insert(key.as_str(), value.as_slice()).map_err(e)?;
    }
    Ok(())
}

impl StateStore for RedbStore {
    fn state_get_all(&self, t: StateTable, keys: &[&str]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let tx = self.db.begin_read().map_err(e)?;
        let open = tx.open_table(table(t)).map_err(e)?;
        keys.iter().map(|key| Ok(open.get(*key).map_err(e)?.map(|v| v.value().to_vec()))).collect()
    }

    fn state_write(&self, t: StateTable, entries: &[(String, Option<Vec<u8>>)]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut open = tx.open_table(table(t)).map_err(e)?;
            for (key, value) in entries {
                match value {
                    Some(v) => open.insert(key.as_str(), v.as_slice()).map_err(e)?,
                    None => open.remove(key.as_str()).map_err(e)?,
                };
            }
        }
        tx.commit().map_err(e)
    }

    fn state_keys(&self, t: StateTable, prefix: &str, limit: usize) -> StoreResult<Vec<String>> {
        let tx = self.db.begin_read().map_err(e)?;
        keys_with_prefix(&tx.open_table(table(t)).map_err(e)?, prefix, limit)
    }
}
