//! Where a Shopify writer decides between writing, printing (`weft run --dry-run`) and
//! journalling (a flow in shadow mode), and what it leaves behind besides the write: the undo
//! entries of writes made ([`UndoEntry`], for `weft runs revert`) and the intents of writes not
//! made ([`Intent`], for `weft shadow diff`). Collected per push call; the engine stores them
//! under the run.

use super::context::ShopifyContext;
use super::dry_run;
use crate::config::FlowMode;
use crate::model::Record;
use crate::store::{Intent, JournalObject, Store, StoreResult, UndoEntry};
use serde_json::{Map, Value};
use std::sync::Mutex;

/// What happens to a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Make it.
    Write,
    /// Print it (dry run).
    DryRun,
    /// Journal it as an intent (shadow mode).
    Shadow,
}

/// What a write changed: the object, its key (SKU, handle), the destination's id, and for
/// levels the location.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// What kind of object.
    pub object: JournalObject,
    /// SKU or handle.
    pub key: &'a str,
    /// The destination's id.
    pub id: &'a str,
    /// Shopify location, for levels.
    pub location: Option<&'a str>,
}

/// Undo entries and intents of one push call.
#[derive(Debug, Default)]
pub struct Journal {
    undo: Mutex<Vec<UndoEntry>>,
    intents: Mutex<Vec<Intent>>,
}

impl Journal {
    /// Store what was collected under `run_id` and empty the journal.
    pub fn flush(&self, store: &Store, run_id: u64) -> StoreResult<()> {
        let undo = std::mem::take(&mut *self.undo.lock().unwrap_or_else(|e| e.into_inner()));
        store.add_undo(run_id, &undo)?;
        let mut intents = std::mem::take(&mut *self.intents.lock().unwrap_or_else(|e| e.into_inner()));
        for i in &mut intents {
            i.run_id = run_id;
        }
        store.add_intents(&intents)
    }
}

impl ShopifyContext<'_> {
    /// What happens to this flow's writes.
    pub fn gate(&self) -> Gate {
        if dry_run::enabled() {
            Gate::DryRun
        } else if self.flow.mode == FlowMode::Shadow {
            Gate::Shadow
        } else {
            Gate::Write
        }
    }

    /// Remember that a write changed `field` of `target` from `before` to `after`.
    pub fn undo(&self, target: Target<'_>, field: &str, before: Value, after: Value) {
        let entry = UndoEntry {
            flow: self.flow_name.to_owned(),
            object: target.object,
            key: target.key.to_owned(),
            target_id: target.id.to_owned(),
            location: target.location.map(str::to_owned),
            field: field.to_owned(),
            before,
            after,
            at_ms: self.clock.now_ms(),
        };
        self.journal.undo.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    }

    /// Journal the write a shadow-mode flow would make.
    pub fn intend(&self, object: JournalObject, key: &str, target_id: Option<&str>, values: Map<String, Value>) {
        let intent = Intent {
            flow: self.flow_name.to_owned(),
            key: key.to_owned(),
            object,
            target_id: target_id.map(str::to_owned),
            values,
            run_id: self.run_id,
            at_ms: self.clock.now_ms(),
        };
        self.journal.intents.lock().unwrap_or_else(|e| e.into_inner()).push(intent);
    }
}

/// The fields of a canonical record, by name (the record's JSON without its variant tag).
pub fn record_fields(record: &Record) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(tagged)) => match tagged.into_iter().next() {
            Some((_, Value::Object(fields))) => fields,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}
