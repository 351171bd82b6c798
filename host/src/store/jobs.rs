//! Durable jobs: enqueue (with webhook dedupe and cursor advance in the same transaction),
//! lease-based dequeue, ack, retry scheduling, dead-letter, pause/resume.

use super::{from_json, next_id, read_json, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");
const READY: TableDefinition<(&str, u64, u64), ()> = TableDefinition::new("ready");
const LEASED: TableDefinition<(u64, u64), ()> = TableDefinition::new("leased");
const DEAD: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letter");
const RECEIPTS: TableDefinition<&str, u64> = TableDefinition::new("webhook_receipts");
const PAUSED: TableDefinition<&str, u64> = TableDefinition::new("paused");
/// Why a flow was paused by weft itself (`circuit: ...`); absent for a person's pause.
const PAUSE_REASONS: TableDefinition<&str, &str> = TableDefinition::new("pause_reasons");
const SCHEDULE: TableDefinition<&str, u64> = TableDefinition::new("schedule");
const CURSORS: TableDefinition<(&str, &str), &str> = TableDefinition::new("cursors");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(JOBS).map_err(StoreError::from_display)?;
    tx.open_table(READY).map_err(StoreError::from_display)?;
    tx.open_table(LEASED).map_err(StoreError::from_display)?;
    tx.open_table(DEAD).map_err(StoreError::from_display)?;
    tx.open_table(RECEIPTS).map_err(StoreError::from_display)?;
    tx.open_table(PAUSED).map_err(StoreError::from_display)?;
    tx.open_table(PAUSE_REASONS).map_err(StoreError::from_display)?;
    tx.open_table(SCHEDULE).map_err(StoreError::from_display)?;
    tx.open_table(CURSORS).map_err(StoreError::from_display)?;
    Ok(())
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for `next_attempt_ms`.
    Ready,
    /// Taken by a worker until `lease_until_ms`.
    Leased,
}

/// The last error of a job, as the queue records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    /// Stable class (`retryable`, `rate_limited`, `invalid_input`, `deadline`, ...).
    pub class: String,
    /// Message for a person (secrets already redacted).
    pub message: String,
    /// Whether the queue may retry it.
    pub retryable: bool,
    /// The remote's hint, if any.
    pub retry_after_ms: Option<u64>,
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
    pub payload: serde_json::Value,
    /// Shopify webhook id to dedupe on, when it came from a webhook.
    pub webhook_id: Option<String>,
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
    pub payload: serde_json::Value,
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

/// A dead-lettered job with the error that put it there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job as it was.
    pub job: Job,
    /// Why it is here.
    pub error: JobError,
    /// When it arrived.
    pub dead_ms: u64,
    /// Set when a person discarded it, with their reason.
    pub discarded: Option<String>,
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

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

fn put_ready(tx: &WriteTransaction, job: &Job) -> StoreResult<()> {
    tx.open_table(JOBS).map_err(e)?.insert(job.id, to_json(job)?.as_slice()).map_err(e)?;
    tx.open_table(READY).map_err(e)?.insert((job.flow.as_str(), job.next_attempt_ms, job.id), ()).map_err(e)?;
    Ok(())
}

impl Store {
    /// Enqueue a batch durably in one transaction (one fsync). Jobs whose webhook id was already
    /// received are dropped as duplicates. `cursor` = (flow, connection, cursor) is advanced in the
    /// same transaction, so a pulled page is either fully queued with its cursor or not at all.
    pub fn enqueue(&self, jobs: &[NewJob], now_ms: u64, cursor: Option<(&str, &str, &str)>) -> StoreResult<Vec<EnqueueOutcome>> {
        let tx = self.db.begin_write().map_err(e)?;
        let outcomes = enqueue_in(&tx, jobs, now_ms)?;
        if let Some((flow, connection, value)) = cursor {
            tx.open_table(CURSORS).map_err(e)?.insert((flow, connection), value).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(outcomes)
    }

    /// Enqueue several independent batches in one transaction (group commit): one outcome list per batch.
    pub fn enqueue_group(&self, batches: &[Vec<NewJob>], now_ms: u64) -> StoreResult<Vec<Vec<EnqueueOutcome>>> {
        let tx = self.db.begin_write().map_err(e)?;
        let mut all = Vec::with_capacity(batches.len());
        for batch in batches {
            all.push(enqueue_in(&tx, batch, now_ms)?);
        }
        tx.commit().map_err(e)?;
        Ok(all)
    }

    /// Lease up to `max` due jobs of unpaused flows (all flows, or only `flow`) until `now + lease_ms`.
    pub fn lease(&self, flow: Option<&str>, now_ms: u64, lease_ms: u64, max: usize) -> StoreResult<Vec<Job>> {
        let tx = self.db.begin_write().map_err(e)?;
        let mut leased = Vec::new();
        {
            let paused = tx.open_table(PAUSED).map_err(e)?;
            let mut ready = tx.open_table(READY).map_err(e)?;
            let mut jobs = tx.open_table(JOBS).map_err(e)?;
            let mut lease_index = tx.open_table(LEASED).map_err(e)?;
            let mut due: Vec<(String, u64, u64)> = Vec::new();
            let range = match flow {
                Some(f) => ready.range((f, 0u64, 0u64)..=(f, u64::MAX, u64::MAX)).map_err(e)?,
                None => ready.range::<(&str, u64, u64)>(..).map_err(e)?,
            };
            // Skip paused flows and not-yet-due jobs flow by flow; stop once enough are found.
            let mut skip_flow: Option<String> = None;
            for entry in range {
                let (key, _) = entry.map_err(e)?;
                let (f, at, id) = key.value();
                if skip_flow.as_deref() == Some(f) {
                    continue;
                }
                if at > now_ms || paused.get(f).map_err(e)?.is_some() {
                    skip_flow = Some(f.to_owned());
                    continue;
                }
                due.push((f.to_owned(), at, id));
                if due.len() >= max {
                    break;
                }
            }
            for (f, at, id) in due {
                ready.remove((f.as_str(), at, id)).map_err(e)?;
                let Some(mut job) = read_json::<u64, Job>(&jobs, id)? else { continue };
                job.state = JobState::Leased;
                job.attempts += 1;
                job.lease_until_ms = now_ms + lease_ms;
                jobs.insert(id, to_json(&job)?.as_slice()).map_err(e)?;
                lease_index.insert((job.lease_until_ms, id), ()).map_err(e)?;
                leased.push(job);
            }
        }
        tx.commit().map_err(e)?;
        Ok(leased)
    }

    /// The job is done: remove it.
    pub fn ack(&self, job: &Job) -> StoreResult<()> {
        self.ack_all(std::slice::from_ref(job))
    }

    /// These jobs are done: remove them in one transaction (one fsync).
    pub fn ack_all(&self, jobs: &[Job]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        for job in jobs {
            remove_leased(&tx, job)?;
            tx.open_table(JOBS).map_err(e)?.remove(job.id).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// The attempt failed and will be retried at `next_attempt_ms`.
    pub fn reschedule(&self, job: &Job, error: JobError, next_attempt_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        remove_leased(&tx, job)?;
        let mut job = job.clone();
        job.state = JobState::Ready;
        job.next_attempt_ms = next_attempt_ms;
        job.last_error = Some(error);
        put_ready(&tx, &job)?;
        tx.commit().map_err(e)
    }

    /// The job failed for good: move it to the dead-letter queue with its last error.
    pub fn dead_letter(&self, job: &Job, error: JobError, now_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        remove_leased(&tx, job)?;
        tx.open_table(JOBS).map_err(e)?.remove(job.id).map_err(e)?;
        let mut job = job.clone();
        job.last_error = Some(error.clone());
        let dead = DeadLetter { job, error, dead_ms: now_ms, discarded: None };
        tx.open_table(DEAD).map_err(e)?.insert(dead.job.id, to_json(&dead)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Put jobs whose lease ends before `expired_before_ms` (their worker crashed or hung) back
    /// in the ready queue, due at `now_ms`.
    pub fn recover_leases(&self, expired_before_ms: u64, now_ms: u64) -> StoreResult<usize> {
        let tx = self.db.begin_write().map_err(e)?;
        let mut recovered = 0;
        {
            let mut index = tx.open_table(LEASED).map_err(e)?;
            let expired: Vec<(u64, u64)> = index
                .range((0u64, 0u64)..=(expired_before_ms, u64::MAX))
                .map_err(e)?
                .map(|r| r.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()
                .map_err(e)?;
            for key in expired {
                index.remove(key).map_err(e)?;
                let jobs = tx.open_table(JOBS).map_err(e)?;
                let job: Option<Job> = read_json(&jobs, key.1)?;
                drop(jobs);
                if let Some(mut job) = job {
                    job.state = JobState::Ready;
                    job.next_attempt_ms = now_ms;
                    put_ready(&tx, &job)?;
                    recovered += 1;
                }
            }
        }
        tx.commit().map_err(e)?;
        Ok(recovered)
    }

    /// Dead-lettered jobs, oldest first (discarded ones included, marked).
    pub fn dead_letters(&self, flow: Option<&str>) -> StoreResult<Vec<DeadLetter>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(DEAD).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(e)? {
            let (_, v) = entry.map_err(e)?;
            let dead: DeadLetter = from_json(v.value())?;
            if flow.is_none_or(|f| f == dead.job.flow) {
                out.push(dead);
            }
        }
        Ok(out)
    }

    /// Move dead-lettered jobs back to the queue with fresh attempts: one id, or every
    /// non-discarded one of `flow`. Returns how many were requeued.
    pub fn retry_dead(&self, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> StoreResult<usize> {
        let candidates: Vec<DeadLetter> = self
            .dead_letters(flow)?
            .into_iter()
            .filter(|d| d.discarded.is_none() && id.is_none_or(|id| id == d.job.id))
            .collect();
        let tx = self.db.begin_write().map_err(e)?;
        for dead in &candidates {
            tx.open_table(DEAD).map_err(e)?.remove(dead.job.id).map_err(e)?;
            let mut job = dead.job.clone();
            job.state = JobState::Ready;
            job.attempts = 0;
            job.next_attempt_ms = now_ms;
            job.trigger = "retry".into();
            put_ready(&tx, &job)?;
        }
        tx.commit().map_err(e)?;
        Ok(candidates.len())
    }

    /// Mark a dead-lettered job as discarded by a person, keeping it and the reason.
    pub fn discard_dead(&self, id: u64, reason: &str) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        let found = {
            let mut table = tx.open_table(DEAD).map_err(e)?;
            let dead: Option<DeadLetter> = read_json(&table, id)?;
            match dead {
                Some(mut dead) => {
                    dead.discarded = Some(reason.to_owned());
                    table.insert(id, to_json(&dead)?.as_slice()).map_err(e)?;
                    true
                }
                None => false,
            }
        };
        tx.commit().map_err(e)?;
        Ok(found)
    }

    /// Pause (`true`) or resume (`false`) dequeueing for `flow`; persisted.
    pub fn set_paused(&self, flow: &str, paused: bool, now_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(PAUSED).map_err(e)?;
            if paused {
                if table.get(flow).map_err(e)?.is_none() {
                    table.insert(flow, now_ms).map_err(e)?;
                }
            } else {
                table.remove(flow).map_err(e)?;
            }
            // A person's pause or resume: the pause is theirs now, never resumed by weft.
            tx.open_table(PAUSE_REASONS).map_err(e)?.remove(flow).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Pause `flow` for `reason` unless it is paused already (a person's pause stays theirs).
    /// Returns whether this call paused it.
    pub fn pause_for(&self, flow: &str, reason: &str, now_ms: u64) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        let paused = {
            let mut table = tx.open_table(PAUSED).map_err(e)?;
            let already = table.get(flow).map_err(e)?.is_some();
            if !already {
                table.insert(flow, now_ms).map_err(e)?;
                tx.open_table(PAUSE_REASONS).map_err(e)?.insert(flow, reason).map_err(e)?;
            }
            !already
        };
        tx.commit().map_err(e)?;
        Ok(paused)
    }

    /// Resume `flow` only if weft paused it for a reason starting with `prefix`. Returns
    /// whether it was resumed.
    pub fn resume_if(&self, flow: &str, prefix: &str) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        let resumed = {
            let mut reasons = tx.open_table(PAUSE_REASONS).map_err(e)?;
            let ours = reasons.get(flow).map_err(e)?.is_some_and(|r| r.value().starts_with(prefix));
            if ours {
                reasons.remove(flow).map_err(e)?;
                tx.open_table(PAUSED).map_err(e)?.remove(flow).map_err(e)?;
            }
            ours
        };
        tx.commit().map_err(e)?;
        Ok(resumed)
    }

    /// Queue depth per flow, for every flow that has jobs, dead letters or a pause.
    pub fn queue_status(&self) -> StoreResult<BTreeMap<String, QueueStatus>> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut out: BTreeMap<String, QueueStatus> = BTreeMap::new();
        for entry in tx.open_table(READY).map_err(e)?.iter().map_err(e)? {
            let (k, _) = entry.map_err(e)?;
            let (flow, due, _) = k.value();
            let status = out.entry(flow.to_owned()).or_default();
            status.ready += 1;
            status.next_due_ms.get_or_insert(due);
        }
        let jobs = tx.open_table(JOBS).map_err(e)?;
        for entry in tx.open_table(LEASED).map_err(e)?.iter().map_err(e)? {
            let (k, _) = entry.map_err(e)?;
            if let Some(job) = read_json::<u64, Job>(&jobs, k.value().1)? {
                out.entry(job.flow).or_default().leased += 1;
            }
        }
        for entry in tx.open_table(DEAD).map_err(e)?.iter().map_err(e)? {
            let (_, v) = entry.map_err(e)?;
            let dead: DeadLetter = from_json(v.value())?;
            if dead.discarded.is_none() {
                out.entry(dead.job.flow).or_default().dead += 1;
            }
        }
        for entry in tx.open_table(PAUSED).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.entry(k.value().to_owned()).or_default().paused_since_ms = Some(v.value());
        }
        // Databases created before pause reasons have no such table until the first pause.
        match tx.open_table(PAUSE_REASONS) {
            Ok(reasons) => {
                for entry in reasons.iter().map_err(e)? {
                    let (k, v) = entry.map_err(e)?;
                    out.entry(k.value().to_owned()).or_default().pause_reason = Some(v.value().to_owned());
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(err) => return Err(e(err)),
        }
        Ok(out)
    }

    /// Whether `flow` is paused.
    pub fn is_paused(&self, flow: &str) -> StoreResult<bool> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(PAUSED).map_err(e)?.get(flow).map_err(e)?.is_some())
    }

    /// Whether job `id` is still queued or leased.
    pub fn job_exists(&self, id: u64) -> StoreResult<bool> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(JOBS).map_err(e)?.get(id).map_err(e)?.is_some())
    }

    /// Queued or leased jobs whose work key starts with `prefix`, and dead letters likewise.
    pub fn jobs_by_key(&self, prefix: &str, limit: usize) -> StoreResult<(Vec<Job>, Vec<DeadLetter>)> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut live = Vec::new();
        for entry in tx.open_table(JOBS).map_err(e)?.iter().map_err(e)? {
            let (_, v) = entry.map_err(e)?;
            let job: Job = from_json(v.value())?;
            if job.key.starts_with(prefix) && live.len() < limit {
                live.push(job);
            }
        }
        let mut dead = Vec::new();
        for entry in tx.open_table(DEAD).map_err(e)?.iter().map_err(e)? {
            let (_, v) = entry.map_err(e)?;
            let letter: DeadLetter = from_json(v.value())?;
            if letter.job.key.starts_with(prefix) && dead.len() < limit {
                dead.push(letter);
            }
        }
        Ok((live, dead))
    }

    /// Jobs currently stored (ready or leased).
    pub fn job_count(&self) -> StoreResult<u64> {
        let tx = self.db.begin_read().map_err(e)?;
        tx.open_table(JOBS).map_err(e)?.len().map_err(e)
    }

    /// The stored cursor of `flow` on `connection`.
    pub fn cursor(&self, flow: &str, connection: &str) -> StoreResult<Option<String>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(CURSORS).map_err(e)?;
        Ok(table.get((flow, connection)).map_err(e)?.map(|v| v.value().to_owned()))
    }

    /// When `flow`'s schedule last fired.
    pub fn last_tick(&self, flow: &str) -> StoreResult<Option<u64>> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(SCHEDULE).map_err(e)?.get(flow).map_err(e)?.map(|v| v.value()))
    }

    /// Record that `flow`'s schedule fired at `at_ms`.
    pub fn set_last_tick(&self, flow: &str, at_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        tx.open_table(SCHEDULE).map_err(e)?.insert(flow, at_ms).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Forget webhook receipts older than `before_ms` (dedupe retention).
    pub fn prune_receipts(&self, before_ms: u64) -> StoreResult<usize> {
        let tx = self.db.begin_write().map_err(e)?;
        let removed = {
            let mut table = tx.open_table(RECEIPTS).map_err(e)?;
            let old: Vec<String> = table
                .iter()
                .map_err(e)?
                .filter_map(|r| r.ok())
                .filter(|(_, v)| v.value() < before_ms)
                .map(|(k, _)| k.value().to_owned())
                .collect();
            for k in &old {
                table.remove(k.as_str()).map_err(e)?;
            }
            old.len()
        };
        tx.commit().map_err(e)?;
        Ok(removed)
    }
}

fn enqueue_in(tx: &WriteTransaction, jobs: &[NewJob], now_ms: u64) -> StoreResult<Vec<EnqueueOutcome>> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    for new in jobs {
        if let Some(webhook_id) = &new.webhook_id {
            let mut receipts = tx.open_table(RECEIPTS).map_err(e)?;
            // The same delivery may feed several flows: dedupe on (webhook id, flow).
            let receipt = format!("{webhook_id}\u{0}{}", new.flow);
            if receipts.get(receipt.as_str()).map_err(e)?.is_some() {
                outcomes.push(EnqueueOutcome::Duplicate);
                continue;
            }
            receipts.insert(receipt.as_str(), now_ms).map_err(e)?;
        }
        let id = next_id(tx, "next_job_id")?;
        let job = Job {
            id,
            flow: new.flow.clone(),
            trigger: new.trigger.clone(),
            key: new.key.clone(),
            payload: new.payload.clone(),
            state: JobState::Ready,
            attempts: 0,
            next_attempt_ms: now_ms,
            lease_until_ms: 0,
            created_ms: now_ms,
            last_error: None,
        };
        put_ready(tx, &job)?;
        outcomes.push(EnqueueOutcome::Enqueued(id));
    }
    Ok(outcomes)
}

fn remove_leased(tx: &WriteTransaction, job: &Job) -> StoreResult<()> {
    tx.open_table(LEASED).map_err(e)?.remove((job.lease_until_ms, job.id)).map_err(e)?;
    Ok(())
}
