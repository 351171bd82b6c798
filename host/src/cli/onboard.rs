//! `weft onboard [--flow F] [--json]`: what connecting the ERP to the shop does to its catalog —
//! linked, new, conflicts a person must decide, keys only one side has (see [`crate::onboard`]).
//! Exit 1 while conflicts are undecided. While `weft serve` holds the database, the server does
//! it (`POST /api/onboard`).

use crate::config::Config;
use crate::onboard::{self, OnboardReport};
use crate::store::{Store, StoreError};
use clap::Args;
use std::process::ExitCode;

/// `weft onboard ...`
#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The catalog flow (default: the only one).
    #[arg(long)]
    pub flow: Option<String>,
    /// Print the whole report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `weft onboard`.
pub fn run(args: OnboardArgs, config: Config) -> Result<ExitCode, String> {
    let report = match Store::open(&config.store.path) {
        Ok(store) => {
            let local = super::engine::with_store(config, store)?;
            let _inside = local.runtime.enter();
            onboard::run(&local.engine, args.flow.as_deref())?
        }
        Err(StoreError::Locked) => {
            eprintln!("weft serve holds the database: onboarding through its admin API");
            let value = super::remote::Admin::from_config(&config)?
                .post("/api/onboard", serde_json::json!({"flow": args.flow}))?;
            serde_json::from_value::<OnboardReport>(value).map_err(|e| format!("admin API: unexpected report: {e}"))?
        }
        Err(e) => return Err(e.to_string()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        for line in onboard::lines(&report) {
            println!("{line}");
        }
    }
    Ok(if report.undecided() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
