//! The background threads of `weft serve` that watch the flows: the alert evaluator and the
//! circuit breaker's prober. Both stop with the service.

use crate::alerts::deliver::Notifier;
use crate::alerts::Evaluator;
use crate::flow::FlowEngine;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Sleep `period`, waking early when `stop` is set. Returns false once stopped.
fn idle(stop: &AtomicBool, period: Duration) -> bool {
    let until = Instant::now() + period;
    while Instant::now() < until {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50).min(period));
    }
    !stop.load(Ordering::SeqCst)
}

/// Start the evaluator and the prober on `runtime` (alert deliveries and Shopify probes run there).
pub fn spawn(
    engine: &Arc<FlowEngine>,
    runtime: &tokio::runtime::Handle,
    stop: &Arc<AtomicBool>,
) -> Result<Vec<JoinHandle<()>>, String> {
    let config = engine.config();
    let url = match &config.alerts.webhook_url {
        Some(source) => Some(source.load().map_err(|e| format!("alerts.webhook_url: {e}"))?),
        None => None,
    };
    let notifier = Notifier::start(url, config.alerts.format, runtime)?;
    let evaluator = Evaluator::new(config, engine.queue().store().clone(), notifier, engine.queue().clock().now_ms());
    let every = config.alerts.interval();
    let (clock, eval_stop) = (engine.queue().clock().clone(), stop.clone());
    let alerts = std::thread::Builder::new()
        .name("weft-alerts".into())
        .spawn(move || loop {
            if let Err(e) = evaluator.round(clock.now_ms()) {
                tracing::error!("alert evaluation failed: {e}");
            }
            if !idle(&eval_stop, every) {
                break;
            }
        })
        .map_err(|e| e.to_string())?;
    let mut threads = vec![alerts];
    if config.breaker.enabled {
        let (engine, stop, handle) = (engine.clone(), stop.clone(), runtime.clone());
        let every = engine.probe_every();
        threads.push(
            std::thread::Builder::new()
                .name("weft-breaker".into())
                .spawn(move || {
                    let _guard = handle.enter();
                    while idle(&stop, every) {
                        if let Err(e) = engine.probe_open_circuits() {
                            tracing::error!("circuit probe failed: {e}");
                        }
                    }
                })
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(threads)
}
