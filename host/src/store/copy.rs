//! Moving a whole installation from one backend to another (`weft store migrate`): every durable
//! item as a value of one type, read from the source in pages and written to the target as it
//! was (ids kept), with counts per kind for the verification.

use super::jobs::{DeadLetter, Job};
use super::journal::{Intent, UndoEntry};
use super::ledger::{IdLink, LedgerEntry};
use super::reports::{Episode, ReconcileReport};
use super::runs::{Run, RunRecord};
use super::state::StateTable;
use serde::Serialize;

/// One durable item of a store.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A queued or leased job (a leased one is copied as ready: no process holds it in the target).
    Job(Job),
    /// A dead letter.
    DeadLetter(DeadLetter),
    /// A dedupe id seen for a flow (a webhook delivery, a page's record that went on alone).
    Receipt {
        /// The id ([`super::NewJob::dedupe_id`]; a Shopify webhook's id for a delivery).
        webhook_id: String,
        /// The flow it fed.
        flow: String,
        /// When it arrived.
        at_ms: u64,
    },
    /// A paused flow.
    Pause {
        /// The flow.
        flow: String,
        /// Paused since.
        since_ms: u64,
        /// Why weft paused it (`None`: a person did).
        reason: Option<String>,
    },
    /// When a schedule last fired.
    Tick {
        /// Flow name or `@reconcile`.
        key: String,
        /// When.
        at_ms: u64,
    },
    /// A flow's cursor on a connection.
    Cursor {
        /// The flow.
        flow: String,
        /// The connection.
        connection: String,
        /// The cursor.
        cursor: String,
    },
    /// A confirmed write.
    Ledger {
        /// Idempotency key.
        key: String,
        /// Its entry.
        entry: LedgerEntry,
    },
    /// The ids of one object across systems.
    Link {
        /// Id-map object.
        object: String,
        /// Id-map key.
        key: String,
        /// The ids.
        link: IdLink,
    },
    /// A run (its records follow as [`Item::Record`]).
    Run(Run),
    /// One record of a run.
    Record {
        /// The run.
        run_id: u64,
        /// Its place in the run.
        seq: u64,
        /// The record.
        record: RunRecord,
    },
    /// One entry of a run's undo log.
    Undo {
        /// The run.
        run_id: u64,
        /// Its place in the log.
        seq: u64,
        /// The entry.
        entry: UndoEntry,
    },
    /// A shadow-mode intent.
    Intent(Intent),
    /// A reconciliation report (its id kept).
    Report(ReconcileReport),
    /// A firing alert episode.
    Episode {
        /// Its key.
        key: String,
        /// The episode.
        episode: Episode,
    },
    /// A plugin's kv entry.
    Kv {
        /// The plugin.
        plugin: String,
        /// Key.
        key: String,
        /// Value.
        value: Vec<u8>,
    },
    /// An entry of the host's flow state.
    State {
        /// The table.
        table: StateTable,
        /// Key.
        key: String,
        /// Value.
        value: Vec<u8>,
    },
}

/// The kinds of [`Item`], counted by the verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Jobs.
    Job,
    /// Dead letters.
    DeadLetter,
    /// Webhook receipts.
    Receipt,
    /// Paused flows.
    Pause,
    /// Schedule ticks.
    Tick,
    /// Cursors.
    Cursor,
    /// Ledger entries.
    Ledger,
    /// Id-map links.
    Link,
    /// Runs.
    Run,
    /// Run records.
    Record,
    /// Undo-log entries.
    Undo,
    /// Shadow intents.
    Intent,
    /// Reconciliation reports.
    Report,
    /// Alert episodes.
    Episode,
    /// Plugin kv entries.
    Kv,
    /// Flow-state entries.
    State,
}

impl ItemKind {
    /// Every kind, in the order an export yields them.
    pub const ALL: [ItemKind; 16] = [
        ItemKind::Job,
        ItemKind::DeadLetter,
        ItemKind::Receipt,
        ItemKind::Pause,
        ItemKind::Tick,
        ItemKind::Cursor,
        ItemKind::Ledger,
        ItemKind::Link,
        ItemKind::Run,
        ItemKind::Record,
        ItemKind::Undo,
        ItemKind::Intent,
        ItemKind::Report,
        ItemKind::Episode,
        ItemKind::Kv,
        ItemKind::State,
    ];

    /// Its name in the verification report (`dead_letter`).
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Job => "job",
            ItemKind::DeadLetter => "dead_letter",
            ItemKind::Receipt => "receipt",
            ItemKind::Pause => "pause",
            ItemKind::Tick => "tick",
            ItemKind::Cursor => "cursor",
            ItemKind::Ledger => "ledger",
            ItemKind::Link => "link",
            ItemKind::Run => "run",
            ItemKind::Record => "record",
            ItemKind::Undo => "undo",
            ItemKind::Intent => "intent",
            ItemKind::Report => "report",
            ItemKind::Episode => "episode",
            ItemKind::Kv => "kv",
            ItemKind::State => "state",
        }
    }
}

impl Item {
    /// Its kind.
    pub fn kind(&self) -> ItemKind {
        match self {
            Item::Job(_) => ItemKind::Job,
            Item::DeadLetter(_) => ItemKind::DeadLetter,
            Item::Receipt { .. } => ItemKind::Receipt,
            Item::Pause { .. } => ItemKind::Pause,
            Item::Tick { .. } => ItemKind::Tick,
            Item::Cursor { .. } => ItemKind::Cursor,
            Item::Ledger { .. } => ItemKind::Ledger,
            Item::Link { .. } => ItemKind::Link,
            Item::Run(_) => ItemKind::Run,
            Item::Record { .. } => ItemKind::Record,
            Item::Undo { .. } => ItemKind::Undo,
            Item::Intent(_) => ItemKind::Intent,
            Item::Report(_) => ItemKind::Report,
            Item::Episode { .. } => ItemKind::Episode,
            Item::Kv { .. } => ItemKind::Kv,
            Item::State { .. } => ItemKind::State,
        }
    }
}

/// Items per page of an export (bounded memory whatever the store's size).
pub const PAGE: usize = 500;
