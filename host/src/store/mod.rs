//! The embedded redb database: the only module that opens it.

mod kv;

pub use kv::{KvError, PluginKv, KV_MAX_KEY_BYTES, KV_MAX_VALUE_BYTES};

use std::path::Path;
use std::sync::Arc;

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "weft.redb";

/// A handle on the open database; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    db: Arc<redb::Database>,
}

/// The database could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    fn from_display(e: impl std::fmt::Display) -> StoreError {
        StoreError(e.to_string())
    }
}

impl Store {
    /// Open (or create) the database in directory `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let db = redb::Database::create(dir.join(DB_FILE)).map_err(StoreError::from_display)?;
        let store = Store { db: Arc::new(db) };
        kv::create_tables(&store.db)?;
        Ok(store)
    }

    /// Plugin-scoped key-value state for plugin `plugin_id`, with a quota in bytes.
    pub fn plugin_kv(&self, plugin_id: &str, quota_bytes: u64) -> PluginKv {
        PluginKv::new(self.db.clone(), plugin_id, quota_bytes)
    }
}
