//! The PostgreSQL backend: one database shared by several `weft serve` hosts (and the CLI).
//!
//! Schema: versioned migrations in `migrations/` (refinery, embedded at compile time), run by the
//! first host that opens the database, under an advisory lock so concurrent starts migrate once.
//! What several hosts may race on is decided in the database: jobs are leased with
//! `FOR UPDATE SKIP LOCKED` under an owner and an expiry ([`PostgresStore`] renews nothing by
//! itself: `weft serve` calls `renew_leases`), a schedule tick, an alert episode, a pause, a
//! claim and a webhook receipt each exist once, and each shop's Shopify cost bucket is a row.
//!
//! Each open store registers as a host (`weft_hosts`) and beats every [`BEAT`]; one whose beat is
//! older than [`HOST_TTL`] is dead: its claims are taken over and, at a start, its leases released.
//!
//! The contract is synchronous; the client is async. The store owns a small Tokio runtime for
//! its connections and runs each call there, the caller's thread waiting for the answer (from
//! any thread, inside another runtime or not).

mod budget;
mod calls;
mod copy;
mod jobs;
mod journal;
mod kv;
mod ledger;
mod retention;
mod runs;
mod versions;

use super::contract::{Backend, BudgetStore, ClaimStore, StoreHealth};
use super::{StoreError, StoreResult};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::future::Future;
use std::time::Duration;
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("src/store/postgres/migrations");
}

/// How often a host beats.
const BEAT: Duration = Duration::from_secs(2);
/// A host whose last beat is older than this is dead (SQL interval).
const HOST_TTL: &str = "10 seconds";
/// Rows of hosts dead this long are deleted (SQL interval).
const FORGET_AFTER: &str = "10 minutes";
/// How long a health check waits for the database before it says the store cannot write.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The advisory lock held while migrating (`weft` in ASCII).
const MIGRATION_LOCK: i64 = 0x7765_6674;

/// How to reach the database.
#[derive(Clone)]
pub struct Options {
    /// `postgres://user:password@host:port/db` (or `host=... dbname=...`); never logged.
    pub url: String,
    /// Connections this process keeps at most.
    pub pool_size: usize,
    /// What this host is called in `weft_hosts` (its listen address, say).
    pub label: String,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("url", &"***").field("pool_size", &self.pool_size).finish()
    }
}

/// The PostgreSQL backend.
pub struct PostgresStore {
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    holder: String,
    location: String,
    /// The heartbeat task, stopped before the host leaves.
    beat: Option<tokio::task::JoinHandle<()>>,
}

/// A store error from the client's, with its causes (they name no password).
fn e(err: impl std::error::Error) -> StoreError {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        message.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    StoreError::Other(message)
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(e)
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|err| StoreError::Other(format!("corrupt record: {err}")))
}

/// A `u64` of the contract as a `bigint`.
fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A `bigint` as the contract's `u64` (never negative in weft's tables).
fn unbig(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The least string greater than every string starting with `prefix` (`None`: no bound), so
/// `key >= prefix AND key < end` finds a prefix by an index range in byte order (`COLLATE "C"`).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `host:port/db` of a connection config, for people.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres at {host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

impl PostgresStore {
    /// Connect, migrate the schema to this build's, and register this process as a live host.
    pub fn connect(options: &Options) -> StoreResult<PostgresStore> {
        let config: tokio_postgres::Config = options
            .url
            .parse()
            .map_err(|err| StoreError::Other(format!("store.url is not a PostgreSQL URL: {err}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("weft-postgres")
            .enable_all()
            .build()
            .map_err(e)?;
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(e)?;
        let holder = format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
        let mut store = PostgresStore { runtime: Some(runtime), pool, holder, location: describe(&config), beat: None };
        store.call(migrate(config)).map_err(|err| StoreError::Other(format!("{}: {err}", store.location)))?;
        let (pool, holder, label) = (store.pool.clone(), store.holder.clone(), options.label.clone());
        store.call(async move {
            let client = pool.get().await.map_err(e)?;
            client
                .execute("INSERT INTO weft_hosts (holder, label) VALUES ($1, $2)", &[&holder, &label])
                .await
                .map_err(e)?;
            Ok(())
        })?;
        store.beat = Some(store.runtime().spawn(beat(store.pool.clone(), store.holder.clone(), options.label.clone())));
        Ok(store)
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives as long as the store")
    }

    /// Run `work` on the store's runtime and wait for it. The answer comes through a plain
    /// channel: waiting on a Tokio handle from inside another runtime's task would draw on that
    /// task's cooperative budget, which never refills while it blocks.
    fn call<T: Send + 'static>(&self, work: impl Future<Output = StoreResult<T>> + Send + 'static) -> StoreResult<T> {
        let (answer, wait) = std::sync::mpsc::sync_channel(1);
        self.runtime().spawn(async move {
            let _ = answer.send(work.await);
        });
        wait.recv().map_err(|_| StoreError::Other("store task failed".into()))?
    }

    /// The pool and this host's id, for a call's future.
    fn db(&self) -> (Pool, String) {
        (self.pool.clone(), self.holder.clone())
    }
}

/// Bring the schema to this build's, once even when several hosts start together.
async fn migrate(config: tokio_postgres::Config) -> StoreResult<()> {
    let (mut client, connection) = config.connect(NoTls).await.map_err(e)?;
    let driver = tokio::spawn(connection);
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(e)?;
    let result = run_migrations(&mut client).await;
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await.map_err(e);
    drop(client);
    let _ = driver.await;
    result.and(unlocked.map(|_| ()))
}

async fn run_migrations(client: &mut tokio_postgres::Client) -> StoreResult<()> {
    let mut runner = embedded::migrations::runner();
    let runner = runner.set_migration_table_name(HISTORY);
    let known = runner.get_migrations().iter().map(|m| m.version()).max().unwrap_or(0);
    let exists: bool = client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY]).await.map_err(e)?.get(0);
    if exists {
        let sql = format!("SELECT coalesce(max(version), 0)::bigint FROM {HISTORY}");
        let applied: i64 = client.query_one(&sql, &[]).await.map_err(e)?.get(0);
        if applied > i64::from(known) {
            return Err(StoreError::Other(format!(
                "the database has schema version {applied}, newer than this weft ({known}); upgrade weft"
            )));
        }
    }
    runner.run_async(client).await.map_err(e)?;
    Ok(())
}

/// The migration history table.
const HISTORY: &str = "weft_schema_history";

/// Beat every [`BEAT`] while the store is open (re-registering if the row went away).
async fn beat(pool: Pool, holder: String, label: String) {
    let mut every = tokio::time::interval(BEAT);
    loop {
        every.tick().await;
        let Ok(client) = pool.get().await else { continue };
        // An update, so a beat the server sees after the host left finds no row to revive.
        let update = "UPDATE weft_hosts SET seen = clock_timestamp() WHERE holder = $1";
        let insert = "INSERT INTO weft_hosts (holder, label) VALUES ($1, $2) ON CONFLICT (holder) DO NOTHING";
        let beaten = match client.execute(update, &[&holder]).await {
            Ok(0) => client.execute(insert, &[&holder, &label]).await,
            other => other,
        };
        if let Err(err) = beaten {
            tracing::warn!("store: host heartbeat failed: {err}");
        }
        // Hosts long gone (killed, or a CLI that exited) need no row to be known dead.
        for table in ["weft_hosts", "weft_budget_holders"] {
            let sql = format!("DELETE FROM {table} WHERE seen < clock_timestamp() - interval '{FORGET_AFTER}'");
            if let Err(err) = client.execute(&sql, &[]).await {
                tracing::warn!("store: forgetting dead hosts failed: {err}");
            }
        }
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Leave the cluster: claims go at once; leases stay until a start releases them (as
        // orphans) or they expire, so the next start sees what this process left unfinished.
        let (pool, holder, beat) = (self.pool.clone(), self.holder.clone(), self.beat.take());
        let _ = self.call(async move {
            // No beat may re-register this host once it has left.
            if let Some(beat) = beat {
                beat.abort();
                let _ = beat.await;
            }
            let client = pool.get().await.map_err(e)?;
            client.execute("DELETE FROM weft_claims WHERE holder = $1", &[&holder]).await.map_err(e)?;
            client.execute("DELETE FROM weft_hosts WHERE holder = $1", &[&holder]).await.map_err(e)?;
            Ok(())
        });
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Backend for PostgresStore {
    fn schema_version(&self) -> StoreResult<u64> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = format!("SELECT coalesce(max(version), 0)::bigint FROM {HISTORY}");
            Ok(unbig(client.query_one(&sql, &[]).await.map_err(e)?.get(0)))
        })
    }

    fn budget(&self) -> Option<&dyn BudgetStore> {
        Some(self)
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    /// Writable when a trivial write commits now: this host's heartbeat row touched in a
    /// transaction (a read-only server, a full disk or a lost connection fails it); otherwise
    /// the database's error. The pool reconnects by itself, so a later check recovers.
    fn health(&self) -> StoreHealth {
        let (pool, holder) = self.db();
        let check = self.call(async move {
            let write = async {
                let mut client = pool.get().await.map_err(e)?;
                let tx = client.transaction().await.map_err(e)?;
                tx.execute("UPDATE weft_hosts SET seen = clock_timestamp() WHERE holder = $1", &[&holder])
                    .await
                    .map_err(e)?;
                tx.commit().await.map_err(e)
            };
            match tokio::time::timeout(HEALTH_TIMEOUT, write).await {
                Ok(result) => result,
                Err(_) => Err(StoreError::Other(format!("no answer within {}s", HEALTH_TIMEOUT.as_secs()))),
            }
        });
        match check {
            Ok(()) => StoreHealth::Writable,
            Err(err) => StoreHealth::CannotWrite(format!("{}: {err}", self.location)),
        }
    }
}

impl ClaimStore for PostgresStore {
    fn claim(&self, key: &str) -> StoreResult<bool> {
        let (pool, holder, key) = (self.pool.clone(), self.holder.clone(), key.to_owned());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            // A claim of a dead host is taken over; a live one's (this one's included) holds.
            let sql = format!(
                "INSERT INTO weft_claims (key, holder) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, at = clock_timestamp() \
                 WHERE NOT EXISTS (SELECT 1 FROM weft_hosts h WHERE h.holder = weft_claims.holder \
                                   AND h.seen > clock_timestamp() - interval '{HOST_TTL}') \
                 RETURNING 1"
            );
            Ok(client.query_opt(&sql, &[&key, &holder]).await.map_err(e)?.is_some())
        })
    }

    fn release(&self, keys: &[String]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let (pool, holder, keys) = (self.pool.clone(), self.holder.clone(), keys.to_vec());
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "DELETE FROM weft_claims WHERE key = ANY($1) AND holder = $2";
            client.execute(sql, &[&keys, &holder]).await.map_err(e)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_at_its_successor() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end("").as_deref(), None);
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"), "surrogates are skipped");
    }
}
