//! The intent journal of shadow-mode flows: the write each key would have received (one entry
//! per (flow, key); a later intent for the same key replaces it).

use super::{from_json, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

const INTENTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("shadow_intents");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(INTENTS).map_err(StoreError::from_display)?;
    Ok(())
}

/// A write a shadow-mode flow would have made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Flow.
    pub flow: String,
    /// Key within the flow (`SKU@location`, product handle, record id).
    pub key: String,
    /// What would be written (`inventory_level`, `price`, `product`, or an ERP entity name).
    pub object: String,
    /// The destination's id of the object, when known.
    pub target_id: Option<String>,
    /// The intended values by field (e.g. `sku`, `location`, `available`).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// The run that made it.
    pub run_id: u64,
    /// When (ms since the epoch).
    pub at_ms: u64,
}

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl Store {
    /// Journal intents (each replaces the previous one of its flow and key), in one transaction.
    pub fn add_intents(&self, intents: &[Intent]) -> StoreResult<()> {
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

    /// Every journalled intent of `flow`, by key.
    pub fn intents(&self, flow: &str) -> StoreResult<Vec<Intent>> {
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
