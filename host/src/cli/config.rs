//! `weft config check [--json]`: the configuration checked for meaning, every problem listed by
//! its key (see [`crate::check`]); exit 1 when anything is wrong or could not be verified.

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
}

/// Run a `config` command on the config file at `path`.
pub fn run(cmd: ConfigCommand, path: &Path) -> Result<ExitCode, String> {
    let ConfigCommand::Check { json } = cmd;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config = Config::parse_unchecked(&text, path).map_err(|e| e.to_string())?;
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
fn whole(config: Config) -> Report {
    check::everything(config, |config| {
        let local =
            Store::in_memory().map_err(|e| e.to_string()).and_then(|store| super::engine::with_store(config, store))?;
        let _guard = local.runtime.enter();
        Ok(check::online(&local.engine))
    })
}
