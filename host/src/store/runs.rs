//! Runs (one execution of a flow) and run records (what happened to each record in it).

use super::{from_json, next_id, next_seq, read_json, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
const RUN_RECORDS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("run_records");
/// Index of run records by record key: (key, run id, seq).
const RECORD_KEYS: TableDefinition<(&str, u64, u64), ()> = TableDefinition::new("run_record_keys");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(RUNS).map_err(StoreError::from_display)?;
    tx.open_table(RUN_RECORDS).map_err(StoreError::from_display)?;
    tx.open_table(RECORD_KEYS).map_err(StoreError::from_display)?;
    Ok(())
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
    /// Records per outcome (`created`, `updated`, `unchanged`, `skipped`, `failed`, `retrying`, `dead`,
    /// `held`: kept back without spending an attempt while the circuit breaker suspects the endpoint).
    pub counts: BTreeMap<String, u64>,
    /// Status.
    pub status: RunStatus,
    /// Why the run failed as a whole.
    pub error: Option<String>,
}

/// What happened to one record in a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Record key (SKU, order id...).
    pub key: String,
    /// Outcome (see [`Run::counts`]).
    pub outcome: String,
    /// Attempt number of the job that carried it.
    pub attempts: u32,
    /// Error class, when it failed.
    pub error_class: Option<String>,
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
}

impl RunFilter {
    fn matches(&self, run: &Run) -> bool {
        self.flow.as_ref().is_none_or(|f| *f == run.flow)
            && self.status.is_none_or(|s| s == run.status)
            && self.trigger.as_ref().is_none_or(|t| *t == run.trigger)
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

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl Store {
    /// Start a run.
    pub fn start_run(&self, flow: &str, trigger: &str, now_ms: u64) -> StoreResult<Run> {
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
        };
        tx.open_table(RUNS).map_err(e)?.insert(id, to_json(&run)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(run)
    }

    /// Append records to a run and count their outcomes, in one transaction.
    pub fn add_run_records(&self, run_id: u64, records: &[RunRecord]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut runs = tx.open_table(RUNS).map_err(e)?;
            let mut run: Run = read_json(&runs, run_id)?.ok_or_else(|| StoreError::Other(format!("no run {run_id}")))?;
            let mut table = tx.open_table(RUN_RECORDS).map_err(e)?;
            let mut keys = tx.open_table(RECORD_KEYS).map_err(e)?;
            let mut seq = next_seq(&table, run_id)?;
            for record in records {
                table.insert((run_id, seq), to_json(record)?.as_slice()).map_err(e)?;
                for key in std::iter::once(&record.key).chain(record.refs.iter().filter(|r| **r != record.key)) {
                    keys.insert((key.as_str(), run_id, seq), ()).map_err(e)?;
                }
                *run.counts.entry(record.outcome.clone()).or_default() += 1;
                seq += 1;
            }
            runs.insert(run_id, to_json(&run)?.as_slice()).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Finish a run: its status follows from its counts unless `error` says it failed.
    pub fn finish_run(&self, run_id: u64, now_ms: u64, error: Option<String>) -> StoreResult<Run> {
        let tx = self.db.begin_write().map_err(e)?;
        let run = {
            let mut runs = tx.open_table(RUNS).map_err(e)?;
            let mut run: Run = read_json(&runs, run_id)?.ok_or_else(|| StoreError::Other(format!("no run {run_id}")))?;
            let failed: u64 = ["failed", "dead", "retrying", "held"].iter().filter_map(|k| run.counts.get(*k)).sum();
            run.status = match (&error, failed) {
                (Some(_), _) => RunStatus::Failed,
                (None, 0) => RunStatus::Succeeded,
                (None, _) => RunStatus::Partial,
            };
            run.error = error;
            run.ended_ms = Some(now_ms);
            runs.insert(run_id, to_json(&run)?.as_slice()).map_err(e)?;
            run
        };
        tx.commit().map_err(e)?;
        Ok(run)
    }

    /// Runs matching `filter`, newest first, at most `limit`.
    pub fn runs(&self, filter: &RunFilter, limit: usize) -> StoreResult<Vec<Run>> {
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

    /// Runs of `flow` started at or after `since_ms`, newest first.
    pub fn runs_since(&self, flow: &str, since_ms: u64) -> StoreResult<Vec<Run>> {
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

    /// One run.
    pub fn run(&self, run_id: u64) -> StoreResult<Option<Run>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(RUNS).map_err(e)?, run_id)
    }

    /// The records of a run, in order.
    pub fn run_records(&self, run_id: u64) -> StoreResult<Vec<RecordEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(RUN_RECORDS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.push(RecordEntry { run_id, seq: k.value().1, record: from_json(v.value())? });
        }
        Ok(out)
    }

    /// One record of a run.
    pub fn run_record(&self, run_id: u64, seq: u64) -> StoreResult<Option<RecordEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let record: Option<RunRecord> = read_json(&tx.open_table(RUN_RECORDS).map_err(e)?, (run_id, seq))?;
        Ok(record.map(|record| RecordEntry { run_id, seq, record }))
    }

    /// Records whose key starts with `prefix` (a SKU, an order id), newest run first, at most `limit`.
    pub fn records_by_key(&self, prefix: &str, limit: usize) -> StoreResult<Vec<RecordEntry>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_found_by_its_key_and_by_each_ref_once() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path()).unwrap();
        let run = store.start_run("products", "schedule", 1_000).unwrap();
        let written = RunRecord {
            key: "products/product/42/ab12".into(),
            outcome: "updated".into(),
            refs: vec!["42".into(), "TEE".into(), "TEE-S".into(), "TEE-M".into()],
            ..RunRecord::default()
        };
        let other = RunRecord { key: "products/product/7/cd34".into(), outcome: "created".into(), refs: vec!["7".into(), "MUG".into()], ..RunRecord::default() };
        store.add_run_records(run.id, &[written.clone(), other]).unwrap();
        for key in ["products/product/42", "42", "TEE-S"] {
            let found = store.records_by_key(key, 10).unwrap();
            assert_eq!(found.iter().map(|f| &f.record).collect::<Vec<_>>(), [&written], "{key}");
        }
        // "TEE" is the beginning of three of its keys: listed once.
        assert_eq!(store.records_by_key("TEE", 10).unwrap().len(), 1);
        assert!(store.records_by_key("SOCK", 10).unwrap().is_empty());
    }
}
