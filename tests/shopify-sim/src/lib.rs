//! A faithful Shopify Admin GraphQL simulator for weft's tests, benchmarks and demo.
//!
//! It validates every document against the real 2026-04 Admin schema, executes the operations an
//! ERP integration uses over an in-memory store, charges Shopify's calculated query cost against a
//! leaky bucket, delivers signed webhooks at-least-once, and injects faults on demand. Rust tests
//! start it in-process with [`Simulator::start`]; the `shopify-sim` binary serves it on an address.
//! See the crate README for the HTTP control API under `/_sim/`.

// serde_json's `json!` needs more than the default depth for Shopify-sized objects.
#![recursion_limit = "256"]

pub mod bucket;
pub mod control;
pub mod control_actors;
pub mod control_platform;
pub mod cost;
pub mod faults;
pub mod graphql;
pub mod input_cost;
pub mod limits;
pub mod multipart;
pub mod resolve;
pub mod schema;
pub mod scopes;
pub mod search;
pub mod server;
pub mod store;
pub mod uploads;
pub mod webhooks;

/// The GraphQL compiler the simulator validates with (for tests that validate documents too).
pub use apollo_compiler;
pub use bucket::Plan;
pub use control::Counters;
pub use control_actors::{AdminAdjustment, LineAlteration, OrderAlteration, ShippingAlteration};
pub use faults::{Fault, FaultRule};
pub use resolve::checkout::{
    Checkout, CheckoutAttribute, CheckoutCode, CheckoutDiscount, CheckoutLine, CheckoutShipping, CheckoutTax, PosSale,
};
pub use store::level_history::LevelChange;
pub use store::order_detail::Address;
pub use store::seed::Seed;
pub use webhooks::DeliveryRecord;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The default shop domain (sent as `X-Shopify-Shop-Domain`; see [`SimConfig::shop_domain`]).
pub const SHOP_DOMAIN: &str = "weft-sim.myshopify.com";

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// GraphQL rate limits.
    pub plan: Plan,
    /// The Admin API access token clients must send.
    pub token: String,
    /// The app secret that signs webhooks.
    pub webhook_secret: String,
    /// Starting state (also restored by a reset).
    pub seed: Seed,
    /// First webhook retry delay; each retry doubles it (Shopify: 8 retries over 4 hours).
    pub webhook_retry_base: Duration,
    /// How long a webhook receiver may take to answer (Shopify: 5 s).
    pub webhook_timeout: Duration,
    /// How long a bulk operation stays RUNNING before completing.
    pub bulk_delay: Duration,
    /// Seed for probabilistic fault injection (reproducible runs).
    pub fault_seed: u64,
    /// The shop's `myshopify.com` domain; run several simulators with different domains for several shops.
    pub shop_domain: String,
    /// The shop's currency (ISO 4217); money inputs are checked against its minor units.
    pub shop_currency: String,
    /// Access scopes granted to the token (`currentAppInstallation.accessScopes`); a seed or the control API may replace them.
    pub access_scopes: Vec<String>,
    /// How many JSONL lines a bulk mutation processes per second (Shopify documents no rate).
    pub bulk_mutation_lines_per_second: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            plan: Plan::STANDARD,
            token: "shpat_simulator_token".to_string(),
            webhook_secret: "simulator_webhook_secret".to_string(),
            seed: Seed::default(),
            webhook_retry_base: Duration::from_secs(1),
            webhook_timeout: Duration::from_secs(5),
            bulk_delay: Duration::from_millis(50),
            fault_seed: 42,
            shop_domain: SHOP_DOMAIN.to_string(),
            shop_currency: "USD".to_string(),
            access_scopes: scopes::DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            bulk_mutation_lines_per_second: 1000.0,
        }
    }
}

/// State shared by the server, the webhook engine and the control API.
pub struct Shared {
    pub config: SimConfig,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub schema: Arc<Valid<Schema>>,
    pub store: Mutex<store::Store>,
    pub bucket: Mutex<bucket::Bucket>,
    pub faults: Mutex<faults::Faults>,
    pub counters: Mutex<Counters>,
    /// Validated documents by query text (clients resend the same documents).
    pub documents: Mutex<HashMap<String, Arc<Valid<ExecutableDocument>>>>,
    pub webhooks: webhooks::Engine,
    /// Lines per second bulk mutations process (starts at the configured rate).
    pub bulk_mutation_rate: Mutex<f64>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Entry point for starting simulators.
pub struct Simulator;

impl Simulator {
    /// Binds `config.listen`, loads the seed and serves until the handle is dropped.
    pub async fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let mut store = store::Store::default();
        store.load_seed(&config.seed, &config.shop_currency).map_err(anyhow::Error::msg)?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            schema: schema::shared(),
            store: Mutex::new(store),
            bucket: Mutex::new(bucket::Bucket::new(config.plan)),
            faults: Mutex::new(faults::Faults::new(config.fault_seed)),
            counters: Mutex::new(Counters::default()),
            documents: Mutex::new(HashMap::new()),
            webhooks: webhooks::Engine::new(),
            bulk_mutation_rate: Mutex::new(config.bulk_mutation_lines_per_second),
            config,
        });
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(SimHandle { addr, shared, task })
    }
}

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    /// The bound address.
    pub addr: SocketAddr,
    /// Shared state, for the control functions.
    pub shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The GraphQL endpoint for an API version.
    pub fn graphql_url(&self, version: &str) -> String {
        format!("{}/admin/api/{version}/graphql.json", self.shared.base_url)
    }

    /// The access token clients must send.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    /// Replaces the state with a seed (and clears faults, counters and idempotency keys).
    pub fn seed(&self, seed: &Seed) -> Result<(), String> {
        control::seed(&self.shared, seed)
    }

    /// Restores the configured seed.
    pub fn reset(&self) {
        // The configured seed was loaded once at start, so loading it again cannot fail.
        let _ = control::seed(&self.shared, &self.shared.config.seed);
    }

    /// The whole store as JSON.
    pub fn state(&self) -> serde_json::Value {
        control::state(&self.shared)
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.counters).clone()
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = Counters::default();
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Switches the rate-limit plan.
    pub fn set_plan(&self, plan: Plan) {
        lock(&self.shared.bucket).set_plan(plan);
    }

    /// Forces the bucket's current level.
    pub fn set_bucket_available(&self, points: f64) {
        lock(&self.shared.bucket).set_available(points);
    }

    /// Places a paid storefront order for (sku, quantity) lines, firing webhooks; returns the order id.
    pub fn place_order(&self, email: Option<&str>, lines: &[(String, i64)]) -> Result<u64, String> {
        control::place_order(&self.shared, email, lines)
    }

    /// Every webhook delivery attempt so far.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.webhooks.log()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
