//! Config versions; a save is numbered after the newest under a table lock, so two hosts saving
//! at once get one version each or a refusal, never the same number.

use super::{big, e, unbig, PostgresStore};
use crate::store::contract::VersionStore;
use crate::store::{ConfigVersion, StoreResult};

const COLUMNS: &str = "number, author, saved_ms, comment, restores, text";

fn version_of(row: &tokio_postgres::Row) -> ConfigVersion {
    ConfigVersion {
        number: unbig(row.get(0)),
        author: row.get(1),
        saved_ms: unbig(row.get(2)),
        comment: row.get(3),
        restores: row.get::<_, Option<i64>>(4).map(unbig),
        text: row.get(5),
    }
}

impl VersionStore for PostgresStore {
    fn add_config_version(&self, version: &ConfigVersion, after: Option<u64>) -> StoreResult<Option<u64>> {
        let (pool, _) = self.db();
        let version = version.clone();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            tx.execute("LOCK TABLE weft_config_versions IN EXCLUSIVE MODE", &[]).await.map_err(e)?;
            let newest: Option<i64> =
                tx.query_one("SELECT max(number) FROM weft_config_versions", &[]).await.map_err(e)?.get(0);
            if newest.map(unbig) != after {
                return Ok(None);
            }
            let number = newest.map(unbig).unwrap_or(0) + 1;
            let sql = format!("INSERT INTO weft_config_versions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
            let restores = version.restores.map(big);
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
                [&big(number), &version.author, &big(version.saved_ms), &version.comment, &restores, &version.text];
            tx.execute(&sql, &params).await.map_err(e)?;
            tx.commit().await.map_err(e)?;
            Ok(Some(number))
        })
    }

    fn config_versions(&self, limit: usize) -> StoreResult<Vec<ConfigVersion>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!("SELECT {COLUMNS} FROM weft_config_versions ORDER BY number DESC LIMIT $1");
            Ok(client.query(&sql, &[&big(limit as u64)]).await.map_err(e)?.iter().map(version_of).collect())
        })
    }

    fn config_version(&self, number: u64) -> StoreResult<Option<ConfigVersion>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!("SELECT {COLUMNS} FROM weft_config_versions WHERE number = $1");
            Ok(client.query_opt(&sql, &[&big(number)]).await.map_err(e)?.as_ref().map(version_of))
        })
    }
}
