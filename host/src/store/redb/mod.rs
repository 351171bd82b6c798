//! The embedded redb backend: one file, one process at a time. The only module that opens a
//! database.
//!
//! Tables (all values JSON unless noted):
//! - `meta`: schema version and id counters.
//! - `jobs` (id → job), `ready` ((flow, due ms, id) index), `leased` ((lease end ms, id) index).
//! - `dead_letter` (id → dead letter), `webhook_receipts` ((webhook id, flow) → received ms).
//! - `paused` (flow → since ms), `pause_reasons` (flow → why weft paused it),
//!   `schedule` (key → last tick ms), `schedule_jobs` (key → the job it fired last),
//!   `cursors` ((flow, connection) → cursor string).
//! - `ledger` (idempotency key → entry), `id_map` ((object, key) → ids).
//! - `runs` (id → run), `run_records` ((run id, seq) → record),
//!   `run_record_keys` ((record key, run id, seq) index, for search and lineage),
//!   `run_calls` ((run id, seq) → an API call with the record seqs it served).
//! - `plugin_kv`, `plugin_kv_usage`: plugin-scoped state.
//! - `state_inventory_levels`, `state_catalog_hashes`, `state_price_overrides`: the host's own
//!   flow state (see [`StateTable`]).
//! - `reconcile_reports` (id → report), `shadow_intents` ((flow, key) → intent),
//!   `undo_log` ((run id, seq) → entry), `alert_episodes` (key → episode).
//!
//! Pruning by age and table sizes: [`retention`].
//!
//! Claims of records being written live in memory, and the Shopify cost budget is the client's
//! own: one process holds the database, so they are that process's.

mod calls;
mod copy;
pub mod handle;
mod jobs;
#[cfg(test)]
mod jobs_inline;
mod journal;
mod kv;
mod ledger;
mod reports;
mod retention;
mod runs;
mod state;
mod versions;

use super::contract::{Backend, BudgetStore, ClaimStore, StoreHealth};
use super::{StateTable, StoreError, StoreResult};
use handle::{Db, Opener};
use redb::{Database, ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "weft.redb";

/// The schema version this build writes. Older databases are migrated on open; newer ones refused.
pub const SCHEMA_VERSION: u64 = 2;

/// redb's page cache. Its default (1 GiB) let `weft serve` grow past 1.5 GB while 300,000 queued
/// levels went through; the store's hot pages (queue heads, leases, the ledger's recent keys)
/// fit in far less, and the OS page cache keeps the file's other pages. 32 MiB and 16 MiB sync a
/// million levels at the same rate (10.9k and 10.7k levels/s, release); 16 MiB peaks 20 MiB lower.
const CACHE_BYTES: usize = 16 << 20;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// The redb backend.
pub struct RedbStore {
    db: Db,
    claims: Mutex<BTreeSet<String>>,
    location: String,
    /// The database file (none in memory).
    file: Option<PathBuf>,
}

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl RedbStore {
    /// Open (or create) the database in directory `dir`, migrating it to [`SCHEMA_VERSION`]. A
    /// file that is empty or not a weft database is refused, never taken as a new store.
    pub fn open(dir: &Path) -> StoreResult<RedbStore> {
        std::fs::create_dir_all(dir)
            .map_err(|err| StoreError::Other(format!("cannot create {}: {err}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let existed = match std::fs::metadata(&path) {
            Ok(meta) if meta.len() == 0 => {
                return Err(StoreError::Other(format!(
                    "{} is empty (0 bytes): it is not a weft database, and opening it would start over with no \
                     ledger, cursors or history (every record synced again). \
                     Restore it from a backup, or \
                     remove it to start a new store on purpose",
                    path.display()
                )))
            }
            Ok(_) => true,
            Err(_) => false,
        };
        let file = path.clone();
        let open = move || Database::builder().set_cache_size(CACHE_BYTES).create(&path);
        let db = match open() {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(StoreError::Locked),
            Err(err) => return Err(StoreError::Other(format!("{}: {err}", dir.join(DB_FILE).display()))),
        };
        RedbStore::with(Db::new(db, Some(Box::new(open))), existed, format!("redb at {}", dir.display()), Some(file))
    }

    /// Open (or create) a database on a storage backend that `make` creates (again at each
    /// reopen after a failed write): a layer over the file, such as one that injects faults.
    pub fn open_with_backend<B: redb::StorageBackend>(
        make: impl Fn() -> B + Send + Sync + 'static,
    ) -> StoreResult<RedbStore> {
        let open: Opener = Box::new(move || Database::builder().create_with_backend(make()));
        let db = open().map_err(e)?;
        RedbStore::with(Db::new(db, Some(open)), false, "redb on a custom backend".into(), None)
    }

    /// A throw-away database in memory.
    pub fn in_memory() -> StoreResult<RedbStore> {
        let db = Database::builder().create_with_backend(redb::backends::InMemoryBackend::new()).map_err(e)?;
        RedbStore::with(Db::new(db, None), false, "redb in memory".into(), None)
    }

    fn with(db: Db, existed: bool, location: String, file: Option<PathBuf>) -> StoreResult<RedbStore> {
        let store = RedbStore { db, claims: Mutex::new(BTreeSet::new()), location, file };
        store.migrate(existed)?;
        Ok(store)
    }

    /// Create what is missing and migrate to [`SCHEMA_VERSION`]. A file that existed must be a
    /// weft database: one with tables but no schema version is another program's.
    fn migrate(&self, existed: bool) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let foreign = existed && tx.list_tables().map_err(e)?.any(|t| t.name() != "meta");
            let mut meta = tx.open_table(META).map_err(e)?;
            let version = meta.get("schema_version").map_err(e)?.map(|v| v.value()).unwrap_or(0);
            if version == 0 && foreign {
                return Err(StoreError::Other(
                    "the store file is a redb database of another program (it has no weft schema version); \
                     point [store] path at weft's own directory"
                        .into(),
                ));
            }
            if version > SCHEMA_VERSION {
                return Err(StoreError::Other(format!(
                    "the database has schema version {version}, newer than this weft ({SCHEMA_VERSION}); upgrade weft"
                )));
            }
            // Every table, created when missing (version 0: a new database).
            kv::create_tables(&tx)?;
            jobs::create_tables(&tx)?;
            ledger::create_tables(&tx)?;
            runs::create_tables(&tx)?;
            calls::create_tables(&tx)?;
            reports::create_tables(&tx)?;
            journal::create_tables(&tx)?;
            state::create_tables(&tx)?;
            versions::create_tables(&tx)?;
            // Version 1 → 2: the host's flow state moves out of plugin kv into its own tables.
            if version == 1 {
                for (table, namespace) in
                    StateTable::ALL.into_iter().filter_map(|t| Some((t, t.legacy_kv_namespace()?)))
                {
                    let moved = kv::take_namespace(&tx, namespace)?;
                    state::put_all(&tx, table, &moved)?;
                }
            }
            meta.insert("schema_version", SCHEMA_VERSION).map_err(e)?;
        }
        tx.commit().map_err(e)
    }
}

impl Backend for RedbStore {
    fn schema_version(&self) -> StoreResult<u64> {
        let tx = self.db.begin_read().map_err(e)?;
        let meta = tx.open_table(META).map_err(e)?;
        Ok(meta.get("schema_version").map_err(e)?.map(|v| v.value()).unwrap_or(0))
    }

    fn budget(&self) -> Option<&dyn BudgetStore> {
        None
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn health(&self) -> StoreHealth {
        self.db.health()
    }
}

impl ClaimStore for RedbStore {
    fn claim(&self, key: &str) -> StoreResult<bool> {
        Ok(self.claims.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned()))
    }

    fn release(&self, keys: &[String]) -> StoreResult<()> {
        let mut claims = self.claims.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            claims.remove(key);
        }
        Ok(())
    }
}

/// Allocate the next id of counter `name` inside a write transaction.
fn next_id(tx: &WriteTransaction, name: &str) -> StoreResult<u64> {
    let mut meta = tx.open_table(META).map_err(e)?;
    let next = meta.get(name).map_err(e)?.map(|v| v.value()).unwrap_or(0) + 1;
    meta.insert(name, next).map_err(e)?;
    Ok(next)
}

/// The next free sequence number under `run_id` in a table keyed by (run id, seq).
fn next_seq(table: &impl ReadableTable<(u64, u64), &'static [u8]>, run_id: u64) -> StoreResult<u64> {
    let last = table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(e)?.next_back().transpose().map_err(e)?;
    Ok(last.map_or(0, |(k, _)| k.value().1 + 1))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(e)
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|err| StoreError::Other(format!("corrupt record: {err}")))
}

/// Read one JSON value from a table keyed by `K`.
fn read_json<K: redb::Key + 'static, T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<K, &'static [u8]>,
    key: K::SelfType<'_>,
) -> StoreResult<Option<T>> {
    match table.get(key).map_err(e)? {
        Some(v) => from_json(v.value()).map(Some),
        None => Ok(None),
    }
}

/// Every key of a `&str`-keyed table starting with `prefix`, at most `limit`.
fn keys_with_prefix<V: redb::Value + 'static>(
    table: &impl ReadableTable<&'static str, V>,
    prefix: &str,
    limit: usize,
) -> StoreResult<Vec<String>> {
    let mut keys = Vec::new();
    for entry in table.range(prefix..).map_err(e)? {
        let (k, _) = entry.map_err(e)?;
        let key = k.value();
        if !key.starts_with(prefix) || keys.len() >= limit {
            break;
        }
        keys.push(key.to_owned());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{KvStore, StateStore};

    #[test]
    fn version_1_flow_state_moves_out_of_plugin_kv() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::create(dir.path().join(DB_FILE)).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(META).unwrap().insert("schema_version", 1).unwrap();
            kv::create_tables(&tx).unwrap();
            {
                let mut table = tx.open_table(TableDefinition::<(&str, &str), &[u8]>::new("plugin_kv")).unwrap();
                table.insert(("weft:inventory", "SKU\u{1f}inv\u{1f}L1"), &b"{\"pushed\":3}"[..]).unwrap();
                table.insert(("weft:catalog", "products\u{1f}T1"), &b"hash"[..]).unwrap();
                table.insert(("tryton", "session"), &b"s"[..]).unwrap();
            }
            tx.commit().unwrap();
        }
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store.state_get(StateTable::InventoryLevels, "SKU\u{1f}inv\u{1f}L1").unwrap().as_deref(),
            Some(&b"{\"pushed\":3}"[..])
        );
        assert_eq!(
            store.state_get(StateTable::CatalogHashes, "products\u{1f}T1").unwrap().as_deref(),
            Some(&b"hash"[..])
        );
        assert_eq!(store.kv_get("weft:inventory", "SKU\u{1f}inv\u{1f}L1").unwrap(), None, "moved, not copied");
        assert_eq!(store.kv_get("tryton", "session").unwrap().as_deref(), Some(&b"s"[..]), "plugins' own state stays");
    }

    #[test]
    fn unsynced_commits_are_read_at_once_and_kept_by_the_next_synced_one() {
        let dir = tempfile::tempdir().unwrap();
        let run = {
            let store = crate::store::Store::open(dir.path()).unwrap();
            let run = store.unsynced(|| store.start_run("inventory", "schedule", None, 1)).unwrap();
            assert!(!crate::store::unsynced_now(), "the scope ends with its closure");
            assert_eq!(store.run(run.id).unwrap().map(|r| r.id), Some(run.id), "visible before any sync");
            store.finish_run(run.id, 2, None).unwrap();
            run
        };
        let store = crate::store::Store::open(dir.path()).unwrap();
        let kept = store.run(run.id).unwrap().expect("the unsynced start is kept with the synced finish");
        assert_eq!((kept.started_ms, kept.ended_ms), (1, Some(2)));
    }
}
