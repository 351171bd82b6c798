//! Plugin-scoped key-value state: (plugin id, key) → value, with bytes used per plugin.

use super::{e, RedbStore};
use crate::store::contract::KvStore;
use crate::store::{KvError, StoreResult};
use redb::{ReadableTable, TableDefinition, WriteTransaction};

/// (plugin id, key) → value.
pub(super) const KV: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("plugin_kv");
/// plugin id → bytes used (keys + values).
pub(super) const KV_USAGE: TableDefinition<&str, u64> = TableDefinition::new("plugin_kv_usage");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(KV).map_err(e)?;
    tx.open_table(KV_USAGE).map_err(e)?;
    Ok(())
}

/// Remove every key of `plugin` inside `tx` and return them with their values (a namespace the
/// host once kept its own state in).
pub(super) fn take_namespace(tx: &WriteTransaction, plugin: &str) -> StoreResult<Vec<(String, Vec<u8>)>> {
    let mut table = tx.open_table(KV).map_err(e)?;
    let mut taken = Vec::new();
    for entry in table.range((plugin, "")..).map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let (owner, key) = k.value();
        if owner != plugin {
            break;
        }
        taken.push((key.to_owned(), v.value().to_vec()));
    }
    for (key, _) in &taken {
        table.remove((plugin, key.as_str())).map_err(e)?;
    }
    tx.open_table(KV_USAGE).map_err(e)?.remove(plugin).map_err(e)?;
    Ok(taken)
}

impl KvStore for RedbStore {
    fn kv_get(&self, plugin: &str, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(KV).map_err(e)?;
        Ok(table.get((plugin, key)).map_err(e)?.map(|v| v.value().to_vec()))
    }

    fn kv_write(&self, plugin: &str, quota: u64, entries: &[(&str, Option<&[u8]>)]) -> Result<(), KvError> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(KV).map_err(e)?;
            let mut usage = tx.open_table(KV_USAGE).map_err(e)?;
            let mut used = usage.get(plugin).map_err(e)?.map(|v| v.value()).unwrap_or(0);
            for (key, value) in entries {
                let old =
                    table.get((plugin, *key)).map_err(e)?.map(|v| (key.len() + v.value().len()) as u64).unwrap_or(0);
                let new = value.map(|v| (key.len() + v.len()) as u64).unwrap_or(0);
                let after = used - old.min(used) + new;
                if new > old && after > quota {
                    return Err(KvError::Quota { quota, used, adding: new - old });
                }
                match value {
                    Some(v) => table.insert((plugin, *key), *v).map_err(e)?,
                    None => table.remove((plugin, *key)).map_err(e)?,
                };
                used = after;
            }
            usage.insert(plugin, used).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(())
    }

    fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> StoreResult<Vec<String>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(KV).map_err(e)?;
        let mut keys = Vec::new();
        for entry in table.range((plugin, prefix)..).map_err(e)? {
            let (k, _) = entry.map_err(e)?;
            let (owner, key) = k.value();
            if owner != plugin || !key.starts_with(prefix) || keys.len() >= limit {
                break;
            }
            keys.push(key.to_owned());
        }
        Ok(keys)
    }
}
