//! The journals (undo log by run, shadow intents by flow and key), reconciliation reports and
//! alert episodes (opened and closed once for every host).

use super::{big, e, from_json, to_json, unbig, PostgresStore};
use crate::store::contract::{JournalStore, ReportStore};
use crate::store::{Episode, Intent, ReconcileReport, StoreResult, UndoEntry};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// Store undo entries of a run at their places.
pub(super) async fn put_undo(
    client: &impl GenericClient,
    run_id: u64,
    entries: &[(u64, UndoEntry)],
) -> StoreResult<()> {
    let seqs: Vec<i64> = entries.iter().map(|(seq, _)| big(*seq)).collect();
    let at: Vec<i64> = entries.iter().map(|(_, entry)| big(entry.at_ms)).collect();
    let bodies: Vec<String> = entries.iter().map(|(_, entry)| to_json(entry)).collect::<StoreResult<_>>()?;
    let sql = "INSERT INTO weft_undo (run_id, seq, at_ms, entry) \
               SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[])";
    client.execute(sql, &[&big(run_id), &seqs, &at, &bodies]).await.map_err(e)?;
    Ok(())
}

/// Store intents, each replacing the previous one of its flow and key (the last of a batch wins).
pub(super) async fn put_intents(client: &impl GenericClient, intents: &[Intent]) -> StoreResult<()> {
    let latest: BTreeMap<(&str, &str), &Intent> =
        intents.iter().map(|i| ((i.flow.as_str(), i.key.as_str()), i)).collect();
    let flows: Vec<&str> = latest.keys().map(|(f, _)| *f).collect();
    let keys: Vec<&str> = latest.keys().map(|(_, k)| *k).collect();
    let at: Vec<i64> = latest.values().map(|i| big(i.at_ms)).collect();
    let bodies: Vec<String> = latest.values().map(to_json).collect::<StoreResult<_>>()?;
    let sql = "INSERT INTO weft_intents (flow, key, at_ms, intent) \
               SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) \
               ON CONFLICT (flow, key) DO UPDATE SET at_ms = excluded.at_ms, intent = excluded.intent";
    client.execute(sql, &[&flows, &keys, &at, &bodies]).await.map_err(e)?;
    Ok(())
}

/// Store a report under its own id.
pub(super) async fn put_report(client: &impl GenericClient, report: &ReconcileReport) -> StoreResult<()> {
    let sql = "INSERT INTO weft_reports (id, finished_ms, report) VALUES ($1, $2, $3) \
               ON CONFLICT (id) DO UPDATE SET finished_ms = excluded.finished_ms, report = excluded.report";
    client.execute(sql, &[&big(report.id), &big(report.finished_ms), &to_json(report)?]).await.map_err(e)?;
    Ok(())
}

impl JournalStore for PostgresStore {
    fn add_undo(&self, run_id: u64, entries: &[UndoEntry]) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (pool, _) = self.db();
        let entries = entries.to_vec();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            // One writer of a run's log at a time: the run's row lock orders them.
            tx.execute("SELECT 1 FROM weft_runs WHERE id = $1 FOR UPDATE", &[&big(run_id)]).await.map_err(e)?;
            let sql = "SELECT coalesce(max(seq) + 1, 0) FROM weft_undo WHERE run_id = $1";
            let first = unbig(tx.query_one(sql, &[&big(run_id)]).await.map_err(e)?.get(0));
            let placed: Vec<(u64, UndoEntry)> = (first..).zip(entries).collect();
            put_undo(&*tx, run_id, &placed).await?;
            tx.commit().await.map_err(e)
        })
    }

    fn undo_log(&self, run_id: u64) -> StoreResult<Vec<UndoEntry>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT entry FROM weft_undo WHERE run_id = $1 ORDER BY seq";
            client
                .query(sql, &[&big(run_id)])
                .await
                .map_err(e)?
                .iter()
                .map(|r| from_json(r.get::<_, &str>(0)))
                .collect()
        })
    }

    fn add_intents(&self, intents: &[Intent]) -> StoreResult<()> {
        if intents.is_empty() {
            return Ok(());
        }
        let (pool, _) = self.db();
        let intents = intents.to_vec();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            put_intents(&**client, &intents).await
        })
    }

    fn intents(&self, flow: &str) -> StoreResult<Vec<Intent>> {
        let (pool, _) = self.db();
        let flow = flow.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT intent FROM weft_intents WHERE flow = $1 ORDER BY key";
            client.query(sql, &[&flow]).await.map_err(e)?.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
        })
    }
}

impl ReportStore for PostgresStore {
    fn add_reconcile_report(&self, report: &ReconcileReport) -> StoreResult<u64> {
        let (pool, _) = self.db();
        let mut report = report.clone();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let id: i64 = client.query_one("SELECT nextval('weft_report_ids')", &[]).await.map_err(e)?.get(0);
            report.id = unbig(id);
            put_report(&**client, &report).await?;
            Ok(report.id)
        })
    }

    fn reconcile_reports(&self, limit: usize) -> StoreResult<Vec<ReconcileReport>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT report FROM weft_reports ORDER BY id DESC LIMIT $1";
            let rows = client.query(sql, &[&big(limit as u64)]).await.map_err(e)?;
            rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
        })
    }

    fn reconcile_report(&self, id: u64) -> StoreResult<Option<ReconcileReport>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let row =
                client.query_opt("SELECT report FROM weft_reports WHERE id = $1", &[&big(id)]).await.map_err(e)?;
            row.map(|r| from_json(r.get::<_, &str>(0))).transpose()
        })
    }

    fn alert_episodes(&self) -> StoreResult<BTreeMap<String, Episode>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let rows = client.query("SELECT key, episode FROM weft_episodes", &[]).await.map_err(e)?;
            rows.iter().map(|r| Ok((r.get(0), from_json(r.get::<_, &str>(1))?))).collect()
        })
    }

    fn open_alert_episode(&self, key: &str, episode: &Episode) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let (key, episode) = (key.to_owned(), to_json(episode)?);
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "INSERT INTO weft_episodes (key, episode) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1";
            Ok(client.query_opt(sql, &[&key, &episode]).await.map_err(e)?.is_some())
        })
    }

    fn close_alert_episode(&self, key: &str) -> StoreResult<bool> {
        let (pool, _) = self.db();
        let key = key.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "DELETE FROM weft_episodes WHERE key = $1 RETURNING 1";
            Ok(client.query_opt(sql, &[&key]).await.map_err(e)?.is_some())
        })
    }
}
