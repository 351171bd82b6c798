//! Plugin-scoped key-value state behind the WIT `kv` interface: one plugin's view of the store's
//! [`KvStore`](super::KvStore), with size limits and a quota.

use super::{Store, StoreError};

/// Longest key a plugin may use.
pub const KV_MAX_KEY_BYTES: usize = 512;
/// Largest value a plugin may store under one key.
pub const KV_MAX_VALUE_BYTES: usize = 1024 * 1024;

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

/// One plugin's view of the kv state.
#[derive(Clone)]
pub struct PluginKv {
    store: Store,
    plugin: String,
    quota: u64,
}

impl PluginKv {
    pub(super) fn new(store: Store, plugin: &str, quota: u64) -> PluginKv {
        PluginKv { store, plugin: plugin.to_owned(), quota }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.kv_get(&self.plugin, key)
    }

    /// Store `value` under `key`, durably.
    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write_all(&[(key, Some(value))])
    }

    /// Remove `key`.
    pub fn delete(&self, key: &str) -> Result<(), KvError> {
        self.write_all(&[(key, None)])
    }

    /// Set (`Some`) or remove (`None`) many keys in one transaction, under the size limits and
    /// the quota; all or nothing.
    pub fn write_all(&self, entries: &[(&str, Option<&[u8]>)]) -> Result<(), KvError> {
        for (key, value) in entries {
            if key.len() > KV_MAX_KEY_BYTES {
                return Err(KvError::TooLarge(format!("key of {} bytes (max {KV_MAX_KEY_BYTES})", key.len())));
            }
            if let Some(v) = value.filter(|v| v.len() > KV_MAX_VALUE_BYTES) {
                return Err(KvError::TooLarge(format!("value of {} bytes (max {KV_MAX_VALUE_BYTES})", v.len())));
            }
        }
        self.store.kv_write(&self.plugin, self.quota, entries)
    }

    /// Keys starting with `prefix`, in byte order, at most `limit`.
    pub fn list_keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.store.kv_keys(&self.plugin, prefix, limit)
    }
}
