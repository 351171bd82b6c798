//! A plugin session: one instance for one job, with deadlines, memory limits, output caps and
//! classified failures. A trap retires the instance; the next call gets a fresh one.

use super::engine::PluginEngine;
use super::http::{HttpLimits, Network, OutboundHooks, Tap};
use super::loader::LoadedPlugin;
use super::manifest::PluginKind;
use super::state::{HostState, MemoryLimiter, Permissions};
use super::wit::{Call, Instance};
use crate::model::{ChangeEvent, Entity, KeyedRecord, Page, PluginError, PluginInfo, Pushed, Record};
use crate::redact::Redactor;
use crate::store::ErrorClass;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::{Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// Captured plugin stdout/stderr per call (beyond it, output is dropped).
const MAX_STDIO_BYTES: usize = 64 * 1024;

/// Why a plugin call failed as a whole (as opposed to a per-record `plugin-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The call ran past its deadline and was interrupted.
    #[error("plugin {plugin}: `{function}` exceeded its deadline of {deadline_ms} ms and was interrupted")]
    Deadline {
        /// Plugin id.
        plugin: String,
        /// The function called.
        function: String,
        /// The deadline.
        deadline_ms: u64,
    },
    /// The instance tried to use more memory than allowed.
    #[error("plugin {plugin}: `{function}` exceeded its memory limit of {limit_mib} MiB")]
    MemoryLimit {
        /// Plugin id.
        plugin: String,
        /// The function called.
        function: String,
        /// The limit.
        limit_mib: u64,
    },
    /// The guest overflowed its stack.
    #[error("plugin {plugin}: `{function}` overflowed its stack")]
    StackOverflow {
        /// Plugin id.
        plugin: String,
        /// The function called.
        function: String,
    },
    /// The guest trapped (panic, unreachable, bad memory access...).
    #[error("plugin {plugin}: `{function}` trapped: {message}")]
    Trap {
        /// Plugin id.
        plugin: String,
        /// The function called.
        function: String,
        /// The trap, redacted.
        message: String,
    },
    /// The result was larger than allowed.
    #[error("plugin {plugin}: `{function}` returned {bytes} bytes, more than the {limit} allowed")]
    OutputTooLarge {
        /// Plugin id.
        plugin: String,
        /// The function called.
        function: String,
        /// Size of the result.
        bytes: u64,
        /// The cap.
        limit: u64,
    },
    /// A fresh instance could not be created (pool exhausted, start-up trap).
    #[error("plugin {plugin}: cannot instantiate: {message}")]
    Instantiate {
        /// Plugin id.
        plugin: String,
        /// Why.
        message: String,
    },
    /// The function does not exist in this plugin's world.
    #[error("plugin {plugin} is a {kind}; it has no `{function}`")]
    WrongKind {
        /// Plugin id.
        plugin: String,
        /// Its kind.
        kind: PluginKind,
        /// The function asked for.
        function: String,
    },
}

impl CallError {
    /// Its class, for logs, metrics and run records.
    pub fn class(&self) -> ErrorClass {
        match self {
            CallError::Deadline { .. } => ErrorClass::Deadline,
            CallError::MemoryLimit { .. } => ErrorClass::MemoryLimit,
            CallError::StackOverflow { .. } => ErrorClass::StackOverflow,
            CallError::Trap { .. } => ErrorClass::Trap,
            CallError::OutputTooLarge { .. } => ErrorClass::OutputTooLarge,
            CallError::Instantiate { .. } => ErrorClass::Instantiate,
            CallError::WrongKind { .. } => ErrorClass::WrongKind,
        }
    }
}

/// Limits of one session's calls.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Deadline of each call.
    pub deadline: Duration,
    /// Memory of the instance.
    pub memory_bytes: usize,
    /// Largest result of a call.
    pub max_output_bytes: u64,
    /// Outbound HTTP limits.
    pub http: HttpLimits,
}

/// A live instance of one plugin, used for one job.
pub struct PluginSession {
    engine: Arc<PluginEngine>,
    plugin: Arc<LoadedPlugin>,
    permissions: Permissions,
    directory: Option<PathBuf>,
    network: Network,
    redactor: Redactor,
    limits: SessionLimits,
    live: Option<(Store<HostState>, Instance)>,
    instances: u32,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl PluginSession {
    pub(super) fn new(
        engine: Arc<PluginEngine>,
        plugin: Arc<LoadedPlugin>,
        permissions: Permissions,
        directory: Option<PathBuf>,
        network: Network,
        redactor: Redactor,
        limits: SessionLimits,
    ) -> PluginSession {
        PluginSession {
            engine,
            plugin,
            permissions,
            directory,
            network,
            redactor,
            limits,
            live: None,
            instances: 0,
            metrics: None,
        }
    }

    /// Report each call's latency and whole-call failures to `metrics`.
    pub(super) fn observed_by(mut self, metrics: Option<Arc<crate::metrics::Metrics>>) -> PluginSession {
        self.metrics = metrics;
        self
    }

    /// Call `call` and report it to the metrics, if any.
    fn observed<R>(
        &mut self,
        function: &str,
        call: impl FnOnce(&mut Self) -> Result<R, CallError>,
    ) -> Result<R, CallError> {
        let started = Instant::now();
        let result = call(self);
        if let Some(metrics) = &self.metrics {
            let failure = result.as_ref().err().map(CallError::class);
            metrics.observe_plugin_call(&self.plugin.manifest.id, function, started.elapsed(), failure);
            // A retired instance's memory was last seen by its previous call.
            if let Some((store, _)) = &self.live {
                metrics.observe_plugin_memory(&self.plugin.manifest.id, store.data().limiter.used);
            }
        }
        result
    }

    /// Record the session's HTTP exchanges from now on (each body cut at `body_bytes`), in the
    /// tap returned; a session recording already keeps its tap. Call it before the first call:
    /// an instance already running keeps the network it started with.
    pub fn record_http(&mut self, body_bytes: usize) -> Tap {
        self.network.tap.get_or_insert_with(|| Tap::new(body_bytes)).clone()
    }

    /// The plugin's id.
    pub fn plugin_id(&self) -> &str {
        &self.plugin.manifest.id
    }

    /// How many instances this session created (a trap retires one; the next call makes another).
    pub fn instances_created(&self) -> u32 {
        self.instances
    }

    fn instantiate(&mut self) -> Result<(), CallError> {
        let id: Arc<str> = Arc::from(self.plugin.manifest.id.as_str());
        let stdout = MemoryOutputPipe::new(MAX_STDIO_BYTES);
        let stderr = MemoryOutputPipe::new(MAX_STDIO_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        if let Some(dir) = &self.directory {
            wasi.preopened_dir(dir, "/data", FsPerms::ReadWrite).map_err(|e| CallError::Instantiate {
                plugin: id.to_string(),
                message: format!("cannot open granted directory {}: {e}", dir.display()),
            })?;
        }
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let hooks = OutboundHooks {
            plugin_id: id.clone(),
            policy: self.permissions.outbound.clone(),
            network: self.network.clone(),
            limits: self.limits.http,
            refusals: refusals.clone(),
            redactor: self.redactor.clone(),
        };
        let limiter = MemoryLimiter { limit: self.limits.memory_bytes, used: 0, hit: false };
        let state = HostState::new(
            id.clone(),
            self.permissions.clone(),
            self.redactor.clone(),
            limiter,
            wasi.build(),
            stdout,
            stderr,
            hooks,
            refusals,
            self.plugin.chatter.clone(),
        );
        let mut store = Store::new(&self.engine.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(PluginEngine::ticks(self.limits.deadline));
        match self.plugin.pre.instantiate(&mut store) {
            Ok(instance) => {
                self.instances += 1;
                self.live = Some((store, instance));
                Ok(())
            }
            Err(e) => Err(CallError::Instantiate {
                plugin: id.to_string(),
                message: self.redactor.redact(&format!("{e:#}")).into_owned(),
            }),
        }
    }

    /// Run `f` against the live instance with a fresh deadline; classify and retire on failure.
    fn call<R>(
        &mut self,
        function: &str,
        output_size: impl FnOnce(&R) -> u64,
        f: impl FnOnce(&mut Store<HostState>, &Instance) -> Call<R>,
    ) -> Result<R, CallError> {
        self.observed(function, |session| session.call_unobserved(function, output_size, f))
    }

    fn call_unobserved<R>(
        &mut self,
        function: &str,
        output_size: impl FnOnce(&R) -> u64,
        f: impl FnOnce(&mut Store<HostState>, &Instance) -> Call<R>,
    ) -> Result<R, CallError> {
        if self.live.is_none() {
            self.instantiate()?;
        }
        let plugin = self.plugin.manifest.id.clone();
        let (store, instance) = self
            .live
            .as_mut()
            .ok_or_else(|| CallError::Instantiate { plugin: plugin.clone(), message: "no instance".into() })?;
        store.set_epoch_deadline(PluginEngine::ticks(self.limits.deadline));
        store.data_mut().log_lines = 0;
        let started = Instant::now();
        let outcome = f(store, instance);
        flush_stdio(store.data_mut(), &self.redactor);
        let elapsed = started.elapsed();
        tracing::debug!(plugin = %plugin, function, elapsed_us = elapsed.as_micros() as u64, "plugin call");
        let Some(outcome) = outcome else {
            return Err(CallError::WrongKind { plugin, kind: self.plugin.manifest.kind, function: function.into() });
        };
        match outcome {
            Ok(value) => {
                // The result was lifted out of guest memory, so it cannot be larger than that
                // memory: only measure when the instance's memory exceeds the cap.
                let cap = self.limits.max_output_bytes;
                if store.data().limiter.used as u64 > cap {
                    let bytes = output_size(&value);
                    if bytes > cap {
                        self.live = None;
                        return Err(CallError::OutputTooLarge { plugin, function: function.into(), bytes, limit: cap });
                    }
                }
                Ok(value)
            }
            Err(e) => {
                let error = classify(&plugin, function, e, store.data(), &self.limits, &self.redactor);
                tracing::warn!(plugin = %plugin, function, class = %error.class(), "{error}; instance retired");
                self.live = None;
                Err(error)
            }
        }
    }

    /// Create the instance now rather than on the first call (a no-op when one is live).
    pub fn prepare(&mut self) -> Result<(), CallError> {
        if self.live.is_none() {
            self.instantiate()?;
        }
        Ok(())
    }

    /// Outbound requests refused by the policy during the last call on this instance.
    pub fn refusals(&self) -> Vec<super::policy::Refusal> {
        match &self.live {
            Some((store, _)) => store.data().refusals.lock().map(|r| r.clone()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// `describe()` of either world.
    pub fn describe(&mut self) -> Result<PluginInfo, CallError> {
        self.call("describe", |_| 0, |store, instance| Some(instance.describe(store)))
    }

    /// Connector `check()`.
    pub fn check(&mut self) -> Result<Result<(), PluginError>, CallError> {
        self.call("check", |_| 0, |store, instance| instance.check(store)).map(|r| r.map_err(|e| self.scrub(e)))
    }

    /// Connector `pull(entity, cursor, limit)`.
    pub fn pull(
        &mut self,
        entity: Entity,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Result<Page, PluginError>, CallError> {
        self.call("pull", json_size, |store, instance| instance.pull(store, entity, cursor, limit))
            .map(|r| r.map_err(|e| self.scrub(e)))
    }

    /// Connector `fetch(entity, ids)`.
    pub fn fetch(
        &mut self,
        entity: Entity,
        ids: &[String],
    ) -> Result<Vec<Result<Option<Record>, PluginError>>, CallError> {
        self.call("fetch", json_size, |store, instance| instance.fetch(store, entity, ids)).map(|v| self.scrub_all(v))
    }

    /// Connector `push(entity, records)`.
    pub fn push(
        &mut self,
        entity: Entity,
        records: &[KeyedRecord],
    ) -> Result<Vec<Result<Pushed, PluginError>>, CallError> {
        self.call("push", json_size, |store, instance| instance.push(store, entity, records)).map(|v| self.scrub_all(v))
    }

    /// Connector `parse-event(headers, body)`.
    pub fn parse_event(
        &mut self,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Result<Vec<ChangeEvent>, PluginError>, CallError> {
        self.call("parse-event", json_size, |store, instance| instance.parse_event(store, headers, body))
            .map(|r| r.map_err(|e| self.scrub(e)))
    }

    /// Transform `apply(records)`, through `transform-batch.apply-encoded` when the plugin
    /// exports it (its calls are reported as `apply-encoded`).
    pub fn apply(&mut self, records: &[Record]) -> Result<Vec<Result<Vec<Record>, PluginError>>, CallError> {
        let function = if self.plugin.pre.takes_encoded_batches() { "apply-encoded" } else { "apply" };
        self.call(function, json_size, |store, instance| instance.apply(store, records)).map(|v| self.scrub_all(v))
    }

    /// A plugin error with every secret value removed from its text.
    fn scrub(&self, error: PluginError) -> PluginError {
        let r = |m: String| self.redactor.redact(&m).into_owned();
        match error {
            PluginError::Retryable(m) => PluginError::Retryable(r(m)),
            PluginError::Unauthorized(m) => PluginError::Unauthorized(r(m)),
            PluginError::InvalidInput(mut f) => {
                f.field = r(f.field);
                f.message = r(f.message);
                PluginError::InvalidInput(f)
            }
            PluginError::NotFound(m) => PluginError::NotFound(r(m)),
            PluginError::Conflict(m) => PluginError::Conflict(r(m)),
            PluginError::Permanent(m) => PluginError::Permanent(r(m)),
            PluginError::NeedsPerson(m) => PluginError::NeedsPerson(r(m)),
            limited @ PluginError::RateLimited(_) => limited,
        }
    }

    fn scrub_all<T>(&self, outcomes: Vec<Result<T, PluginError>>) -> Vec<Result<T, PluginError>> {
        outcomes.into_iter().map(|o| o.map_err(|e| self.scrub(e))).collect()
    }
}

/// Classify a failed call from the error and what the limiter saw.
fn classify(
    plugin: &str,
    function: &str,
    error: wasmtime::Error,
    state: &HostState,
    limits: &SessionLimits,
    redactor: &Redactor,
) -> CallError {
    let (plugin, function) = (plugin.to_owned(), function.to_owned());
    if state.limiter.hit {
        return CallError::MemoryLimit { plugin, function, limit_mib: (limits.memory_bytes >> 20) as u64 };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            CallError::Deadline { plugin, function, deadline_ms: limits.deadline.as_millis() as u64 }
        }
        Some(Trap::StackOverflow) => CallError::StackOverflow { plugin, function },
        Some(trap) => CallError::Trap { plugin, function, message: trap.to_string() },
        None => {
            // Not a Wasm trap code: a host-side error or a guest panic's message; keep its root cause.
            let text = error.root_cause().to_string();
            CallError::Trap { plugin, function, message: redactor.redact(&text).into_owned() }
        }
    }
}

/// Size of a value as JSON, counted without allocating the text.
fn json_size<T: serde::Serialize>(value: &T) -> u64 {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => u64::MAX,
    }
}

/// Send what the plugin wrote to stdout/stderr since the last call to the log, line by line, redacted.
fn flush_stdio(state: &mut HostState, redactor: &Redactor) {
    let id = state.plugin_id.clone();
    for (stream, pipe, seen) in
        [("stdout", &state.stdout, &mut state.stdout_seen), ("stderr", &state.stderr, &mut state.stderr_seen)]
    {
        let contents = pipe.contents();
        if contents.len() <= *seen {
            continue;
        }
        let text = String::from_utf8_lossy(&contents[*seen..]);
        *seen = contents.len();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if !state.chatter.allow() {
                continue;
            }
            tracing::info!(target: "weft::plugin", plugin = %id, stream, "{}", redactor.redact(line));
        }
    }
}
