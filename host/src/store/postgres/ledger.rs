//! The idempotency ledger and the id map, each batch one transaction of multi-row statements.

use super::{big, e, from_json, to_json, PostgresStore};
use crate::store::contract::LedgerStore;
use crate::store::{ConfirmedWrite, IdLink, LedgerEntry, StoreResult};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// Merge link updates of (object, key) in one statement; several updates of one key are merged
/// in order first (a `None` side keeps the value before it).
pub(super) async fn merge_links(
    client: &impl GenericClient,
    updates: impl IntoIterator<Item = (String, String, IdLink)>,
) -> StoreResult<()> {
    let mut merged: BTreeMap<(String, String), IdLink> = BTreeMap::new();
    for (object, key, update) in updates {
        let link = merged.entry((object, key)).or_default();
        if update.shopify.is_some() {
            link.shopify = update.shopify;
        }
        if update.erp.is_some() {
            link.erp = update.erp;
        }
    }
    if merged.is_empty() {
        return Ok(());
    }
    let objects: Vec<&str> = merged.keys().map(|(o, _)| o.as_str()).collect();
    let keys: Vec<&str> = merged.keys().map(|(_, k)| k.as_str()).collect();
    let shopify: Vec<Option<&str>> = merged.values().map(|l| l.shopify.as_deref()).collect();
    let erp: Vec<Option<&str>> = merged.values().map(|l| l.erp.as_deref()).collect();
    let sql = "INSERT INTO weft_id_map (object, key, shopify, erp) \
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
               ON CONFLICT (object, key) DO UPDATE SET shopify = coalesce(excluded.shopify, weft_id_map.shopify), \
                                                       erp = coalesce(excluded.erp, weft_id_map.erp)";
    client.execute(sql, &[&objects, &keys, &shopify, &erp]).await.map_err(e)?;
    Ok(())
}

/// Store ledger entries (the last one of a key wins), in one statement.
pub(super) async fn put_ledger(client: &impl GenericClient, entries: &[(String, LedgerEntry)]) -> StoreResult<()> {
    let entries: BTreeMap<&str, &LedgerEntry> = entries.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if entries.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = entries.keys().copied().collect();
    // The record is the key up to its last `/` (flow/entity/external id/content hash).
    let records: Vec<&str> = keys.iter().map(|k| k.rsplit_once('/').map_or(*k, |(record, _)| record)).collect();
    let at: Vec<i64> = entries.values().map(|v| big(v.at_ms)).collect();
    let bodies: Vec<String> = entries.values().map(to_json).collect::<StoreResult<_>>()?;
    let sql = "INSERT INTO weft_ledger (key, record, at_ms, entry) \
               SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) \
               ON CONFLICT (key) DO UPDATE SET at_ms = excluded.at_ms, entry = excluded.entry";
    client.execute(sql, &[&keys, &records, &at, &bodies]).await.map_err(e)?;
    Ok(())
}

impl LedgerStore for PostgresStore {
    fn ledger_get_all(&self, keys: &[&str]) -> StoreResult<Vec<Option<LedgerEntry>>> {
        let (pool, _) = self.db();
        let wanted: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let found = self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT key, entry FROM weft_ledger WHERE key = ANY($1)";
            let rows = client.query(sql, &[&wanted]).await.map_err(e)?;
            rows.iter()
                .map(|r| Ok((r.get::<_, String>(0), from_json(r.get::<_, &str>(1))?)))
                .collect::<StoreResult<BTreeMap<String, LedgerEntry>>>()
        })?;
        Ok(keys.iter().map(|k| found.get(*k).cloned()).collect())
    }

    fn confirm_writes(&self, writes: &[ConfirmedWrite]) -> StoreResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let (pool, _) = self.db();
        let entries: Vec<(String, LedgerEntry)> = writes.iter().map(|w| (w.key.clone(), w.entry.clone())).collect();
        let links: Vec<(String, String, IdLink)> =
            writes.iter().map(|w| (w.object.clone(), w.object_key.clone(), w.link.clone())).collect();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            put_ledger(&*tx, &entries).await?;
            merge_links(&*tx, links).await?;
            tx.commit().await.map_err(e)
        })
    }

    fn forget_writes(&self, keys: &[String]) -> StoreResult<()> {
        let (pool, _) = self.db();
        let keys = keys.to_vec();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            client.execute("DELETE FROM weft_ledger WHERE key = ANY($1)", &[&keys]).await.map_err(e)?;
            Ok(())
        })
    }

    fn id_links(&self, object: &str, keys: &[&str]) -> StoreResult<Vec<Option<IdLink>>> {
        let (pool, _) = self.db();
        let object = object.to_owned();
        let wanted: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let found = self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT key, shopify, erp FROM weft_id_map WHERE object = $1 AND key = ANY($2)";
            let rows = client.query(sql, &[&object, &wanted]).await.map_err(e)?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<_, String>(0), IdLink { shopify: r.get(1), erp: r.get(2) }))
                .collect::<BTreeMap<String, IdLink>>())
        })?;
        Ok(keys.iter().map(|k| found.get(*k).cloned()).collect())
    }

    fn link_ids_all(&self, object: &str, updates: &[(String, IdLink)]) -> StoreResult<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let (pool, _) = self.db();
        let links: Vec<(String, String, IdLink)> =
            updates.iter().map(|(key, link)| (object.to_owned(), key.clone(), link.clone())).collect();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            merge_links(&**client, links).await
        })
    }
}
