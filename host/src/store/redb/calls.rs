//! The API calls of runs: `run_calls` ((run id, seq) → call with the seqs of the records it
//! served), written with the run's records and removed with the run or by age.

use super::{e, from_json, next_seq, to_json};
use crate::store::{place_calls, CallEntry, CallPage, LinkedCall, StoreResult};
use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

pub(super) const RUN_CALLS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("run_calls");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(RUN_CALLS).map_err(e)?;
    Ok(())
}

/// What a page filter reads of a stored call without taking in its bodies.
#[derive(serde::Deserialize)]
struct Head {
    records: Vec<u64>,
    at_ms: u64,
}

/// Store `calls` of run `run_id` inside `tx`, the records they link to placed from `first_record`.
pub(super) fn put(
    tx: &WriteTransaction,
    run_id: u64,
    first_record: u64,
    records: usize,
    calls: &[LinkedCall],
) -> StoreResult<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let mut table = tx.open_table(RUN_CALLS).map_err(e)?;
    let first = next_seq(&table, run_id)?;
    for entry in place_calls(run_id, first, first_record, records, calls) {
        table.insert((run_id, entry.seq), to_json(&entry)?.as_slice()).map_err(e)?;
    }
    Ok(())
}

/// A page of run `run_id`'s calls.
pub(super) fn page(
    table: &impl ReadableTable<(u64, u64), &'static [u8]>,
    run_id: u64,
    page: &CallPage,
) -> StoreResult<Vec<CallEntry>> {
    let from = page.after.map_or(0, |a| a.saturating_add(1));
    let mut out = Vec::new();
    for entry in table.range((run_id, from)..=(run_id, u64::MAX)).map_err(e)? {
        if out.len() >= page.limit {
            break;
        }
        let (_, v) = entry.map_err(e)?;
        let head: Head = from_json(v.value())?;
        if page.record.is_none_or(|r| head.records.contains(&r)) {
            out.push(from_json(v.value())?);
        }
    }
    Ok(out)
}

/// Remove every call of run `run_id`.
pub(super) fn remove_run(tx: &WriteTransaction, run_id: u64) -> StoreResult<()> {
    let mut table = tx.open_table(RUN_CALLS).map_err(e)?;
    table.retain_in((run_id, 0u64)..=(run_id, u64::MAX), |_, _| false).map_err(e)?;
    Ok(())
}

/// Remove at most `limit` calls older than `before_ms`, oldest runs first; a run's calls are
/// in the order they were made, so the first young call ends the round.
pub(super) fn prune(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table: Table<(u64, u64), &[u8]> = tx.open_table(RUN_CALLS).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let head: Head = from_json(v.value())?;
        if head.at_ms >= before_ms || old.len() >= limit {
            break;
        }
        old.push(k.value());
    }
    for key in &old {
        table.remove(*key).map_err(e)?;
    }
    Ok(old.len())
}
