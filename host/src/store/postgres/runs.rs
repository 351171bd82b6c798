//! Runs and their records; records indexed by key and refs for search and lineage.

use super::{big, e, from_json, prefix_end, to_json, unbig, PostgresStore};
use crate::store::contract::RunStore;
use crate::store::{
    CallEntry, CallPage, Job, LinkedCall, RecordEntry, Run, RunFilter, RunRecord, RunStatus, StoreError, StoreResult,
};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// The name a status is stored under (its JSON name).
fn status_name(status: RunStatus) -> StoreResult<String> {
    match serde_json::to_value(status).map_err(e)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::Other(format!("run status {other} is not a name"))),
    }
}

/// Store `run` (insert or replace), with its searchable columns.
pub(super) async fn put_run(client: &impl GenericClient, run: &Run) -> StoreResult<()> {
    let sql = "INSERT INTO weft_runs (id, flow, trigger, status, started_ms, run) VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (id) DO UPDATE SET status = excluded.status, run = excluded.run";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
        [&big(run.id), &run.flow, &run.trigger, &status_name(run.status)?, &big(run.started_ms), &to_json(run)?];
    client.execute(sql, &params).await.map_err(e)?;
    Ok(())
}

/// Store records of a run at their places, with their index entries.
pub(super) async fn put_records(
    client: &impl GenericClient,
    run_id: u64,
    records: &[(u64, RunRecord)],
) -> StoreResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = records.iter().map(|(seq, _)| big(*seq)).collect();
    let bodies: Vec<String> = records.iter().map(|(_, r)| to_json(r)).collect::<StoreResult<_>>()?;
    let sql = "INSERT INTO weft_run_records (run_id, seq, record) SELECT $1, * FROM unnest($2::bigint[], $3::text[])";
    client.execute(sql, &[&big(run_id), &seqs, &bodies]).await.map_err(e)?;
    let (mut keys, mut key_seqs) = (Vec::new(), Vec::new());
    for (seq, record) in records {
        for key in std::iter::once(&record.key).chain(record.refs.iter().filter(|r| **r != record.key)) {
            keys.push(key.as_str());
            key_seqs.push(big(*seq));
        }
    }
    let sql = "INSERT INTO weft_run_record_keys (key, run_id, seq) \
               SELECT k, $1, s FROM unnest($2::text[], $3::bigint[]) AS t(k, s) ON CONFLICT DO NOTHING";
    client.execute(sql, &[&big(run_id), &keys, &key_seqs]).await.map_err(e)?;
    Ok(())
}

/// The run `run_id`, locked for update inside a transaction.
/// Append `records` (with their calls) to run `run_id`, locked, and count their outcomes;
/// returns the run to store.
async fn append(
    client: &impl GenericClient,
    run_id: u64,
    records: Vec<RunRecord>,
    calls: &[LinkedCall],
) -> StoreResult<Run> {
    let mut run = locked_run(client, run_id).await?;
    let sql = "SELECT coalesce(max(seq) + 1, 0) FROM weft_run_records WHERE run_id = $1";
    let first = unbig(client.query_one(sql, &[&big(run_id)]).await.map_err(e)?.get(0));
    for record in &records {
        *run.counts.entry(record.outcome).or_default() += 1;
    }
    let count = records.len();
    let placed: Vec<(u64, RunRecord)> = (first..).zip(records).collect();
    put_records(client, run_id, &placed).await?;
    super::calls::put(client, run_id, first, count, calls).await?;
    Ok(run)
}

async fn locked_run(client: &impl GenericClient, run_id: u64) -> StoreResult<Run> {
    let row =
        client.query_opt("SELECT run FROM weft_runs WHERE id = $1 FOR UPDATE", &[&big(run_id)]).await.map_err(e)?;
    let row = row.ok_or_else(|| StoreError::Other(format!("no run {run_id}")))?;
    from_json(row.get::<_, &str>(0))
}

fn entry_of(row: &tokio_postgres::Row) -> StoreResult<RecordEntry> {
    Ok(RecordEntry { run_id: unbig(row.get(0)), seq: unbig(row.get(1)), record: from_json(row.get::<_, &str>(2))? })
}

impl RunStore for PostgresStore {
    fn start_run(&self, flow: &str, trigger: &str, config_version: Option<u64>, now_ms: u64) -> StoreResult<Run> {
        let (pool, _) = self.db();
        let (flow, trigger) = (flow.to_owned(), trigger.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let id: i64 = client.query_one("SELECT nextval('weft_run_ids')", &[]).await.map_err(e)?.get(0);
            let run = Run {
                id: unbig(id),
                flow,
                trigger,
                started_ms: now_ms,
                ended_ms: None,
                counts: BTreeMap::new(),
                status: RunStatus::Running,
                error: None,
                config_version,
            };
            put_run(&**client, &run).await?;
            Ok(run)
        })
    }

    fn add_run_log(&self, run_id: u64, records: &[RunRecord], calls: &[LinkedCall]) -> StoreResult<()> {
        let (pool, _) = self.db();
        let (records, calls) = (records.to_vec(), calls.to_vec());
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let run = append(&*tx, run_id, records, &calls).await?;
            put_run(&*tx, &run).await?;
            tx.commit().await.map_err(e)
        })
    }

    fn close_run(
        &self,
        run_id: u64,
        acks: &[Job],
        records: &[RunRecord],
        calls: &[LinkedCall],
        now_ms: u64,
    ) -> StoreResult<Run> {
        let (pool, holder) = self.db();
        let (records, calls) = (records.to_vec(), calls.to_vec());
        let ids: Vec<i64> = acks.iter().map(|j| big(j.id)).collect();
        let (run, acked) = self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let sql = "DELETE FROM weft_jobs WHERE id = ANY($1) AND leased_by = $2";
            let acked = tx.execute(sql, &[&ids, &holder]).await.map_err(e)?;
            let mut run = append(&*tx, run_id, records, &calls).await?;
            run.finish(now_ms, None);
            put_run(&*tx, &run).await?;
            tx.commit().await.map_err(e)?;
            Ok((run, acked))
        })?;
        super::jobs::warn_unacked(acks.len(), acked);
        Ok(run)
    }

    fn finish_run(&self, run_id: u64, now_ms: u64, error: Option<String>) -> StoreResult<Run> {
        let (pool, _) = self.db();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let mut run = locked_run(&*tx, run_id).await?;
            run.finish(now_ms, error);
            put_run(&*tx, &run).await?;
            tx.commit().await.map_err(e)?;
            Ok(run)
        })
    }

    fn discard_run(&self, run_id: u64) -> StoreResult<()> {
        let (pool, _) = self.db();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            for table in ["weft_run_record_keys", "weft_run_records", "weft_run_calls"] {
                let sql = format!("DELETE FROM {table} WHERE run_id = $1");
                tx.execute(&sql, &[&big(run_id)]).await.map_err(e)?;
            }
            tx.execute("DELETE FROM weft_runs WHERE id = $1", &[&big(run_id)]).await.map_err(e)?;
            tx.commit().await.map_err(e)
        })
    }

    fn runs(&self, filter: &RunFilter, limit: usize) -> StoreResult<Vec<Run>> {
        let (pool, _) = self.db();
        let status = filter.status.map(status_name).transpose()?;
        let (flow, trigger) = (filter.flow.clone(), filter.trigger.clone());
        let before = filter.before.map_or(i64::MAX, big);
        let (since, until) = (filter.since_ms.map(big), filter.until_ms.map(big));
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT run FROM weft_runs WHERE id < $1 AND ($2::text IS NULL OR flow = $2) \
                       AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR trigger = $4) \
                       AND ($6::bigint IS NULL OR started_ms >= $6) AND ($7::bigint IS NULL OR started_ms < $7) \
                       ORDER BY id DESC LIMIT $5";
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 7] =
                [&before, &flow, &status, &trigger, &big(limit as u64), &since, &until];
            let rows = client.query(sql, &params).await.map_err(e)?;
            rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
        })
    }

    fn runs_since(&self, flow: &str, since_ms: u64) -> StoreResult<Vec<Run>> {
        let (pool, _) = self.db();
        let flow = flow.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT run FROM weft_runs WHERE flow = $1 AND started_ms >= $2 ORDER BY id DESC";
            let rows = client.query(sql, &[&flow, &big(since_ms)]).await.map_err(e)?;
            rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
        })
    }

    fn run(&self, run_id: u64) -> StoreResult<Option<Run>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let row = client.query_opt("SELECT run FROM weft_runs WHERE id = $1", &[&big(run_id)]).await.map_err(e)?;
            row.map(|r| from_json(r.get::<_, &str>(0))).transpose()
        })
    }

    fn run_calls(&self, run_id: u64, page: &CallPage) -> StoreResult<Vec<CallEntry>> {
        let (pool, _) = self.db();
        let page = *page;
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            super::calls::page(&**client, run_id, &page).await
        })
    }

    fn run_records(&self, run_id: u64) -> StoreResult<Vec<RecordEntry>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT run_id, seq, record FROM weft_run_records WHERE run_id = $1 ORDER BY seq";
            client.query(sql, &[&big(run_id)]).await.map_err(e)?.iter().map(entry_of).collect()
        })
    }

    fn run_record(&self, run_id: u64, seq: u64) -> StoreResult<Option<RecordEntry>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT run_id, seq, record FROM weft_run_records WHERE run_id = $1 AND seq = $2";
            client.query_opt(sql, &[&big(run_id), &big(seq)]).await.map_err(e)?.as_ref().map(entry_of).transpose()
        })
    }

    fn records_by_key(&self, prefix: &str, limit: usize) -> StoreResult<Vec<RecordEntry>> {
        let (pool, _) = self.db();
        let (from, to) = (prefix.to_owned(), prefix_end(prefix));
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            // A record found under several of its keys is listed once.
            let sql = "SELECT r.run_id, r.seq, r.record FROM weft_run_records r \
                       JOIN (SELECT DISTINCT run_id, seq FROM weft_run_record_keys \
                             WHERE key >= $1 AND ($2::text IS NULL OR key < $2)) k USING (run_id, seq) \
                       ORDER BY r.run_id DESC, r.seq DESC LIMIT $3";
            let rows = client.query(sql, &[&from, &to, &big(limit as u64)]).await.map_err(e)?;
            rows.iter().map(entry_of).collect()
        })
    }
}
