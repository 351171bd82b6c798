//! Durable jobs: what is enqueued, leased, retried and dead-lettered.

use super::Payload;
use serde::{Deserialize, Serialize};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for `next_attempt_ms`.
    Ready,
    /// Taken by a worker until `lease_until_ms`.
    Leased,
}

/// What kind of failure a job met; the queue, the breaker and the run log decide by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// A passing fault at the other end (timeout, 5xx): retried with backoff.
    Retryable,
    /// The other end asked to slow down.
    RateLimited,
    /// Credentials were refused.
    Unauthorized,
    /// The record is invalid.
    InvalidInput,
    /// Something the record refers to does not exist.
    NotFound,
    /// The write conflicts with the destination's state.
    Conflict,
    /// A failure retrying will not fix.
    Permanent,
    /// A plugin call ran past its deadline.
    Deadline,
    /// A plugin instance ran out of memory.
    MemoryLimit,
    /// A plugin overflowed its stack.
    StackOverflow,
    /// A plugin trapped.
    Trap,
    /// A plugin returned more than allowed.
    OutputTooLarge,
    /// A plugin instance could not be created.
    Instantiate,
    /// A plugin was asked for a function its world does not have.
    WrongKind,
    /// The store failed.
    Store,
    /// The configuration does not allow it.
    Config,
    /// The plugin a connection names is not loaded.
    PluginUnavailable,
    /// Another job is writing the same record.
    Busy,
    /// A machine must not decide: a person must (a cancelled order the ERP already processed).
    NeedsPerson,
}

impl ErrorClass {
    /// The class's name in logs, metrics and the API (`rate_limited`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Unauthorized => "unauthorized",
            ErrorClass::InvalidInput => "invalid_input",
            ErrorClass::NotFound => "not_found",
            ErrorClass::Conflict => "conflict",
            ErrorClass::Permanent => "permanent",
            ErrorClass::Deadline => "deadline",
            ErrorClass::MemoryLimit => "memory_limit",
            ErrorClass::StackOverflow => "stack_overflow",
            ErrorClass::Trap => "trap",
            ErrorClass::OutputTooLarge => "output_too_large",
            ErrorClass::Instantiate => "instantiate",
            ErrorClass::WrongKind => "wrong_kind",
            ErrorClass::Store => "store",
            ErrorClass::Config => "config",
            ErrorClass::PluginUnavailable => "plugin_unavailable",
            ErrorClass::Busy => "busy",
            ErrorClass::NeedsPerson => "needs_person",
        }
    }

    /// Whether a job failing this way is tried again (bounded by its flow's attempts).
    pub fn retryable(self) -> bool {
        match self {
            ErrorClass::Retryable
            | ErrorClass::RateLimited
            | ErrorClass::Conflict
            | ErrorClass::Store
            | ErrorClass::PluginUnavailable
            | ErrorClass::Busy => true,
            // A whole-call failure may come from the remote or be fixed by a plugin upgrade.
            ErrorClass::Deadline
            | ErrorClass::MemoryLimit
            | ErrorClass::StackOverflow
            | ErrorClass::Trap
            | ErrorClass::OutputTooLarge
            | ErrorClass::Instantiate => true,
            ErrorClass::Unauthorized
            | ErrorClass::InvalidInput
            | ErrorClass::NotFound
            | ErrorClass::Permanent
            | ErrorClass::WrongKind
            | ErrorClass::Config
            | ErrorClass::NeedsPerson => false,
        }
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The last error of a job, as the queue records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    /// What kind of failure.
    pub class: ErrorClass,
    /// Message for a person (secrets already redacted).
    pub message: String,
    /// Whether the queue may retry it.
    pub retryable: bool,
    /// The remote's hint, if any.
    pub retry_after_ms: Option<u64>,
}

impl JobError {
    /// An error of `class`, retried as the class says.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> JobError {
        JobError { class, message: message.into(), retryable: class.retryable(), retry_after_ms: None }
    }

    /// The same error, tried again no sooner than `ms` from now.
    pub fn after_ms(self, ms: u64) -> JobError {
        JobError { retry_after_ms: Some(ms), ..self }
    }

    /// The store failed (retried).
    pub fn store(e: impl std::fmt::Display) -> JobError {
        JobError::new(ErrorClass::Store, e.to_string())
    }

    /// The configuration does not allow it (not retried).
    pub fn config(message: impl Into<String>) -> JobError {
        JobError::new(ErrorClass::Config, message)
    }

    /// The job's input is unusable (not retried).
    pub fn invalid_input(message: impl Into<String>) -> JobError {
        JobError::new(ErrorClass::InvalidInput, message)
    }

    /// A person must decide (not retried).
    pub fn needs_person(message: impl Into<String>) -> JobError {
        JobError::new(ErrorClass::NeedsPerson, message)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    /// The flow that runs it.
    pub flow: String,
    /// What triggered it (`webhook`, `event`, `schedule`, `manual`, `retry`).
    pub trigger: String,
    /// Stable key of the work (webhook id, record key): the base of idempotency keys.
    pub key: String,
    /// The work itself (records, webhook body), as the flow defines it.
    pub payload: Payload,
    /// The id the job is enqueued once under, per flow (a receipt of it is kept): a Shopify
    /// webhook's id, or a page's record that went on alone (`flow::engine::pages`).
    pub dedupe_id: Option<String>,
}

impl NewJob {
    /// The job stored with `id`, ready at `now_ms`.
    pub fn ready(&self, id: u64, now_ms: u64) -> Job {
        Job { payload: self.payload.clone(), ..self.ready_header(id, now_ms) }
    }

    /// [`NewJob::ready`] without its payload (a store that keeps payloads apart writes it once).
    pub fn ready_header(&self, id: u64, now_ms: u64) -> Job {
        Job {
            id,
            flow: self.flow.clone(),
            trigger: self.trigger.clone(),
            key: self.key.clone(),
            payload: Payload::default(),
            state: JobState::Ready,
            attempts: 0,
            next_attempt_ms: now_ms,
            lease_until_ms: 0,
            created_ms: now_ms,
            last_error: None,
        }
    }
}

/// A durable job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: u64,
    /// Flow.
    pub flow: String,
    /// Trigger.
    pub trigger: String,
    /// Work key.
    pub key: String,
    /// Work.
    #[serde(default)]
    pub payload: Payload,
    /// State.
    pub state: JobState,
    /// Attempts started so far (counted when leased, so a crash mid-attempt counts).
    pub attempts: u32,
    /// When it may run next.
    pub next_attempt_ms: u64,
    /// Lease end while leased.
    pub lease_until_ms: u64,
    /// When it was enqueued.
    pub created_ms: u64,
    /// The last failure.
    pub last_error: Option<JobError>,
}

impl Job {
    /// The job without its payload and last error: what acknowledging it needs (a page job
    /// carries hundreds of records).
    pub fn receipt(&self) -> Job {
        Job { last_error: None, ..self.header() }
    }

    /// The job without its payload: what its lease, retries and lease renewals rewrite.
    pub fn header(&self) -> Job {
        Job {
            id: self.id,
            flow: self.flow.clone(),
            trigger: self.trigger.clone(),
            key: self.key.clone(),
            payload: Payload::default(),
            state: self.state,
            attempts: self.attempts,
            next_attempt_ms: self.next_attempt_ms,
            lease_until_ms: self.lease_until_ms,
            created_ms: self.created_ms,
            last_error: self.last_error.clone(),
        }
    }
}

/// A dead-lettered job with the error that put it there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job as it was.
    pub job: Job,
    /// Why it is here.
    pub error: JobError,
    /// When it arrived.
    pub dead_ms: u64,
    /// Set when a person discarded it, with their reason, or retried an edited copy of it (then
    /// the reason names the new job): either way it is settled, kept for the record.
    pub discarded: Option<String>,
    /// The edit a person retried in its place, when they did: the job above keeps the original.
    #[serde(default)]
    pub edit: Option<DeadLetterEdit>,
}

/// What a person changed before retrying a dead letter (the original stays in the dead letter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetterEdit {
    /// The job's payload as edited: what the new job carries.
    pub payload: serde_json::Value,
    /// Why, as they said.
    pub note: String,
    /// When.
    pub at_ms: u64,
    /// The job that carries the edit.
    pub job_id: u64,
}

/// What an enqueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueOutcome {
    /// Stored with this id.
    Enqueued(u64),
    /// Its webhook id was seen before: nothing stored.
    Duplicate,
}

/// Depth of one flow's queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// Waiting jobs (due now, or backing off before a retry).
    pub ready: u64,
    /// When the earliest waiting job is due (ms); later than now when all are backing off.
    #[serde(default)]
    pub next_due_ms: Option<u64>,
    /// Jobs being worked on.
    pub leased: u64,
    /// Dead-lettered (not discarded).
    pub dead: u64,
    /// Paused since (ms), if paused.
    pub paused_since_ms: Option<u64>,
    /// Why weft paused it (`circuit: ...`); `None` when a person paused it.
    #[serde(default)]
    pub pause_reason: Option<String>,
}

/// Advance `flow`'s cursor on `connection` to `cursor`, in the same transaction as an enqueue.
#[derive(Debug, Clone, Copy)]
pub struct CursorAdvance<'a> {
    /// The flow.
    pub flow: &'a str,
    /// The source connection.
    pub connection: &'a str,
    /// The new cursor.
    pub cursor: &'a str,
    /// A pull that stopped before the end of the source: the pull that reads on from `cursor`,
    /// enqueued with it and made `flow`'s scheduled job, so the flow's ticks wait for it
    /// instead of starting a second pull from the same cursor.
    pub then: Option<&'a NewJob>,
}
