//! Retention: pruning what grows by age, a bounded round per transaction, and the size of
//! every table.

use super::jobs::{DEAD, RECEIPTS};
use super::journal::{INTENTS, UNDO};
use super::ledger::LEDGER;
use super::reports::REPORTS;
use super::runs::{remove_run, RUNS};
use super::{e, from_json, RedbStore};
use crate::store::contract::RetentionStore;
use crate::store::{
    Aged, DeadLetter, Intent, LedgerEntry, ReconcileReport, Run, StoreResult, StoreStats, TableSize, UndoEntry,
};
use redb::{ReadableTable, ReadableTableMetadata, TableHandle, WriteTransaction};

impl RetentionStore for RedbStore {
    fn prune(&self, table: Aged, before_ms: u64, limit: usize) -> StoreResult<usize> {
        if limit == 0 {
            return Ok(0);
        }
        let tx = self.db.begin_write().map_err(e)?;
        let removed = match table {
            Aged::WebhookReceipts => prune_receipts(&tx, before_ms, limit)?,
            Aged::Runs => prune_runs(&tx, before_ms, limit)?,
            Aged::UndoLog => prune_undo(&tx, before_ms, limit)?,
            Aged::Intents => prune_intents(&tx, before_ms, limit)?,
            Aged::ReconcileReports => prune_reports(&tx, before_ms, limit)?,
            Aged::DiscardedDeadLetters => prune_discarded(&tx, before_ms, limit)?,
            Aged::SupersededLedger => prune_ledger(&tx, before_ms, limit)?,
            Aged::ApiCalls => super::calls::prune(&tx, before_ms, limit)?,
        };
        tx.commit().map_err(e)?;
        Ok(removed)
    }

    fn stats(&self) -> StoreResult<StoreStats> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut tables = Vec::new();
        for handle in tx.list_tables().map_err(e)? {
            let name = handle.name().to_owned();
            let table = tx.open_untyped_table(handle).map_err(e)?;
            let stats = table.stats().map_err(e)?;
            tables.push(TableSize {
                table: name,
                entries: table.len().map_err(e)?,
                bytes: Some(stats.stored_bytes() + stats.metadata_bytes() + stats.fragmented_bytes()),
            });
        }
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        let total_bytes = self.file.as_ref().and_then(|f| std::fs::metadata(f).ok()).map(|m| m.len());
        Ok(StoreStats { tables, total_bytes })
    }
}

/// Receipts are keyed by webhook id: every one is looked at.
fn prune_receipts(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(RECEIPTS).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        if v.value() < before_ms {
            old.push(k.value().to_owned());
            if old.len() >= limit {
                break;
            }
        }
    }
    for k in &old {
        table.remove(k.as_str()).map_err(e)?;
    }
    Ok(old.len())
}

/// Runs are numbered in the order they start: the oldest come first, and the first run young
/// enough ends the round.
fn prune_runs(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut old = Vec::new();
    {
        let runs = tx.open_table(RUNS).map_err(e)?;
        for entry in runs.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            let run: Run = from_json(v.value())?;
            if run.started_ms >= before_ms || old.len() >= limit {
                break;
            }
            old.push(k.value());
        }
    }
    for id in &old {
        remove_run(tx, *id)?;
    }
    Ok(old.len())
}

/// The undo log is keyed by (run, seq): oldest runs first.
fn prune_undo(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(UNDO).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let undo: UndoEntry = from_json(v.value())?;
        if undo.at_ms >= before_ms || old.len() >= limit {
            break;
        }
        old.push(k.value());
    }
    for key in &old {
        table.remove(*key).map_err(e)?;
    }
    Ok(old.len())
}

/// Intents are keyed by (flow, key) and renewed in place: every one is looked at.
fn prune_intents(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(INTENTS).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let intent: Intent = from_json(v.value())?;
        if intent.at_ms < before_ms {
            let (flow, key) = k.value();
            old.push((flow.to_owned(), key.to_owned()));
            if old.len() >= limit {
                break;
            }
        }
    }
    for (flow, key) in &old {
        table.remove((flow.as_str(), key.as_str())).map_err(e)?;
    }
    Ok(old.len())
}

/// Reports are numbered in the order they are stored.
fn prune_reports(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(REPORTS).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let report: ReconcileReport = from_json(v.value())?;
        if report.finished_ms >= before_ms || old.len() >= limit {
            break;
        }
        old.push(k.value());
    }
    for id in &old {
        table.remove(*id).map_err(e)?;
    }
    Ok(old.len())
}

/// Only dead letters a person discarded; the others wait for a decision whatever their age.
fn prune_discarded(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(DEAD).map_err(e)?;
    let mut old = Vec::new();
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let dead: DeadLetter = from_json(v.value())?;
        if dead.discarded.is_some() && dead.dead_ms < before_ms {
            old.push(k.value());
            if old.len() >= limit {
                break;
            }
        }
    }
    for id in &old {
        table.remove(*id).map_err(e)?;
    }
    Ok(old.len())
}

/// Ledger keys are `flow/entity/external id/content hash`: the entries of one record are
/// neighbours in key order. Each record's newest entry stays; older ones go once they are old.
fn prune_ledger(tx: &WriteTransaction, before_ms: u64, limit: usize) -> StoreResult<usize> {
    let mut table = tx.open_table(LEDGER).map_err(e)?;
    let mut old: Vec<String> = Vec::new();
    let mut group: Option<String> = None;
    let mut members: Vec<(String, u64)> = Vec::new();
    let settle = |members: &mut Vec<(String, u64)>, old: &mut Vec<String>| {
        let newest = members.iter().enumerate().max_by_key(|(i, (_, at))| (*at, *i)).map(|(i, _)| i);
        for (i, (key, at)) in members.drain(..).enumerate() {
            if Some(i) != newest && at < before_ms {
                old.push(key);
            }
        }
    };
    for entry in table.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        let key = k.value().to_owned();
        let record = key.rsplit_once('/').map(|(record, _)| record.to_owned()).unwrap_or_else(|| key.clone());
        if group.as_deref() != Some(record.as_str()) {
            settle(&mut members, &mut old);
            if old.len() >= limit {
                break;
            }
            group = Some(record);
        }
        let at_ms = from_json::<LedgerEntry>(v.value())?.at_ms;
        members.push((key, at_ms));
    }
    settle(&mut members, &mut old);
    old.truncate(limit);
    for key in &old {
        table.remove(key.as_str()).map_err(e)?;
    }
    Ok(old.len())
}
