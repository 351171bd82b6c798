//! Alert episodes: one entry per (rule, flow) that is firing, so a restart neither fires it
//! again nor forgets to resolve it.

use super::{from_json, to_json, Store, StoreError, StoreResult};
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const EPISODES: TableDefinition<&str, &[u8]> = TableDefinition::new("alert_episodes");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(EPISODES).map_err(StoreError::from_display)?;
    Ok(())
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Rule name.
    pub rule: String,
    /// Flow, when the rule is per flow.
    pub flow: Option<String>,
    /// When it fired.
    pub since_ms: u64,
    /// The value that made it fire.
    pub value: f64,
}

fn e(err: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(err)
}

impl Store {
    /// Firing episodes by key.
    pub fn alert_episodes(&self) -> StoreResult<BTreeMap<String, Episode>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = match tx.open_table(EPISODES) {
            Ok(t) => t,
            // A database created before alerts: nothing has fired yet.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
            Err(err) => return Err(e(err)),
        };
        let mut out = BTreeMap::new();
        for entry in table.iter().map_err(e)? {
            let (k, v) = entry.map_err(e)?;
            out.insert(k.value().to_owned(), from_json(v.value())?);
        }
        Ok(out)
    }

    /// Record that episode `key` fired.
    pub fn open_alert_episode(&self, key: &str, episode: &Episode) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        tx.open_table(EPISODES).map_err(e)?.insert(key, to_json(episode)?.as_slice()).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Record that episode `key` resolved.
    pub fn close_alert_episode(&self, key: &str) -> StoreResult<()> {
        let tx = self.db.begin_write().map_err(e)?;
        tx.open_table(EPISODES).map_err(e)?.remove(key).map_err(e)?;
        tx.commit().map_err(e)
    }
}
