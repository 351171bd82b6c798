//! Everything weft keeps durably, behind a contract ([`contract`]): the job queue, the
//! idempotency ledger and id map, runs and their records, the journals, reports and alert
//! episodes, plugin kv, the host's own flow state, schedule ticks, webhook receipts, the claims of
//! records being written and, for several hosts, each shop's Shopify cost bucket; what grows is
//! pruned by age ([`RetentionStore`]). [`Store`] is a cheap, shareable handle on one backend: the
//! embedded default redb ([`redb`]), or PostgreSQL ([`postgres`]) for several hosts; those two are
//! the only modules that touch a database.

mod budget;
mod calls;
pub mod contract;
mod copy;
mod jobs;
mod journal;
mod kv;
mod ledger;
mod payload;
pub mod postgres;
pub mod redb;
mod reports;
mod retention;
mod runs;
mod state;
mod versions;

pub use budget::{BucketReport, Grant};
pub use calls::{
    place_calls, ApiCall, CallDetail, CallEntry, CallLog, CallPage, HttpCall, LinkedCall, ShopifyCall, Throttle,
};
pub use contract::{
    Backend, BudgetStore, ClaimStore, CopyStore, JournalStore, KvStore, LedgerStore, QueueStore, ReportStore,
    RetentionStore, RunStore, ScheduleStore, StateStore, StoreHealth, VersionStore,
};
pub use copy::{Item, ItemKind, PAGE};
pub use jobs::{
    CursorAdvance, DeadLetter, DeadLetterEdit, EnqueueOutcome, ErrorClass, Job, JobError, JobState, NewJob, QueueStatus,
};
pub use journal::{Intent, JournalObject, UndoEntry};
pub use kv::{KvError, PluginKv, KV_MAX_KEY_BYTES, KV_MAX_VALUE_BYTES};
pub use ledger::{ConfirmedWrite, IdLink, LedgerEntry, ShopLinks};
pub use payload::Payload;
pub use reports::{Drift, Episode, FlowReconcile, OrderDay, OrderDrift, PriceDrift, ReconcileReport, ReconcileSummary};
pub use retention::{Aged, StoreStats, TableSize};
pub use runs::{Outcome, RecordEntry, Run, RunFilter, RunRecord, RunStatus};
pub use state::StateTable;
pub use versions::ConfigVersion;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a store is (`[store]` of the config, or an argument of `weft store migrate`).
#[derive(Debug, Clone)]
pub enum Location {
    /// The embedded redb database in this directory.
    Redb(PathBuf),
    /// A PostgreSQL database several hosts may share.
    Postgres(postgres::Options),
}

/// A handle on the open store; cheap to clone and share between threads. Every method of the
/// contract is called through it.
#[derive(Clone)]
pub struct Store(Arc<dyn Backend>);

thread_local! {
    /// Set inside [`Store::unsynced`].
    static UNSYNCED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread's commits are left unsynced now (see [`Store::unsynced`]).
pub(crate) fn unsynced_now() -> bool {
    UNSYNCED.with(std::cell::Cell::get)
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// The store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (usually `weft serve`) holds a store only one process may open.
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
    /// A store over `backend`.
    pub fn new(backend: impl Backend + 'static) -> Store {
        Store(Arc::new(backend))
    }

    /// Open (or create) the embedded redb store in directory `dir`.
    pub fn open(dir: &Path) -> StoreResult<Store> {
        redb::RedbStore::open(dir).map(Store::new)
    }

    /// Open the store at `location`: redb in a directory, or a PostgreSQL database (migrated to
    /// this build's schema first).
    pub fn connect(location: &Location) -> StoreResult<Store> {
        match location {
            Location::Redb(dir) => Store::open(dir),
            Location::Postgres(options) => postgres::PostgresStore::connect(options).map(Store::new),
        }
    }

    /// A throw-away store in memory (e.g. scratch plugin state for a read from scratch).
    pub fn in_memory() -> StoreResult<Store> {
        redb::RedbStore::in_memory().map(Store::new)
    }

    /// Run `f` with the commits it makes on this thread left unsynced (redb): a crash may lose
    /// them, and the next synced commit, of any thread, makes them durable with it (commits
    /// stay in order). For writes whose loss only repeats work that the ledger or a
    /// compare-and-set guards: a run's start, what a write learnt before the ledger confirms
    /// it. PostgreSQL commits as usual.
    pub fn unsynced<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                UNSYNCED.with(|u| u.set(self.0));
            }
        }
        let _restore = Restore(UNSYNCED.with(|u| u.replace(true)));
        f()
    }

    /// Plugin-scoped key-value state for plugin `plugin_id`, with a quota in bytes.
    pub fn plugin_kv(&self, plugin_id: &str, quota_bytes: u64) -> PluginKv {
        PluginKv::new(self.clone(), plugin_id, quota_bytes)
    }
}
