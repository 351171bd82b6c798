//! `weft backfill FLOW --since DATE`: the shop's order history on purpose. A flow of shop orders
//! starts at its `since` (default: when it first ran); this asks it for the orders placed since
//! DATE as well, read in the background by `weft serve` (or the next `weft run`).

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{Store, StoreError};
use clap::Args;
use serde_json::json;
use std::process::ExitCode;

/// `weft backfill ...`
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// The flow of shop orders (a `[flows.NAME]` from Shopify).
    pub flow: String,
    /// Orders placed since this date (`2026-01-31`) or RFC 3339 time.
    #[arg(long)]
    pub since: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `weft backfill`: through the database, or the admin API of the `weft serve` holding it.
pub fn run(args: BackfillArgs, config: &Config) -> Result<ExitCode, String> {
    let answer = match Store::open(&config.store.path) {
        Ok(store) => crate::ops::backfill(&store, config, &args.flow, &args.since, SystemClock.now_ms())?,
        Err(StoreError::Locked) => super::remote::Admin::from_config(config)?
            .post(&format!("/api/flows/{}/backfill", args.flow), json!({"since": args.since}))?,
        Err(e) => return Err(e.to_string()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "flow {}: backfill of the orders placed since {} queued",
        args.flow,
        answer["since"].as_str().unwrap_or(&args.since)
    );
    Ok(ExitCode::SUCCESS)
}
