//! `weft shadow diff FLOW [--json]`: what a shadow-mode flow would have written that the
//! destination does not hold now, field by field.

use crate::config::Config;
use clap::Subcommand;
use std::process::ExitCode;

/// `weft shadow ...`
#[derive(Debug, Subcommand)]
pub enum ShadowCommand {
    /// Compare the flow's intent journal with its destination now.
    Diff {
        /// The flow (any flow that ran in shadow mode).
        flow: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `shadow` command.
pub fn run(cmd: ShadowCommand, config: Config) -> Result<ExitCode, String> {
    let ShadowCommand::Diff { flow, json } = cmd;
    if !config.flows.contains_key(&flow) {
        return Err(format!("no flow {flow} in the config"));
    }
    let local = super::engine::open(config)?;
    let _guard = local.runtime.enter();
    let diff = crate::shadow::diff(&local.engine, &flow, &mut |line| eprintln!("{line}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&diff).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "shadow diff {flow}: {} intent(s) compared, {} not comparable, {} difference(s)",
        diff.compared,
        diff.not_compared,
        diff.differences.len()
    );
    for d in &diff.differences {
        println!("  {:<40} {:<18} intended {} actual {}", d.key, d.field, d.intended, d.actual);
    }
    Ok(ExitCode::SUCCESS)
}
