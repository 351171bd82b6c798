//! The operator's configuration file (TOML): types, defaults and validation.
//!
//! Every value is checked when the file is loaded; a bad file is one error naming the key.

pub mod alerts;
pub mod calls;
pub mod catalog;
pub mod flow;
pub mod http;
pub mod hybrid;
mod live_keys;
mod lookups;
mod mapping;
pub mod metafields;
pub mod ownership;
pub mod retention;
mod secret;
pub mod shops;

pub use alerts::{AlertsConfig, BreakerConfig};
pub use calls::CallsConfig;
pub use flow::{ChannelConfig, Endpoint, FlowConfig, FlowMode, ObjectKind, RuleOverride, TriggerConfig};
pub use http::HttpLimits;
pub use live_keys::{rules_digests, HOT_FLOW_KEYS};
pub use lookups::LookupTables;
pub use retention::RetentionConfig;
pub use secret::{Secret, SecretSource};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole operator configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the embedded database lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// Where plugins come from and how they are sandboxed.
    #[serde(default)]
    pub plugins: PluginsConfig,
    /// Configured endpoints reached through connector plugins, by name.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionConfig>,
    /// Configured transform plugin instances, by name.
    #[serde(default)]
    pub transforms: BTreeMap<String, TransformConfig>,
    /// The HTTP server of `weft serve` (webhooks, admin API).
    #[serde(default)]
    pub server: ServerConfig,
    /// The Shopify store, spoken natively (connection name `shopify`; the shop named `shopify`).
    pub shopify: Option<ShopifyConfig>,
    /// Further shops this host serves, by name (`[shops.eu]`); a flow names its shop with
    /// `shop` when there are several (see [`shops`]).
    #[serde(default)]
    pub shops: BTreeMap<String, ShopifyConfig>,
    /// Flows, by name.
    #[serde(default)]
    pub flows: BTreeMap<String, FlowConfig>,
    /// Lookup tables that expressions read with `lookup('NAME', key)` (`[lookups.carriers]`).
    #[serde(default)]
    pub lookups: LookupTables,
    /// The daily comparison of the ERP with Shopify.
    #[serde(default)]
    pub reconcile: ReconcileConfig,
    /// Alert rules and where alerts go.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// The circuit breaker.
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// How long what grows with use is kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// How the API calls of runs are kept.
    #[serde(default)]
    pub calls: CallsConfig,
}

/// `[reconcile]`: when `weft serve` reconciles.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileConfig {
    /// Cron with seconds (`"0 0 3 * * *"`: 03:00 UTC daily); none: only `weft reconcile`.
    pub schedule: Option<String>,
    /// Enqueue corrections for the drift found by the scheduled run.
    #[serde(default)]
    pub heal: bool,
}

/// `[server]`: where `weft serve` listens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address for webhooks and the admin API (loopback by default).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Bearer token of the admin API; without one, the admin API answers only on loopback, and
    /// `listen` must be a loopback address.
    pub admin_token: Option<SecretSource>,
    /// `Host` names the admin API and dashboard answer besides loopback names and `listen`'s own.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Peers (a reverse proxy) whose `X-Forwarded-For` names the client; none by default, so a
    /// request a proxy forwarded never counts as loopback.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Connections, bodies and timeouts.
    #[serde(default)]
    pub limits: HttpLimits,
    /// The address Shopify reaches this server at (`https://weft.example.com`): `weft serve`
    /// keeps the webhook subscriptions its flows need at `{public_url}/webhooks/shopify`.
    pub public_url: Option<String>,
    /// How often `weft serve` re-checks those subscriptions (`"5m"`): Shopify deletes one after
    /// 8 failed deliveries in a row.
    #[serde(default = "default_webhook_check_every")]
    pub webhook_check_every: String,
    /// Worker threads running jobs (default 2). Jobs wait on Shopify and on the store's commits:
    /// 4 workers on 2 cores synced a million levels at 32-34k levels/s against 28-29k with 2
    /// (release, `WEFT_BENCH_WORKERS=4`), but they also made concurrent writes of one customer
    /// from two orders likelier, which the Tryton connector refuses (its party code is unique).
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// How long SIGTERM waits for in-flight jobs, in seconds.
    #[serde(default = "default_drain_seconds")]
    pub drain_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            admin_token: None,
            allowed_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            limits: HttpLimits::default(),
            public_url: None,
            webhook_check_every: default_webhook_check_every(),
            workers: default_workers(),
            drain_seconds: default_drain_seconds(),
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_webhook_check_every() -> String {
    "5m".into()
}
fn default_workers() -> usize {
    2
}
fn default_drain_seconds() -> u64 {
    20
}

/// `[shopify]` or `[shops.<name>]`: a store.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// `name.myshopify.com`.
    pub shop: String,
    /// Admin API version (`2026-04`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Base URL override (the simulator); default `https://{shop}`.
    pub endpoint: Option<String>,
    /// Admin API access token.
    pub access_token: SecretSource,
    /// Secret that signs webhooks.
    pub webhook_secret: SecretSource,
    /// The secret before a rotation, accepted too while it is set: Shopify may sign deliveries
    /// and their retries (up to 4 h) with it after the app's secret changed.
    pub previous_webhook_secret: Option<SecretSource>,
}

impl ShopifyConfig {
    /// Where the Admin API is: `endpoint`, or `https://{shop}`.
    pub fn endpoint_url(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| format!("https://{}", self.shop))
    }
}

fn default_api_version() -> String {
    "2026-04".into()
}

/// `[store]`: where weft keeps its state.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `redb` (embedded, one process; the default) or `postgres` (several hosts on one database).
    #[serde(default)]
    pub backend: StoreBackend,
    /// Directory holding the redb database file and the plugin compile cache.
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
    /// The PostgreSQL URL (`{ env = "WEFT_DATABASE_URL" }` or `{ file = ... }`: it carries a
    /// password, so never in the file itself; never logged).
    pub url: Option<SecretSource>,
    /// Connections a host keeps to PostgreSQL at most.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// How long a job leased by a host stays its own without renewal (a live host renews every
    /// third of it; a dead host's jobs are taken over after it), in seconds.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u64,
}

/// Which database `[store]` uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// The embedded redb file: nothing to install, one process at a time.
    #[default]
    Redb,
    /// A PostgreSQL database several `weft serve` hosts share.
    Postgres,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: StoreBackend::default(),
            path: default_store_path(),
            url: None,
            pool_size: default_pool_size(),
            lease_seconds: default_lease_seconds(),
        }
    }
}

impl StoreConfig {
    /// Where the store is; reads the PostgreSQL URL from its source. `label` names this host in
    /// the database (its listen address, say).
    pub fn location(&self, label: &str) -> Result<crate::store::Location, String> {
        match self.backend {
            StoreBackend::Redb => Ok(crate::store::Location::Redb(self.path.clone())),
            StoreBackend::Postgres => {
                let url = self.url.as_ref().ok_or("store.url: backend = \"postgres\" needs a url")?;
                let url = url.load().map_err(|e| format!("store.url: {e}"))?;
                Ok(crate::store::Location::Postgres(crate::store::postgres::Options {
                    url: url.expose().to_owned(),
                    pool_size: self.pool_size,
                    label: label.to_owned(),
                }))
            }
        }
    }

    /// [`StoreConfig::lease_seconds`] in milliseconds.
    pub fn lease_ms(&self) -> u64 {
        self.lease_seconds.saturating_mul(1000)
    }
}

fn default_store_path() -> PathBuf {
    PathBuf::from("./weft-data")
}
fn default_pool_size() -> usize {
    8
}
fn default_lease_seconds() -> u64 {
    30
}

/// `[plugins]`: discovery, pinning and sandbox limits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsConfig {
    /// Directory with one folder per plugin (`<id>/plugin.wasm` + `<id>/plugin.toml`).
    #[serde(default = "default_plugins_dir")]
    pub dir: PathBuf,
    /// Where compiled artifacts are cached; default `<store.path>/plugin-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Expected sha256 (hex) of `plugin.wasm` per plugin id; a mismatch refuses the plugin.
    #[serde(default)]
    pub pins: BTreeMap<String, String>,
    /// Sandbox limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            dir: default_plugins_dir(),
            cache_dir: None,
            pins: BTreeMap::new(),
            limits: LimitsConfig::default(),
        }
    }
}

fn default_plugins_dir() -> PathBuf {
    PathBuf::from("./target/plugins")
}

/// `[plugins.limits]`: per-call deadlines and per-instance memory, by plugin kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deadline of one connector call, in milliseconds.
    #[serde(default = "default_connector_deadline_ms")]
    pub connector_deadline_ms: u64,
    /// Deadline of one transform batch, in milliseconds.
    #[serde(default = "default_transform_deadline_ms")]
    pub transform_deadline_ms: u64,
    /// Memory of one instance of a compiled-language plugin (Rust, Go), in MiB.
    #[serde(default = "default_memory_mib")]
    pub memory_mib: u64,
    /// Memory of one instance of an interpreted plugin (Python, JavaScript), in MiB.
    #[serde(default = "default_interpreted_memory_mib")]
    pub interpreted_memory_mib: u64,
    /// Largest result one call may return, in MiB (sum of the strings and bytes it carries).
    #[serde(default = "default_max_output_mib")]
    pub max_output_mib: u64,
    /// Largest HTTP response body a plugin may receive, in MiB.
    #[serde(default = "default_max_http_response_mib")]
    pub max_http_response_mib: u64,
    /// Timeout of one outbound HTTP request (connect + first byte), in milliseconds.
    #[serde(default = "default_http_timeout_ms")]
    pub http_timeout_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            connector_deadline_ms: default_connector_deadline_ms(),
            transform_deadline_ms: default_transform_deadline_ms(),
            memory_mib: default_memory_mib(),
            interpreted_memory_mib: default_interpreted_memory_mib(),
            max_output_mib: default_max_output_mib(),
            max_http_response_mib: default_max_http_response_mib(),
            http_timeout_ms: default_http_timeout_ms(),
        }
    }
}

fn default_connector_deadline_ms() -> u64 {
    30_000
}
fn default_transform_deadline_ms() -> u64 {
    5_000
}
fn default_memory_mib() -> u64 {
    64
}
fn default_interpreted_memory_mib() -> u64 {
    256
}
fn default_max_output_mib() -> u64 {
    32
}
fn default_max_http_response_mib() -> u64 {
    16
}
fn default_http_timeout_ms() -> u64 {
    20_000
}

/// `[connections.NAME]`: an ERP reached through a connector plugin, with the operator's grants.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Id of the connector plugin.
    pub plugin: String,
    /// Outbound hosts the operator grants (`host:port`, `host`, or `*.domain`).
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// Plugin configuration, readable through the `config` interface.
    #[serde(default)]
    pub config: toml::Table,
    /// Secrets by the name the plugin asks for.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretSource>,
    /// A directory the plugin may read and write (preopened as `/data`).
    pub directory: Option<PathBuf>,
}

/// `[transforms.NAME]`: a transform plugin with its configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformConfig {
    /// Id of the transform plugin.
    pub plugin: String,
    /// Plugin configuration, readable through the `config` interface.
    #[serde(default)]
    pub config: toml::Table,
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or a value has the wrong type; the message names the key.
    #[error("invalid config {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// toml's message, which names the key and line.
        message: String,
    },
    /// A value is well-formed but not acceptable.
    #[error("invalid config {path}: `{key}`: {reason}")]
    Value {
        /// The file.
        path: PathBuf,
        /// Dotted path of the key.
        key: String,
        /// Why it is refused.
        reason: String,
    },
}

impl Config {
    /// Load and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(&text, path)
    }

    /// Parse and validate config text; `path` is used in messages and to resolve relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config = Config::parse_unchecked(text, path)?;
        match config.problems().into_iter().next() {
            Some((key, reason)) => Err(ConfigError::Value { path: path.to_owned(), key, reason }),
            None => Ok(config),
        }
    }

    /// Parse config text checking only its shape (TOML, keys, types): `weft config check` lists
    /// [`Config::problems`] instead of stopping at the first.
    pub fn parse_unchecked(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Invalid { path: path.to_owned(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_relative_paths(base);
        Ok(config)
    }

    /// Every value that is well-formed but not acceptable, as (dotted key, reason).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (id, pin) in &self.plugins.pins {
            if pin.len() != 64 || !pin.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push((format!("plugins.pins.{id}"), "expected 64 hex digits (a sha256)".into()));
            }
        }
        let limits = &self.plugins.limits;
        for (key, value) in [
            ("connector_deadline_ms", limits.connector_deadline_ms),
            ("transform_deadline_ms", limits.transform_deadline_ms),
            ("memory_mib", limits.memory_mib),
            ("interpreted_memory_mib", limits.interpreted_memory_mib),
            ("max_output_mib", limits.max_output_mib),
            ("max_http_response_mib", limits.max_http_response_mib),
            ("http_timeout_ms", limits.http_timeout_ms),
        ] {
            if value == 0 {
                out.push((format!("plugins.limits.{key}"), "must be greater than 0".into()));
            }
        }
        if limits.memory_mib > 4096 || limits.interpreted_memory_mib > 4096 {
            out.push(("plugins.limits".into(), "memory limits above 4096 MiB are not supported".into()));
        }
        out.extend(self.server.limits.validate().err());
        out.extend(http::trusted_proxies(&self.server.trusted_proxies).err());
        out.extend(http::validate_allowed_hosts(&self.server.allowed_hosts).err());
        for (name, flow) in &self.flows {
            out.extend(flow.problems(name, self));
        }
        out.extend(self.shop_problems());
        out.extend(self.base_price_problems());
        out.extend(self.counted_once_problems());
        if self.store.backend == StoreBackend::Postgres && self.store.url.is_none() {
            out.push(("store.url".into(), "backend = \"postgres\" needs a url (from env or file)".into()));
        }
        if !(1..=64).contains(&self.store.pool_size) {
            out.push(("store.pool_size".into(), "must be between 1 and 64".into()));
        }
        if self.store.lease_seconds < 3 {
            out.push(("store.lease_seconds".into(), "must be at least 3".into()));
        }
        if let Some(cron) = &self.reconcile.schedule {
            out.extend(
                cron.parse::<cron::Schedule>().err().map(|e| ("reconcile.schedule".into(), format!("`{cron}`: {e}"))),
            );
        }
        out.extend(alerts::validate(self).err());
        out.extend(self.retention.validate().err());
        if let Some(url) = &self.server.public_url {
            let parsed =
                reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if parsed.is_none() {
                out.push(("server.public_url".into(), format!("`{url}` is not an http(s) URL")));
            }
        }
        if let Err(e) = flow::parse_interval(&self.server.webhook_check_every) {
            out.push(("server.webhook_check_every".into(), e));
        }
        if self.connections.contains_key(flow::SHOPIFY) {
            out.push((
                format!("connections.{}", flow::SHOPIFY),
                "`shopify` is reserved for the [shopify] section".into(),
            ));
        }
        for (name, conn) in &self.connections {
            for (i, host) in conn.allow_hosts.iter().enumerate() {
                if let Err(reason) = crate::plugin::policy::HostPattern::parse(host) {
                    out.push((format!("connections.{name}.allow_hosts[{i}]"), reason));
                }
            }
        }
        out
    }

    /// A shop's variants' base price comes from exactly one flow: every further flow that would
    /// write it to the same shop is a problem at its `base_price` key.
    fn base_price_problems(&self) -> Vec<(String, String)> {
        let mut first_of_shop: BTreeMap<&str, &String> = BTreeMap::new();
        let mut others = Vec::new();
        // A flow without a shop is refused for that already.
        for (name, flow) in self.flows.iter().filter(|(_, f)| f.writes_base_price()) {
            let Some(shop) = self.shop_of(flow) else { continue };
            match first_of_shop.entry(shop) {
                std::collections::btree_map::Entry::Occupied(first) => others.push((*first.get(), name)),
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(name);
                }
            }
        }
        others
            .into_iter()
            .map(|(first, name)| {
                (
                    format!("flows.{name}.base_price"),
                    format!(
                        "flows `{first}` and `{name}` would both write the variants' base price; it comes from \
                         exactly one flow: set `base_price = false` on the other (a price flow then writes \
                         price lists only, a catalog flow sends no prices)"
                    ),
                )
            })
            .collect()
    }

    fn resolve_relative_paths(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        join(&mut self.store.path);
        join(&mut self.plugins.dir);
        if let Some(dir) = self.plugins.cache_dir.as_mut() {
            join(dir);
        }
        for conn in self.connections.values_mut() {
            if let Some(dir) = conn.directory.as_mut() {
                join(dir);
            }
        }
    }

    /// The compile cache directory: `plugins.cache_dir`, or `<store.path>/plugin-cache`.
    pub fn plugin_cache_dir(&self) -> PathBuf {
        self.plugins.cache_dir.clone().unwrap_or_else(|| self.store.path.join("plugin-cache"))
    }
}
