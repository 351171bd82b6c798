//! `weft:plugin@0.1.0` host imports: log, config, secrets, kv.

use crate::plugin::bindings::connector::weft::plugin::{config, kv, log, secrets, types};
use crate::plugin::state::{HostState, MAX_LOG_LINES_PER_CALL, MAX_LOG_MESSAGE_BYTES};
use types::{Level, PluginError};
use wasmtime::component::{HasSelf, Linker};

/// Add WASI p2, wasi:http (through the policy hook) and the weft interfaces to `linker`.
pub fn add_to_linker(linker: &mut wasmtime::component::Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;
    add_weft(linker)
}

fn add_weft(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    types::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    log::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    config::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    secrets::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    kv::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    Ok(())
}

impl types::Host for HostState {}

impl log::Host for HostState {
    fn log(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        self.log_lines += 1;
        if self.log_lines > MAX_LOG_LINES_PER_CALL {
            if self.log_lines == MAX_LOG_LINES_PER_CALL + 1 {
                tracing::warn!(target: "weft::plugin", plugin = %self.plugin_id, "log limit of {MAX_LOG_LINES_PER_CALL} lines per call reached; dropping the rest");
            }
            return;
        }
        let message = truncate(&message, MAX_LOG_MESSAGE_BYTES);
        let message = self.redactor.redact(message);
        let fields: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", truncate(k, 128), truncate(v, 1024)))
            .collect();
        let fields = fields.join(" ");
        let fields = self.redactor.redact(&fields);
        let id = &*self.plugin_id;
        match level {
            Level::Trace => tracing::trace!(target: "weft::plugin", plugin = id, fields = %fields, "{message}"),
            Level::Debug => tracing::debug!(target: "weft::plugin", plugin = id, fields = %fields, "{message}"),
            Level::Info => tracing::info!(target: "weft::plugin", plugin = id, fields = %fields, "{message}"),
            Level::Warn => tracing::warn!(target: "weft::plugin", plugin = id, fields = %fields, "{message}"),
            Level::Error => tracing::error!(target: "weft::plugin", plugin = id, fields = %fields, "{message}"),
        }
    }
}

/// `s` cut to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl config::Host for HostState {
    fn get(&mut self, key: String) -> Option<String> {
        self.permissions.config.get(&key).cloned()
    }
}

impl secrets::Host for HostState {
    fn get(&mut self, name: String) -> Option<String> {
        self.permissions.secrets.get(&name).map(|s| s.expose().to_owned())
    }
}

impl kv::Host for HostState {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        let kv = self.permissions.kv.as_ref()?;
        match kv.get(&key) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(target: "weft::plugin", plugin = %self.plugin_id, "kv get failed: {e}");
                None
            }
        }
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), PluginError> {
        let kv = self.permissions.kv.as_ref().ok_or_else(kv_not_granted)?;
        kv.set(&key, &value).map_err(kv_error)
    }

    fn delete(&mut self, key: String) -> Result<(), PluginError> {
        let kv = self.permissions.kv.as_ref().ok_or_else(kv_not_granted)?;
        kv.delete(&key).map_err(kv_error)
    }

    fn list_keys(&mut self, prefix: String, limit: u32) -> Vec<String> {
        let Some(kv) = self.permissions.kv.as_ref() else { return Vec::new() };
        kv.list_keys(&prefix, limit.min(10_000) as usize).unwrap_or_else(|e| {
            tracing::error!(target: "weft::plugin", plugin = %self.plugin_id, "kv list failed: {e}");
            Vec::new()
        })
    }
}

fn kv_not_granted() -> PluginError {
    PluginError::Permanent("kv is not available: the manifest does not declare capabilities.kv = true".into())
}

fn kv_error(e: crate::store::KvError) -> PluginError {
    match e {
        crate::store::KvError::Store(s) => PluginError::Retryable(s.to_string()),
        other => PluginError::Permanent(other.to_string()),
    }
}
