//! Reconciliation reports (id → report) and firing alert episodes (key → episode).

use super::{e, from_json, next_id, read_json, to_json, RedbStore};
use crate::store::contract::ReportStore;
use crate::store::{Episode, ReconcileReport, StoreResult};
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use std::collections::BTreeMap;

pub(super) const REPORTS: TableDefinition<u64, &[u8]> = TableDefinition::new("reconcile_reports");
pub(super) const EPISODES: TableDefinition<&str, &[u8]> = TableDefinition::new("alert_episodes");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(REPORTS).map_err(e)?;
    tx.open_table(EPISODES).map_err(e)?;
    Ok(())
}

impl ReportStore for RedbStore {
    fn add_reconcile_report(&self, report: &ReconcileReport) -> StoreResult<u64> {
        let tx = self.db.begin_write().map_err(e)?;
        let id = next_id(&tx, "next_reconcile_report_id")?;
        let mut report = report.clone();
        report.id = id;
        tx.open_table(REPORTS).map_err(e)?.insert(id, to_json(&report)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(id)
    }

    fn reconcile_reports(&self, limit: usize) -> StoreResult<Vec<ReconcileReport>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(REPORTS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(e)?.rev().take(limit) {
            out.push(from_json(entry.map_err(e)?.1.value())?);
        }
        Ok(out)
    }

    fn reconcile_report(&self, id: u64) -> StoreResult<Option<ReconcileReport>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(REPORTS).map_err(e)?, id)
    }

    fn alert_episodes(&self) -> StoreResult<BTreeMap<String, Episode>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(EPISODES).map_err(e)?;
        let mut out = BTreeMap::new();
        for entry in table.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.insert(k.value().to_owned(), from_json(v.value())?);
        }
        Ok(out)
    }

    fn open_alert_episode(&self, key: &str, episode: &Episode) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        let opened = {
            let mut table = tx.open_table(EPISODES).map_err(e)?;
            let firing = table.get(key).map_err(e)?.is_some();
            if !firing {
                table.insert(key, to_json(episode)?.as_slice()).map_err(e)?;
            }
            !firing
        };
        tx.commit().map_err(e)?;
        Ok(opened)
    }

    fn close_alert_episode(&self, key: &str) -> StoreResult<bool> {
        let tx = self.db.begin_write().map_err(e)?;
        let closed = tx.open_table(EPISODES).map_err(e)?.remove(key).map_err(e)?.is_some();
        tx.commit().map_err(e)?;
        Ok(closed)
    }
}
