//! `weft reconcile [--flow F] [--heal] [--json]`: compare the ERP with Shopify now, store the
//! report, print it. Exit 0 whatever drift it finds; non-zero only when it could not compare.
//! While `weft serve` holds the database, the server reconciles (`POST /api/reconcile`).

use crate::config::Config;
use crate::reconcile::{self, Options};
use crate::store::{ReconcileReport, StoreError};
use clap::Args;
use std::process::ExitCode;

/// `weft reconcile ...`
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Only this flow (default: every inventory, order and customer flow with Shopify).
    #[arg(long)]
    pub flow: Option<String>,
    /// Enqueue corrections: the drifted levels are pushed again by the next run of the flow.
    #[arg(long)]
    pub heal: bool,
    /// Print the whole report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `weft reconcile`.
pub fn run(args: ReconcileArgs, config: Config) -> Result<ExitCode, String> {
    let report = match super::open_store(&config) {
        Ok(store) => {
            let local = super::engine::with_store(config, store)?;
            let _guard = local.runtime.enter();
            let options = Options { flow: args.flow, heal: args.heal, trigger: "manual".into() };
            reconcile::run(&local.engine, &options, &mut |line| eprintln!("{line}"))?
        }
        Err(StoreError::Locked) => {
            eprintln!("weft serve holds the database: reconciling through its admin API (progress in its log)");
            let value = super::remote::Admin::from_config(&config)?
                .post("/api/reconcile", serde_json::json!({"flow": args.flow, "heal": args.heal}))?;
            serde_json::from_value::<ReconcileReport>(value)
                .map_err(|e| format!("admin API: unexpected report: {e}"))?
        }
        Err(e) => return Err(e.to_string()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        for line in reconcile::summary_lines(&report) {
            println!("{line}");
        }
    }
    Ok(if report.summary.errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
