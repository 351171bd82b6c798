//! `weft run FLOW [--once] [--dry-run]`: run one flow now, in this process (not while `weft
//! serve` holds the database). It pulls from the source since the flow's cursor and pushes
//! every record; `--once` makes one pass and leaves retries queued, otherwise it also waits out
//! the retries. `--dry-run` works on a scratch copy of the store and prints the Shopify writes
//! it would make instead of making them.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flow::base::dry_run;
use crate::flow::Work;
use crate::store::{EnqueueOutcome, ErrorClass, NewJob, Outcome};
use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

/// `weft run ...`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The flow (a `[flows.NAME]`).
    pub flow: String,
    /// One pass: pull and push once; retries stay queued for `weft serve`.
    #[arg(long)]
    pub once: bool,
    /// Print the writes it would make without making them (on a scratch copy of the store).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Bad rows a run reads past at most (a source reporting more is stopped there).
const MAX_BAD_ROWS: usize = 10_000;
/// Failed records the text summary lists one by one (`weft runs show RUN --failed` has them all).
const LISTED: usize = 20;

/// Jobs leased per batch.
const BATCH: usize = 250;
/// Lease of a batch.
const LEASE_MS: u64 = 10 * 60 * 1000;

/// A scratch directory removed when dropped.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run `weft run`.
pub fn run(args: RunArgs, config: Config) -> Result<ExitCode, String> {
    if !config.flows.contains_key(&args.flow) {
        return Err(format!(
            "no flow `{}` (flows: {})",
            args.flow,
            config.flows.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut config = config;
    let _scratch = if args.dry_run {
        dry_run::enable();
        let scratch =
            Scratch(std::env::temp_dir().join(format!("weft-dry-run-{}-{}", std::process::id(), SystemClock.now_ms())));
        std::fs::create_dir_all(&scratch.0).map_err(|e| format!("scratch store: {e}"))?;
        if config.store.path.is_dir() {
            for entry in std::fs::read_dir(&config.store.path).map_err(|e| e.to_string())?.flatten() {
                if entry.path().is_file() {
                    std::fs::copy(entry.path(), scratch.0.join(entry.file_name()))
                        .map_err(|e| format!("copy the store: {e}"))?;
                }
            }
        }
        let cache = config.plugin_cache_dir();
        config.plugins.cache_dir.get_or_insert(cache);
        config.store.path = scratch.0.clone();
        Some(scratch)
    } else {
        None
    };
    let store = super::open_store(&config)
        .map_err(|e| format!("{e} (stop `weft serve` first: the database admits one process)"))?;
    let super::engine::LocalEngine { runtime, engine } = super::engine::with_store(config, store.clone())?;
    let _guard = runtime.enter();
    let queue = engine.queue().clone();
    let pull_job = |n: usize| -> Result<u64, String> {
        let now = SystemClock.now_ms();
        let pull = NewJob {
            flow: args.flow.clone(),
            trigger: "manual".into(),
            key: if n == 0 { format!("manual-{now}") } else { format!("manual-{now}-{n}") },
            payload: Work::Pull.payload().map_err(|e| e.message)?,
            dedupe_id: None,
        };
        match queue.enqueue(vec![pull]).map_err(|e| e.to_string())?.first() {
            Some(EnqueueOutcome::Enqueued(id)) => Ok(*id),
            _ => Err("the pull job was not queued".into()),
        }
    };
    let mut pull = pull_job(0)?;
    let mut counts: BTreeMap<Outcome, u64> = BTreeMap::new();
    let mut run_ids = Vec::new();
    let mut failures: Vec<Value> = Vec::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut bad_rows: Vec<Value> = Vec::new();
    let started = std::time::Instant::now();
    loop {
        let jobs = queue.lease(Some(&args.flow), LEASE_MS, BATCH).map_err(|e| e.to_string())?;
        if jobs.is_empty() {
            // A pull that stopped at a bad row the source reported (and skips from now on): read
            // on past it, so every good row is processed and the bad ones are reported.
            let dead = store.dead_letters(Some(&args.flow)).map_err(|e| e.to_string())?;
            if let Some(d) = dead.iter().find(|d| d.job.id == pull && d.error.class == ErrorClass::InvalidInput) {
                let repeated = bad_rows.last().is_some_and(|b| b["error"] == d.error.message.as_str());
                if !repeated && bad_rows.len() < MAX_BAD_ROWS {
                    bad_rows.push(json!({"job": d.job.id, "class": d.error.class, "error": d.error.message}));
                    pull = pull_job(bad_rows.len())?;
                    continue;
                }
            }
            let waiting =
                store.queue_status().map_err(|e| e.to_string())?.get(&args.flow).map_or(0, |s| s.ready + s.leased);
            if args.once || waiting == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        let id = engine.run_batch(&args.flow, jobs).map_err(|e| e.to_string())?;
        if let Some(run) = id.map(|id| store.run(id)).transpose().map_err(|e| e.to_string())?.flatten() {
            for (outcome, n) in &run.counts {
                *counts.entry(*outcome).or_default() += n;
            }
            for entry in store.run_records(run.id).map_err(|e| e.to_string())? {
                let r = &entry.record;
                if r.outcome.is_failure() {
                    failures.push(json!({
                        "run": run.id,
                        "job": r.job_id,
                        "key": r.key,
                        "outcome": r.outcome,
                        "class": r.error_class,
                        "error": r.error,
                    }));
                } else if r.outcome == Outcome::Skipped {
                    *skipped.entry(r.reason.clone().unwrap_or_else(|| "no reason given".into())).or_default() += 1;
                }
            }
            run_ids.push(run.id);
        }
        // Progress on stderr: a long first sync shows how far it is.
        let records: u64 = counts.iter().filter(|(o, _)| **o != Outcome::Pulled).map(|(_, n)| n).sum();
        let queued = store.queue_status().map_err(|e| e.to_string())?.get(&args.flow).map_or(0, |s| s.ready + s.leased);
        eprintln!(
            "{}: batch {}: {records} records done, {queued} queued, {:.1}s",
            args.flow,
            run_ids.len(),
            started.elapsed().as_secs_f64()
        );
    }
    // A bad row is reported once, as a bad row (its pull's failure says the same).
    failures.retain(|f| !bad_rows.iter().any(|b| b["job"] == f["job"]));
    let status = store.queue_status().map_err(|e| e.to_string())?.remove(&args.flow).unwrap_or_default();
    let summary = json!({
        "flow": args.flow,
        "dry_run": args.dry_run,
        "runs": run_ids,
        "outcomes": counts.iter().map(|(o, n)| (o.name().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "queued": status.ready + status.leased,
        "dead_lettered": status.dead,
        "failures": failures,
        "skipped": skipped.iter().map(|(reason, n)| json!({"reason": reason, "count": n})).collect::<Vec<_>>(),
        "bad_rows": bad_rows,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "flow {}{}: {} batch(es); outcomes {}; queued {}, dead-lettered {}",
        args.flow,
        if args.dry_run { " (dry run: nothing was written)" } else { "" },
        run_ids.len(),
        counts.iter().map(|(o, n)| format!("{o} {n}")).collect::<Vec<_>>().join(", "),
        status.ready + status.leased,
        status.dead
    );
    for bad in &bad_rows {
        println!("  bad row skipped: {}", bad["error"].as_str().unwrap_or(""));
    }
    for f in failures.iter().take(LISTED) {
        println!(
            "  {} {}: {}: {}",
            f["outcome"].as_str().unwrap_or(""),
            f["key"].as_str().unwrap_or(""),
            f["class"].as_str().unwrap_or("error"),
            f["error"].as_str().unwrap_or("")
        );
    }
    if failures.len() > LISTED {
        println!("  … and {} more: weft runs show RUN --failed", failures.len() - LISTED);
    }
    for (reason, n) in &skipped {
        println!("  skipped {n}: {reason}");
    }
    Ok(ExitCode::SUCCESS)
}
