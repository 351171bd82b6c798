//! The daily reconciliation of `weft serve` (`[reconcile] schedule`): a thread that runs
//! [`super::run`] when the cron is due (a tick missed while weft was down runs once at start),
//! on the engine running then (a config version applied while serving included).

use super::Options;
use crate::scheduler::Schedule;
use crate::versions::Live;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The key under which the last run is remembered (next to the flows' last ticks).
const TICK_KEY: &str = "@reconcile";

/// Start the thread if the config has a schedule; it stops when `stop` is set.
pub fn spawn(
    live: Arc<Live>,
    stop: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
) -> Result<Option<std::thread::JoinHandle<()>>, String> {
    let engine = live.engine();
    let Some(cron) = engine.config().reconcile.schedule.clone() else { return Ok(None) };
    let schedule =
        Schedule::Cron(Box::new(cron::Schedule::from_str(&cron).map_err(|e| format!("reconcile.schedule: {e}"))?));
    let heal = engine.config().reconcile.heal;
    let thread = std::thread::Builder::new()
        .name("weft-reconcile".into())
        .spawn(move || {
            let _guard = runtime.enter();
            let store = engine.queue().store().clone();
            drop(engine);
            while !stop.load(Ordering::SeqCst) {
                let now = live.engine().queue().clock().now_ms();
                let last = store.last_tick(TICK_KEY).unwrap_or_default();
                // First start: wait for the next tick instead of reconciling at once. With hosts
                // sharing the store, the one whose firing the store accepts reconciles.
                if last.is_none() {
                    let _ = store.fire_tick(TICK_KEY, None, now, None);
                } else if schedule.due(last, now) && store.fire_tick(TICK_KEY, last, now, None).unwrap_or(false) {
                    let options = Options { flow: None, heal, trigger: "schedule".into() };
                    match super::run(&live.engine(), &options, &mut |line| tracing::info!("{line}")) {
                        Ok(report) => tracing::info!(
                            report = report.id,
                            drifted = report.summary.drifted,
                            "scheduled reconciliation done"
                        ),
                        Err(e) => tracing::error!("scheduled reconciliation could not run: {e}"),
                    }
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Some(thread))
}
