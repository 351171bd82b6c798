//! Plugin kv (with bytes used per plugin, checked against the quota inside the transaction) and
//! the host's own flow state, one table per [`StateTable`].

use super::{big, e, prefix_end, PostgresStore};
use crate::store::contract::{KvStore, StateStore};
use crate::store::{KvError, StateTable, StoreResult};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// The SQL table of a flow-state table (a fixed name: safe to put in a statement).
pub(super) fn state_table(table: StateTable) -> String {
    format!("weft_{}", table.name())
}

/// Set or remove `plugin`'s keys; refused as a whole when the plugin's bytes would pass `quota`.
async fn write_kv(
    client: &impl GenericClient,
    plugin: &str,
    quota: u64,
    entries: &[(String, Option<Vec<u8>>)],
) -> Result<(), KvError> {
    // The usage row's lock orders every writer of the plugin.
    let sql = "INSERT INTO weft_kv_usage (plugin, used) VALUES ($1, 0) \
               ON CONFLICT (plugin) DO UPDATE SET used = weft_kv_usage.used RETURNING used";
    let mut used = u64::try_from(client.query_one(sql, &[&plugin]).await.map_err(e)?.get::<_, i64>(0)).unwrap_or(0);
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    let sql = "SELECT key, octet_length(key) + octet_length(value) FROM weft_kv WHERE plugin = $1 AND key = ANY($2)";
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for row in client.query(sql, &[&plugin, &keys]).await.map_err(e)? {
        sizes.insert(row.get(0), u64::try_from(row.get::<_, i32>(1)).unwrap_or(0));
    }
    let mut last: BTreeMap<&str, Option<&[u8]>> = BTreeMap::new();
    for (key, value) in entries {
        let old = sizes.get(key).copied().unwrap_or(0);
        let new = value.as_ref().map_or(0, |v| (key.len() + v.len()) as u64);
        let after = used - old.min(used) + new;
        if new > old && after > quota {
            return Err(KvError::Quota { quota, used, adding: new - old });
        }
        used = after;
        sizes.insert(key.clone(), new);
        last.insert(key, value.as_deref());
    }
    let (set, gone): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, v)| v.is_some());
    let set_keys: Vec<&str> = set.iter().map(|(k, _)| *k).collect();
    let set_values: Vec<&[u8]> = set.iter().filter_map(|(_, v)| *v).collect();
    let gone: Vec<&str> = gone.into_iter().map(|(k, _)| k).collect();
    let sql = "INSERT INTO weft_kv (plugin, key, value) SELECT $1, * FROM unnest($2::text[], $3::bytea[]) \
               ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value";
    client.execute(sql, &[&plugin, &set_keys, &set_values]).await.map_err(e)?;
    client.execute("DELETE FROM weft_kv WHERE plugin = $1 AND key = ANY($2)", &[&plugin, &gone]).await.map_err(e)?;
    let used = i64::try_from(used).unwrap_or(i64::MAX);
    client.execute("UPDATE weft_kv_usage SET used = $2 WHERE plugin = $1", &[&plugin, &used]).await.map_err(e)?;
    Ok(())
}

/// Set (`Some`) or remove (`None`) keys of flow-state `table`.
pub(super) async fn write_state(
    client: &impl GenericClient,
    table: StateTable,
    entries: &[(String, Option<Vec<u8>>)],
) -> StoreResult<()> {
    let last: BTreeMap<&str, Option<&[u8]>> = entries.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let (set, gone): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, v)| v.is_some());
    let set_keys: Vec<&str> = set.iter().map(|(k, _)| *k).collect();
    let set_values: Vec<&[u8]> = set.iter().filter_map(|(_, v)| *v).collect();
    let gone: Vec<&str> = gone.into_iter().map(|(k, _)| k).collect();
    let name = state_table(table);
    let sql = format!(
        "INSERT INTO {name} (key, value) SELECT * FROM unnest($1::text[], $2::bytea[]) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    );
    client.execute(&sql, &[&set_keys, &set_values]).await.map_err(e)?;
    client.execute(&format!("DELETE FROM {name} WHERE key = ANY($1)"), &[&gone]).await.map_err(e)?;
    Ok(())
}

impl KvStore for PostgresStore {
    fn kv_get(&self, plugin: &str, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let (pool, _) = self.db();
        let (plugin, key) = (plugin.to_owned(), key.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT value FROM weft_kv WHERE plugin = $1 AND key = $2";
            Ok(client.query_opt(sql, &[&plugin, &key]).await.map_err(e)?.map(|r| r.get(0)))
        })
    }

    fn kv_write(&self, plugin: &str, quota: u64, entries: &[(&str, Option<&[u8]>)]) -> Result<(), KvError> {
        let (pool, _) = self.db();
        let plugin = plugin.to_owned();
        let entries: Vec<(String, Option<Vec<u8>>)> =
            entries.iter().map(|(k, v)| ((*k).to_owned(), v.map(<[u8]>::to_vec))).collect();
        let outcome = self.call(async move {
            let result = async {
                let mut client = pool.get().await.map_err(e)?;
                let tx = client.transaction().await.map_err(e)?;
                write_kv(&*tx, &plugin, quota, &entries).await?;
                tx.commit().await.map_err(e)?;
                Ok(())
            };
            Ok(result.await)
        })?;
        outcome
    }

    fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> StoreResult<Vec<String>> {
        let (pool, _) = self.db();
        let (plugin, from, to) = (plugin.to_owned(), prefix.to_owned(), prefix_end(prefix));
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT key FROM weft_kv WHERE plugin = $1 AND key >= $2 AND ($3::text IS NULL OR key < $3) \
                       ORDER BY key LIMIT $4";
            let rows = client.query(sql, &[&plugin, &from, &to, &big(limit as u64)]).await.map_err(e)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}

impl StateStore for PostgresStore {
    fn state_get_all(&self, table: StateTable, keys: &[&str]) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let (pool, _) = self.db();
        let wanted: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let found = self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!("SELECT key, value FROM {} WHERE key = ANY($1)", state_table(table));
            let rows = client.query(&sql, &[&wanted]).await.map_err(e)?;
            Ok(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, Vec<u8>>(1))).collect::<BTreeMap<_, _>>())
        })?;
        Ok(keys.iter().map(|k| found.get(*k).cloned()).collect())
    }

    fn state_write(&self, table: StateTable, entries: &[(String, Option<Vec<u8>>)]) -> StoreResult<()> {
        let (pool, _) = self.db();
        let entries = entries.to_vec();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            write_state(&*tx, table, &entries).await?;
            tx.commit().await.map_err(e)
        })
    }

    fn state_keys(&self, table: StateTable, prefix: &str, limit: usize) -> StoreResult<Vec<String>> {
        let (pool, _) = self.db();
        let (from, to) = (prefix.to_owned(), prefix_end(prefix));
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!(
                "SELECT key FROM {} WHERE key >= $1 AND ($2::text IS NULL OR key < $2) ORDER BY key LIMIT $3",
                state_table(table)
            );
            let rows = client.query(&sql, &[&from, &to, &big(limit as u64)]).await.map_err(e)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}
