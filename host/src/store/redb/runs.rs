//! Runs (one execution of a flow) and run records (what happened to each record in it).

use super::{e, from_json, next_id, next_seq, read_json, to_json, RedbStore};
use crate::store::contract::RunStore;
use crate::store::{
    CallEntry, CallPage, Job, LinkedCall, RecordEntry, Run, RunFilter, RunRecord, RunStatus, StoreError, StoreResult,
};
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use std::collections::BTreeMap;

pub(super) const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
pub(super) const RUN_RECORDS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("run_records");
/// Index of run records by record key: (key, run id, seq).
pub(super) const RECORD_KEYS: TableDefinition<(&str, u64, u64), ()> = TableDefinition::new("run_record_keys");

/// Each record's JSON, encoded before a write transaction takes the store's one writer slot.
fn encode(records: &[RunRecord]) -> StoreResult<Vec<Vec<u8>>> {
    records.iter().map(to_json).collect()
}

/// Append records (with their calls) to run `run_id` and count their outcomes; finish it at
/// `finish_ms` when given. `encoded` is [`encode`] of `records`. Returns the run as stored.
fn append(
    tx: &WriteTransaction,
    run_id: u64,
    (records, encoded): (&[RunRecord], &[Vec<u8>]),
    calls: &[LinkedCall],
    finish_ms: Option<u64>,
) -> StoreResult<Run> {
    let mut runs = tx.open_table(RUNS).map_err(e)?;
    let mut run: Run = read_json(&runs, run_id)?.ok_or_else(|| StoreError::Other(format!("no run {run_id}")))?;
    let mut table = tx.open_table(RUN_RECORDS).map_err(e)?;
    let mut keys = tx.open_table(RECORD_KEYS).map_err(e)?;
    let first = next_seq(&table, run_id)?;
    for ((seq, record), json) in (first..).zip(records).zip(encoded) {
        table.insert((run_id, seq), json.as_slice()).map_err(e)?;
        for key in record_keys(record) {
            keys.insert((key.as_str(), run_id, seq), ()).map_err(e)?;
        }
        *run.counts.entry(record.outcome).or_default() += 1;
    }
    if let Some(now_ms) = finish_ms {
        run.finish(now_ms, None);
    }
    runs.insert(run_id, to_json(&run)?.as_slice()).map_err(e)?;
    super::calls::put(tx, run_id, first, records.len(), calls)?;
    Ok(run)
}

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(RUNS).map_err(e)?;
    tx.open_table(RUN_RECORDS).map_err(e)?;
    tx.open_table(RECORD_KEYS).map_err(e)?;
    Ok(())
}

impl RunStore for RedbStore {
    fn start_run(&self, flow: &str, trigger: &str, config_version: Option<u64>, now_ms: u64) -> StoreResult<Run> {
        let tx = self.db.begin_write().map_err(e)?;
        let id = next_id(&tx, "next_run_id")?;
        let run = Run {
            id,
            flow: flow.to_owned(),
            trigger: trigger.to_owned(),
            started_ms: now_ms,
            ended_ms: None,
            counts: BTreeMap::new(),
            status: RunStatus::Running,
            error: None,
            config_version,
        };
        tx.open_table(RUNS).map_err(e)?.insert(id, to_json(&run)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(run)
    }

    fn add_run_log(&self, run_id: u64, records: &[RunRecord], calls: &[LinkedCall]) -> StoreResult<()> {
        let encoded = encode(records)?;
        let tx = self.db.begin_write().map_err(e)?;
        append(&tx, run_id, (records, &encoded), calls, None)?;
        tx.commit().map_err(e)
    }

    fn close_run(
        &self,
        run_id: u64,
        acks: &[Job],
        records: &[RunRecord],
        calls: &[LinkedCall],
        now_ms: u64,
    ) -> StoreResult<Run> {
        let encoded = encode(records)?;
        let tx = self.db.begin_write().map_err(e)?;
        super::jobs::ack_in(&tx, acks)?;
        let run = append(&tx, run_id, (records, &encoded), calls, Some(now_ms))?;
        tx.commit().map_err(e)?;
        Ok(run)
    }

    fn run_calls(&self, run_id: u64, page: &CallPage) -> StoreResult<Vec<CallEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        super::calls::page(&tx.open_table(super::calls::RUN_CALLS).map_err(e)?, run_id, page)
    }

    fn finish_run(&self, run_id: u64, now_ms: u64, error: Option<String>) -> StoreResult<Run> {
        let tx = self.db.begin_write().map_err(e)?;
        let run = {
            let mut runs = tx.open_table(RUNS).map_err(e)?;
            let mut run: Run =
                read_json(&runs, run_id)?.ok_or_else(|| StoreError::Other(format!("no run {run_id}")))?;
            run.finish(now_ms, error);
            runs.insert(run_id, to_json(&run)?.as_slice()).map_err(e)?;
            run
        };
        tx.commit().map_err(e)?;
        Ok(run)
    }

    fn discard_run(&self, run_id: u64) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        remove_run(&tx, run_id)?;
        tx.commit().map_err(e)
    }

    fn runs(&self, filter: &RunFilter, limit: usize) -> StoreResult<Vec<Run>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(RUNS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range(..filter.before.unwrap_or(u64::MAX)).map_err(e)?.rev() {
            let (_, v) = entry.map_err(e)?;
            let run: Run = from_json(v.value())?;
            if filter.matches(&run) {
                out.push(run);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn runs_since(&self, flow: &str, since_ms: u64) -> StoreResult<Vec<Run>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(RUNS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(e)?.rev() {
            let (_, v) = entry.map_err(e)?;
            let run: Run = from_json(v.value())?;
            if run.started_ms < since_ms {
                break;
            }
            if run.flow == flow {
                out.push(run);
            }
        }
        Ok(out)
    }

    fn run(&self, run_id: u64) -> StoreResult<Option<Run>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(RUNS).map_err(e)?, run_id)
    }

    fn run_records(&self, run_id: u64) -> StoreResult<Vec<RecordEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(RUN_RECORDS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.push(RecordEntry { run_id, seq: k.value().1, record: from_json(v.value())? });
        }
        Ok(out)
    }

    fn run_record(&self, run_id: u64, seq: u64) -> StoreResult<Option<RecordEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let record: Option<RunRecord> = read_json(&tx.open_table(RUN_RECORDS).map_err(e)?, (run_id, seq))?;
        Ok(record.map(|record| RecordEntry { run_id, seq, record }))
    }

    fn records_by_key(&self, prefix: &str, limit: usize) -> StoreResult<Vec<RecordEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let keys = tx.open_table(RECORD_KEYS).map_err(e)?;
        let records = tx.open_table(RUN_RECORDS).map_err(e)?;
        let mut found: Vec<(u64, u64)> = Vec::new();
        for entry in keys.range((prefix, 0u64, 0u64)..).map_err(e)? {
            let (k, _) = entry.map_err(e)?;
            let (key, run, seq) = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            found.push((run, seq));
        }
        found.sort_unstable_by(|a, b| b.cmp(a));
        // A record found under several of its keys is listed once.
        found.dedup();
        let mut out = Vec::new();
        for (run_id, seq) in found.into_iter().take(limit) {
            if let Some(record) = read_json::<(u64, u64), RunRecord>(&records, (run_id, seq))? {
                out.push(RecordEntry { run_id, seq, record });
            }
        }
        Ok(out)
    }
}

/// Remove run `run_id` with its records, their index entries and its calls inside `tx`.
pub(super) fn remove_run(tx: &WriteTransaction, run_id: u64) -> StoreResult<()> {
    let mut table = tx.open_table(RUN_RECORDS).map_err(e)?;
    let mut keys = tx.open_table(RECORD_KEYS).map_err(e)?;
    let records: Vec<(u64, RunRecord)> = table
        .range((run_id, 0u64)..=(run_id, u64::MAX))
        .map_err(e)?
        .map(|entry| {
            let (k, v) = entry.map_err(e)?;
            Ok((k.value().1, from_json(v.value())?))
        })
        .collect::<StoreResult<_>>()?;
    for (seq, record) in records {
        for key in record_keys(&record) {
            keys.remove((key.as_str(), run_id, seq)).map_err(e)?;
        }
        table.remove((run_id, seq)).map_err(e)?;
    }
    tx.open_table(RUNS).map_err(e)?.remove(run_id).map_err(e)?;
    super::calls::remove_run(tx, run_id)
}

/// The keys a record is indexed under: its key and each other ref.
pub(super) fn record_keys(record: &RunRecord) -> impl Iterator<Item = &String> {
    std::iter::once(&record.key).chain(record.refs.iter().filter(|r| **r != record.key))
}
