//! `weft serve`: scheduler, workers, alerts, circuit breaker, retention and the HTTP server in
//! one process; SIGTERM drains.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flow::FlowEngine;
use crate::metrics::Metrics;
use crate::plugin::{HostOptions, PluginHost};
use crate::queue::Queue;
use crate::redact::Redactor;
use crate::scheduler::Scheduler;
use crate::server::{self, ServerState};
use crate::store::{Job, Store};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Jobs leased per worker round (Shopify takes up to 250 quantities per mutation).
const LEASE_BATCH: usize = 250;
/// Idle wait between polls.
const IDLE: Duration = Duration::from_millis(25);

/// Everything `weft serve` runs, ready to start.
pub struct Service {
    engine: Arc<FlowEngine>,
    config: Arc<Config>,
}

impl Service {
    /// Open the store, load plugins and build the flow engine.
    pub fn open(config: Config) -> Result<Service, String> {
        let store = Store::connect(&config.store.location(&config.server.listen)?).map_err(|e| e.to_string())?;
        tracing::info!(store = store.location(), "store open");
        let released = store.recover_orphaned_leases(SystemClock.now_ms()).map_err(|e| e.to_string())?;
        if released > 0 {
            tracing::warn!(released, "released jobs leased by a previous process that did not finish them");
        }
        let redactor = Redactor::new();
        let metrics = Arc::new(Metrics::new());
        let plugins = PluginHost::load(HostOptions::from_config(&config, Some(store.clone()), redactor))?
            .with_metrics(metrics.clone());
        for refused in plugins.refused() {
            tracing::error!(plugin = %refused.id, "plugin refused: {}", refused.reason);
        }
        let queue = Queue::new(store, Arc::new(SystemClock));
        let config = Arc::new(config);
        let engine =
            Arc::new(FlowEngine::new(config.clone(), Arc::new(plugins), queue)?.with_metrics(metrics).with_breaker());
        Ok(Service { engine, config })
    }

    /// Run until SIGTERM/SIGINT, then drain in-flight jobs for at most `[server] drain_seconds`.
    pub fn run(self) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = vec![renewer(self.engine.queue().clone(), self.config.store.lease_ms(), stop.clone())?];
        for i in 0..self.config.server.workers.max(1) {
            let (engine, stop, lease_ms) = (self.engine.clone(), stop.clone(), self.config.store.lease_ms());
            let handle = runtime.handle().clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("weft-worker-{i}"))
                    .spawn(move || {
                        let _guard = handle.enter();
                        work(&engine, &stop, lease_ms)
                    })
                    .map_err(|e| e.to_string())?,
            );
        }
        let scheduler = Scheduler::new(self.engine.queue().clone(), &self.config.flows);
        let sched_stop = stop.clone();
        threads.push(
            std::thread::Builder::new()
                .name("weft-scheduler".into())
                .spawn(move || {
                    while !sched_stop.load(Ordering::SeqCst) {
                        match scheduler.tick() {
                            Ok(fired) if !fired.is_empty() => tracing::info!(?fired, "scheduled pulls enqueued"),
                            Ok(_) => {}
                            Err(e) => tracing::error!("scheduler: {e}"),
                        }
                        std::thread::sleep(Duration::from_millis(250));
                    }
                })
                .map_err(|e| e.to_string())?,
        );
        if let Some(thread) =
            crate::reconcile::schedule::spawn(self.engine.clone(), stop.clone(), runtime.handle().clone())?
        {
            threads.push(thread);
        }
        let queue = self.engine.queue();
        let retention = self.config.retention.clone();
        threads.push(crate::retention::spawn(queue.store().clone(), retention, queue.clock().clone(), stop.clone())?);
        threads.extend(crate::signals::spawn(&self.engine, runtime.handle(), &stop)?);
        let state = Arc::new(self.state()?);
        let listen = self.config.server.listen.clone();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, "weft serve: listening (webhooks, admin API)");
            println!("weft serve listening on {addr}");
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, peer)) = accepted else { continue };
                        let state = state.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| server::handle(state.clone(), peer, req));
                            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                                tracing::debug!("connection from {peer}: {e}");
                            }
                        });
                    }
                    _ = term.recv() => break,
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
            Ok::<(), String>(())
        })?;
        tracing::info!("weft serve: stopping; draining in-flight jobs");
        stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(self.config.server.drain_seconds);
        for thread in threads {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                tracing::warn!("drain timed out; unfinished jobs will be taken again at the next start");
            }
        }
        runtime.shutdown_timeout(Duration::from_secs(1));
        tracing::info!("weft serve: stopped");
        Ok(())
    }

    fn state(&self) -> Result<ServerState, String> {
        let webhook_secret = match &self.config.shopify {
            Some(s) => Some(s.webhook_secret.load().map_err(|e| format!("shopify.webhook_secret: {e}"))?),
            None => None,
        };
        let admin_token = match &self.config.server.admin_token {
            Some(t) => Some(t.load().map_err(|e| format!("server.admin_token: {e}"))?),
            None => None,
        };
        Ok(ServerState { engine: self.engine.clone(), webhook_secret, admin_token })
    }
}

/// Renew this host's leases every third of a lease until told to stop: a live host keeps its
/// jobs however long a batch takes; a dead one's are taken over when their lease ends.
fn renewer(queue: Queue, lease_ms: u64, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("weft-leases".into())
        .spawn(move || {
            let every = Duration::from_millis(lease_ms / 3);
            let mut last = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                if last.elapsed() >= every {
                    last = Instant::now();
                    if let Err(e) = queue.store().renew_leases(queue.clock().now_ms(), lease_ms) {
                        tracing::error!("leases not renewed: {e}");
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .map_err(|e| e.to_string())
}

/// One worker: lease jobs, run them per flow, until told to stop (finishing the current batch).
fn work(engine: &FlowEngine, stop: &AtomicBool, lease_ms: u64) {
    while !stop.load(Ordering::SeqCst) {
        let jobs = match engine.queue().lease(None, lease_ms, LEASE_BATCH) {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::error!("lease failed: {e}");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if jobs.is_empty() {
            std::thread::sleep(IDLE);
            continue;
        }
        let mut by_flow: BTreeMap<String, Vec<Job>> = BTreeMap::new();
        for job in jobs {
            by_flow.entry(job.flow.clone()).or_default().push(job);
        }
        for (flow, jobs) in by_flow {
            match engine.run_batch(&flow, jobs) {
                Ok(run) => tracing::debug!(flow, run, "batch done"),
                Err(e) => tracing::error!(flow, "batch failed: {e}"),
            }
        }
    }
}
