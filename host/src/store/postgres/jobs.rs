//! Durable jobs shared by every host: enqueue (webhook dedupe and cursor advance in the same
//! transaction, one multi-row insert per batch), lease with `FOR UPDATE SKIP LOCKED` under this
//! host's id, ack/retry/dead-letter only of jobs this host still holds; schedule ticks fired once.

use super::{big, e, from_json, prefix_end, to_json, unbig, PostgresStore, HOST_TTL};
use crate::store::contract::{QueueStore, ScheduleStore};
use crate::store::{
    CursorAdvance, DeadLetter, DeadLetterEdit, EnqueueOutcome, Job, JobError, JobState, NewJob, QueueStatus,
    StoreError, StoreResult,
};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::{GenericClient, Row};

/// The columns a [`Job`] is read from, in [`job_of`]'s order.
pub(super) const JOB_COLUMNS: &str =
    "id, flow, trigger, key, payload, attempts, next_attempt_ms, lease_until_ms, leased_by, created_ms, last_error";

pub(super) fn job_of(row: &Row) -> StoreResult<Job> {
    let leased: Option<String> = row.get(8);
    let last_error: Option<String> = row.get(10);
    Ok(Job {
        id: unbig(row.get(0)),
        flow: row.get(1),
        trigger: row.get(2),
        key: row.get(3),
        payload: from_json(row.get::<_, &str>(4))?,
        state: if leased.is_some() { JobState::Leased } else { JobState::Ready },
        attempts: u32::try_from(row.get::<_, i32>(5)).unwrap_or(0),
        next_attempt_ms: unbig(row.get(6)),
        lease_until_ms: unbig(row.get(7)),
        created_ms: unbig(row.get(9)),
        last_error: last_error.as_deref().map(from_json).transpose()?,
    })
}

/// The columns [`dead_of`] reads, in its order.
pub(super) const DEAD_COLUMNS: &str = "job, error, dead_ms, discarded, edit";

pub(super) fn dead_of(row: &Row) -> StoreResult<DeadLetter> {
    Ok(DeadLetter {
        job: from_json(row.get::<_, &str>(0))?,
        error: from_json(row.get::<_, &str>(1))?,
        dead_ms: unbig(row.get(2)),
        discarded: row.get(3),
        edit: row.get::<_, Option<&str>>(4).map(from_json).transpose()?,
    })
}

/// Insert `jobs` as ready (ids kept), in one statement.
pub(super) async fn insert_jobs(client: &impl GenericClient, jobs: &[Job]) -> StoreResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = jobs.iter().map(|j| big(j.id)).collect();
    let flows: Vec<&str> = jobs.iter().map(|j| j.flow.as_str()).collect();
    let triggers: Vec<&str> = jobs.iter().map(|j| j.trigger.as_str()).collect();
    let keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
    let payloads: Vec<String> = jobs.iter().map(|j| to_json(&j.payload)).collect::<StoreResult<_>>()?;
    let attempts: Vec<i32> = jobs.iter().map(|j| i32::try_from(j.attempts).unwrap_or(i32::MAX)).collect();
    let due: Vec<i64> = jobs.iter().map(|j| big(j.next_attempt_ms)).collect();
    let created: Vec<i64> = jobs.iter().map(|j| big(j.created_ms)).collect();
    let errors: Vec<Option<String>> =
        jobs.iter().map(|j| j.last_error.as_ref().map(to_json).transpose()).collect::<StoreResult<_>>()?;
    let sql =
        "INSERT INTO weft_jobs (id, flow, trigger, key, payload, attempts, next_attempt_ms, created_ms, last_error) \
               SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], \
                                    $7::bigint[], $8::bigint[], $9::text[])";
    client
        .execute(sql, &[&ids, &flows, &triggers, &keys, &payloads, &attempts, &due, &created, &errors])
        .await
        .map_err(e)?;
    Ok(())
}

/// Enqueue `jobs` inside a transaction: the receipts of dedupe ids decide duplicates (the same
/// delivery may feed several flows: one receipt per webhook id and flow), the rest get ids.
pub(super) async fn enqueue_in(
    client: &impl GenericClient,
    jobs: &[NewJob],
    now_ms: u64,
) -> StoreResult<Vec<EnqueueOutcome>> {
    let hooked: Vec<(&str, &str)> =
        jobs.iter().filter_map(|j| j.dedupe_id.as_deref().map(|w| (w, j.flow.as_str()))).collect();
    let mut fresh: BTreeSet<(String, String)> = BTreeSet::new();
    if !hooked.is_empty() {
        let (webhooks, flows): (Vec<&str>, Vec<&str>) = hooked.iter().copied().unzip();
        let sql = "INSERT INTO weft_receipts (webhook_id, flow, at_ms) \
                   SELECT w, f, $3 FROM unnest($1::text[], $2::text[]) AS t(w, f) \
                   ON CONFLICT DO NOTHING RETURNING webhook_id, flow";
        for row in client.query(sql, &[&webhooks, &flows, &big(now_ms)]).await.map_err(e)? {
            fresh.insert((row.get(0), row.get(1)));
        }
    }
    let stored: Vec<bool> = jobs
        .iter()
        .map(|j| match &j.dedupe_id {
            // The first job of a fresh receipt is stored; a second one in the same batch is not.
            Some(w) => fresh.remove(&(w.clone(), j.flow.clone())),
            None => true,
        })
        .collect();
    let count = big(stored.iter().filter(|s| **s).count() as u64);
    let ids: Vec<i64> = client
        .query("SELECT nextval('weft_job_ids') FROM generate_series(1, $1::bigint)", &[&count])
        .await
        .map_err(e)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut ids = ids.into_iter();
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut new_jobs = Vec::new();
    for (new, stored) in jobs.iter().zip(stored) {
        if !stored {
            outcomes.push(EnqueueOutcome::Duplicate);
            continue;
        }
        let id = unbig(ids.next().ok_or_else(|| StoreError::Other("the job id sequence answered too few ids".into()))?);
        new_jobs.push(new.ready(id, now_ms));
        outcomes.push(EnqueueOutcome::Enqueued(id));
    }
    insert_jobs(client, &new_jobs).await?;
    Ok(outcomes)
}

impl QueueStore for PostgresStore {
    fn enqueue(
        &self,
        jobs: &[NewJob],
        now_ms: u64,
        cursor: Option<CursorAdvance<'_>>,
    ) -> StoreResult<Vec<EnqueueOutcome>> {
        let (pool, _) = self.db();
        let jobs = jobs.to_vec();
        let cursor = cursor.map(|c| (c.flow.to_owned(), c.connection.to_owned(), c.cursor.to_owned(), c.then.cloned()));
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let outcomes = enqueue_in(&*tx, &jobs, now_ms).await?;
            if let Some((flow, connection, cursor, then)) = cursor {
                let sql = "INSERT INTO weft_cursors (flow, connection, cursor) VALUES ($1, $2, $3) \
                           ON CONFLICT (flow, connection) DO UPDATE SET cursor = excluded.cursor";
                tx.execute(sql, &[&flow, &connection, &cursor]).await.map_err(e)?;
                if let Some(next) = then {
                    if let [EnqueueOutcome::Enqueued(id)] =
                        enqueue_in(&*tx, std::slice::from_ref(&next), now_ms).await?[..]
                    {
                        let sql = "INSERT INTO weft_schedule (key, job_id) VALUES ($1, $2) \
                                   ON CONFLICT (key) DO UPDATE SET job_id = excluded.job_id";
                        tx.execute(sql, &[&flow, &big(id)]).await.map_err(e)?;
                    }
                }
            }
            tx.commit().await.map_err(e)?;
            Ok(outcomes)
        })
    }

    fn enqueue_group(&self, batches: &[Vec<NewJob>], now_ms: u64) -> StoreResult<Vec<Vec<EnqueueOutcome>>> {
        let (pool, _) = self.db();
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        let all: Vec<NewJob> = batches.concat();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let mut outcomes = enqueue_in(&*tx, &all, now_ms).await?.into_iter();
            tx.commit().await.map_err(e)?;
            Ok(sizes.into_iter().map(|n| outcomes.by_ref().take(n).collect()).collect())
        })
    }

    fn lease(&self, flow: Option<&str>, now_ms: u64, lease_ms: u64, max: usize) -> StoreResult<Vec<Job>> {
        let (pool, holder) = self.db();
        let flow = flow.map(str::to_owned);
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!(
                "UPDATE weft_jobs j SET leased_by = $1, lease_until_ms = $2, attempts = j.attempts + 1 \
                 FROM (SELECT id FROM weft_jobs WHERE leased_by IS NULL AND next_attempt_ms <= $3 \
                         AND ($4::text IS NULL OR flow = $4) AND flow NOT IN (SELECT flow FROM weft_paused) \
                       ORDER BY next_attempt_ms, id LIMIT $5 FOR UPDATE SKIP LOCKED) due \
                 WHERE j.id = due.id RETURNING {}",
                JOB_COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ")
            );
            let until = big(now_ms + lease_ms);
            let rows =
                client.query(&sql, &[&holder, &until, &big(now_ms), &flow, &big(max as u64)]).await.map_err(e)?;
            let mut jobs = rows.iter().map(job_of).collect::<StoreResult<Vec<Job>>>()?;
            jobs.sort_by_key(|j| (j.next_attempt_ms, j.id));
            Ok(jobs)
        })
    }

    fn ack_all(&self, jobs: &[Job]) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let (pool, holder) = self.db();
        let ids: Vec<i64> = jobs.iter().map(|j| big(j.id)).collect();
        let acked = self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "DELETE FROM weft_jobs WHERE id = ANY($1) AND leased_by = $2";
            client.execute(sql, &[&ids, &holder]).await.map_err(e)
        })?;
        warn_unacked(jobs.len(), acked);
        Ok(())
    }

    fn reschedule(&self, job: &Job, error: JobError, next_attempt_ms: u64) -> StoreResult<()> {
        let (pool, holder) = self.db();
        let (id, attempts, error) = (big(job.id), i32::try_from(job.attempts).unwrap_or(i32::MAX), to_json(&error)?);
        let moved = self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "UPDATE weft_jobs SET leased_by = NULL, lease_until_ms = 0, next_attempt_ms = $1, \
                       attempts = $2, last_error = $3 WHERE id = $4 AND leased_by = $5";
            client.execute(sql, &[&big(next_attempt_ms), &attempts, &error, &id, &holder]).await.map_err(e)
        })?;
        if moved == 0 {
            tracing::warn!(job = job.id, "job was taken over by another host before its retry was stored");
        }
        Ok(())
    }

    fn dead_letter(&self, job: &Job, error: JobError, now_ms: u64) -> StoreResult<()> {
        let (pool, holder) = self.db();
        let mut stored = job.clone();
        stored.last_error = Some(error.clone());
        let (id, flow, key) = (big(job.id), job.flow.clone(), job.key.clone());
        let (job_json, error_json) = (to_json(&stored)?, to_json(&error)?);
        let moved = self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let sql = "DELETE FROM weft_jobs WHERE id = $1 AND leased_by = $2";
            let removed = tx.execute(sql, &[&id, &holder]).await.map_err(e)?;
            if removed > 0 {
                let sql = "INSERT INTO weft_dead (id, flow, key, job, error, dead_ms) VALUES ($1, $2, $3, $4, $5, $6)";
                tx.execute(sql, &[&id, &flow, &key, &job_json, &error_json, &big(now_ms)]).await.map_err(e)?;
            }
            tx.commit().await.map_err(e)?;
            Ok(removed)
        })?;
        if moved == 0 {
            tracing::warn!(job = job.id, "job was taken over by another host before it was dead-lettered here");
        }
        Ok(())
    }

    fn renew_leases(&self, now_ms: u64, lease_ms: u64) -> StoreResult<usize> {
        let (pool, holder) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "UPDATE weft_jobs SET lease_until_ms = $1 WHERE leased_by = $2 AND lease_until_ms < $1";
            Ok(client.execute(sql, &[&big(now_ms + lease_ms), &holder]).await.map_err(e)? as usize)
        })
    }

    fn recover_leases(&self, expired_before_ms: u64, now_ms: u64) -> StoreResult<usize> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "UPDATE weft_jobs SET leased_by = NULL, lease_until_ms = 0, next_attempt_ms = $2 \
                       WHERE leased_by IS NOT NULL AND lease_until_ms <= $1";
            Ok(client.execute(sql, &[&big(expired_before_ms), &big(now_ms)]).await.map_err(e)? as usize)
        })
    }

    fn recover_orphaned_leases(&self, now_ms: u64) -> StoreResult<usize> {
        // Several hosts share the database: only expired leases, and those of hosts that are
        // gone (no beat within the TTL), belong to no one.
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!(
                "UPDATE weft_jobs j SET leased_by = NULL, lease_until_ms = 0, next_attempt_ms = $1 \
                 WHERE j.leased_by IS NOT NULL AND (j.lease_until_ms <= $1 OR NOT EXISTS ( \
                     SELECT 1 FROM weft_hosts h WHERE h.holder = j.leased_by \
                       AND h.seen > clock_timestamp() - interval '{HOST_TTL}'))"
            );
            Ok(client.execute(&sql, &[&big(now_ms)]).await.map_err(e)? as usize)
        })
    }

    fn dead_letters(&self, flow: Option<&str>) -> StoreResult<Vec<DeadLetter>> {
        let (pool, _) = self.db();
        let flow = flow.map(str::to_owned);
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!("SELECT {DEAD_COLUMNS} FROM weft_dead WHERE $1::text IS NULL OR flow = $1 ORDER BY id");
            client.query(&sql, &[&flow]).await.map_err(e)?.iter().map(dead_of).collect()
        })
    }

    fn retry_dead(&self, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> StoreResult<usize> {
        let (pool, _) = self.db();
        let (id, flow) = (id.map(big), flow.map(str::to_owned));
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let sql = format!(
                "DELETE FROM weft_dead WHERE discarded IS NULL AND ($1::bigint IS NULL OR id = $1) \
                 AND ($2::text IS NULL OR flow = $2) RETURNING {DEAD_COLUMNS}"
            );
            let mut jobs = Vec::new();
            for row in tx.query(&sql, &[&id, &flow]).await.map_err(e)? {
                let mut job = dead_of(&row)?.job;
                job.state = JobState::Ready;
                job.attempts = 0;
                job.next_attempt_ms = now_ms;
                job.trigger = "retry".into();
                jobs.push(job);
            }
            insert_jobs(&*tx, &jobs).await?;
            tx.commit().await.map_err(e)?;
            Ok(jobs.len())
        })
    }

    fn discard_dead(&self, id: u64, reason: &str) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let reason = reason.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "UPDATE weft_dead SET discarded = $2 WHERE id = $1";
            Ok(client.execute(sql, &[&big(id), &reason]).await.map_err(e)? > 0)
        })
    }

    fn retry_dead_edited(
        &self,
        id: u64,
        payload: &serde_json::Value,
        note: &str,
        now_ms: u64,
    ) -> StoreResult<Option<u64>> {
        let (pool, _) = self.db();
        let (payload, note) = (payload.clone(), note.to_owned());
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let sql = format!("SELECT {DEAD_COLUMNS} FROM weft_dead WHERE id = $1 AND discarded IS NULL FOR UPDATE");
            let Some(row) = tx.query_opt(&sql, &[&big(id)]).await.map_err(e)? else { return Ok(None) };
            let dead = dead_of(&row)?;
            let job_id: i64 = tx.query_one("SELECT nextval('weft_job_ids')", &[]).await.map_err(e)?.get(0);
            let job_id = unbig(job_id);
            let new = NewJob {
                flow: dead.job.flow.clone(),
                trigger: "retry".into(),
                key: dead.job.key.clone(),
                payload: payload.clone().into(),
                dedupe_id: None,
            };
            insert_jobs(&*tx, &[new.ready(job_id, now_ms)]).await?;
            let edit = to_json(&DeadLetterEdit { payload, note, at_ms: now_ms, job_id })?;
            let settled = format!("edited and retried as job {job_id}");
            let sql = "UPDATE weft_dead SET discarded = $2, edit = $3 WHERE id = $1";
            tx.execute(sql, &[&big(id), &settled, &edit]).await.map_err(e)?;
            tx.commit().await.map_err(e)?;
            Ok(Some(job_id))
        })
    }

    fn set_paused(&self, flow: &str, paused: bool, now_ms: u64) -> StoreResult<()> {
        let (pool, _) = self.db();
        let flow = flow.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            // A person's pause or resume: the pause is theirs now, never resumed by weft.
            if paused {
                let sql = "INSERT INTO weft_paused (flow, since_ms) VALUES ($1, $2) \
                           ON CONFLICT (flow) DO UPDATE SET reason = NULL";
                client.execute(sql, &[&flow, &big(now_ms)]).await.map_err(e)?;
            } else {
                client.execute("DELETE FROM weft_paused WHERE flow = $1", &[&flow]).await.map_err(e)?;
            }
            Ok(())
        })
    }

    fn pause_for(&self, flow: &str, reason: &str, now_ms: u64) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let (flow, reason) = (flow.to_owned(), reason.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "INSERT INTO weft_paused (flow, since_ms, reason) VALUES ($1, $2, $3) \
                       ON CONFLICT DO NOTHING RETURNING 1";
            Ok(client.query_opt(sql, &[&flow, &big(now_ms), &reason]).await.map_err(e)?.is_some())
        })
    }

    fn resume_if(&self, flow: &str, prefix: &str) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let (flow, prefix) = (flow.to_owned(), prefix.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "DELETE FROM weft_paused WHERE flow = $1 AND starts_with(reason, $2) RETURNING 1";
            Ok(client.query_opt(sql, &[&flow, &prefix]).await.map_err(e)?.is_some())
        })
    }

    fn queue_status(&self) -> StoreResult<BTreeMap<String, QueueStatus>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let mut out: BTreeMap<String, QueueStatus> = BTreeMap::new();
            let sql = "SELECT flow, count(*) FILTER (WHERE leased_by IS NULL), \
                              min(next_attempt_ms) FILTER (WHERE leased_by IS NULL), \
                              count(*) FILTER (WHERE leased_by IS NOT NULL) \
                       FROM weft_jobs GROUP BY flow";
            for row in client.query(sql, &[]).await.map_err(e)? {
                let status = out.entry(row.get(0)).or_default();
                status.ready = unbig(row.get(1));
                status.next_due_ms = row.get::<_, Option<i64>>(2).map(unbig);
                status.leased = unbig(row.get(3));
            }
            let sql = "SELECT flow, count(*) FROM weft_dead WHERE discarded IS NULL GROUP BY flow";
            for row in client.query(sql, &[]).await.map_err(e)? {
                out.entry(row.get(0)).or_default().dead = unbig(row.get(1));
            }
            for row in client.query("SELECT flow, since_ms, reason FROM weft_paused", &[]).await.map_err(e)? {
                let status = out.entry(row.get(0)).or_default();
                status.paused_since_ms = Some(unbig(row.get(1)));
                status.pause_reason = row.get(2);
            }
            Ok(out)
        })
    }

    fn is_paused(&self, flow: &str) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let flow = flow.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            Ok(client.query_opt("SELECT 1 FROM weft_paused WHERE flow = $1", &[&flow]).await.map_err(e)?.is_some())
        })
    }

    fn job_exists(&self, id: u64) -> StoreResult<bool> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            Ok(client.query_opt("SELECT 1 FROM weft_jobs WHERE id = $1", &[&big(id)]).await.map_err(e)?.is_some())
        })
    }

    fn jobs_by_key(&self, prefix: &str, limit: usize) -> StoreResult<(Vec<Job>, Vec<DeadLetter>)> {
        let (pool, _) = self.db();
        let (from, to, limit) = (prefix.to_owned(), prefix_end(prefix), big(limit as u64));
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!(
                "SELECT {JOB_COLUMNS} FROM weft_jobs WHERE key >= $1 AND ($2::text IS NULL OR key < $2) \
                 ORDER BY id LIMIT $3"
            );
            let live = client.query(&sql, &[&from, &to, &limit]).await.map_err(e)?;
            let sql = format!(
                "SELECT {DEAD_COLUMNS} FROM weft_dead WHERE key >= $1 AND ($2::text IS NULL OR key < $2) \
                 ORDER BY id LIMIT $3"
            );
            let dead = client.query(&sql, &[&from, &to, &limit]).await.map_err(e)?;
            Ok((
                live.iter().map(job_of).collect::<StoreResult<_>>()?,
                dead.iter().map(dead_of).collect::<StoreResult<_>>()?,
            ))
        })
    }

    fn job_count(&self) -> StoreResult<u64> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            Ok(unbig(client.query_one("SELECT count(*) FROM weft_jobs", &[]).await.map_err(e)?.get(0)))
        })
    }

    fn cursor(&self, flow: &str, connection: &str) -> StoreResult<Option<String>> {
        let (pool, _) = self.db();
        let (flow, connection) = (flow.to_owned(), connection.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT cursor FROM weft_cursors WHERE flow = $1 AND connection = $2";
            Ok(client.query_opt(sql, &[&flow, &connection]).await.map_err(e)?.map(|r| r.get(0)))
        })
    }
}

impl ScheduleStore for PostgresStore {
    fn last_tick(&self, key: &str) -> StoreResult<Option<u64>> {
        let (pool, _) = self.db();
        let key = key.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let row = client.query_opt("SELECT last_ms FROM weft_schedule WHERE key = $1", &[&key]).await.map_err(e)?;
            Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)).map(unbig))
        })
    }

    fn fire_tick(&self, key: &str, last: Option<u64>, at_ms: u64, job: Option<&NewJob>) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let (key, job) = (key.to_owned(), job.cloned());
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            tx.execute("INSERT INTO weft_schedule (key) VALUES ($1) ON CONFLICT DO NOTHING", &[&key])
                .await
                .map_err(e)?;
            // The schedule's row lock makes concurrent firings of one tick wait for each other.
            let sql = "SELECT s.last_ms, EXISTS (SELECT 1 FROM weft_jobs j WHERE j.id = s.job_id) \
                       OR EXISTS (SELECT 1 FROM weft_dead d WHERE d.id = s.job_id AND d.discarded IS NULL \
                                  AND (d.error::jsonb ->> 'retryable')::boolean) \
                       FROM weft_schedule s WHERE s.key = $1 FOR UPDATE";
            let row = tx.query_one(sql, &[&key]).await.map_err(e)?;
            let (current, busy): (Option<i64>, bool) = (row.get(0), row.get(1));
            if current.map(unbig) != last || busy {
                return Ok(false);
            }
            let job_id = match &job {
                Some(job) => match enqueue_in(&*tx, std::slice::from_ref(job), at_ms).await?[..] {
                    [EnqueueOutcome::Enqueued(id)] => Some(big(id)),
                    _ => None,
                },
                None => None,
            };
            let sql = "UPDATE weft_schedule SET last_ms = $2, job_id = $3 WHERE key = $1";
            tx.execute(sql, &[&key, &big(at_ms), &job_id]).await.map_err(e)?;
            tx.commit().await.map_err(e)?;
            Ok(true)
        })
    }
}

/// Say so when fewer of `jobs` were acknowledged than asked: their leases had expired.
pub(super) fn warn_unacked(jobs: usize, acked: u64) {
    if acked < jobs as u64 {
        tracing::warn!(
            jobs,
            acked,
            "some jobs' leases had expired and another host took them; it finishes them (the ledger knows this one's writes)"
        );
    }
}
