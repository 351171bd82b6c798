//! `weft runs | dlq | queue`: over the database directly, or through the admin API of a running
//! `weft serve` (which holds the database: redb admits one process at a time).

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::ops;
use crate::store::{Store, StoreError};
use clap::Subcommand;
use serde_json::{json, Value};
use std::process::ExitCode;

/// `weft runs ...`
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List {
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one run.
    Show {
        /// Run id.
        run: u64,
        /// Include its records.
        #[arg(long)]
        records: bool,
        /// Only failed records.
        #[arg(long)]
        failed: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Restore what a run changed (inventory levels, prices, product fields); list what it created.
    Revert(super::revert::RevertArgs),
}

/// `weft dlq ...`
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead-lettered jobs.
    List {
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run dead-lettered jobs again: one id, or `--flow F --all`.
    Retry {
        /// Job id.
        id: Option<u64>,
        /// Flow (with --all).
        #[arg(long)]
        flow: Option<String>,
        /// Every dead-lettered job of --flow.
        #[arg(long)]
        all: bool,
    },
}

/// `weft queue ...`
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Stop dequeueing a flow's jobs (persisted).
    Pause {
        /// Flow.
        flow: String,
    },
    /// Resume a paused flow.
    Resume {
        /// Flow.
        flow: String,
    },
    /// Depth, in-flight, dead letters and pause state per flow.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where the commands run: the database, or the server holding it.
pub(super) enum Target {
    Local(Store),
    Remote(super::remote::Admin),
}

pub(super) fn target(config: &Config) -> Result<Target, String> {
    match super::open_store(config) {
        Ok(store) => Ok(Target::Local(store)),
        Err(StoreError::Locked) => Ok(Target::Remote(super::remote::Admin::from_config(config)?)),
        Err(e) => Err(e.to_string()),
    }
}

pub(super) fn local(r: Result<Value, StoreError>) -> Result<Value, String> {
    r.map_err(|e| e.to_string())
}

pub(super) fn print(value: &Value, as_json: bool, table: impl FnOnce(&Value)) -> Result<ExitCode, String> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    } else {
        table(value);
    }
    Ok(ExitCode::SUCCESS)
}

fn ms_to_text(ms: &Value) -> String {
    ms.as_u64()
        .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Run a `runs` command.
pub fn runs(cmd: RunsCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    match cmd {
        RunsCommand::List { flow, limit, json } => {
            let value = match &target {
                Target::Local(s) => {
                    local(ops::runs(s, &crate::store::RunFilter { flow: flow.clone(), ..Default::default() }, limit))?
                }
                Target::Remote(a) => a.get(&format!(
                    "/api/runs?limit={limit}{}",
                    flow.map(|f| format!("&flow={f}")).unwrap_or_default()
                ))?,
            };
            print(&value, json, |v| {
                println!("{:>6} {:<16} {:<9} {:<19} {:<10} COUNTS", "RUN", "FLOW", "TRIGGER", "STARTED", "STATUS");
                for r in v.as_array().into_iter().flatten() {
                    println!(
                        "{:>6} {:<16} {:<9} {:<19} {:<10} {}",
                        r["id"],
                        r["flow"].as_str().unwrap_or(""),
                        r["trigger"].as_str().unwrap_or(""),
                        ms_to_text(&r["started_ms"]),
                        r["status"].as_str().unwrap_or(""),
                        r["counts"]
                    );
                }
            })
        }
        RunsCommand::Show { run, records, failed, json } => {
            let value = match &target {
                Target::Local(s) => local(ops::run(s, run, records, failed).map(|v| v.unwrap_or(Value::Null)))?,
                Target::Remote(a) => a.get(&format!(
                    "/api/runs/{run}?{}{}",
                    if records { "records&" } else { "" },
                    if failed { "failed" } else { "" }
                ))?,
            };
            if value.is_null() {
                return Err(format!("no run {run}"));
            }
            print(&value, json, |v| {
                let r = &v["run"];
                println!(
                    "run {} of {} ({}), {} → {}, status {}, counts {}",
                    r["id"],
                    r["flow"].as_str().unwrap_or(""),
                    r["trigger"].as_str().unwrap_or(""),
                    ms_to_text(&r["started_ms"]),
                    ms_to_text(&r["ended_ms"]),
                    r["status"].as_str().unwrap_or(""),
                    r["counts"]
                );
                for rec in v["records"].as_array().into_iter().flatten() {
                    println!(
                        "  {:<40} {:<10} attempts={} {}",
                        rec["key"].as_str().unwrap_or(""),
                        rec["outcome"].as_str().unwrap_or(""),
                        rec["attempts"],
                        rec["error"].as_str().unwrap_or("")
                    );
                }
            })
        }
        // Dispatched before the database is opened here (it needs the engine): see `cli::run`.
        RunsCommand::Revert(_) => Err("weft runs revert: internal dispatch error".into()),
    }
}

/// Run a `dlq` command.
pub fn dlq(cmd: DlqCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    let now = SystemClock.now_ms();
    match cmd {
        DlqCommand::List { flow, json } => {
            let value = match &target {
                Target::Local(s) => local(ops::dead_letters(s, flow.as_deref()))?,
                Target::Remote(a) => {
                    a.get(&format!("/api/dlq{}", flow.map(|f| format!("?flow={f}")).unwrap_or_default()))?
                }
            };
            print(&value, json, |v| {
                println!("{:>6} {:<16} {:<30} {:>8} {:<14} ERROR", "JOB", "FLOW", "KEY", "ATTEMPTS", "CLASS");
                for d in v.as_array().into_iter().flatten() {
                    let job = &d["job"];
                    let discarded = d["discarded"].as_str().map(|r| format!(" (discarded: {r})")).unwrap_or_default();
                    println!(
                        "{:>6} {:<16} {:<30} {:>8} {:<14} {}{discarded}",
                        job["id"],
                        job["flow"].as_str().unwrap_or(""),
                        job["key"].as_str().unwrap_or(""),
                        job["attempts"],
                        d["error"]["class"].as_str().unwrap_or(""),
                        d["error"]["message"].as_str().unwrap_or("")
                    );
                }
            })
        }
        DlqCommand::Retry { id, flow, all } => {
            let value = match (id, flow, all) {
                (Some(id), None, false) => match &target {
                    Target::Local(s) => local(ops::retry_dead(s, Some(id), None, now))?,
                    Target::Remote(a) => a.post(&format!("/api/dlq/{id}/retry"), json!({}))?,
                },
                (None, Some(flow), true) => match &target {
                    Target::Local(s) => local(ops::retry_dead(s, None, Some(&flow), now))?,
                    Target::Remote(a) => a.post(&format!("/api/dlq/retry?flow={flow}"), json!({}))?,
                },
                _ => return Err("give a job id, or --flow FLOW --all".into()),
            };
            println!("requeued {}", value["requeued"]);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Run a `queue` command.
pub fn queue(cmd: QueueCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    let now = SystemClock.now_ms();
    let set = |flow: &str, paused: bool| -> Result<ExitCode, String> {
        if !config.flows.contains_key(flow) {
            return Err(format!("no flow {flow} in the config"));
        }
        match &target {
            Target::Local(s) => local(ops::set_paused(s, flow, paused, now))?,
            Target::Remote(a) => {
                a.post(&format!("/api/queues/{flow}/{}", if paused { "pause" } else { "resume" }), json!({}))?
            }
        };
        println!("{flow} {}", if paused { "paused" } else { "resumed" });
        Ok(ExitCode::SUCCESS)
    };
    match cmd {
        QueueCommand::Pause { flow } => set(&flow, true),
        QueueCommand::Resume { flow } => set(&flow, false),
        QueueCommand::Status { json } => {
            let value = match &target {
                Target::Local(s) => local(ops::queue_status(s))?,
                Target::Remote(a) => a.get("/api/queues")?,
            };
            let mut status = value.as_object().cloned().unwrap_or_default();
            for flow in config.flows.keys() {
                status
                    .entry(flow.clone())
                    .or_insert_with(|| json!({"ready": 0, "leased": 0, "dead": 0, "paused_since_ms": null}));
            }
            print(&Value::Object(status.clone()), json, |_| {
                println!("{:<20} {:>7} {:>7} {:>6} PAUSED", "FLOW", "READY", "LEASED", "DEAD");
                for (flow, s) in &status {
                    let mut paused = if s["paused_since_ms"].is_null() {
                        "no".to_owned()
                    } else {
                        format!("since {}", ms_to_text(&s["paused_since_ms"]))
                    };
                    if let Some(reason) = s["pause_reason"].as_str() {
                        paused.push_str(&format!(" ({reason})"));
                    }
                    println!("{:<20} {:>7} {:>7} {:>6} {paused}", flow, s["ready"], s["leased"], s["dead"]);
                }
            })
        }
    }
}
