//! The embedded redb database: the only module that opens it.
//!
//! Tables (all values JSON unless noted):
//! - `meta`: schema version and id counters.
//! - `jobs` (id → [`Job`]), `ready` ((flow, due ms, id) index), `leased` ((lease end ms, id) index).
//! - `dead_letter` (id → [`DeadLetter`]), `webhook_receipts` (webhook id → received ms).
//! - `paused` (flow → since ms), `schedule` (flow → last tick ms).
//! - `ledger` (idempotency key → [`LedgerEntry`]), `id_map` ((object, key) → [`IdLink`]),
//!   `cursors` ((flow, connection) → cursor string).
//! - `runs` (id → [`Run`]), `run_records` ((run id, seq) → [`RunRecord`]),
//!   `run_record_keys` ((record key, run id, seq) index, for search and lineage).
//! - `plugin_kv`, `plugin_kv_usage`: plugin-scoped state.
//! - `reconcile_reports` (id → [`ReconcileReport`]), `shadow_intents` ((flow, key) → [`Intent`]),
//!   `undo_log` ((run id, seq) → [`UndoEntry`]).
//! - `pause_reasons` (flow → why weft paused it), `alert_episodes` (rule/flow → [`Episode`]).

mod alerts;
mod intents;
mod jobs;
mod kv;
mod ledger;
mod reports;
mod runs;
mod undo;

pub use alerts::Episode;
pub use jobs::{DeadLetter, EnqueueOutcome, Job, JobError, JobState, NewJob, QueueStatus};
pub use kv::{KvError, PluginKv, KV_MAX_KEY_BYTES, KV_MAX_VALUE_BYTES};
pub use ledger::{ConfirmedWrite, IdLink, LedgerEntry};
pub use intents::Intent;
pub use reports::{Drift, FlowReconcile, OrderDay, ReconcileReport, ReconcileSummary};
pub use runs::{RecordEntry, Run, RunFilter, RunRecord, RunStatus};
pub use undo::UndoEntry;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;
use std::sync::Arc;

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "weft.redb";

/// The schema version this build writes. Older databases are migrated on open; newer ones refused.
pub const SCHEMA_VERSION: u64 = 1;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// A handle on the open database; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
}

/// The database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (usually `weft serve`) holds the database.
    #[error("store: the database is in use by another weft process (is `weft serve` running?)")]
    Locked,
    /// Anything else.
    #[error("store: {0}")]
    Other(String),
}

impl StoreError {
    pub(crate) fn from_display(e: impl std::fmt::Display) -> StoreError {
        StoreError::Other(e.to_string())
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl Store {
    /// Open (or create) the database in directory `dir`, migrating it to [`SCHEMA_VERSION`].
    pub fn open(dir: &Path) -> StoreResult<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let db = match Database::create(dir.join(DB_FILE)) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(StoreError::Locked),
            Err(e) => return Err(StoreError::from_display(e)),
        };
        let store = Store { db: Arc::new(db) };
        store.migrate()?;
        Ok(store)
    }

    /// A throw-away database in memory (e.g. scratch plugin state for a read from scratch).
    pub fn in_memory() -> StoreResult<Store> {
        let db = Database::builder().create_with_backend(redb::backends::InMemoryBackend::new()).map_err(StoreError::from_display)?;
        let store = Store { db: Arc::new(db) };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(StoreError::from_display)?;
        {
            let mut meta = tx.open_table(META).map_err(StoreError::from_display)?;
            let version = meta.get("schema_version").map_err(StoreError::from_display)?.map(|v| v.value()).unwrap_or(0);
            if version > SCHEMA_VERSION {
                return Err(StoreError::Other(format!(
                    "the database has schema version {version}, newer than this weft ({SCHEMA_VERSION}); upgrade weft"
                )));
            }
            // Version 0 → 1: create every table. Later versions add steps here, in order.
            if version < 1 {
                kv::create_tables(&tx)?;
                jobs::create_tables(&tx)?;
                ledger::create_tables(&tx)?;
                runs::create_tables(&tx)?;
                alerts::create_tables(&tx)?;
            }
            // Tables added without a schema change: created when missing.
            reports::create_tables(&tx)?;
            intents::create_tables(&tx)?;
            undo::create_tables(&tx)?;
            meta.insert("schema_version", SCHEMA_VERSION).map_err(StoreError::from_display)?;
        }
        tx.commit().map_err(StoreError::from_display)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> StoreResult<u64> {
        let tx = self.db.begin_read().map_err(StoreError::from_display)?;
        let meta = tx.open_table(META).map_err(StoreError::from_display)?;
        Ok(meta.get("schema_version").map_err(StoreError::from_display)?.map(|v| v.value()).unwrap_or(0))
    }

    /// Plugin-scoped key-value state for plugin `plugin_id`, with a quota in bytes.
    pub fn plugin_kv(&self, plugin_id: &str, quota_bytes: u64) -> PluginKv {
        PluginKv::new(self.db.clone(), plugin_id, quota_bytes)
    }
}

/// Allocate the next id of counter `name` inside a write transaction.
fn next_id(tx: &redb::WriteTransaction, name: &str) -> StoreResult<u64> {
    let mut meta = tx.open_table(META).map_err(StoreError::from_display)?;
    let next = meta.get(name).map_err(StoreError::from_display)?.map(|v| v.value()).unwrap_or(0) + 1;
    meta.insert(name, next).map_err(StoreError::from_display)?;
    Ok(next)
}

/// The next free sequence number under `run_id` in a table keyed by (run id, seq).
fn next_seq(table: &impl ReadableTable<(u64, u64), &'static [u8]>, run_id: u64) -> StoreResult<u64> {
    let last = table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(StoreError::from_display)?.next_back().transpose().map_err(StoreError::from_display)?;
    Ok(last.map_or(0, |(k, _)| k.value().1 + 1))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(StoreError::from_display)
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Other(format!("corrupt record: {e}")))
}

/// Read one JSON value from a table keyed by `K`.
fn read_json<K: redb::Key + 'static, T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<K, &'static [u8]>,
    key: K::SelfType<'_>,
) -> StoreResult<Option<T>> {
    match table.get(key).map_err(StoreError::from_display)? {
        Some(v) => from_json(v.value()).map(Some),
        None => Ok(None),
    }
}
