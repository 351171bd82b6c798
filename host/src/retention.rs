//! Retention in `weft serve`: every `[retention] every`, each aged table is pruned of what is
//! older than its setting, in bounded rounds, and the removal is kept as a run of its own
//! (`@retention`, one record per table that lost entries).

use crate::clock::{rfc3339, Clock};
use crate::config::RetentionConfig;
use crate::store::{Aged, Outcome, Run, RunRecord, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The flow name of retention runs, and the key of their last tick.
pub const RUN_FLOW: &str = "@retention";
/// Entries removed per transaction: a round never holds the database for long.
const ROUND: usize = 2_000;

/// What one prune removed from one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The table.
    pub table: Aged,
    /// Entries removed.
    pub removed: usize,
    /// What was older than this (ms since the epoch) was removed.
    pub before_ms: u64,
}

/// Prune every aged table of what is older than `config` keeps, at `now_ms`.
pub fn prune(store: &Store, config: &RetentionConfig, now_ms: u64) -> Result<Vec<Pruned>, String> {
    let mut out = Vec::new();
    for table in Aged::ALL {
        let keep = config.keep(table).map_err(|(key, reason)| format!("{key}: {reason}"))?;
        let before_ms = now_ms.saturating_sub(keep.as_millis() as u64);
        let mut removed = 0;
        loop {
            let round = store.prune(table, before_ms, ROUND).map_err(|e| format!("pruning {table}: {e}"))?;
            removed += round;
            if round < ROUND {
                break;
            }
        }
        out.push(Pruned { table, removed, before_ms });
    }
    Ok(out)
}

/// Prune now and keep it as a run (`trigger`: `schedule` or `manual`): the run (`None` when
/// nothing was old enough to go) and what went per table.
pub fn prune_as_run(
    store: &Store,
    config: &RetentionConfig,
    now_ms: u64,
    trigger: &str,
) -> Result<(Option<Run>, Vec<Pruned>), String> {
    let run = store.start_run(RUN_FLOW, trigger, None, now_ms).map_err(|e| e.to_string())?;
    let pruned = match prune(store, config, now_ms) {
        Ok(pruned) => pruned,
        Err(error) => {
            let run = store.finish_run(run.id, now_ms, Some(error.clone())).map_err(|e| e.to_string())?;
            tracing::error!(run = run.id, "retention: {error}");
            return Err(error);
        }
    };
    let records: Vec<RunRecord> = pruned
        .iter()
        .filter(|p| p.removed > 0)
        .map(|p| RunRecord {
            key: p.table.name().to_owned(),
            outcome: Outcome::Pruned,
            removed: Some(p.removed as u64),
            reason: Some(format!("older than {}", rfc3339(p.before_ms))),
            ..RunRecord::default()
        })
        .collect();
    if records.is_empty() {
        store.discard_run(run.id).map_err(|e| e.to_string())?;
        return Ok((None, pruned));
    }
    store.add_run_records(run.id, &records).map_err(|e| e.to_string())?;
    let run = store.finish_run(run.id, now_ms, None).map_err(|e| e.to_string())?;
    Ok((Some(run), pruned))
}

/// Prune when `[retention] every` has passed since the last prune (at once on a first start);
/// whether it pruned.
pub fn tick(store: &Store, config: &RetentionConfig, now_ms: u64) -> Result<bool, String> {
    let last = store.last_tick(RUN_FLOW).map_err(|e| e.to_string())?;
    if last.is_some_and(|last| now_ms.saturating_sub(last) < config.interval().as_millis() as u64) {
        return Ok(false);
    }
    // With hosts sharing the store, the one whose firing the store accepts prunes.
    if !store.fire_tick(RUN_FLOW, last, now_ms, None).map_err(|e| e.to_string())? {
        return Ok(false);
    }
    if let (Some(run), pruned) = prune_as_run(store, config, now_ms, "schedule")? {
        let removed: Vec<String> =
            pruned.iter().filter(|p| p.removed > 0).map(|p| format!("{} {}", p.table, p.removed)).collect();
        tracing::info!(run = run.id, "retention: removed {}", removed.join(", "));
    }
    Ok(true)
}

/// The thread of `weft serve` that prunes on schedule until `stop` is set.
pub fn spawn(
    store: Store,
    config: RetentionConfig,
    clock: Arc<dyn Clock>,
    stop: Arc<AtomicBool>,
) -> Result<std::thread::JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("weft-retention".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if let Err(e) = tick(&store, &config, clock.now_ms()) {
                    tracing::error!("retention could not prune: {e}");
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
        .map_err(|e| e.to_string())
}
