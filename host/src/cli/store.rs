//! `weft store stats | prune`: how big the store is per table, and pruning what retention says
//! is old now (`weft serve` does it every `[retention] every`). On the database, or through the
//! admin API of the `weft serve` that holds it.

use super::ops::{local, print, target, Target};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::Aged;
use clap::Subcommand;
use serde_json::{json, Value};
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
}

/// Run a `store` command.
pub fn run(cmd: StoreCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    match cmd {
        StoreCommand::Stats { json } => {
            let value = match &target {
                Target::Local(s) => local(crate::ops::store_stats(s, &config.retention))?,
                Target::Remote(a) => a.get("/api/store/stats")?,
            };
            print(&value, json, print_stats)
        }
        StoreCommand::Prune { json } => {
            let value = match &target {
                Target::Local(s) => crate::ops::prune_now(s, &config.retention, SystemClock.now_ms())?,
                Target::Remote(a) => a.post("/api/store/prune", json!({}))?,
            };
            print(&value, json, |v| match v["run"].as_u64() {
                Some(run) => println!("removed {} (run {run})", v["removed"]),
                None => println!("nothing was old enough to remove"),
            })
        }
    }
}

fn print_stats(v: &Value) {
    println!("{:<28} {:>12} {:>14}", "TABLE", "ENTRIES", "BYTES");
    for t in v["tables"].as_array().into_iter().flatten() {
        let bytes = t["bytes"].as_u64().map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        println!("{:<28} {:>12} {:>14}", t["table"].as_str().unwrap_or(""), t["entries"], bytes);
    }
    if let Some(total) = v["total_bytes"].as_u64() {
        println!("store file: {total} bytes");
    }
    println!("kept (see [retention]):");
    for table in Aged::ALL {
        println!("  {:<24} {}", table.name(), v["retention"][table.name()].as_str().unwrap_or("?"));
    }
    println!("  the newest ledger entry of every record, the id map, cursors and flow state are kept while their records exist");
}
