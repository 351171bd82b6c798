//! Plugin-scoped key-value state behind the WIT `kv` interface.

use super::StoreError;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::sync::Arc;

/// (plugin id, key) → value.
const KV: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("plugin_kv");
/// plugin id → bytes used (keys + values).
const KV_USAGE: TableDefinition<&str, u64> = TableDefinition::new("plugin_kv_usage");

/// Longest key a plugin may use.
pub const KV_MAX_KEY_BYTES: usize = 512;
/// Largest value a plugin may store under one key.
pub const KV_MAX_VALUE_BYTES: usize = 1024 * 1024;

pub(super) fn create_tables(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    tx.open_table(KV).map_err(StoreError::from_display)?;
    tx.open_table(KV_USAGE).map_err(StoreError::from_display)?;
    Ok(())
}

/// Why a kv write was refused.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The key or value is larger than allowed.
    #[error("kv: {0}")]
    TooLarge(String),
    /// The plugin's quota would be exceeded.
    #[error("kv: quota of {quota} bytes exceeded (using {used}, writing {adding} more)")]
    Quota {
        /// The plugin's quota.
        quota: u64,
        /// Bytes in use.
        used: u64,
        /// Bytes the write adds.
        adding: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One plugin's view of the kv table.
#[derive(Clone)]
pub struct PluginKv {
    db: Arc<Database>,
    plugin: String,
    quota: u64,
}

impl PluginKv {
    pub(super) fn new(db: Arc<Database>, plugin: &str, quota: u64) -> PluginKv {
        PluginKv { db, plugin: plugin.to_owned(), quota }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::from_display)?;
        let table = tx.open_table(KV).map_err(StoreError::from_display)?;
        let value = table.get((self.plugin.as_str(), key)).map_err(StoreError::from_display)?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Store `value` under `key`, durably.
    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write(key, Some(value))
    }

    /// Remove `key`.
    pub fn delete(&self, key: &str) -> Result<(), KvError> {
        self.write(key, None)
    }

    fn write(&self, key: &str, value: Option<&[u8]>) -> Result<(), KvError> {
        self.write_all(&[(key, value)])
    }

    /// Set (`Some`) or remove (`None`) many keys in one transaction, under the same size limits
    /// and quota as [`PluginKv::set`]; all or nothing.
    pub fn write_all(&self, entries: &[(&str, Option<&[u8]>)]) -> Result<(), KvError> {
        for (key, value) in entries {
            if key.len() > KV_MAX_KEY_BYTES {
                return Err(KvError::TooLarge(format!("key of {} bytes (max {KV_MAX_KEY_BYTES})", key.len())));
            }
            if let Some(v) = value.filter(|v| v.len() > KV_MAX_VALUE_BYTES) {
                return Err(KvError::TooLarge(format!("value of {} bytes (max {KV_MAX_VALUE_BYTES})", v.len())));
            }
        }
        let tx = self.db.begin_write().map_err(StoreError::from_display)?;
        {
            let mut table = tx.open_table(KV).map_err(StoreError::from_display)?;
            let mut usage = tx.open_table(KV_USAGE).map_err(StoreError::from_display)?;
            let mut used = usage
                .get(self.plugin.as_str())
                .map_err(StoreError::from_display)?
                .map(|v| v.value())
                .unwrap_or(0);
            for (key, value) in entries {
                let old = table
                    .get((self.plugin.as_str(), *key))
                    .map_err(StoreError::from_display)?
                    .map(|v| (key.len() + v.value().len()) as u64)
                    .unwrap_or(0);
                let new = value.map(|v| (key.len() + v.len()) as u64).unwrap_or(0);
                let after = used - old.min(used) + new;
                if new > old && after > self.quota {
                    return Err(KvError::Quota { quota: self.quota, used, adding: new - old });
                }
                match value {
                    Some(v) => {
                        table.insert((self.plugin.as_str(), *key), *v).map_err(StoreError::from_display)?;
                    }
                    None => {
                        table.remove((self.plugin.as_str(), *key)).map_err(StoreError::from_display)?;
                    }
                }
                used = after;
            }
            usage.insert(self.plugin.as_str(), used).map_err(StoreError::from_display)?;
        }
        tx.commit().map_err(StoreError::from_display)?;
        Ok(())
    }

    /// Keys starting with `prefix`, in byte order, at most `limit`.
    pub fn list_keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::from_display)?;
        let table = tx.open_table(KV).map_err(StoreError::from_display)?;
        let range = table
            .range((self.plugin.as_str(), prefix)..)
            .map_err(StoreError::from_display)?;
        let mut keys = Vec::new();
        for entry in range {
            let (k, _) = entry.map_err(StoreError::from_display)?;
            let (plugin, key) = k.value();
            if plugin != self.plugin || !key.starts_with(prefix) || keys.len() >= limit {
                break;
            }
            keys.push(key.to_owned());
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn kv_is_scoped_per_plugin_persistent_and_bounded_by_quota() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let a = store.plugin_kv("a", 100);
            let b = store.plugin_kv("b", 100);
            a.set("cursor", b"42").unwrap();
            a.set("cursor2", b"43").unwrap();
            assert_eq!(b.get("cursor").unwrap(), None);
            assert_eq!(a.list_keys("cur", 10).unwrap(), vec!["cursor", "cursor2"]);
            assert_eq!(a.list_keys("cur", 1).unwrap(), vec!["cursor"]);
            assert!(a.set("big", &[0u8; 200]).is_err(), "quota must refuse");
            a.delete("cursor2").unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let a = store.plugin_kv("a", 100);
        assert_eq!(a.get("cursor").unwrap().as_deref(), Some(&b"42"[..]));
        assert_eq!(a.get("cursor2").unwrap(), None);
    }
}
