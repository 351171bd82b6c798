//! `weft reconcile [--flow F] [--heal] [--json]`: compare the ERP with Shopify now, store the
//! report, print it. Exit 0 whatever drift it finds; non-zero only when it could not compare.

use crate::config::Config;
use crate::reconcile::{self, Options};
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
    let local = super::engine::open(config)?;
    let _guard = local.runtime.enter();
    let options = Options { flow: args.flow, heal: args.heal, trigger: "manual".into() };
    let report = reconcile::run(&local.engine, &options, &mut |line| eprintln!("{line}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        for line in reconcile::summary_lines(&report) {
            println!("{line}");
        }
    }
    Ok(if report.summary.errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
