//! Sandboxed Wasm component plugins: discovery, compile cache, grants and calls.
//!
//! ```text
//! PluginHost::load(options) ── discover plugins dir ─▶ LoadedPlugin (validated, pre-instantiated)
//! host.session(id, grant)   ── fresh instance per job ─▶ PluginSession::{pull, push, apply, ...}
//! ```

pub mod chatter;
mod engine;
pub mod http;
mod imports;
pub mod loader;
pub mod manifest;
pub mod package;
pub mod policy;
mod session;
mod state;
pub mod wit;

pub use engine::{PluginEngine, EPOCH_TICK};
pub use loader::{CacheStatus, LoadedPlugin, Refused, WorldInfo};
pub use manifest::{Manifest, PluginKind, Runtime};
pub use session::{CallError, PluginSession, SessionLimits};

use crate::config::{Config, LimitsConfig, Secret};
use crate::redact::Redactor;
use crate::store::Store;
use http::{HttpLimits, Network};
use policy::{HostPattern, OutboundPolicy};
use state::Permissions;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Quota of one plugin's kv state.
pub const KV_QUOTA_BYTES: u64 = 64 << 20;

/// What the operator grants one plugin instance (from a connection or transform section).
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Outbound hosts granted.
    pub allow_hosts: Vec<HostPattern>,
    /// Config values.
    pub config: toml::Table,
    /// Secrets, already loaded.
    pub secrets: BTreeMap<String, Secret>,
    /// Directory granted (preopened as `/data` if the manifest asks for one).
    pub directory: Option<PathBuf>,
}

/// Everything needed to load plugins.
pub struct HostOptions {
    /// Plugins directory.
    pub dir: PathBuf,
    /// Compile cache directory.
    pub cache_dir: PathBuf,
    /// sha256 pins by plugin id.
    pub pins: BTreeMap<String, String>,
    /// Sandbox limits.
    pub limits: LimitsConfig,
    /// The store for plugin kv (none: kv calls find nothing and writes fail).
    pub store: Option<Store>,
    /// Resolver and dialer for outbound HTTP.
    pub network: Network,
    /// Secret scrubber shared with the rest of the host.
    pub redactor: Redactor,
}

impl HostOptions {
    /// Options from an operator config, with the system network.
    pub fn from_config(config: &Config, store: Option<Store>, redactor: Redactor) -> HostOptions {
        HostOptions {
            dir: config.plugins.dir.clone(),
            cache_dir: config.plugin_cache_dir(),
            pins: config.plugins.pins.clone(),
            limits: config.plugins.limits.clone(),
            store,
            network: Network::default(),
            redactor,
        }
    }
}

/// The loaded plugins and the engine that runs them.
pub struct PluginHost {
    engine: Arc<PluginEngine>,
    plugins: BTreeMap<String, Arc<LoadedPlugin>>,
    refused: Vec<Refused>,
    limits: LimitsConfig,
    store: Option<Store>,
    network: Network,
    redactor: Redactor,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

/// A session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No plugin with that id was loaded.
    #[error("plugin {id} is not loaded{}", refused.as_ref().map(|r| format!(": refused: {r}")).unwrap_or_default())]
    NotLoaded {
        /// The id asked for.
        id: String,
        /// Why it was refused, if it was.
        refused: Option<String>,
    },
}

impl PluginHost {
    /// Create the engine and discover plugins. Fails only when the engine cannot be created or
    /// the directory cannot be read; bad plugins are listed in [`PluginHost::refused`].
    pub fn load(options: HostOptions) -> Result<PluginHost, String> {
        let max_memory = options.limits.memory_mib.max(options.limits.interpreted_memory_mib) << 20;
        let engine =
            PluginEngine::new(max_memory as usize).map_err(|e| format!("cannot create the Wasm engine: {e:#}"))?;
        let discovery = loader::discover(&engine, &options.dir, &options.pins, &options.cache_dir)?;
        Ok(PluginHost {
            engine: Arc::new(engine),
            plugins: discovery.loaded.into_iter().map(|(id, p)| (id, Arc::new(p))).collect(),
            refused: discovery.refused,
            limits: options.limits,
            store: options.store,
            network: options.network,
            redactor: options.redactor,
            metrics: None,
        })
    }

    /// Observe every plugin call (latency, whole-call failures) in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> PluginHost {
        for plugin in self.plugins.values() {
            plugin.chatter.report_to(metrics.clone());
        }
        self.metrics = Some(metrics);
        self
    }

    /// Loaded plugins by id.
    pub fn plugins(&self) -> impl Iterator<Item = &LoadedPlugin> {
        self.plugins.values().map(|p| &**p)
    }

    /// A loaded plugin.
    pub fn plugin(&self, id: &str) -> Option<&LoadedPlugin> {
        self.plugins.get(id).map(|p| &**p)
    }

    /// Refused plugin folders with reasons.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// The shared secret scrubber.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Open a session (a fresh instance, created on first call) of plugin `id` with `grant`.
    pub fn session(&self, id: &str, grant: &Grant) -> Result<PluginSession, SessionError> {
        self.session_on(id, grant, self.store.as_ref())
    }

    /// Like [`PluginHost::session`], with the plugin's kv state in `store` instead of the host's
    /// (a scratch store gives a read from scratch that leaves the plugin's real state alone).
    pub fn session_on(&self, id: &str, grant: &Grant, store: Option<&Store>) -> Result<PluginSession, SessionError> {
        let plugin = self.plugins.get(id).cloned().ok_or_else(|| SessionError::NotLoaded {
            id: id.to_owned(),
            refused: self.refused.iter().find(|r| r.id == id).map(|r| r.reason.clone()),
        })?;
        for secret in grant.secrets.values() {
            self.redactor.add(secret);
        }
        let manifest = &plugin.manifest;
        let caps = &manifest.capabilities;
        let config = caps
            .config
            .iter()
            .filter_map(|key| grant.config.get(key).map(|v| (key.clone(), config_value(v))))
            .collect();
        let secrets =
            caps.secrets.iter().filter_map(|name| grant.secrets.get(name).map(|s| (name.clone(), s.clone()))).collect();
        let kv = if caps.kv { store.map(|s| s.plugin_kv(&manifest.id, KV_QUOTA_BYTES)) } else { None };
        let permissions = Permissions {
            config,
            secrets,
            kv,
            outbound: Arc::new(OutboundPolicy::new(manifest.requested_hosts(), grant.allow_hosts.clone())),
        };
        let directory = if caps.directory { grant.directory.clone() } else { None };
        Ok(PluginSession::new(
            self.engine.clone(),
            plugin.clone(),
            permissions,
            directory,
            self.network.clone(),
            self.redactor.clone(),
            self.session_limits(manifest),
        )
        .observed_by(self.metrics.clone()))
    }

    fn session_limits(&self, manifest: &Manifest) -> SessionLimits {
        let l = &self.limits;
        let deadline_ms = match manifest.kind {
            PluginKind::Connector => l.connector_deadline_ms,
            PluginKind::Transform => l.transform_deadline_ms,
        };
        let memory_mib = match manifest.runtime {
            Runtime::Compiled => l.memory_mib,
            Runtime::Interpreted => l.interpreted_memory_mib,
        };
        SessionLimits {
            deadline: Duration::from_millis(deadline_ms),
            memory_bytes: (memory_mib << 20) as usize,
            max_output_bytes: l.max_output_mib << 20,
            http: HttpLimits {
                timeout: Duration::from_millis(l.http_timeout_ms),
                max_response_bytes: l.max_http_response_mib << 20,
            },
        }
    }
}

/// A TOML config value as the plugin sees it: strings as they are, anything else as JSON.
fn config_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

impl Grant {
    /// The grant of connection `name` in `config`: loads its secrets (an unset secret is an error
    /// naming the key, never the value).
    pub fn for_connection(config: &Config, name: &str) -> Result<Grant, String> {
        let conn = config.connections.get(name).ok_or_else(|| format!("no [connections.{name}] in the config"))?;
        let mut secrets = BTreeMap::new();
        for (key, source) in &conn.secrets {
            let secret = source.load().map_err(|e| format!("connections.{name}.secrets.{key}: {e}"))?;
            secrets.insert(key.clone(), secret);
        }
        Ok(Grant {
            allow_hosts: conn.allow_hosts.iter().filter_map(|h| HostPattern::parse(h).ok()).collect(),
            config: conn.config.clone(),
            secrets,
            directory: conn.directory.clone(),
        })
    }

    /// The grant of transform `name` in `config`.
    pub fn for_transform(config: &Config, name: &str) -> Result<Grant, String> {
        let t = config.transforms.get(name).ok_or_else(|| format!("no [transforms.{name}] in the config"))?;
        Ok(Grant { config: t.config.clone(), ..Grant::default() })
    }
}
