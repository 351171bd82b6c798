//! `weft config check [--json]`: the configuration checked for meaning, every problem listed by
//! its key (see [`crate::check`]); exit 1 when anything is wrong or could not be verified. And
//! the config versions: `versions`, `show-version N`, `rollback N` (see [`super::versions`]).

use crate::check::{self, Report};
use crate::config::Config;
use crate::store::Store;
use clap::Subcommand;
use std::path::Path;
use std::process::ExitCode;

/// `weft config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the config: values, secrets, plugins, each connection's check(), the shop (token,
    /// access scopes, locations, currency). Exit 1 on any error or anything unverified.
    Check {
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The config versions the store keeps, newest first: number, when, who, comment (serve
    /// records the file at each start that changed it, each save from the dashboard, each rollback).
    Versions {
        /// At most this many.
        #[arg(long, default_value_t = super::versions::LIST)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One config version: who saved it, when, why, its whole text and what differs from the
    /// running one (from the config file when no serve runs).
    ShowVersion {
        /// Version number.
        number: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run version N again as a new version: through the running serve (needs `[server]
    /// admin_token`; applied without a restart), else checked, written to the config file and
    /// recorded for the next start.
    Rollback {
        /// Version number.
        number: u64,
        /// Why (kept with the new version; default `rollback to version N`).
        #[arg(long, default_value = "")]
        comment: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `config` command on the config file at `path`.
pub fn run(cmd: ConfigCommand, path: &Path) -> Result<ExitCode, String> {
    // The versions are found through the store the file names, even a file that does not check.
    let versions = |path: &Path| if path.is_file() { unchecked(path) } else { Ok(Config::default()) };
    match cmd {
        ConfigCommand::Check { json } => check(path, json),
        ConfigCommand::Versions { limit, json } => super::versions::list(&versions(path)?, limit, json),
        ConfigCommand::ShowVersion { number, json } => super::versions::show(&versions(path)?, path, number, json),
        ConfigCommand::Rollback { number, comment, json } => {
            super::versions::rollback(&versions(path)?, path, number, &comment, json)
        }
    }
}

/// The config file parsed, its values not checked.
fn unchecked(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Config::parse_unchecked(&text, path).map_err(|e| e.to_string())
}

fn check(path: &Path, json: bool) -> Result<ExitCode, String> {
    let config = unchecked(path)?;
    let report = whole(config);
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        for line in report.lines() {
            println!("{line}");
        }
    }
    Ok(if report.passes() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Every check of `config`: its values and secrets, then its plugins, connections and shop
/// (on a throw-away store: the database may be held by `weft serve`).
pub(super) fn whole(config: Config) -> Report {
    check::everything(config, |config| {
        let local =
            Store::in_memory().map_err(|e| e.to_string()).and_then(|store| super::engine::with_store(config, store))?;
        let _guard = local.runtime.enter();
        Ok(check::online(&local.engine))
    })
}
