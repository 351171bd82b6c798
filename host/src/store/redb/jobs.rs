//! Durable jobs: enqueue (with webhook dedupe and cursor advance in the same transaction),
//! lease-based dequeue, ack, retry scheduling, dead-letter, pause/resume; schedule ticks and
//! webhook receipts.

use super::{e, from_json, next_id, read_json, to_json, RedbStore};
use crate::store::contract::{QueueStore, ScheduleStore};
use crate::store::{
    CursorAdvance, DeadLetter, DeadLetterEdit, EnqueueOutcome, Job, JobError, JobState, NewJob, QueueStatus,
    StoreResult,
};
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use std::collections::BTreeMap;

/// Job id → the job without its payload (a job stored before payloads were kept apart has
/// it inline): leases, renewals and retries rewrite a few bytes, not a page of records.
pub(super) const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");
/// Job id → its payload's JSON, written once when the job is stored.
pub(super) const PAYLOADS: TableDefinition<u64, &[u8]> = TableDefinition::new("job_payloads");
pub(super) const READY: TableDefinition<(&str, u64, u64), ()> = TableDefinition::new("ready");
pub(super) const LEASED: TableDefinition<(u64, u64), ()> = TableDefinition::new("leased");
pub(super) const DEAD: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letter");
pub(super) const RECEIPTS: TableDefinition<&str, u64> = TableDefinition::new("webhook_receipts");
pub(super) const PAUSED: TableDefinition<&str, u64> = TableDefinition::new("paused");
/// Why a flow was paused by weft itself (`circuit: ...`); absent for a person's pause.
pub(super) const PAUSE_REASONS: TableDefinition<&str, &str> = TableDefinition::new("pause_reasons");
pub(super) const SCHEDULE: TableDefinition<&str, u64> = TableDefinition::new("schedule");
/// The job a schedule fired last (key → job id), so a tick waits while it is queued or leased.
pub(super) const SCHEDULE_JOBS: TableDefinition<&str, u64> = TableDefinition::new("schedule_jobs");
pub(super) const CURSORS: TableDefinition<(&str, &str), &str> = TableDefinition::new("cursors");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(JOBS).map_err(e)?;
    tx.open_table(PAYLOADS).map_err(e)?;
    tx.open_table(READY).map_err(e)?;
    tx.open_table(LEASED).map_err(e)?;
    tx.open_table(DEAD).map_err(e)?;
    tx.open_table(RECEIPTS).map_err(e)?;
    tx.open_table(PAUSED).map_err(e)?;
    tx.open_table(PAUSE_REASONS).map_err(e)?;
    tx.open_table(SCHEDULE).map_err(e)?;
    tx.open_table(SCHEDULE_JOBS).map_err(e)?;
    tx.open_table(CURSORS).map_err(e)?;
    Ok(())
}

/// Store `job` ready to run, its payload apart from the rest.
pub(super) fn put_ready(tx: &WriteTransaction, job: &Job) -> StoreResult<()> {
    tx.open_table(PAYLOADS).map_err(e)?.insert(job.id, to_json(&job.payload)?.as_slice()).map_err(e)?;
    put_header(tx, &job.header())
}

/// Store `header` (the job as [`JOBS`] keeps it) ready to run.
fn put_header(tx: &WriteTransaction, header: &Job) -> StoreResult<()> {
    tx.open_table(JOBS).map_err(e)?.insert(header.id, to_json(header)?.as_slice()).map_err(e)?;
    tx.open_table(READY)
        .map_err(e)?
        .insert((header.flow.as_str(), header.next_attempt_ms, header.id), ())
        .map_err(e)?;
    Ok(())
}

/// Give `header` (read from [`JOBS`]) the payload kept apart, when there is one.
pub(super) fn with_payload(payloads: &impl ReadableTable<u64, &'static [u8]>, mut header: Job) -> StoreResult<Job> {
    if let Some(payload) = read_json(payloads, header.id)? {
        header.payload = payload;
    }
    Ok(header)
}

/// Each job's payload encoded, before a write transaction takes the store's one writer slot.
fn encode_payloads(jobs: &[NewJob]) -> StoreResult<Vec<Vec<u8>>> {
    jobs.iter().map(|job| to_json(&job.payload)).collect()
}

impl QueueStore for RedbStore {
    fn enqueue(
        &self,
        jobs: &[NewJob],
        now_ms: u64,
        cursor: Option<CursorAdvance<'_>>,
    ) -> StoreResult<Vec<EnqueueOutcome>> {
        let payloads = encode_payloads(jobs)?;
        let then = cursor.and_then(|c| c.then).map(|next| encode_payloads(std::slice::from_ref(next))).transpose()?;
        let tx = self.db.begin_write().map_err(e)?;
        let outcomes = enqueue_in(&tx, jobs, &payloads, now_ms)?;
        if let Some(c) = cursor {
            tx.open_table(CURSORS).map_err(e)?.insert((c.flow, c.connection), c.cursor).map_err(e)?;
            if let (Some(next), Some(payload)) = (c.then, &then) {
                if let [EnqueueOutcome::Enqueued(id)] =
                    enqueue_in(&tx, std::slice::from_ref(next), payload, now_ms)?[..]
                {
                    tx.open_table(SCHEDULE_JOBS).map_err(e)?.insert(c.flow, id).map_err(e)?;
                }
            }
        }
        tx.commit().map_err(e)?;
        Ok(outcomes)
    }

    fn enqueue_group(&self, batches: &[Vec<NewJob>], now_ms: u64) -> StoreResult<Vec<Vec<EnqueueOutcome>>> {
        let payloads: Vec<Vec<Vec<u8>>> = batches.iter().map(|b| encode_payloads(b)).collect::<StoreResult<_>>()?;
        let tx = self.db.begin_write().map_err(e)?;
        let mut all = Vec::with_capacity(batches.len());
        for (batch, payloads) in batches.iter().zip(&payloads) {
            all.push(enqueue_in(&tx, batch, payloads, now_ms)?);
        }
        tx.commit().map_err(e)?;
        Ok(all)
    }

    fn lease(&self, flow: Option<&str>, now_ms: u64, lease_ms: u64, max: usize) -> StoreResult<Vec<Job>> {
        let tx = self.db.begin_write().map_err(e)?;
        let mut leased = Vec::new();
        {
            let paused = tx.open_table(PAUSED).map_err(e)?;
            let mut ready = tx.open_table(READY).map_err(e)?;
            let mut jobs = tx.open_table(JOBS).map_err(e)?;
            let payloads = tx.open_table(PAYLOADS).map_err(e)?;
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
            if due.is_empty() {
                drop((paused, ready, jobs, payloads, lease_index));
                // Nothing leased (workers poll every flow): no commit, no sync.
                tx.abort().map_err(e)?;
                return Ok(leased);
            }
            for (f, at, id) in due {
                ready.remove((f.as_str(), at, id)).map_err(e)?;
                let Some(mut job) = read_json::<u64, Job>(&jobs, id)? else { continue };
                job.state = JobState::Leased;
                job.attempts += 1;
                job.lease_until_ms = now_ms + lease_ms;
                jobs.insert(id, to_json(&job)?.as_slice()).map_err(e)?;
                lease_index.insert((job.lease_until_ms, id), ()).map_err(e)?;
                leased.push(with_payload(&payloads, job)?);
            }
        }
        tx.commit().map_err(e)?;
        Ok(leased)
    }

    fn ack_all(&self, jobs: &[Job]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        ack_in(&tx, jobs)?;
        tx.commit().map_err(e)
    }

    fn reschedule(&self, job: &Job, error: JobError, next_attempt_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        remove_leased(&tx, job)?;
        let mut job = job.clone();
        job.state = JobState::Ready;
        job.next_attempt_ms = next_attempt_ms;
        job.last_error = Some(error);
        put_ready(&tx, &job)?;
        tx.commit().map_err(e)
    }

    fn dead_letter(&self, job: &Job, error: JobError, now_ms: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        remove_leased(&tx, job)?;
        remove_job(&tx, job.id)?;
        let mut job = job.clone();
        job.last_error = Some(error.clone());
        let dead = DeadLetter { job, error, dead_ms: now_ms, discarded: None, edit: None };
        tx.open_table(DEAD).map_err(e)?.insert(dead.job.id, to_json(&dead)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)
    }

    fn renew_leases(&self, now_ms: u64, lease_ms: u64) -> StoreResult<usize> {
        // One process holds the database: every lease in it is this process's own.
        let until = now_ms + lease_ms;
        let tx = self.db.begin_write().map_err(e)?;
        let renewed = {
            let mut index = tx.open_table(LEASED).map_err(e)?;
            let mut jobs = tx.open_table(JOBS).map_err(e)?;
            let short: Vec<(u64, u64)> = index
                .range((0u64, 0u64)..(until, 0u64))
                .map_err(e)?
                .map(|r| r.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()
                .map_err(e)?;
            for (old, id) in &short {
                index.remove((*old, *id)).map_err(e)?;
                if let Some(mut job) = read_json::<u64, Job>(&jobs, *id)? {
                    job.lease_until_ms = until;
                    jobs.insert(*id, to_json(&job)?.as_slice()).map_err(e)?;
                    index.insert((until, *id), ()).map_err(e)?;
                }
            }
            short.len()
        };
        tx.commit().map_err(e)?;
        Ok(renewed)
    }

    fn recover_leases(&self, expired_before_ms: u64, now_ms: u64) -> StoreResult<usize> {
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
            if expired.is_empty() {
                drop(index);
                tx.abort().map_err(e)?;
                return Ok(0);
            }
            for key in expired {
                index.remove(key).map_err(e)?;
                let jobs = tx.open_table(JOBS).map_err(e)?;
                let header: Option<Job> = read_json(&jobs, key.1)?;
                drop(jobs);
                if let Some(mut header) = header {
                    header.state = JobState::Ready;
                    header.next_attempt_ms = now_ms;
                    put_header(&tx, &header)?;
                    recovered += 1;
                }
            }
        }
        tx.commit().map_err(e)?;
        Ok(recovered)
    }

    fn recover_orphaned_leases(&self, now_ms: u64) -> StoreResult<usize> {
        // One process holds the database: every lease in it belongs to a process that is gone.
        self.recover_leases(u64::MAX, now_ms)
    }

    fn dead_letters(&self, flow: Option<&str>) -> StoreResult<Vec<DeadLetter>> {
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

    fn retry_dead(&self, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> StoreResult<usize> {
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

    fn discard_dead(&self, id: u64, reason: &str) -> StoreResult<bool> {
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

    fn retry_dead_edited(
        &self,
        id: u64,
        payload: &serde_json::Value,
        note: &str,
        now_ms: u64,
    ) -> StoreResult<Option<u64>> {
        let tx = self.db.begin_write().map_err(e)?;
        let dead: Option<DeadLetter> = read_json(&tx.open_table(DEAD).map_err(e)?, id)?;
        let Some(mut dead) = dead.filter(|d| d.discarded.is_none()) else {
            tx.abort().map_err(e)?;
            return Ok(None);
        };
        let new = NewJob {
            flow: dead.job.flow.clone(),
            trigger: "retry".into(),
            key: dead.job.key.clone(),
            payload: payload.clone().into(),
            dedupe_id: None,
        };
        let job_id = next_id(&tx, "next_job_id")?;
        put_ready(&tx, &new.ready(job_id, now_ms))?;
        dead.discarded = Some(format!("edited and retried as job {job_id}"));
        dead.edit = Some(DeadLetterEdit { payload: payload.clone(), note: note.to_owned(), at_ms: now_ms, job_id });
        tx.open_table(DEAD).map_err(e)?.insert(id, to_json(&dead)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(Some(job_id))
    }

    fn set_paused(&self, flow: &str, paused: bool, now_ms: u64) -> StoreResult<()> {
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

    fn pause_for(&self, flow: &str, reason: &str, now_ms: u64) -> StoreResult<bool> {
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

    fn resume_if(&self, flow: &str, prefix: &str) -> StoreResult<bool> {
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

    fn queue_status(&self) -> StoreResult<BTreeMap<String, QueueStatus>> {
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
        for entry in tx.open_table(PAUSE_REASONS).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.entry(k.value().to_owned()).or_default().pause_reason = Some(v.value().to_owned());
        }
        Ok(out)
    }

    fn is_paused(&self, flow: &str) -> StoreResult<bool> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(PAUSED).map_err(e)?.get(flow).map_err(e)?.is_some())
    }

    fn job_exists(&self, id: u64) -> StoreResult<bool> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(JOBS).map_err(e)?.get(id).map_err(e)?.is_some())
    }

    fn jobs_by_key(&self, prefix: &str, limit: usize) -> StoreResult<(Vec<Job>, Vec<DeadLetter>)> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut live = Vec::new();
        let payloads = tx.open_table(PAYLOADS).map_err(e)?;
        for entry in tx.open_table(JOBS).map_err(e)?.iter().map_err(e)? {
            let (_, v) = entry.map_err(e)?;
            let header: Job = from_json(v.value())?;
            if header.key.starts_with(prefix) && live.len() < limit {
                live.push(with_payload(&payloads, header)?);
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

    fn job_count(&self) -> StoreResult<u64> {
        let tx = self.db.begin_read().map_err(e)?;
        tx.open_table(JOBS).map_err(e)?.len().map_err(e)
    }

    fn cursor(&self, flow: &str, connection: &str) -> StoreResult<Option<String>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(CURSORS).map_err(e)?;
        Ok(table.get((flow, connection)).map_err(e)?.map(|v| v.value().to_owned()))
    }
}

impl ScheduleStore for RedbStore {
    fn last_tick(&self, key: &str) -> StoreResult<Option<u64>> {
        let tx = self.db.begin_read().map_err(e)?;
        Ok(tx.open_table(SCHEDULE).map_err(e)?.get(key).map_err(e)?.map(|v| v.value()))
    }

    fn fire_tick(&self, key: &str, last: Option<u64>, at_ms: u64, job: Option<&NewJob>) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let current = tx.open_table(SCHEDULE).map_err(e)?.get(key).map_err(e)?.map(|v| v.value());
            let previous = tx.open_table(SCHEDULE_JOBS).map_err(e)?.get(key).map_err(e)?.map(|v| v.value());
            let busy = match previous {
                Some(id) => {
                    let dead: Option<DeadLetter> = read_json(&tx.open_table(DEAD).map_err(e)?, id)?;
                    tx.open_table(JOBS).map_err(e)?.get(id).map_err(e)?.is_some()
                        || dead.is_some_and(|d| d.discarded.is_none() && d.error.retryable)
                }
                None => false,
            };
            if current != last || busy {
                return Ok(false);
            }
            tx.open_table(SCHEDULE).map_err(e)?.insert(key, at_ms).map_err(e)?;
            if let Some(job) = job {
                let payloads = encode_payloads(std::slice::from_ref(job))?;
                if let [EnqueueOutcome::Enqueued(id)] =
                    enqueue_in(&tx, std::slice::from_ref(job), &payloads, at_ms)?[..]
                {
                    tx.open_table(SCHEDULE_JOBS).map_err(e)?.insert(key, id).map_err(e)?;
                }
            }
        }
        tx.commit().map_err(e)?;
        Ok(true)
    }
}

/// Enqueue `jobs` inside `tx`, their payloads encoded beforehand ([`encode_payloads`]).
fn enqueue_in(
    tx: &WriteTransaction,
    jobs: &[NewJob],
    payloads: &[Vec<u8>],
    now_ms: u64,
) -> StoreResult<Vec<EnqueueOutcome>> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (new, payload) in jobs.iter().zip(payloads) {
        if let Some(dedupe_id) = &new.dedupe_id {
            let mut receipts = tx.open_table(RECEIPTS).map_err(e)?;
            // The same delivery may feed several flows: dedupe on (id, flow).
            let receipt = format!("{dedupe_id}\u{0}{}", new.flow);
            if receipts.get(receipt.as_str()).map_err(e)?.is_some() {
                outcomes.push(EnqueueOutcome::Duplicate);
                continue;
            }
            receipts.insert(receipt.as_str(), now_ms).map_err(e)?;
        }
        let id = next_id(tx, "next_job_id")?;
        tx.open_table(PAYLOADS).map_err(e)?.insert(id, payload.as_slice()).map_err(e)?;
        put_header(tx, &new.ready_header(id, now_ms))?;
        outcomes.push(EnqueueOutcome::Enqueued(id));
    }
    Ok(outcomes)
}

/// Remove finished jobs, inside a write transaction.
pub(super) fn ack_in(tx: &WriteTransaction, jobs: &[Job]) -> StoreResult<()> {
    for job in jobs {
        remove_leased(tx, job)?;
        remove_job(tx, job.id)?;
    }
    Ok(())
}

/// Remove job `id` and its payload.
fn remove_job(tx: &WriteTransaction, id: u64) -> StoreResult<()> {
    tx.open_table(JOBS).map_err(e)?.remove(id).map_err(e)?;
    tx.open_table(PAYLOADS).map_err(e)?.remove(id).map_err(e)?;
    Ok(())
}

/// The lease end of a stored job, read without decoding its payload (a page job carries
/// hundreds of records).
#[derive(serde::Deserialize)]
struct LeaseEnd {
    lease_until_ms: u64,
}

/// Drop `job`'s entry of the lease index, under the lease end stored (renewals move it).
fn remove_leased(tx: &WriteTransaction, job: &Job) -> StoreResult<()> {
    let stored: Option<LeaseEnd> = read_json(&tx.open_table(JOBS).map_err(e)?, job.id)?;
    let until = stored.map_or(job.lease_until_ms, |s| s.lease_until_ms);
    tx.open_table(LEASED).map_err(e)?.remove((until, job.id)).map_err(e)?;
    Ok(())
}
