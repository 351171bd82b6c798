//! `weft run FLOW [--once] [--dry-run]`: run one flow now, in this process (not while `weft
//! serve` holds the database). It pulls from the source since the flow's cursor and pushes
//! every record; `--once` makes one pass and leaves retries queued, otherwise it also waits out
//! the retries. `--dry-run` works on a scratch copy of the store and prints the Shopify writes
//! it would make instead of making them.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flow::base::dry_run;
use crate::flow::Work;
use crate::store::{NewJob, Outcome};
use clap::Args;
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
}

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
    let now = SystemClock.now_ms();
    let pull = NewJob {
        flow: args.flow.clone(),
        trigger: "manual".into(),
        key: format!("manual-{now}"),
        payload: serde_json::to_value(Work::Pull).map_err(|e| e.to_string())?,
        webhook_id: None,
    };
    queue.enqueue(vec![pull]).map_err(|e| e.to_string())?;
    let mut counts: BTreeMap<Outcome, u64> = BTreeMap::new();
    let mut runs = 0;
    let started = std::time::Instant::now();
    loop {
        let jobs = queue.lease(Some(&args.flow), LEASE_MS, BATCH).map_err(|e| e.to_string())?;
        if jobs.is_empty() {
            let waiting =
                store.queue_status().map_err(|e| e.to_string())?.get(&args.flow).map_or(0, |s| s.ready + s.leased);
            if args.once || waiting == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        let id = engine.run_batch(&args.flow, jobs).map_err(|e| e.to_string())?;
        runs += 1;
        if let Some(run) = id.map(|id| store.run(id)).transpose().map_err(|e| e.to_string())?.flatten() {
            for (outcome, n) in run.counts {
                *counts.entry(outcome).or_default() += n;
            }
        }
        // Progress on stderr: a long first sync shows how far it is.
        let records: u64 = counts.iter().filter(|(o, _)| **o != Outcome::Pulled).map(|(_, n)| n).sum();
        let queued = store.queue_status().map_err(|e| e.to_string())?.get(&args.flow).map_or(0, |s| s.ready + s.leased);
        eprintln!(
            "{}: batch {runs}: {records} records done, {queued} queued, {:.1}s",
            args.flow,
            started.elapsed().as_secs_f64()
        );
    }
    let status = store.queue_status().map_err(|e| e.to_string())?.remove(&args.flow).unwrap_or_default();
    println!(
        "flow {}{}: {runs} batch(es); outcomes {}; queued {}, dead-lettered {}",
        args.flow,
        if args.dry_run { " (dry run: nothing was written)" } else { "" },
        counts.iter().map(|(o, n)| format!("{o} {n}")).collect::<Vec<_>>().join(", "),
        status.ready + status.leased,
        status.dead
    );
    Ok(ExitCode::SUCCESS)
}
