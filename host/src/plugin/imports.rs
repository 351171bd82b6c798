//! What the host gives plugins (log, config, secrets, kv), independent of the WIT version: each
//! version's host imports convert their types and call these.

use super::state::{HostState, MAX_LOG_LINES_PER_CALL, MAX_LOG_MESSAGE_BYTES};
use crate::model::{Level, PluginError};
use crate::store::KvError;

impl HostState {
    /// One log line of the plugin: counted against the per-call limit, truncated, redacted.
    pub(super) fn log(&mut self, level: Level, message: &str, fields: &[(String, String)]) {
        self.log_lines += 1;
        if self.log_lines > MAX_LOG_LINES_PER_CALL {
            if self.log_lines == MAX_LOG_LINES_PER_CALL + 1 {
                tracing::warn!(target: "weft::plugin", plugin = %self.plugin_id, "log limit of {MAX_LOG_LINES_PER_CALL} lines per call reached; dropping the rest");
            }
            return;
        }
        if !self.chatter.allow() {
            return;
        }
        let message = truncate(message, MAX_LOG_MESSAGE_BYTES);
        let message = self.redactor.redact(message);
        let fields: Vec<String> =
            fields.iter().map(|(k, v)| format!("{}={}", truncate(k, 128), truncate(v, 1024))).collect();
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

    /// A config value the manifest declares and the operator set.
    pub(super) fn config_get(&self, key: &str) -> Option<String> {
        self.permissions.config.get(key).cloned()
    }

    /// A secret the manifest declares and the operator granted.
    pub(super) fn secret_get(&self, name: &str) -> Option<String> {
        self.permissions.secrets.get(name).map(|s| s.expose().to_owned())
    }

    /// The plugin's kv value under `key`.
    pub(super) fn kv_get(&self, key: &str) -> Option<Vec<u8>> {
        let kv = self.permissions.kv.as_ref()?;
        kv.get(key).unwrap_or_else(|e| {
            tracing::error!(target: "weft::plugin", plugin = %self.plugin_id, "kv get failed: {e}");
            None
        })
    }

    /// Store (`Some`) or remove (`None`) the plugin's kv value under `key`.
    pub(super) fn kv_put(&self, key: &str, value: Option<&[u8]>) -> Result<(), PluginError> {
        let kv = self.permissions.kv.as_ref().ok_or_else(|| {
            PluginError::Permanent("kv is not available: the manifest does not declare capabilities.kv = true".into())
        })?;
        let written = match value {
            Some(v) => kv.set(key, v),
            None => kv.delete(key),
        };
        written.map_err(|e| match e {
            KvError::Store(s) => PluginError::Retryable(s.to_string()),
            other => PluginError::Permanent(other.to_string()),
        })
    }

    /// The plugin's kv keys starting with `prefix` (at most 10,000).
    pub(super) fn kv_list(&self, prefix: &str, limit: u32) -> Vec<String> {
        let Some(kv) = self.permissions.kv.as_ref() else { return Vec::new() };
        kv.list_keys(prefix, limit.min(10_000) as usize).unwrap_or_else(|e| {
            tracing::error!(target: "weft::plugin", plugin = %self.plugin_id, "kv list failed: {e}");
            Vec::new()
        })
    }
}

/// `s` cut to at most `max` bytes on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
