//! What crosses the plugin boundary besides records: errors, pages, push outcomes, events and
//! what a plugin says about itself.

use super::record::{Entity, Record};
use serde::{Deserialize, Serialize};

/// The field a validation error is about, with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the offending field (`"lines[2].sku"`, or `"file.csv:17"` for feeds).
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// Why a call failed for one record or for the whole call; the host decides from the case
/// whether to retry, back off, dead-letter or pause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PluginError {
    /// A passing fault (timeout, connection refused, 5xx): retry with backoff.
    Retryable(String),
    /// The remote asked us to slow down: retry after this many milliseconds.
    RateLimited(u64),
    /// Credentials were refused: the host pauses the flow and alerts.
    Unauthorized(String),
    /// The record is invalid: dead-letter it with the field and reason.
    InvalidInput(FieldError),
    /// Something the record refers to does not exist.
    NotFound(String),
    /// The write conflicts with the destination's current state.
    Conflict(String),
    /// Any other failure that retrying will not fix.
    Permanent(String),
    /// The change can no longer be applied by a machine and needs a person (an edit of an order
    /// the ERP already shipped): dead-lettered naming the record and what differs.
    NeedsPerson(String),
}

impl PluginError {
    /// An invalid-input error naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> PluginError {
        PluginError::InvalidInput(FieldError { field: field.to_owned(), message: message.into() })
    }
}

/// A configuration key a plugin reads, as it describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    /// Key name, as passed to `config.get`.
    pub name: String,
    /// Whether the plugin refuses to run without it.
    pub required: bool,
    /// What it means, for the operator.
    pub description: String,
}

/// Which way a connector can move an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// The connector can `pull` it.
    Pull,
    /// The connector can `push` it.
    Push,
    /// Both.
    Both,
}

/// An entity a connector supports, and in which direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySupport {
    /// The entity.
    pub entity: Entity,
    /// Pull, push or both.
    pub direction: Direction,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Plugin id; must equal the id in plugin.toml.
    pub id: String,
    /// Plugin version; must equal the version in plugin.toml.
    pub version: String,
    /// One line for the operator.
    pub description: String,
    /// Entities and directions (connectors); entities it accepts (transforms).
    pub entities: Vec<EntitySupport>,
    /// Configuration keys it reads.
    pub config_keys: Vec<ConfigKey>,
    /// Secret names it reads.
    pub secrets: Vec<String>,
}

/// One page of pulled records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The records, in the order the source returned them.
    pub records: Vec<Record>,
    /// Opaque cursor to pass to the next `pull`.
    pub next_cursor: Option<String>,
    /// True when more records are available right now.
    pub has_more: bool,
}

/// A record to push, with the host's deterministic idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyedRecord {
    /// Stable for the same logical write.
    pub key: String,
    /// The record to write.
    pub record: Record,
}

/// What a push did with one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteOutcome {
    /// Made a new object.
    Created,
    /// Changed an existing object.
    #[default]
    Updated,
    /// The destination already had exactly this; nothing was written.
    Unchanged,
    /// Deliberately not written, with the reason (the record does not concern this system).
    Skipped(String),
}

/// What a connector's `push` reports for one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// The record's id in the destination.
    pub external_id: String,
    /// What the push did.
    pub outcome: WriteOutcome,
}

/// A change an ERP announced through a webhook, decoded by `parse-event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Entity that changed.
    pub entity: Entity,
    /// Id of the changed object in the ERP.
    pub external_id: String,
    /// The full record when the event carries it; otherwise the host fetches it.
    pub record: Option<Record>,
}

/// Severity of a plugin's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    /// Very detailed diagnostics.
    Trace,
    /// Diagnostics.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected but handled.
    Warn,
    /// A failure.
    Error,
}
