//! `weft mapping show|preview FLOW`: a flow's field mapping, and what it would write for one
//! record (the first its source returns, or `--record FILE`), without writing. Works on the
//! database directly, or through the admin API of the `weft serve` holding it.

use super::engine::{with_store, LocalEngine};
use super::remote::Admin;
use crate::config::Config;
use crate::flow::preview::mapping_view;
use crate::store::StoreError;
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// `weft mapping ...`
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Source field → Shopify field with expression, condition and owner.
    Show {
        /// Flow.
        flow: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the mapping and the flow's transforms on one record and print what would be written.
    Preview {
        /// Flow.
        flow: String,
        /// A canonical record as JSON (as run records and `weft plugins call` show them);
        /// default: the first record the flow's source returns.
        #[arg(long)]
        record: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `mapping` command.
pub fn run(cmd: MappingCommand, config: Config) -> Result<ExitCode, String> {
    match cmd {
        MappingCommand::Show { flow, json } => {
            let f = config.flows.get(&flow).ok_or_else(|| format!("no flow {flow}"))?;
            let view = mapping_view(&flow, f);
            if json {
                println!("{}", serde_json::to_string_pretty(&view).map_err(|e| e.to_string())?);
            } else {
                let mut t = super::table::Table::new(&["SOURCE", "TARGET", "OWNER", "SENT"]);
                for row in view["rows"].as_array().into_iter().flatten() {
                    t.row(vec![
                        row["source"].as_str().unwrap_or("-").into(),
                        row["target"].as_str().unwrap_or("").into(),
                        row["owner"].as_str().unwrap_or("").into(),
                        row["sent"].to_string(),
                    ]);
                }
                t.print();
                if let Some(c) = view["skip_if"].as_str() {
                    println!("skip when: {c}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        MappingCommand::Preview { flow, record, json } => {
            if !config.flows.contains_key(&flow) {
                return Err(format!("no flow {flow}"));
            }
            let given = match record {
                Some(path) => Some(
                    serde_json::from_str::<Value>(
                        &std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?,
                    )
                    .map_err(|e| format!("{}: {e}", path.display()))?,
                ),
                None => None,
            };
            let preview = match super::open_store(&config) {
                Ok(store) => {
                    let LocalEngine { runtime, engine } = with_store(config, store)?;
                    let _guard = runtime.enter();
                    engine.preview(&flow, given)?
                }
                // Without --record, no `record` at all: the server samples the source.
                Err(StoreError::Locked) => Admin::from_config(&config)?.post(
                    &format!("/api/flows/{flow}/preview"),
                    given.map_or_else(|| json!({}), |record| json!({"record": record})),
                )?,
                Err(e) => return Err(e.to_string()),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&preview).map_err(|e| e.to_string())?);
            } else {
                print_preview(&preview);
            }
            Ok(if preview["error"].is_null() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn print_preview(p: &Value) {
    println!("flow {} — record: {}", p["flow"].as_str().unwrap_or(""), p["source"].as_str().unwrap_or(""));
    println!("input: {}", p["record"]);
    if p["transformed"].as_array().is_some_and(|t| t.len() != 1 || t[0] != p["record"]) {
        println!("after transforms: {}", p["transformed"]);
    }
    for w in p["writes"].as_array().into_iter().flatten() {
        match w["operation"].as_str() {
            Some(op) => {
                println!(
                    "would write: {op} {}",
                    serde_json::to_string_pretty(w.get("input").or(w.get("record")).unwrap_or(&Value::Null))
                        .unwrap_or_default()
                );
                for line in w["explain"].as_array().into_iter().flatten() {
                    println!("  {}", line.as_str().unwrap_or(""));
                }
                if let Some(d) = w["dropped"].as_array().filter(|d| !d.is_empty()) {
                    println!(
                        "not sent (owned by Shopify): {}",
                        d.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                    );
                }
            }
            None => println!("no write: {}", w["skipped"].as_str().unwrap_or("")),
        }
    }
    if !p["error"].is_null() {
        println!(
            "error ({}, at {}): {}",
            p["error"]["class"].as_str().unwrap_or(""),
            p["error"]["at"].as_str().unwrap_or(""),
            p["error"]["message"].as_str().unwrap_or("")
        );
    }
}
