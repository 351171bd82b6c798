//! `weft explain inventory SKU [--location L]`: how the pushed number was computed.

use super::ops::Target;
use crate::config::Config;
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

/// Run `weft explain` on the database, or through the admin API of the `weft serve` holding it.
pub fn run(cmd: ExplainCommand, config: &Config) -> Result<ExitCode, String> {
    let ExplainCommand::Inventory { sku, location, json } = cmd;
    let found = match super::ops::target(config)? {
        Target::Local(store) => {
            crate::ops::explain_inventory(&store, &sku, location.as_deref()).map_err(|e| e.to_string())?
        }
        Target::Remote(admin) => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("sku", &sku);
            if let Some(l) = &location {
                q.append_pair("location", l);
            }
            admin.get(&format!("/api/explain/inventory?{}", q.finish()))?
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&found).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    for entry in found.as_array().into_iter().flatten() {
        let p = &entry["pushed"];
        println!("flow {}", entry["flow"].as_str().unwrap_or(""));
        for line in entry["lines"].as_array().into_iter().flatten() {
            println!("  {}", line.as_str().unwrap_or(""));
        }
        if let Some(c) = p["conflict"].as_str() {
            println!("  conflict: {c}");
        }
        let when = p["at_ms"]
            .as_u64()
            .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        let before = p["before"].as_i64().map_or("unknown".to_owned(), |b| b.to_string());
        println!(
            "  last pushed: {} (Shopify had {before}) to {} at {when}",
            p["pushed"],
            p["item"].as_str().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
