//! The whole store item by item, for `weft store migrate`: read in one repeatable-read
//! transaction through portals a page at a time (bounded memory), written back as it was.

use super::jobs::{dead_of, insert_jobs, job_of, DEAD_COLUMNS, JOB_COLUMNS};
use super::journal::{put_intents, put_report, put_undo};
use super::kv::{state_table, write_state};
use super::ledger::{merge_links, put_ledger};
use super::runs::{put_records, put_run};
use super::{big, e, from_json, to_json, unbig, PostgresStore};
use crate::store::contract::CopyStore;
use crate::store::{IdLink, Item, ItemKind, JobState, StateTable, StoreError, StoreResult, PAGE};
use std::collections::BTreeMap;
use tokio_postgres::{GenericClient, IsolationLevel, Row};

type Make = fn(&Row) -> StoreResult<Item>;

/// What an export reads, table by table, in the order of [`ItemKind::ALL`].
fn sources() -> Vec<(String, Make)> {
    let mut sources: Vec<(String, Make)> = vec![
        (format!("SELECT {JOB_COLUMNS} FROM weft_jobs ORDER BY id"), |r| job_of(r).map(Item::Job)),
        (format!("SELECT {DEAD_COLUMNS} FROM weft_dead ORDER BY id"), |r| dead_of(r).map(Item::DeadLetter)),
        ("SELECT webhook_id, flow, at_ms FROM weft_receipts".into(), |r| {
            Ok(Item::Receipt { webhook_id: r.get(0), flow: r.get(1), at_ms: unbig(r.get(2)) })
        }),
        ("SELECT flow, since_ms, reason FROM weft_paused".into(), |r| {
            Ok(Item::Pause { flow: r.get(0), since_ms: unbig(r.get(1)), reason: r.get(2) })
        }),
        ("SELECT key, last_ms FROM weft_schedule WHERE last_ms IS NOT NULL".into(), |r| {
            Ok(Item::Tick { key: r.get(0), at_ms: unbig(r.get(1)) })
        }),
        ("SELECT flow, connection, cursor FROM weft_cursors".into(), |r| {
            Ok(Item::Cursor { flow: r.get(0), connection: r.get(1), cursor: r.get(2) })
        }),
        ("SELECT key, entry FROM weft_ledger".into(), |r| {
            Ok(Item::Ledger { key: r.get(0), entry: from_json(r.get::<_, &str>(1))? })
        }),
        ("SELECT object, key, shopify, erp FROM weft_id_map".into(), |r| {
            Ok(Item::Link { object: r.get(0), key: r.get(1), link: IdLink { shopify: r.get(2), erp: r.get(3) } })
        }),
        ("SELECT run FROM weft_runs ORDER BY id".into(), |r| from_json(r.get::<_, &str>(0)).map(Item::Run)),
        ("SELECT run_id, seq, record FROM weft_run_records ORDER BY run_id, seq".into(), |r| {
            Ok(Item::Record { run_id: unbig(r.get(0)), seq: unbig(r.get(1)), record: from_json(r.get::<_, &str>(2))? })
        }),
        ("SELECT run_id, seq, entry FROM weft_undo ORDER BY run_id, seq".into(), |r| {
            Ok(Item::Undo { run_id: unbig(r.get(0)), seq: unbig(r.get(1)), entry: from_json(r.get::<_, &str>(2))? })
        }),
        ("SELECT intent FROM weft_intents".into(), |r| from_json(r.get::<_, &str>(0)).map(Item::Intent)),
        ("SELECT report FROM weft_reports ORDER BY id".into(), |r| from_json(r.get::<_, &str>(0)).map(Item::Report)),
        ("SELECT key, episode FROM weft_episodes".into(), |r| {
            Ok(Item::Episode { key: r.get(0), episode: from_json(r.get::<_, &str>(1))? })
        }),
        ("SELECT plugin, key, value FROM weft_kv".into(), |r| {
            Ok(Item::Kv { plugin: r.get(0), key: r.get(1), value: r.get(2) })
        }),
    ];
    // Every flow-state table, its name selected with its rows (a fixed name: safe in a statement).
    let state: Make = |r| {
        let name: &str = r.get(2);
        let table = StateTable::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| StoreError::from_display(format!("unknown flow-state table {name}")))?;
        Ok(Item::State { table, key: r.get(0), value: r.get(1) })
    };
    sources.extend(
        StateTable::ALL
            .into_iter()
            .map(|t| (format!("SELECT key, value, '{}' FROM {}", t.name(), state_table(t)), state)),
    );
    sources
}

/// The table each kind is counted in.
fn tables(kind: ItemKind) -> Vec<String> {
    let one = |t: &str| vec![t.to_owned()];
    match kind {
        ItemKind::Job => one("weft_jobs"),
        ItemKind::DeadLetter => one("weft_dead"),
        ItemKind::Receipt => one("weft_receipts"),
        ItemKind::Pause => one("weft_paused"),
        ItemKind::Tick => one("weft_schedule WHERE last_ms IS NOT NULL"),
        ItemKind::Cursor => one("weft_cursors"),
        ItemKind::Ledger => one("weft_ledger"),
        ItemKind::Link => one("weft_id_map"),
        ItemKind::Run => one("weft_runs"),
        ItemKind::Record => one("weft_run_records"),
        ItemKind::Undo => one("weft_undo"),
        ItemKind::Intent => one("weft_intents"),
        ItemKind::Report => one("weft_reports"),
        ItemKind::Episode => one("weft_episodes"),
        ItemKind::Kv => one("weft_kv"),
        ItemKind::State => StateTable::ALL.into_iter().map(state_table).collect(),
    }
}

impl CopyStore for PostgresStore {
    fn export(&self, each: &mut dyn FnMut(Vec<Item>) -> StoreResult<()>) -> StoreResult<()> {
        let (pool, _) = self.db();
        // Pages flow through a channel of one: the reader waits while the caller handles one.
        let (send, mut pages) = tokio::sync::mpsc::channel::<StoreResult<Vec<Item>>>(1);
        let reader = self.runtime().spawn(async move {
            let read = async {
                let mut client = pool.get().await.map_err(e)?;
                let tx = client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .await
                    .map_err(e)?;
                for (sql, make) in sources() {
                    let portal = tx.bind(sql.as_str(), &[]).await.map_err(e)?;
                    loop {
                        let rows = tx.query_portal(&portal, PAGE as i32).await.map_err(e)?;
                        if rows.is_empty() {
                            break;
                        }
                        let page = rows.iter().map(make).collect::<StoreResult<Vec<Item>>>()?;
                        if send.send(Ok(page)).await.is_err() {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            };
            if let Err(err) = read.await {
                let _ = send.send(Err(err)).await;
            }
        });
        // Unconstrained: see `PostgresStore::call` on waiting from inside another runtime.
        while let Some(page) = futures::executor::block_on(tokio::task::unconstrained(pages.recv())) {
            each(page?)?;
        }
        futures::executor::block_on(tokio::task::unconstrained(reader))
            .map_err(|err| StoreError::Other(format!("export failed: {err}")))
    }

    fn import(&self, items: &[Item]) -> StoreResult<()> {
        let (pool, _) = self.db();
        let items = items.to_vec();
        self.call(async move {
            let mut client = pool.get().await.map_err(e)?;
            let tx = client.transaction().await.map_err(e)?;
            let mut last_ids: BTreeMap<&str, u64> = BTreeMap::new();
            for item in &items {
                if let Some((sequence, id)) = import_one(&*tx, item).await? {
                    let last = last_ids.entry(sequence).or_default();
                    *last = (*last).max(id);
                }
            }
            for (sequence, id) in last_ids {
                let sql = format!("SELECT setval('{sequence}', greatest($1, (SELECT last_value FROM {sequence})))");
                tx.execute(&sql, &[&big(id)]).await.map_err(e)?;
            }
            tx.commit().await.map_err(e)
        })
    }

    fn counts(&self) -> StoreResult<BTreeMap<ItemKind, u64>> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let mut counts = BTreeMap::new();
            for kind in ItemKind::ALL {
                let mut n = 0;
                for table in tables(kind) {
                    let sql = format!("SELECT count(*) FROM {table}");
                    n += unbig(client.query_one(&sql, &[]).await.map_err(e)?.get(0));
                }
                counts.insert(kind, n);
            }
            Ok(counts)
        })
    }
}

/// Store one item; the id sequence it used and the id, when it carries one.
async fn import_one(client: &impl GenericClient, item: &Item) -> StoreResult<Option<(&'static str, u64)>> {
    match item {
        Item::Job(job) => {
            let mut job = job.clone();
            if job.state == JobState::Leased {
                job.state = JobState::Ready;
            }
            insert_jobs(client, std::slice::from_ref(&job)).await?;
            return Ok(Some(("weft_job_ids", job.id)));
        }
        Item::DeadLetter(dead) => {
            let sql = "INSERT INTO weft_dead (id, flow, key, job, error, dead_ms, discarded, edit) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
            let (job, error) = (to_json(&dead.job)?, to_json(&dead.error)?);
            let edit = dead.edit.as_ref().map(to_json).transpose()?;
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
                &big(dead.job.id),
                &dead.job.flow,
                &dead.job.key,
                &job,
                &error,
                &big(dead.dead_ms),
                &dead.discarded,
                &edit,
            ];
            client.execute(sql, &params).await.map_err(e)?;
            return Ok(Some(("weft_job_ids", dead.job.id)));
        }
        Item::Receipt { webhook_id, flow, at_ms } => {
            let sql = "INSERT INTO weft_receipts (webhook_id, flow, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
            client.execute(sql, &[webhook_id, flow, &big(*at_ms)]).await.map_err(e)?;
        }
        Item::Pause { flow, since_ms, reason } => {
            let sql = "INSERT INTO weft_paused (flow, since_ms, reason) VALUES ($1, $2, $3)";
            client.execute(sql, &[flow, &big(*since_ms), reason]).await.map_err(e)?;
        }
        Item::Tick { key, at_ms } => {
            let sql = "INSERT INTO weft_schedule (key, last_ms) VALUES ($1, $2)";
            client.execute(sql, &[key, &big(*at_ms)]).await.map_err(e)?;
        }
        Item::Cursor { flow, connection, cursor } => {
            let sql = "INSERT INTO weft_cursors (flow, connection, cursor) VALUES ($1, $2, $3)";
            client.execute(sql, &[flow, connection, cursor]).await.map_err(e)?;
        }
        Item::Ledger { key, entry } => put_ledger(client, &[(key.clone(), entry.clone())]).await?,
        Item::Link { object, key, link } => merge_links(client, [(object.clone(), key.clone(), link.clone())]).await?,
        Item::Run(run) => {
            put_run(client, run).await?;
            return Ok(Some(("weft_run_ids", run.id)));
        }
        Item::Record { run_id, seq, record } => put_records(client, *run_id, &[(*seq, record.clone())]).await?,
        Item::Undo { run_id, seq, entry } => put_undo(client, *run_id, &[(*seq, entry.clone())]).await?,
        Item::Intent(intent) => put_intents(client, std::slice::from_ref(intent)).await?,
        Item::Report(report) => {
            put_report(client, report).await?;
            return Ok(Some(("weft_report_ids", report.id)));
        }
        Item::Episode { key, episode } => {
            let sql = "INSERT INTO weft_episodes (key, episode) VALUES ($1, $2)";
            client.execute(sql, &[key, &to_json(episode)?]).await.map_err(e)?;
        }
        Item::Kv { plugin, key, value } => {
            let sql = "INSERT INTO weft_kv (plugin, key, value) VALUES ($1, $2, $3)";
            client.execute(sql, &[plugin, key, value]).await.map_err(e)?;
            let size = big((key.len() + value.len()) as u64);
            let sql = "INSERT INTO weft_kv_usage (plugin, used) VALUES ($1, $2) \
                       ON CONFLICT (plugin) DO UPDATE SET used = weft_kv_usage.used + excluded.used";
            client.execute(sql, &[plugin, &size]).await.map_err(e)?;
        }
        Item::State { table, key, value } => write_state(client, *table, &[(key.clone(), Some(value.clone()))]).await?,
    }
    Ok(None)
}
