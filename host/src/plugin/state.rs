//! The data of one plugin instance's store: WASI context, effective permissions, limits.

use super::chatter::Chatter;
use super::http::OutboundHooks;
use super::policy::{OutboundPolicy, Refusal};
use crate::config::Secret;
use crate::redact::Redactor;
use crate::store::PluginKv;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wasmtime::component::ResourceTable;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What one plugin instance may do: the manifest's requests intersected with the operator's grant.
#[derive(Clone, Default)]
pub struct Permissions {
    /// Config values readable through `config.get` (declared keys only).
    pub config: BTreeMap<String, String>,
    /// Secrets readable through `secrets.get` (declared and granted only).
    pub secrets: BTreeMap<String, Secret>,
    /// The plugin's kv, when declared.
    pub kv: Option<PluginKv>,
    /// Outbound hosts.
    pub outbound: Arc<OutboundPolicy>,
}

/// Per-instance memory accounting: traps the guest when its memories together exceed `limit`.
pub struct MemoryLimiter {
    /// Bytes allowed across all linear memories of the instance.
    pub limit: usize,
    /// Bytes currently reserved.
    pub used: usize,
    /// Set when a growth was refused, so the host can classify the trap.
    pub hit: bool,
}

/// Largest table a plugin may grow.
const MAX_TABLE_ELEMENTS: usize = 200_000;

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let after = self.used + desired.saturating_sub(current);
        if after > self.limit {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "memory limit exceeded: growing to {after} bytes, limit {} bytes",
                self.limit
            ));
        }
        self.used = after;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// Most log lines one call may write; later ones are counted and dropped.
pub const MAX_LOG_LINES_PER_CALL: u32 = 1000;
/// Longest log message kept; longer ones are truncated.
pub const MAX_LOG_MESSAGE_BYTES: usize = 4096;

/// The `T` of `Store<T>` for plugin instances.
pub struct HostState {
    pub(super) plugin_id: Arc<str>,
    pub(super) permissions: Permissions,
    pub(super) redactor: Redactor,
    pub(super) limiter: MemoryLimiter,
    pub(super) log_lines: u32,
    pub(super) stdout: MemoryOutputPipe,
    pub(super) stderr: MemoryOutputPipe,
    pub(super) stdout_seen: usize,
    pub(super) stderr_seen: usize,
    pub(super) refusals: Arc<Mutex<Vec<Refusal>>>,
    pub(super) chatter: Arc<Chatter>,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    table: ResourceTable,
}

impl HostState {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        plugin_id: Arc<str>,
        permissions: Permissions,
        redactor: Redactor,
        limiter: MemoryLimiter,
        wasi: WasiCtx,
        stdout: MemoryOutputPipe,
        stderr: MemoryOutputPipe,
        hooks: OutboundHooks,
        refusals: Arc<Mutex<Vec<Refusal>>>,
        chatter: Arc<Chatter>,
    ) -> HostState {
        HostState {
            plugin_id,
            permissions,
            redactor,
            limiter,
            log_lines: 0,
            stdout,
            stderr,
            stdout_seen: 0,
            stderr_seen: 0,
            refusals,
            chatter,
            wasi,
            http: WasiHttpCtx::new(),
            hooks,
            table: ResourceTable::new(),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}
