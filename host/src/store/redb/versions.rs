//! Config versions (number → version).

use super::{e, from_json, read_json, to_json, RedbStore};
use crate::store::contract::VersionStore;
use crate::store::{ConfigVersion, StoreResult};
use redb::{ReadableTable, TableDefinition, WriteTransaction};

const VERSIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("config_versions");

pub(super) fn create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(VERSIONS).map_err(e)?;
    Ok(())
}

impl VersionStore for RedbStore {
    fn add_config_version(&self, version: &ConfigVersion, after: Option<u64>) -> StoreResult<Option<u64>> {
        let tx = self.db.begin_write().map_err(e)?;
        let number = {
            let mut table = tx.open_table(VERSIONS).map_err(e)?;
            let newest = table.last().map_err(e)?.map(|(k, _)| k.value());
            if newest != after {
                return Ok(None);
            }
            let number = newest.unwrap_or(0) + 1;
            let version = ConfigVersion { number, ..version.clone() };
            table.insert(number, to_json(&version)?.as_slice()).map_err(e)?;
            number
        };
        tx.commit().map_err(e)?;
        Ok(Some(number))
    }

    fn config_versions(&self, limit: usize) -> StoreResult<Vec<ConfigVersion>> {
        let tx = self.db.begin_read().map_err(e)?;
        let table = tx.open_table(VERSIONS).map_err(e)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(e)?.rev().take(limit) {
            out.push(from_json(entry.map_err(e)?.1.value())?);
        }
        Ok(out)
    }

    fn config_version(&self, number: u64) -> StoreResult<Option<ConfigVersion>> {
        let tx = self.db.begin_read().map_err(e)?;
        read_json(&tx.open_table(VERSIONS).map_err(e)?, number)
    }
}
