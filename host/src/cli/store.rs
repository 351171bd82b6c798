//! `weft store stats | prune | migrate`: how big the store is per table, pruning what retention
//! says is old now (`weft serve` does it every `[retention] every`), both on the database or
//! through the admin API of the `weft serve` that holds it; and moving an installation from one
//! backend to another (`--from redb:PATH --to postgres:URL`: queues, ledger, id map, cursors,
//! runs, journals, reports, plugin and flow state), page by page, then verifying the counts per
//! kind. The target must be empty; `weft serve` must be stopped while it runs (redb admits one
//! process anyway).

use super::ops::{local, print, target, Target};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, SecretSource};
use crate::store::{postgres, Aged, ItemKind, Location, Store};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// `weft store ...`
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Entries and bytes per table, the file's size, and how long each growing table is kept.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove now what `[retention]` says is old (kept as an `@retention` run).
    Prune {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Copy every item of one store into an empty other one and verify the counts.
    Migrate(MigrateArgs),
}

/// Run a `store` command.
pub fn run(cmd: StoreCommand, config: &Config) -> Result<ExitCode, String> {
    match cmd {
        StoreCommand::Stats { json } => {
            let value = match &target(config)? {
                Target::Local(s) => local(crate::ops::store_stats(s, &config.retention))?,
                Target::Remote(a) => a.get("/api/store/stats")?,
            };
            print(&value, json, print_stats)
        }
        StoreCommand::Prune { json } => {
            let value = match &target(config)? {
                Target::Local(s) => crate::ops::prune_now(s, &config.retention, SystemClock.now_ms())?,
                Target::Remote(a) => a.post("/api/store/prune", json!({}))?,
            };
            print(&value, json, |v| match v["run"].as_u64() {
                Some(run) => println!("removed {} (run {run})", v["removed"]),
                None => println!("nothing was old enough to remove"),
            })
        }
        // Not the configured store: the two named on the command line.
        StoreCommand::Migrate(args) => migrate(args),
    }
}

fn print_stats(v: &Value) {
    let mut table = super::table::Table::new(&["TABLE", "ENTRIES", "BYTES"]).right(&[1, 2]);
    for t in v["tables"].as_array().into_iter().flatten() {
        let bytes = t["bytes"].as_u64().map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        table.row(vec![t["table"].as_str().unwrap_or("").into(), t["entries"].to_string(), bytes]);
    }
    table.print();
    if let Some(total) = v["total_bytes"].as_u64() {
        println!("store file: {total} bytes");
    }
    println!("kept (see [retention]):");
    for table in Aged::ALL {
        println!("  {:<24} {}", table.name(), v["retention"][table.name()].as_str().unwrap_or("?"));
    }
    println!("  the newest ledger entry of every record, the id map, cursors and flow state are kept while their records exist");
}

/// `weft store migrate ...`
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// `redb:DIR` (the `[store] path`) or `postgres:URL` / `postgres:env:VAR` / `postgres:file:PATH`.
    #[arg(long)]
    pub from: String,
    /// Where to: the same forms; must hold nothing yet.
    #[arg(long)]
    pub to: String,
    /// Print the verification as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A store named on the command line. A URL given inline shows in the process list: prefer
/// `postgres:env:VAR` or `postgres:file:PATH` for one carrying a password.
fn location(arg: &str) -> Result<Location, String> {
    let (kind, rest) = arg.split_once(':').ok_or_else(|| format!("`{arg}`: expected redb:DIR or postgres:URL"))?;
    match kind {
        "redb" => Ok(Location::Redb(PathBuf::from(rest))),
        "postgres" => {
            let url = match rest.split_once(':') {
                Some(("env", var)) => SecretSource::Env { env: var.to_owned() }.load()?.expose().to_owned(),
                Some(("file", path)) => SecretSource::File { file: path.into() }.load()?.expose().to_owned(),
                _ => rest.to_owned(),
            };
            let label = format!("weft store migrate (pid {})", std::process::id());
            Ok(Location::Postgres(postgres::Options { url, pool_size: 2, label }))
        }
        other => Err(format!("`{other}:`: the store kinds are redb and postgres")),
    }
}

/// Run `weft store migrate`.
fn migrate(args: MigrateArgs) -> Result<ExitCode, String> {
    let from = Store::connect(&location(&args.from)?).map_err(|e| format!("--from: {e}"))?;
    let to = Store::connect(&location(&args.to)?).map_err(|e| format!("--to: {e}"))?;
    let held: u64 = to.counts().map_err(|e| e.to_string())?.values().sum();
    if held > 0 {
        return Err(format!("--to: {} already holds {held} items; migrate into an empty store", to.location()));
    }
    eprintln!("copying {} into {}", from.location(), to.location());
    let mut copied = 0usize;
    from.export(&mut |items| {
        copied += items.len();
        to.import(&items)?;
        eprintln!("  {copied} items");
        Ok(())
    })
    .map_err(|e| format!("copy stopped after {copied} items: {e} (the target holds a partial copy: empty it first)"))?;
    let (source, target) = (from.counts().map_err(|e| e.to_string())?, to.counts().map_err(|e| e.to_string())?);
    let rows: Vec<(ItemKind, u64, u64)> = ItemKind::ALL
        .into_iter()
        .map(|k| (k, source.get(&k).copied().unwrap_or(0), target.get(&k).copied().unwrap_or(0)))
        .collect();
    let verified = rows.iter().all(|(_, s, t)| s == t);
    if args.json {
        let kinds: serde_json::Map<String, serde_json::Value> =
            rows.iter().map(|(k, s, t)| (k.name().to_owned(), serde_json::json!({"source": s, "target": t}))).collect();
        println!("{}", serde_json::json!({"verified": verified, "copied": copied, "kinds": kinds}));
    } else {
        println!("{:<12} {:>10} {:>10}", "kind", "source", "target");
        for (kind, s, t) in &rows {
            let mark = if s == t { "" } else { "  MISMATCH" };
            println!("{:<12} {s:>10} {t:>10}{mark}", kind.name());
        }
        println!("{}", if verified { "verified: every count matches" } else { "NOT verified: counts differ" });
    }
    Ok(if verified { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
