//! Runs (one execution of a flow) and run records (what happened to each record in it).

use super::jobs::ErrorClass;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened to one record (or job) in a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Outcome {
    /// The destination has a new object.
    Created,
    /// An object the destination had was changed.
    Updated,
    /// The destination already had this (the ledger or the destination said so): nothing written.
    #[default]
    Unchanged,
    /// The flow decided not to write it (`skip_if`, an unmapped location, a price list that does
    /// not feed the flow...); the reason is in [`RunRecord::reason`].
    Skipped,
    /// A shadow-mode flow journalled the write instead of making it.
    Shadowed,
    /// A pull read the source and enqueued [`RunRecord::enqueued`] records.
    Pulled,
    /// Failed; tried again later.
    Retrying,
    /// Failed for good: in the dead letters.
    Dead,
    /// Kept back without spending an attempt while the circuit breaker suspects the endpoint.
    Held,
    /// Failed and could not even be settled (the store failed).
    Failed,
    /// A retention run removed [`RunRecord::removed`] old entries of the table its key names.
    Pruned,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 11] = [
        Outcome::Created,
        Outcome::Updated,
        Outcome::Unchanged,
        Outcome::Skipped,
        Outcome::Shadowed,
        Outcome::Pulled,
        Outcome::Retrying,
        Outcome::Dead,
        Outcome::Held,
        Outcome::Failed,
        Outcome::Pruned,
    ];

    /// The outcome's name in the API, counts and metrics (`created`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Shadowed => "shadowed",
            Outcome::Pulled => "pulled",
            Outcome::Retrying => "retrying",
            Outcome::Dead => "dead",
            Outcome::Held => "held",
            Outcome::Failed => "failed",
            Outcome::Pruned => "pruned",
        }
    }

    /// Whether the record failed (now or for good).
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Retrying | Outcome::Dead | Outcome::Held | Outcome::Failed)
    }

    /// Whether the destination changed.
    pub fn wrote(self) -> bool {
        matches!(self, Outcome::Created | Outcome::Updated)
    }
}

impl From<Outcome> for &'static str {
    fn from(o: Outcome) -> &'static str {
        o.name()
    }
}

impl TryFrom<String> for Outcome {
    type Error = String;

    fn try_from(name: String) -> Result<Outcome, String> {
        // Runs stored before outcomes were typed named a pull by what it enqueued.
        if name.starts_with("enqueued ") {
            return Ok(Outcome::Pulled);
        }
        Outcome::ALL.into_iter().find(|o| o.name() == name).ok_or_else(|| format!("unknown outcome `{name}`"))
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Every record succeeded.
    Succeeded,
    /// Some records failed.
    Partial,
    /// The run itself failed.
    Failed,
}

/// One execution of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Id.
    pub id: u64,
    /// Flow.
    pub flow: String,
    /// `schedule`, `webhook`, `event`, `manual`, `retry`.
    pub trigger: String,
    /// Start.
    pub started_ms: u64,
    /// End, once finished.
    pub ended_ms: Option<u64>,
    /// Records per outcome.
    pub counts: BTreeMap<Outcome, u64>,
    /// Status.
    pub status: RunStatus,
    /// Why the run failed as a whole.
    pub error: Option<String>,
    /// The config version it ran with (none before versions were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u64>,
}

impl Run {
    /// End the run at `now_ms`: failed with `error`, else succeeded or partial by its counts.
    pub fn finish(&mut self, now_ms: u64, error: Option<String>) {
        let failed: u64 = self.counts.iter().filter(|(o, _)| o.is_failure()).map(|(_, n)| n).sum();
        self.status = match (&error, failed) {
            (Some(_), _) => RunStatus::Failed,
            (None, 0) => RunStatus::Succeeded,
            (None, _) => RunStatus::Partial,
        };
        self.error = error;
        self.ended_ms = Some(now_ms);
    }

    /// Records that failed, and records that needed a write (failed ones included; records the
    /// destination already had and pulls are not writes): what error rates divide.
    pub fn failures_and_writes(&self) -> (u64, u64) {
        let failed = self.counts.iter().filter(|(o, _)| o.is_failure()).map(|(_, n)| n).sum();
        let writes = self
            .counts
            .iter()
            .filter(|(o, _)| !matches!(o, Outcome::Unchanged | Outcome::Pulled))
            .map(|(_, n)| n)
            .sum();
        (failed, writes)
    }
}

/// What happened to one record in a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Record key (SKU, order id...).
    pub key: String,
    /// What happened.
    pub outcome: Outcome,
    /// Attempt number of the job that carried it.
    pub attempts: u32,
    /// Error class, when it failed.
    pub error_class: Option<ErrorClass>,
    /// Error message, when it failed.
    pub error: Option<String>,
    /// Plugin that handled it: `id@version` and sha256.
    pub plugin: Option<String>,
    /// The job that carried it.
    pub job_id: Option<u64>,
    /// Request payload (secrets redacted, truncated).
    pub request: Option<String>,
    /// Response payload (secrets redacted, truncated).
    pub response: Option<String>,
    /// What brought the record in: the job's trigger and work key (a Shopify webhook id, an
    /// ERP event id, a pull).
    #[serde(default)]
    pub source: Option<String>,
    /// Other keys the record is found by (lineage, search): its source's id and the SKUs or
    /// order name it carries.
    #[serde(default)]
    pub refs: Vec<String>,
    /// Why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What a pull enqueued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enqueued: Option<u64>,
    /// What a retention run removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<u64>,
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only this flow.
    pub flow: Option<String>,
    /// Only runs with this status.
    pub status: Option<RunStatus>,
    /// Only runs with this trigger.
    pub trigger: Option<String>,
    /// Only runs older than this id (the previous page's last id).
    pub before: Option<u64>,
    /// Only runs started at or after this time (ms).
    pub since_ms: Option<u64>,
    /// Only runs started before this time (ms).
    pub until_ms: Option<u64>,
}

impl RunFilter {
    /// Whether `run` passes the filter (all but `before`).
    pub fn matches(&self, run: &Run) -> bool {
        self.flow.as_ref().is_none_or(|f| *f == run.flow)
            && self.status.is_none_or(|s| s == run.status)
            && self.trigger.as_ref().is_none_or(|t| *t == run.trigger)
            && self.since_ms.is_none_or(|t| run.started_ms >= t)
            && self.until_ms.is_none_or(|t| run.started_ms < t)
    }
}

/// One run record with its place in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// The run.
    pub run_id: u64,
    /// Position in the run.
    pub seq: u64,
    /// The record.
    #[serde(flatten)]
    pub record: RunRecord,
}
