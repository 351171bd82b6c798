//! The store contract: what weft keeps durably, as traits a backend implements. Each method
//! that takes a batch applies it in one transaction, all or nothing. The redb backend
//! (`store::redb`) implements it for one process, the PostgreSQL backend (`store::postgres`) for
//! several hosts sharing one database; the contract suite (`host/tests/integration/store_contract.rs`) is what
//! any backend must pass. Whatever several hosts may race on is one atomic call here (a tick is
//! fired, an episode opened, a flow paused, a record claimed once), so a backend shared by hosts
//! decides it in the database.

use super::budget::{BucketReport, Grant};
use super::calls::{CallEntry, CallPage, LinkedCall};
use super::copy::{Item, ItemKind};
use super::jobs::{CursorAdvance, DeadLetter, EnqueueOutcome, Job, JobError, NewJob, QueueStatus};
use super::journal::{Intent, UndoEntry};
use super::kv::KvError;
use super::ledger::{ConfirmedWrite, IdLink, LedgerEntry};
use super::reports::{Episode, ReconcileReport};
use super::retention::{Aged, StoreStats};
use super::runs::{RecordEntry, Run, RunFilter, RunRecord};
use super::state::StateTable;
use super::versions::ConfigVersion;
use super::StoreResult;
use std::collections::BTreeMap;

/// The durable job queue: enqueue (with webhook dedupe and cursor advance), lease, ack, retry,
/// dead-letter, pause and resume.
pub trait QueueStore {
    /// Enqueue `jobs` in one transaction. A job whose dedupe id (a webhook's id) was received before for
    /// its flow is a duplicate and stored nowhere; `cursor` is advanced in the same transaction, so a
    /// pulled page is either queued with its cursor or not at all.
    fn enqueue(
        &self,
        jobs: &[NewJob],
        now_ms: u64,
        cursor: Option<CursorAdvance<'_>>,
    ) -> StoreResult<Vec<EnqueueOutcome>>;
    /// Enqueue independent batches in one transaction (group commit): one outcome list per batch.
    fn enqueue_group(&self, batches: &[Vec<NewJob>], now_ms: u64) -> StoreResult<Vec<Vec<EnqueueOutcome>>>;
    /// Lease up to `max` due jobs of unpaused flows (all, or only `flow`) until `now + lease_ms`;
    /// each lease counts an attempt.
    fn lease(&self, flow: Option<&str>, now_ms: u64, lease_ms: u64, max: usize) -> StoreResult<Vec<Job>>;
    /// These jobs are done: remove them, in one transaction.
    fn ack_all(&self, jobs: &[Job]) -> StoreResult<()>;
    /// The attempt failed: the job is due again at `next_attempt_ms`.
    fn reschedule(&self, job: &Job, error: JobError, next_attempt_ms: u64) -> StoreResult<()>;
    /// The job failed for good: move it to the dead letters with its last error.
    fn dead_letter(&self, job: &Job, error: JobError, now_ms: u64) -> StoreResult<()>;
    /// Extend every lease this handle holds to `now_ms + lease_ms` (never shortening one): a live
    /// host renews, so only a dead host's leases expire and are taken over. How many.
    fn renew_leases(&self, now_ms: u64, lease_ms: u64) -> StoreResult<usize>;
    /// Put jobs whose lease ended before `expired_before_ms` back in the queue, due at `now_ms`.
    fn recover_leases(&self, expired_before_ms: u64, now_ms: u64) -> StoreResult<usize>;
    /// Release the leases no live process can hold (at start): for a backend one process holds at
    /// a time, every lease; for a shared one, the expired ones.
    fn recover_orphaned_leases(&self, now_ms: u64) -> StoreResult<usize>;
    /// Dead letters, oldest first (discarded ones included, marked), of every flow or `flow`.
    fn dead_letters(&self, flow: Option<&str>) -> StoreResult<Vec<DeadLetter>>;
    /// Requeue dead letters with fresh attempts: one id, or every non-discarded one of `flow`.
    fn retry_dead(&self, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> StoreResult<usize>;
    /// Mark a dead letter as discarded by a person, keeping it and the reason.
    fn discard_dead(&self, id: u64, reason: &str) -> StoreResult<bool>;
    /// A person retries an edited copy of the open dead letter `id`: one transaction enqueues a
    /// new job of its flow and key (trigger `retry`, fresh attempts) carrying `payload`, and
    /// settles the dead letter, which keeps the original job and gains the edit (`note`, when,
    /// the new job). The new job's id; `None` when `id` is no open (undiscarded) dead letter.
    fn retry_dead_edited(
        &self,
        id: u64,
        payload: &serde_json::Value,
        note: &str,
        now_ms: u64,
    ) -> StoreResult<Option<u64>>;
    /// A person pauses (`true`) or resumes (`false`) `flow`; the pause is theirs.
    fn set_paused(&self, flow: &str, paused: bool, now_ms: u64) -> StoreResult<()>;
    /// Weft pauses `flow` for `reason` unless it is paused already; whether this call paused it.
    fn pause_for(&self, flow: &str, reason: &str, now_ms: u64) -> StoreResult<bool>;
    /// Resume `flow` only if weft paused it for a reason starting with `prefix`.
    fn resume_if(&self, flow: &str, prefix: &str) -> StoreResult<bool>;
    /// Queue depth per flow, for every flow with jobs, dead letters or a pause.
    fn queue_status(&self) -> StoreResult<BTreeMap<String, QueueStatus>>;
    /// Whether `flow` is paused.
    fn is_paused(&self, flow: &str) -> StoreResult<bool>;
    /// Whether job `id` is still queued or leased.
    fn job_exists(&self, id: u64) -> StoreResult<bool>;
    /// Queued or leased jobs whose work key starts with `prefix`, and dead letters likewise.
    fn jobs_by_key(&self, prefix: &str, limit: usize) -> StoreResult<(Vec<Job>, Vec<DeadLetter>)>;
    /// Jobs stored (ready or leased).
    fn job_count(&self) -> StoreResult<u64>;
    /// The cursor of `flow` on `connection`.
    fn cursor(&self, flow: &str, connection: &str) -> StoreResult<Option<String>>;
}

/// When each schedule last fired (flows, and `@reconcile`).
pub trait ScheduleStore {
    /// When `key`'s schedule last fired.
    fn last_tick(&self, key: &str) -> StoreResult<Option<u64>>;
    /// Fire `key`'s schedule at `at_ms`, once for every process sharing the store: only while its
    /// last tick is still `last` (what the caller read) and the job it fired last is no longer
    /// queued or leased — nor dead-lettered after all its attempts (a retryable error) and not
    /// yet discarded: a pull that fails the same way every time holds its schedule until a person
    /// retries or discards it (one refused for a bad record does not: its cursor moved past it).
    /// The tick and `job` (if any) are stored in one transaction; whether this call fired it.
    fn fire_tick(&self, key: &str, last: Option<u64>, at_ms: u64, job: Option<&NewJob>) -> StoreResult<bool>;
}

/// Retention: what grows with use is removed by age, a bounded round at a time, and the store
/// says how big it is.
pub trait RetentionStore {
    /// Remove at most `limit` entries of `table` older than `before_ms`, oldest first (what
    /// "older" means per table is said on [`Aged`]); how many were removed. One call is one
    /// transaction: a caller prunes in rounds until fewer than `limit` come back, so no round
    /// holds the database for long. A run counts as one entry (its records go with it).
    fn prune(&self, table: Aged, before_ms: u64, limit: usize) -> StoreResult<usize>;
    /// Entries (and bytes, where the backend knows) of every table, and of the whole store.
    fn stats(&self) -> StoreResult<StoreStats>;
}

/// The idempotency ledger and the id map between systems.
pub trait LedgerStore {
    /// The confirmed outcomes of idempotency keys `keys`, in their order, read at once (a
    /// batch of records asks once, not once per record).
    fn ledger_get_all(&self, keys: &[&str]) -> StoreResult<Vec<Option<LedgerEntry>>>;
    /// The confirmed outcome of idempotency key `key`.
    fn ledger_get(&self, key: &str) -> StoreResult<Option<LedgerEntry>> {
        Ok(self.ledger_get_all(&[key])?.pop().flatten())
    }
    /// Confirm writes in one transaction: each key's entry, and its ids merged into the id map.
    fn confirm_writes(&self, writes: &[ConfirmedWrite]) -> StoreResult<()>;
    /// Forget confirmed writes, so the same content is written again.
    fn forget_writes(&self, keys: &[String]) -> StoreResult<()>;
    /// The ids linked to `object`'s `keys`, in their order, read at once.
    fn id_links(&self, object: &str, keys: &[&str]) -> StoreResult<Vec<Option<IdLink>>>;
    /// The ids linked to (`object`, `key`).
    fn id_link(&self, object: &str, key: &str) -> StoreResult<Option<IdLink>> {
        Ok(self.id_links(object, &[key])?.pop().flatten())
    }
    /// Merge ids into the links of `object`'s keys (a `None` side keeps its value), in one
    /// transaction.
    fn link_ids_all(&self, object: &str, updates: &[(String, IdLink)]) -> StoreResult<()>;
}

/// Runs and their records.
pub trait RunStore {
    /// Start a run of `flow` on config version `config_version` (when versions are kept).
    fn start_run(&self, flow: &str, trigger: &str, config_version: Option<u64>, now_ms: u64) -> StoreResult<Run>;
    /// Append records to a run and count their outcomes, in one transaction.
    fn add_run_records(&self, run_id: u64, records: &[RunRecord]) -> StoreResult<()> {
        self.add_run_log(run_id, records, &[])
    }
    /// Append records to a run, count their outcomes and keep the API calls made for them (each
    /// linked to the records it served, by index into `records`), in one transaction.
    fn add_run_log(&self, run_id: u64, records: &[RunRecord], calls: &[LinkedCall]) -> StoreResult<()>;
    /// A page of a run's calls, in order (only those serving `page.record`, when given).
    fn run_calls(&self, run_id: u64, page: &CallPage) -> StoreResult<Vec<CallEntry>>;
    /// Close a run in one transaction: acknowledge the jobs done (`acks`), append its records
    /// with their calls, and finish it. A crash keeps all of it or none (the jobs then run
    /// again and the ledger knows their writes), so every acknowledged job has its run records.
    fn close_run(
        &self,
        run_id: u64,
        acks: &[Job],
        records: &[RunRecord],
        calls: &[LinkedCall],
        now_ms: u64,
    ) -> StoreResult<Run>;
    /// Finish a run: its status follows from its counts unless `error` says it failed.
    fn finish_run(&self, run_id: u64, now_ms: u64, error: Option<String>) -> StoreResult<Run>;
    /// Forget a run that did nothing (and its records).
    fn discard_run(&self, run_id: u64) -> StoreResult<()>;
    /// Runs matching `filter`, newest first, at most `limit`.
    fn runs(&self, filter: &RunFilter, limit: usize) -> StoreResult<Vec<Run>>;
    /// Runs of `flow` started at or after `since_ms`, newest first.
    fn runs_since(&self, flow: &str, since_ms: u64) -> StoreResult<Vec<Run>>;
    /// One run.
    fn run(&self, run_id: u64) -> StoreResult<Option<Run>>;
    /// The records of a run, in order.
    fn run_records(&self, run_id: u64) -> StoreResult<Vec<RecordEntry>>;
    /// One record of a run.
    fn run_record(&self, run_id: u64, seq: u64) -> StoreResult<Option<RecordEntry>>;
    /// Records found by a key starting with `prefix` (their key or one of their refs), newest run
    /// first, each once, at most `limit`.
    fn records_by_key(&self, prefix: &str, limit: usize) -> StoreResult<Vec<RecordEntry>>;
}

/// The undo log of writes made and the intents of writes a shadow-mode flow would make.
pub trait JournalStore {
    /// Append entries to the undo log of `run_id`, in one transaction.
    fn add_undo(&self, run_id: u64, entries: &[UndoEntry]) -> StoreResult<()>;
    /// The undo log of a run, in write order.
    fn undo_log(&self, run_id: u64) -> StoreResult<Vec<UndoEntry>>;
    /// Journal intents (each replaces the previous one of its flow and key), in one transaction.
    fn add_intents(&self, intents: &[Intent]) -> StoreResult<()>;
    /// Every intent of `flow`, by key.
    fn intents(&self, flow: &str) -> StoreResult<Vec<Intent>>;
}

/// Reconciliation reports and alert episodes.
pub trait ReportStore {
    /// Store a report; its id.
    fn add_reconcile_report(&self, report: &ReconcileReport) -> StoreResult<u64>;
    /// Reports, newest first, at most `limit`.
    fn reconcile_reports(&self, limit: usize) -> StoreResult<Vec<ReconcileReport>>;
    /// One report.
    fn reconcile_report(&self, id: u64) -> StoreResult<Option<ReconcileReport>>;
    /// Firing alert episodes by key.
    fn alert_episodes(&self) -> StoreResult<BTreeMap<String, Episode>>;
    /// Record that episode `key` fired, unless it is firing already; whether this call opened it
    /// (so one host of several alerts once).
    fn open_alert_episode(&self, key: &str, episode: &Episode) -> StoreResult<bool>;
    /// Record that episode `key` resolved; whether this call closed it.
    fn close_alert_episode(&self, key: &str) -> StoreResult<bool>;
}

/// Versions of the config file (the dashboard's editor saves one per change).
pub trait VersionStore {
    /// Store `version` as the next number, only when the newest stored one is `after` (`None`:
    /// there is none yet); its number, or `None` when another save came first.
    fn add_config_version(&self, version: &ConfigVersion, after: Option<u64>) -> StoreResult<Option<u64>>;
    /// Versions, newest first, at most `limit`.
    fn config_versions(&self, limit: usize) -> StoreResult<Vec<ConfigVersion>>;
    /// One version.
    fn config_version(&self, number: u64) -> StoreResult<Option<ConfigVersion>>;
}

/// Plugin-scoped key-value state (see [`super::PluginKv`] for the per-plugin view).
pub trait KvStore {
    /// `plugin`'s value under `key`.
    fn kv_get(&self, plugin: &str, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Set (`Some`) or remove (`None`) `plugin`'s keys in one transaction, refused as a whole when
    /// the plugin's bytes in use would exceed `quota`.
    fn kv_write(&self, plugin: &str, quota: u64, entries: &[(&str, Option<&[u8]>)]) -> Result<(), KvError>;
    /// `plugin`'s keys starting with `prefix`, in byte order, at most `limit`.
    fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> StoreResult<Vec<String>>;
}

/// The host's own state of its flows, one table per kind (see [`StateTable`]).
pub trait StateStore {
    /// The values under `keys`, in their order, read at once.
    fn state_get_all(&self, table: StateTable, keys: &[&str]) -> StoreResult<Vec<Option<Vec<u8>>>>;
    /// The value under `key`.
    fn state_get(&self, table: StateTable, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.state_get_all(table, &[key])?.pop().flatten())
    }
    /// Set (`Some`) or remove (`None`) keys, in one transaction.
    fn state_write(&self, table: StateTable, entries: &[(String, Option<Vec<u8>>)]) -> StoreResult<()>;
    /// Keys starting with `prefix`, in byte order, at most `limit`.
    fn state_keys(&self, table: StateTable, prefix: &str, limit: usize) -> StoreResult<Vec<String>>;
}

/// Records being written right now: one writer per record, across every worker (and, for a
/// shared backend, every host).
pub trait ClaimStore {
    /// Claim `key`; `false` when someone holds it.
    fn claim(&self, key: &str) -> StoreResult<bool>;
    /// Release claims.
    fn release(&self, keys: &[String]) -> StoreResult<()>;
}

/// Each shop's Shopify cost bucket, shared by every host of a backend several hosts use: a host
/// takes points before it sends a call and settles them with what Shopify reported, so the hosts
/// together stay under the shop's rate, and a waiting call of a higher priority (orders >
/// inventory > catalog > backfill) goes before any host's lower one. Time is the database's.
pub trait BudgetStore: Send + Sync {
    /// Take `cost` points of `shop`'s bucket for a call of `priority` (higher goes first), or be
    /// told how long to wait before asking again.
    fn budget_take(&self, shop: &str, cost: f64, priority: u8) -> StoreResult<Grant>;
    /// Settle `reserved` points taken for a call: with Shopify's report of the bucket after it,
    /// or `None` when the call got no report (the points stay spent).
    fn budget_settle(&self, shop: &str, reserved: f64, report: Option<&BucketReport>) -> StoreResult<()>;
}

/// A whole store, item by item: what `weft store migrate` copies between backends.
pub trait CopyStore {
    /// Every item, in pages of at most [`super::copy::PAGE`] (runs before their records and undo
    /// entries), each page handed to `each`.
    fn export(&self, each: &mut dyn FnMut(Vec<Item>) -> StoreResult<()>) -> StoreResult<()>;
    /// Store `items` as they are, ids kept (an existing item of the same identity is replaced),
    /// in one transaction; id counters move past the ids imported.
    fn import(&self, items: &[Item]) -> StoreResult<()>;
    /// How many items of each kind the store holds.
    fn counts(&self) -> StoreResult<BTreeMap<ItemKind, u64>>;
}

/// Whether the store takes writes now (`/healthz`, `/readyz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreHealth {
    /// Writes succeed (or none failed since the last that did).
    Writable,
    /// The last write failed (a full disk, an I/O error) and the store has not written since;
    /// the reason, for a person. A backend recovers on its own once writes succeed again.
    CannotWrite(String),
}

/// Everything a backend implements.
pub trait Backend:
    QueueStore
    + ScheduleStore
    + RetentionStore
    + LedgerStore
    + RunStore
    + JournalStore
    + ReportStore
    + VersionStore
    + KvStore
    + StateStore
    + ClaimStore
    + CopyStore
    + Send
    + Sync
{
    /// The schema version of the open database.
    fn schema_version(&self) -> StoreResult<u64>;
    /// The shops' shared cost buckets, for a backend several hosts share; `None` for one a single
    /// process holds (its in-memory budget is then the whole truth).
    fn budget(&self) -> Option<&dyn BudgetStore>;
    /// Where the store is, for people (`redb at PATH`, `postgres at HOST:PORT/DB`; never a password).
    fn location(&self) -> String;
    /// Whether writes succeed now; a backend that failed tries to recover here (at most so often).
    fn health(&self) -> StoreHealth;
}
