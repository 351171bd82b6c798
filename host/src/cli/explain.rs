//! `weft explain inventory SKU [--location L]`: how the pushed number was computed.

use crate::config::Config;
use crate::flow::inventory::state;
use clap::Subcommand;
use std::process::ExitCode;

/// `weft explain ...`
#[derive(Debug, Subcommand)]
pub enum ExplainCommand {
    /// The inventory pushed for a SKU: inputs, formula, buffer, override, clamp, last pushed, when.
    Inventory {
        /// The SKU.
        sku: String,
        /// Only this location (ERP location code or Shopify location GID).
        #[arg(long)]
        location: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run `weft explain`.
pub fn run(cmd: ExplainCommand, config: &Config) -> Result<ExitCode, String> {
    let ExplainCommand::Inventory { sku, location, json } = cmd;
    let store = super::open_store(config)
        .map_err(|e| format!("{e} (stop `weft serve` first: the database admits one process)"))?;
    let mut found = state::all_for_sku(&store, &sku)?;
    if let Some(l) = &location {
        found.retain(|(_, p)| &p.trace.erp_location == l || &p.trace.shopify_location == l);
    }
    if found.is_empty() {
        return Err(format!(
            "nothing was pushed for SKU {sku}{}",
            location.map(|l| format!(" at {l}")).unwrap_or_default()
        ));
    }
    if json {
        let list: Vec<_> = found.iter().map(|(flow, p)| serde_json::json!({"flow": flow, "pushed": p})).collect();
        println!("{}", serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    for (flow, p) in found {
        println!("flow {flow}");
        for line in p.trace.lines() {
            println!("  {line}");
        }
        if let Some(c) = &p.conflict {
            println!("  conflict: {c}");
        }
        let when = chrono::DateTime::from_timestamp_millis(p.at_ms as i64).map(|t| t.to_rfc3339()).unwrap_or_default();
        let before = p.before.map_or("unknown".to_owned(), |b| b.to_string());
        println!("  last pushed: {} (Shopify had {before}) to {} at {when}", p.pushed, p.item);
    }
    Ok(ExitCode::SUCCESS)
}
