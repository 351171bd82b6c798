//! `weft runs | dlq | queue`: over the database directly, or through the admin API of a running
//! `weft serve` (which holds the database: redb admits one process at a time).

use super::table::Table;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::ops::{self, OpsError};
use crate::store::{RunFilter, RunStatus, Store, StoreError};
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// `weft runs ...`
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List {
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Only runs with this status (running, succeeded, partial, failed).
        #[arg(long)]
        status: Option<String>,
        /// Only runs started at or after this date or RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Only runs started before this date or RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
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
        /// Include the API calls (Shopify calls, plugins' HTTP exchanges): of each record listed,
        /// of `--record`, or else of the run.
        #[arg(long)]
        calls: bool,
        /// Only this record's calls (its seq in the run); implies `--calls`.
        #[arg(long)]
        record: Option<u64>,
        /// Calls after this call seq (the `next` of the previous page).
        #[arg(long)]
        after: Option<u64>,
        /// At most this many calls (per record when records are listed).
        #[arg(long, default_value_t = 50)]
        limit: usize,
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
    /// List dead-lettered jobs, oldest first.
    List {
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Only open (waiting for a person), settled, discarded or edited ones.
        #[arg(long)]
        status: Option<String>,
        /// Only those whose error or key contains this text (case-insensitive).
        #[arg(long)]
        grep: Option<String>,
        /// Only those dead-lettered at or after this date or RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Only those dead-lettered before this date or RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One dead letter: its error, the record its job carries, and an edit retried in its place.
    Show {
        /// Job id.
        id: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run dead-lettered jobs again: ids, or `--flow F --all`. An unknown or settled id fails.
    Retry {
        /// Job ids.
        ids: Vec<u64>,
        /// Flow (with --all).
        #[arg(long)]
        flow: Option<String>,
        /// Every open dead-lettered job of --flow.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle dead letters without running them, with a reason (kept).
    Discard {
        /// Job ids.
        #[arg(required = true)]
        ids: Vec<u64>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Retry a dead letter with its record edited (validated as the record type its job carries);
    /// the dead letter keeps the original and the edit.
    Edit {
        /// Job id.
        id: u64,
        /// The edited record as JSON (as `weft dlq show ID --json` prints it under `record`).
        #[arg(long)]
        record: PathBuf,
        /// Why (kept with the edit).
        #[arg(long, default_value = "")]
        note: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `weft queue ...`
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Stop dequeueing a flow's jobs (persisted).
    Pause {
        /// Flow.
        flow: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Resume a paused flow.
    Resume {
        /// Flow.
        flow: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
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

fn done(r: Result<Value, OpsError>) -> Result<Value, String> {
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

pub(super) fn ms_to_text(ms: &Value) -> String {
    ms.as_u64()
        .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

/// `--since`/`--until`: a date or RFC 3339 time, as ms since the epoch.
fn time_ms(name: &str, text: Option<&str>) -> Result<Option<u64>, String> {
    let Some(text) = text else { return Ok(None) };
    let at = crate::domain::since::parse(text)
        .map_err(|e| format!("--{name} {e}"))?
        .ok_or_else(|| format!("--{name} needs a date or a time"))?;
    let t = chrono::DateTime::parse_from_rfc3339(&at).map_err(|e| format!("--{name}: {e}"))?;
    Ok(Some(t.timestamp_millis().max(0) as u64))
}

/// A run's outcome counts as `created 2, dead 1`.
pub(super) fn counts_text(counts: &Value) -> String {
    counts
        .as_object()
        .map(|c| c.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// A `--flow` filter that matched nothing: a misspelt flow is an error, not an empty list (a
/// flow no longer in the config, or `@retention`, still lists what it left).
fn known_or_found(config: &Config, flow: Option<&str>, found: &Value, what: &str) -> Result<(), String> {
    match flow {
        Some(f) if !config.flows.contains_key(f) && found.as_array().is_some_and(Vec::is_empty) => {
            Err(format!("no flow {f} in the config, and no {what} of it"))
        }
        _ => Ok(()),
    }
}

fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

/// Run a `runs` command.
pub fn runs(cmd: RunsCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    match cmd {
        RunsCommand::List { flow, status, since, until, limit, json } => {
            let (since_ms, until_ms) = (time_ms("since", since.as_deref())?, time_ms("until", until.as_deref())?);
            let value = match &target {
                Target::Local(s) => {
                    let status = match &status {
                        Some(st) => Some(
                            serde_json::from_value::<RunStatus>(json!(st))
                                .map_err(|_| format!("unknown status `{st}` (running, succeeded, partial, failed)"))?,
                        ),
                        None => None,
                    };
                    let filter = RunFilter { flow: flow.clone(), status, since_ms, until_ms, ..Default::default() };
                    local(ops::runs(s, &filter, limit))?
                }
                Target::Remote(a) => a.get(&format!(
                    "/api/runs?{}",
                    query_string(&[
                        ("limit", Some(limit.to_string())),
                        ("flow", flow.clone()),
                        ("status", status),
                        ("since", since_ms.map(|t| t.to_string())),
                        ("until", until_ms.map(|t| t.to_string())),
                    ])
                ))?,
            };
            known_or_found(config, flow.as_deref(), &value, "runs")?;
            print(&value, json, |v| {
                let mut t = Table::new(&["RUN", "FLOW", "TRIGGER", "STARTED", "STATUS", "COUNTS"]).right(&[0]);
                for r in v.as_array().into_iter().flatten() {
                    t.row(vec![
                        r["id"].to_string(),
                        r["flow"].as_str().unwrap_or("").into(),
                        r["trigger"].as_str().unwrap_or("").into(),
                        ms_to_text(&r["started_ms"]),
                        r["status"].as_str().unwrap_or("").into(),
                        counts_text(&r["counts"]),
                    ]);
                }
                t.print();
            })
        }
        RunsCommand::Show { run, records, failed, calls, record, after, limit, json } => {
            let mut value = match &target {
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
            if calls || record.is_some() {
                let wanted = super::calls::Wanted { record, after, limit: limit.max(1) };
                super::calls::attach(&target, run, &mut value, &wanted)?;
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
                    counts_text(&r["counts"])
                );
                if let Some(error) = r["error"].as_str() {
                    println!("error: {error}");
                }
                if let Some(records) = v["records"].as_array() {
                    let mut t = Table::new(&["SEQ", "KEY", "OUTCOME", "ATTEMPTS", "ERROR OR REASON"]).right(&[0, 3]);
                    for rec in records {
                        let why = match (rec["error_class"].as_str(), rec["error"].as_str()) {
                            (Some(class), Some(error)) => format!("{class}: {error}"),
                            (None, Some(error)) => error.to_owned(),
                            _ => rec["reason"].as_str().unwrap_or("").to_owned(),
                        };
                        t.row(vec![
                            rec["seq"].to_string(),
                            rec["key"].as_str().unwrap_or("").into(),
                            rec["outcome"].as_str().unwrap_or("").into(),
                            rec["attempts"].to_string(),
                            why,
                        ]);
                    }
                    t.print();
                    for rec in records.iter().filter(|r| r["calls"].as_array().is_some_and(|c| !c.is_empty())) {
                        println!("\ncalls of record {} ({}):", rec["seq"], rec["key"].as_str().unwrap_or(""));
                        super::calls::print(&rec["calls"]);
                    }
                }
                if v["calls"].is_array() {
                    println!("\ncalls:");
                    super::calls::print(&v["calls"]);
                    if let Some(next) = v["next"].as_u64() {
                        println!("more: --after {next}");
                    }
                }
            })
        }
        // Dispatched before the database is opened here (it needs the engine): see `cli::run`.
        RunsCommand::Revert(_) => Err("weft runs revert: internal dispatch error".into()),
    }
}

fn dead_table(v: &Value) {
    let mut t = Table::new(&["JOB", "FLOW", "KEY", "DEAD AT", "ATTEMPTS", "STATE", "ERROR"]).right(&[0, 4]);
    for d in v.as_array().into_iter().flatten() {
        let job = &d["job"];
        let state = match (&d["edit"]["job_id"], d["discarded"].as_str()) {
            (id, _) if id.is_u64() => format!("edited: retried as job {id}"),
            (_, Some(reason)) => format!("discarded: {reason}"),
            _ => "open".into(),
        };
        t.row(vec![
            job["id"].to_string(),
            job["flow"].as_str().unwrap_or("").into(),
            job["key"].as_str().unwrap_or("").into(),
            ms_to_text(&d["dead_ms"]),
            job["attempts"].to_string(),
            state,
            format!("{}: {}", d["error"]["class"].as_str().unwrap_or(""), d["error"]["message"].as_str().unwrap_or("")),
        ]);
    }
    t.print();
}

/// Run a `dlq` command.
pub fn dlq(cmd: DlqCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    let now = SystemClock.now_ms();
    match cmd {
        DlqCommand::List { flow, status, grep, since, until, json } => {
            let filter = ops::DeadFilter {
                flow,
                status,
                text: grep,
                since_ms: time_ms("since", since.as_deref())?,
                until_ms: time_ms("until", until.as_deref())?,
            };
            let value = match &target {
                Target::Local(s) => done(ops::dead_letters(s, &filter))?,
                Target::Remote(a) => a.get(&format!(
                    "/api/dlq?{}",
                    query_string(&[
                        ("flow", filter.flow.clone()),
                        ("status", filter.status.clone()),
                        ("q", filter.text.clone()),
                        ("since", filter.since_ms.map(|t| t.to_string())),
                        ("until", filter.until_ms.map(|t| t.to_string())),
                    ])
                ))?,
            };
            known_or_found(config, filter.flow.as_deref(), &value, "dead letters")?;
            print(&value, json, dead_table)
        }
        DlqCommand::Show { id, json } => {
            let all = match &target {
                Target::Local(s) => done(ops::dead_letters(s, &ops::DeadFilter::default()))?,
                Target::Remote(a) => a.get("/api/dlq")?,
            };
            let mut dead = all
                .as_array()
                .and_then(|list| list.iter().find(|d| d["job"]["id"] == id).cloned())
                .ok_or_else(|| format!("no dead letter {id}"))?;
            let job: Option<crate::store::Job> = serde_json::from_value(dead["job"].clone()).ok();
            dead["record"] = json!(job.as_ref().and_then(ops::dead_record));
            print(&dead, json, |d| {
                dead_table(&json!([d]));
                println!("record: {}", serde_json::to_string_pretty(&d["record"]).unwrap_or_default());
                if d["edit"].is_object() {
                    println!(
                        "edited {} ({}), retried as job {}: {}",
                        ms_to_text(&d["edit"]["at_ms"]),
                        d["edit"]["note"].as_str().unwrap_or(""),
                        d["edit"]["job_id"],
                        serde_json::to_string_pretty(&d["edit"]["payload"]).unwrap_or_default()
                    );
                }
            })
        }
        DlqCommand::Retry { ids, flow, all, json } => {
            let value = match (ids.as_slice(), flow, all) {
                ([id], None, false) => match &target {
                    Target::Local(s) => done(ops::retry_dead(s, Some(*id), None, now))?,
                    Target::Remote(a) => a.post(&format!("/api/dlq/{id}/retry"), json!({}))?,
                },
                ([_, ..], None, false) => match &target {
                    Target::Local(s) => done(ops::retry_many(s, &ids, now))?,
                    Target::Remote(a) => a.post("/api/dlq/retry", json!({"ids": ids}))?,
                },
                ([], Some(flow), true) => {
                    if !config.flows.contains_key(&flow) {
                        return Err(format!("no flow {flow} in the config"));
                    }
                    match &target {
                        Target::Local(s) => done(ops::retry_dead(s, None, Some(&flow), now))?,
                        Target::Remote(a) => {
                            a.post(&format!("/api/dlq/retry?{}", query_string(&[("flow", Some(flow))])), json!({}))?
                        }
                    }
                }
                _ => return Err("give job ids, or --flow FLOW --all".into()),
            };
            print(&value, json, |v| println!("requeued {}", v["requeued"]))
        }
        DlqCommand::Discard { ids, reason, json } => {
            let value = match &target {
                Target::Local(s) => done(ops::discard_many(s, &ids, &reason))?,
                Target::Remote(a) => a.post("/api/dlq/discard", json!({"ids": ids, "reason": reason}))?,
            };
            print(&value, json, |v| println!("discarded {}", v["discarded"]))
        }
        DlqCommand::Edit { id, record, note, json } => {
            let text = std::fs::read_to_string(&record).map_err(|e| format!("{}: {e}", record.display()))?;
            let edited: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", record.display()))?;
            let value = match &target {
                Target::Local(s) => done(ops::retry_edited(s, id, &edited, &note, now))?,
                Target::Remote(a) => a.post(&format!("/api/dlq/{id}/edit"), json!({"record": edited, "note": note}))?,
            };
            print(&value, json, |v| println!("dead letter {id} retried with the edit as job {}", v["job"]))
        }
    }
}

/// Run a `queue` command.
pub fn queue(cmd: QueueCommand, config: &Config) -> Result<ExitCode, String> {
    let target = target(config)?;
    let now = SystemClock.now_ms();
    let set = |flow: &str, paused: bool, json: bool| -> Result<ExitCode, String> {
        if !config.flows.contains_key(flow) {
            return Err(format!("no flow {flow} in the config"));
        }
        let value = match &target {
            Target::Local(s) => local(ops::set_paused(s, flow, paused, now))?,
            Target::Remote(a) => {
                a.post(&format!("/api/queues/{flow}/{}", if paused { "pause" } else { "resume" }), json!({}))?
            }
        };
        print(&value, json, |_| println!("{flow} {}", if paused { "paused" } else { "resumed" }))
    };
    match cmd {
        QueueCommand::Pause { flow, json } => set(&flow, true, json),
        QueueCommand::Resume { flow, json } => set(&flow, false, json),
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
                let mut t = Table::new(&["FLOW", "READY", "LEASED", "DEAD", "PAUSED"]).right(&[1, 2, 3]);
                for (flow, s) in &status {
                    let mut paused = if s["paused_since_ms"].is_null() {
                        "no".to_owned()
                    } else {
                        format!("since {}", ms_to_text(&s["paused_since_ms"]))
                    };
                    if let Some(reason) = s["pause_reason"].as_str() {
                        paused.push_str(&format!(" ({reason})"));
                    }
                    t.row(vec![
                        flow.clone(),
                        s["ready"].to_string(),
                        s["leased"].to_string(),
                        s["dead"].to_string(),
                        paused,
                    ]);
                }
                t.print();
            })
        }
    }
}
