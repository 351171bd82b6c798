//! The journals: the undo log of writes made, keyed by run, and the intents of shadow-mode
//! flows, one per (flow, key).

use super::{e, from_json, next_seq, to_json, RedbStore};
use crate::store::contract::JournalStore;
use crate::store::{Intent, StoreResult, UndoEntry};
use redb::{TableDefinition, WriteTransaction};

pub(super) const UNDO: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("undo_log");
pub(super) const INTENTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("shadow_intents");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(UNDO).map_err(e)?;
    tx.open_table(INTENTS).map_err(e)?;
    Ok(())
}

impl JournalStore for RedbStore {
    fn add_undo(&self, run_id: u64, entries: &[UndoEntry]) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(UNDO).map_err(e)?;
            let first = next_seq(&table, run_id)?;
            for (seq, entry) in (first..).zip(entries) {
                table.insert((run_id, seq), to_json(entry)?.as_slice()).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn undo_log(&self, run_id: u64) -> StoreResult<Vec<UndoEntry>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(UNDO).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range((run_id, 0u64)..=(run_id, u64::MAX)).map_err(e)? {
            out.push(from_json(entry.map_err(e)?.1.value())?);
        }
        Ok(out)
    }

    fn add_intents(&self, intents: &[Intent]) -> StoreResult<()> {
        if intents.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(e)?;
        {
            let mut table = tx.open_table(INTENTS).map_err(e)?;
            for i in intents {
                table.insert((i.flow.as_str(), i.key.as_str()), to_json(i)?.as_slice()).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn intents(&self, flow: &str) -> StoreResult<Vec<Intent>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(INTENTS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.range((flow, "")..).map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            if k.value().0 != flow {
                break;
            }
            out.push(from_json(v.value())?);
        }
        Ok(out)
    }
}
