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
use crate::server::body::Bodies;
use crate::server::guard::Access;
use crate::server::{listen, ServerState};
use crate::store::Store;
use crate::versions::Live;
use crate::workers::{work, Lanes};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a host looks for a config version another host saved.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Everything `weft serve` runs, ready to start.
pub struct Service {
    engine: Arc<FlowEngine>,
    config: Arc<Config>,
    /// The engine the workers and the admin API take (config versions, reloaded plugins).
    live: Arc<Live>,
}

impl Service {
    /// Open the store, load plugins and build the flow engine on `config`, read from `path`
    /// (the file the dashboard's editor writes; none when serve runs on the defaults).
    pub fn open(config: Config, path: Option<PathBuf>) -> Result<Service, String> {
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
        let engine = FlowEngine::new(config.clone(), Arc::new(plugins), queue)?.with_metrics(metrics).with_breaker();
        let live = Arc::new(Live::start(engine, path, SystemClock.now_ms())?);
        Ok(Service { engine: live.engine(), config, live })
    }

    /// Run until SIGTERM/SIGINT, then drain in-flight jobs for at most `[server] drain_seconds`.
    pub fn run(self) -> Result<(), String> {
        let draining = Arc::new(AtomicBool::new(false));
        let state = Arc::new(self.state(draining.clone())?);
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
        // Checked before listening: a listening socket tells callers (and tests, and load
        // balancers) that serve has started, so it must not open on a start that then fails.
        {
            let _inside = runtime.enter();
            crate::check::at_start(&self.engine)?;
        }
        let listen = self.config.server.listen.clone();
        let listener = std::net::TcpListener::bind(&listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        state.access.check_listen(addr)?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let lease_ms = self.config.store.lease_ms();
        let mut threads = vec![renewer(self.engine.queue().clone(), lease_ms, stop.clone())?];
        let workers = self.config.server.workers.max(1);
        let lanes = Arc::new(Lanes::new(&self.config, workers));
        for i in 0..workers {
            let (live, stop, lanes) = (self.live.clone(), stop.clone(), lanes.clone());
            let handle = runtime.handle().clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("weft-worker-{i}"))
                    .spawn(move || {
                        let _guard = handle.enter();
                        work(&live, &lanes, &stop, lease_ms)
                    })
                    .map_err(|e| e.to_string())?,
            );
        }
        threads.push(follower(self.live.clone(), stop.clone())?);
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
            crate::reconcile::schedule::spawn(self.live.clone(), stop.clone(), runtime.handle().clone())?
        {
            threads.push(thread);
        }
        if let Some(thread) = crate::subscriptions::spawn(self.engine.clone(), stop.clone(), runtime.handle().clone())?
        {
            threads.push(thread);
        }
        let queue = self.engine.queue();
        let retention = self.config.retention.clone();
        threads.push(crate::retention::spawn(queue.store().clone(), retention, queue.clock().clone(), stop.clone())?);
        threads.extend(crate::signals::spawn(&self.engine, runtime.handle(), &stop)?);
        let limits = self.config.server.limits.clone();
        let stopping = draining.clone();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
            tracing::info!(%addr, "weft serve: listening (webhooks, admin API)");
            // Stdout may be a closed pipe: the line is for a person watching, never worth a panic.
            let _ = writeln!(std::io::stdout(), "weft serve listening on {addr}");
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
            let stop = async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                stopping.store(true, Ordering::SeqCst);
            };
            listen::serve(listener, state, &limits, stop).await;
            Ok::<(), String>(())
        })?;
        tracing::info!("weft serve: stopping; draining in-flight jobs");
        stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(self.config.server.drain_seconds);
        let mut unfinished = 0;
        for thread in threads {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                unfinished += 1;
            }
        }
        if unfinished > 0 {
            // The runtime stays up: a worker still inside a job would panic on a runtime shutting
            // down. The process ends with it; the job's lease is released at the next start.
            tracing::warn!(unfinished, "drain timed out; unfinished jobs will be taken again at the next start");
            std::mem::forget(runtime);
        } else {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
        tracing::info!("weft serve: stopped");
        Ok(())
    }

    fn state(&self, draining: Arc<AtomicBool>) -> Result<ServerState, String> {
        let mut webhook_secrets = BTreeMap::new();
        for (name, shop) in self.config.shops() {
            let key = |k: &str| crate::config::shops::shop_key(name, k);
            let mut secrets =
                vec![shop.webhook_secret.load().map_err(|e| format!("{}: {e}", key("webhook_secret")))?];
            if let Some(previous) = &shop.previous_webhook_secret {
                secrets.push(previous.load().map_err(|e| format!("{}: {e}", key("previous_webhook_secret")))?);
            }
            webhook_secrets.insert(name.to_owned(), secrets);
        }
        let admin_token = match &self.config.server.admin_token {
            Some(t) => Some(t.load().map_err(|e| format!("server.admin_token: {e}"))?),
            None => None,
        };
        let access = Access::new(&self.config.server, admin_token)?;
        let bodies = Bodies::new(&self.config.server.limits);
        Ok(ServerState { live: self.live.clone(), webhook_secrets, access, bodies, draining })
    }
}

/// Every few seconds, take in a config version another host sharing the store saved.
fn follower(live: Arc<Live>, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("weft-config".into())
        .spawn(move || {
            let mut last = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                if last.elapsed() >= FOLLOW_EVERY {
                    last = Instant::now();
                    // A refusal is logged by `follow` and not tried again.
                    let _ = live.follow();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .map_err(|e| e.to_string())
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
