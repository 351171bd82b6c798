//! What grows with use and is removed by age ([`Aged`]), and how big the store is
//! ([`StoreStats`]): the vocabulary of [`super::RetentionStore`].

use serde::{Deserialize, Serialize};

/// A table that grows with use and is pruned by age. Everything else the store keeps is bounded
/// by the size of the catalog and the configuration (the id map, cursors, the flows' state) or
/// drains by itself (the queue); alert episodes are kept only while they fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aged {
    /// Webhook ids seen (the dedupe of redeliveries), by when they were received.
    WebhookReceipts,
    /// Runs, with their records and the index that finds records by key, by when they started.
    Runs,
    /// The undo log of writes made, by when the write was made.
    UndoLog,
    /// Shadow-mode intents not renewed since.
    Intents,
    /// Reconciliation reports, by when they finished.
    ReconcileReports,
    /// Dead letters a person discarded (never one still waiting for a decision), by when they died.
    DiscardedDeadLetters,
    /// Idempotency-ledger entries of a record that has a newer entry, by when they were confirmed.
    /// The newest entry of every record is kept whatever its age: a replay of the last write is
    /// always recognised.
    SupersededLedger,
    /// The API calls of runs (Shopify calls, plugins' HTTP exchanges), by when they were made;
    /// a run's calls also go with the run.
    ApiCalls,
}

impl Aged {
    /// Every aged table, in the order a prune visits them.
    pub const ALL: [Aged; 8] = [
        Aged::WebhookReceipts,
        Aged::Runs,
        Aged::UndoLog,
        Aged::Intents,
        Aged::ReconcileReports,
        Aged::DiscardedDeadLetters,
        Aged::SupersededLedger,
        Aged::ApiCalls,
    ];

    /// Its name in config keys, run records and `weft store stats` (`webhook_receipts`).
    pub fn name(self) -> &'static str {
        match self {
            Aged::WebhookReceipts => "webhook_receipts",
            Aged::Runs => "runs",
            Aged::UndoLog => "undo_log",
            Aged::Intents => "intents",
            Aged::ReconcileReports => "reconcile_reports",
            Aged::DiscardedDeadLetters => "discarded_dead_letters",
            Aged::SupersededLedger => "superseded_ledger",
            Aged::ApiCalls => "api_calls",
        }
    }
}

impl std::fmt::Display for Aged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The size of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSize {
    /// The table's name in the backend.
    pub table: String,
    /// Entries in it.
    pub entries: u64,
    /// Bytes it takes, when the backend knows.
    pub bytes: Option<u64>,
}

/// How big the store is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStats {
    /// Every table, by name.
    pub tables: Vec<TableSize>,
    /// The whole store on disk (the database file), when the backend knows.
    pub total_bytes: Option<u64>,
}

impl StoreStats {
    /// Entries over every table.
    pub fn entries(&self) -> u64 {
        self.tables.iter().map(|t| t.entries).sum()
    }
}
