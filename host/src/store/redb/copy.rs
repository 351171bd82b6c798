//! The whole store item by item, for `weft store migrate`: every table read in one read
//! transaction and handed out in pages; items written back as they were.

use super::jobs::{
    put_ready, with_payload, CURSORS, DEAD, JOBS, PAUSED, PAUSE_REASONS, PAYLOADS, RECEIPTS, SCHEDULE, SCHEDULE_JOBS,
};
use super::journal::{INTENTS, UNDO};
use super::kv::{KV, KV_USAGE};
use super::ledger::{ID_MAP, LEDGER};
use super::reports::{EPISODES, REPORTS};
use super::runs::{record_keys, RECORD_KEYS, RUNS, RUN_RECORDS};
use super::{e, from_json, to_json, RedbStore, META};
use crate::store::contract::CopyStore;
use crate::store::{Item, ItemKind, JobState, StateTable, StoreResult, PAGE};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use std::collections::BTreeMap;

/// Collects items and hands them out a page at a time.
struct Pager<'a> {
    page: Vec<Item>,
    each: &'a mut dyn FnMut(Vec<Item>) -> StoreResult<()>,
}

impl Pager<'_> {
    fn push(&mut self, item: Item) -> StoreResult<()> {
        self.page.push(item);
        if self.page.len() >= PAGE {
            (self.each)(std::mem::take(&mut self.page))?;
        }
        Ok(())
    }

    fn finish(mut self) -> StoreResult<()> {
        if self.page.is_empty() {
            return Ok(());
        }
        (self.each)(std::mem::take(&mut self.page))
    }
}

/// Every entry of a table whose values are JSON, each made an item by `make`.
fn dump<K: redb::Key + 'static>(
    tx: &ReadTransaction,
    def: TableDefinition<K, &'static [u8]>,
    pager: &mut Pager<'_>,
    mut make: impl for<'k> FnMut(K::SelfType<'k>, &[u8]) -> StoreResult<Item>,
) -> StoreResult<()> {
    for entry in tx.open_table(def).map_err(e)?.iter().map_err(e)? {
        let (k, v) = entry.map_err(e)?;
        pager.push(make(k.value(), v.value())?)?;
    }
    Ok(())
}

impl CopyStore for RedbStore {
    fn export(&self, each: &mut dyn FnMut(Vec<Item>) -> StoreResult<()>) -> StoreResult<()> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut pager = Pager { page: Vec::with_capacity(PAGE), each };
        let payloads = tx.open_table(PAYLOADS).map_err(e)?;
        dump(&tx, JOBS, &mut pager, |_, v| Ok(Item::Job(with_payload(&payloads, from_json(v)?)?)))?;
        dump(&tx, DEAD, &mut pager, |_, v| from_json(v).map(Item::DeadLetter))?;
        for entry in tx.open_table(RECEIPTS).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            let (webhook_id, flow) = k.value().split_once('\u{0}').unwrap_or((k.value(), ""));
            pager.push(Item::Receipt { webhook_id: webhook_id.into(), flow: flow.into(), at_ms: v.value() })?;
        }
        let reasons = tx.open_table(PAUSE_REASONS).map_err(e)?;
        for entry in tx.open_table(PAUSED).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            let reason = reasons.get(k.value()).map_err(e)?.map(|r| r.value().to_owned());
            pager.push(Item::Pause { flow: k.value().into(), since_ms: v.value(), reason })?;
        }
        for entry in tx.open_table(SCHEDULE).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            pager.push(Item::Tick { key: k.value().into(), at_ms: v.value() })?;
        }
        for entry in tx.open_table(CURSORS).map_err(e)?.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            let (flow, connection) = k.value();
            pager.push(Item::Cursor { flow: flow.into(), connection: connection.into(), cursor: v.value().into() })?;
        }
        dump(&tx, LEDGER, &mut pager, |k, v| Ok(Item::Ledger { key: k.into(), entry: from_json(v)? }))?;
        dump(&tx, ID_MAP, &mut pager, |(object, key), v| {
            Ok(Item::Link { object: object.into(), key: key.into(), link: from_json(v)? })
        })?;
        dump(&tx, RUNS, &mut pager, |_, v| from_json(v).map(Item::Run))?;
        dump(&tx, RUN_RECORDS, &mut pager, |(run_id, seq), v| Ok(Item::Record { run_id, seq, record: from_json(v)? }))?;
        dump(&tx, UNDO, &mut pager, |(run_id, seq), v| Ok(Item::Undo { run_id, seq, entry: from_json(v)? }))?;
        dump(&tx, INTENTS, &mut pager, |_, v| from_json(v).map(Item::Intent))?;
        dump(&tx, REPORTS, &mut pager, |_, v| from_json(v).map(Item::Report))?;
        dump(&tx, EPISODES, &mut pager, |k, v| Ok(Item::Episode { key: k.into(), episode: from_json(v)? }))?;
        dump(&tx, KV, &mut pager, |(plugin, key), v| {
            Ok(Item::Kv { plugin: plugin.into(), key: key.into(), value: v.to_vec() })
        })?;
        for table in StateTable::ALL {
            dump(&tx, super::state::table(table), &mut pager, |key, v| {
                Ok(Item::State { table, key: key.into(), value: v.to_vec() })
            })?;
        }
        pager.finish()
    }

    fn import(&self, items: &[Item]) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        for item in items {
            import_one(&tx, item)?;
        }
        tx.commit().map_err(e)
    }

    fn counts(&self) -> StoreResult<BTreeMap<ItemKind, u64>> {
        let tx = self.db.begin_read().map_err(e)?;
        let mut counts = BTreeMap::new();
        let mut count = |kind: ItemKind, n: u64| *counts.entry(kind).or_insert(0) += n;
        count(ItemKind::Job, tx.open_table(JOBS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::DeadLetter, tx.open_table(DEAD).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Receipt, tx.open_table(RECEIPTS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Pause, tx.open_table(PAUSED).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Tick, tx.open_table(SCHEDULE).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Cursor, tx.open_table(CURSORS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Ledger, tx.open_table(LEDGER).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Link, tx.open_table(ID_MAP).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Run, tx.open_table(RUNS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Record, tx.open_table(RUN_RECORDS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Undo, tx.open_table(UNDO).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Intent, tx.open_table(INTENTS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Report, tx.open_table(REPORTS).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Episode, tx.open_table(EPISODES).map_err(e)?.len().map_err(e)?);
        count(ItemKind::Kv, tx.open_table(KV).map_err(e)?.len().map_err(e)?);
        for table in StateTable::ALL {
            count(ItemKind::State, tx.open_table(super::state::table(table)).map_err(e)?.len().map_err(e)?);
        }
        Ok(counts)
    }
}

/// Move id counter `name` past `id`.
fn counter_past(tx: &WriteTransaction, name: &str, id: u64) -> StoreResult<()> {
    let mut meta = tx.open_table(META).map_err(e)?;
    let current = meta.get(name).map_err(e)?.map(|v| v.value()).unwrap_or(0);
    if id > current {
        meta.insert(name, id).map_err(e)?;
    }
    Ok(())
}

fn import_one(tx: &WriteTransaction, item: &Item) -> StoreResult<()> {
    match item {
        Item::Job(job) => {
            let mut job = job.clone();
            if job.state == JobState::Leased {
                job.state = JobState::Ready;
                job.lease_until_ms = 0;
            }
            put_ready(tx, &job)?;
            counter_past(tx, "next_job_id", job.id)?;
        }
        Item::DeadLetter(dead) => {
            tx.open_table(DEAD).map_err(e)?.insert(dead.job.id, to_json(dead)?.as_slice()).map_err(e)?;
            counter_past(tx, "next_job_id", dead.job.id)?;
        }
        Item::Receipt { webhook_id, flow, at_ms } => {
            let key = format!("{webhook_id}\u{0}{flow}");
            tx.open_table(RECEIPTS).map_err(e)?.insert(key.as_str(), *at_ms).map_err(e)?;
        }
        Item::Pause { flow, since_ms, reason } => {
            tx.open_table(PAUSED).map_err(e)?.insert(flow.as_str(), *since_ms).map_err(e)?;
            if let Some(reason) = reason {
                tx.open_table(PAUSE_REASONS).map_err(e)?.insert(flow.as_str(), reason.as_str()).map_err(e)?;
            }
        }
        Item::Tick { key, at_ms } => {
            tx.open_table(SCHEDULE).map_err(e)?.insert(key.as_str(), *at_ms).map_err(e)?;
            tx.open_table(SCHEDULE_JOBS).map_err(e)?.remove(key.as_str()).map_err(e)?;
        }
        Item::Cursor { flow, connection, cursor } => {
            let key = (flow.as_str(), connection.as_str());
            tx.open_table(CURSORS).map_err(e)?.insert(key, cursor.as_str()).map_err(e)?;
        }
        Item::Ledger { key, entry } => {
            tx.open_table(LEDGER).map_err(e)?.insert(key.as_str(), to_json(entry)?.as_slice()).map_err(e)?;
        }
        Item::Link { object, key, link } => {
            let at = (object.as_str(), key.as_str());
            tx.open_table(ID_MAP).map_err(e)?.insert(at, to_json(link)?.as_slice()).map_err(e)?;
        }
        Item::Run(run) => {
            tx.open_table(RUNS).map_err(e)?.insert(run.id, to_json(run)?.as_slice()).map_err(e)?;
            counter_past(tx, "next_run_id", run.id)?;
        }
        Item::Record { run_id, seq, record } => {
            tx.open_table(RUN_RECORDS).map_err(e)?.insert((*run_id, *seq), to_json(record)?.as_slice()).map_err(e)?;
            let mut keys = tx.open_table(RECORD_KEYS).map_err(e)?;
            for key in record_keys(record) {
                keys.insert((key.as_str(), *run_id, *seq), ()).map_err(e)?;
            }
        }
        Item::Undo { run_id, seq, entry } => {
            tx.open_table(UNDO).map_err(e)?.insert((*run_id, *seq), to_json(entry)?.as_slice()).map_err(e)?;
        }
        Item::Intent(intent) => {
            let key = (intent.flow.as_str(), intent.key.as_str());
            tx.open_table(INTENTS).map_err(e)?.insert(key, to_json(intent)?.as_slice()).map_err(e)?;
        }
        Item::Report(report) => {
            tx.open_table(REPORTS).map_err(e)?.insert(report.id, to_json(report)?.as_slice()).map_err(e)?;
            counter_past(tx, "next_reconcile_report_id", report.id)?;
        }
        Item::Episode { key, episode } => {
            tx.open_table(EPISODES).map_err(e)?.insert(key.as_str(), to_json(episode)?.as_slice()).map_err(e)?;
        }
        Item::Kv { plugin, key, value } => {
            let old = {
                let mut kv = tx.open_table(KV).map_err(e)?;
                let old = kv.insert((plugin.as_str(), key.as_str()), value.as_slice()).map_err(e)?;
                old.map_or(0, |v| (key.len() + v.value().len()) as u64)
            };
            let mut usage = tx.open_table(KV_USAGE).map_err(e)?;
            let used = usage.get(plugin.as_str()).map_err(e)?.map(|v| v.value()).unwrap_or(0);
            usage.insert(plugin.as_str(), used - old.min(used) + (key.len() + value.len()) as u64).map_err(e)?;
        }
        Item::State { table, key, value } => {
            super::state::put_all(tx, *table, &[(key.clone(), value.clone())])?;
        }
    }
    Ok(())
}
