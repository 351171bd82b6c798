//! Shared by the order/customer end-to-end tests: the simulator in-process, a `weft serve`
//! config against it, webhook subscriptions and reads of the admin API.

use crate::common::engine::get;
use serde_json::{json, Value};
use shopify_sim::{SimConfig, SimHandle, Simulator};
use std::path::Path;
use weft::config::Secret;
use weft::shopify::queries::{Operation, WEBHOOK_SUBSCRIPTION_CREATE};
use weft::shopify::{ClientConfig, Priority, ShopifyClient};

/// The simulator with the runtime that serves it.
pub struct Shop {
    /// Keeps the simulator's tasks running.
    pub runtime: tokio::runtime::Runtime,
    /// The simulator.
    pub sim: SimHandle,
    /// A client for setting up and reading back.
    pub client: ShopifyClient,
}

impl Shop {
    /// Start the simulator with `seed` (JSON).
    pub fn start(seed: Value) -> Shop {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let seed = serde_json::from_value(seed).expect("seed");
        let config =
            SimConfig { seed, webhook_retry_base: std::time::Duration::from_millis(300), ..SimConfig::default() };
        let sim = runtime.block_on(Simulator::start(config)).expect("simulator");
        let client =
            ShopifyClient::new(ClientConfig::new(sim.base_url(), "2026-04", Secret::new(sim.token().to_owned())))
                .unwrap();
        Shop { runtime, sim, client }
    }

    /// Run a GraphQL operation against the simulator.
    pub fn graphql(&self, op: &Operation, vars: Value) -> Value {
        self.runtime.block_on(self.client.execute(op, vars, Priority::Orders)).expect("graphql").data
    }

    /// Subscribe `weft serve` at `addr` to `topics` (GraphQL enum names).
    pub fn subscribe(&self, addr: &str, topics: &[&str]) {
        for topic in topics {
            let vars = json!({"topic": topic, "subscription": {"uri": format!("http://{addr}/webhooks/shopify"), "format": "JSON"}});
            let data = self.graphql(&WEBHOOK_SUBSCRIPTION_CREATE, vars);
            assert_eq!(data["webhookSubscriptionCreate"]["userErrors"], json!([]));
        }
    }

    /// A storefront checkout (its webhooks are sent from the simulator's runtime).
    pub fn place_order(&self, email: &str, lines: &[(&str, i64)]) -> u64 {
        let _inside = self.runtime.enter();
        let lines: Vec<(String, i64)> = lines.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect();
        self.sim.place_order(Some(email), &lines).expect("checkout")
    }

    /// Every order in the simulator.
    pub fn orders(&self) -> Vec<Value> {
        self.sim.state()["orders"].as_object().map(|o| o.values().cloned().collect()).unwrap_or_default()
    }
}

/// The `[store]`, `[server]`, `[plugins]` and `[shopify]` sections of a test config.
pub fn base_config(dir: &Path, listen: &str, shop: &Shop) -> String {
    let cache = crate::common::repo_root().join("target/test-plugin-cache");
    format!(
        "[store]\npath = {store:?}\n[server]\nlisten = {listen:?}\n[plugins]\ndir = {plugins:?}\ncache_dir = {cache:?}\n\
         [shopify]\nshop = \"weft-sim.myshopify.com\"\napi_version = \"2026-04\"\nendpoint = {endpoint:?}\n\
         access_token = {{ env = \"WEFT_SHOPIFY_TOKEN\" }}\nwebhook_secret = {{ env = \"WEFT_WEBHOOK_SECRET\" }}\n",
        store = dir.join("data").display().to_string(),
        plugins = dir.join("plugins").display().to_string(),
        cache = cache.display().to_string(),
        endpoint = shop.sim.base_url(),
    )
}

/// [`base_config`] with the file-feed connector as `erp` (exchange folder `dir/exchange`) and
/// `flows` (TOML).
pub fn file_feed_config(dir: &Path, listen: &str, shop: &Shop, flows: &str) -> String {
    format!(
        "{}[connections.erp]\nplugin = \"file-feed\"\ndirectory = {:?}\n{flows}",
        base_config(dir, listen, shop),
        dir.join("exchange").display().to_string()
    )
}

/// `weft reconcile --flow FLOW --json` through `config`: the orders it lists as drifted.
pub fn order_drift(config: &Path, flow: &str) -> Vec<Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(config)
        .args(["reconcile", "--flow", flow, "--json"])
        .output()
        .expect("weft reconcile");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("reconcile --json: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["flows"][0]["order_drift"].as_array().cloned().unwrap_or_default()
}

/// Environment for `weft serve` with the simulator's credentials.
pub fn shop_env(shop: &Shop) -> Vec<(&'static str, String)> {
    vec![
        ("WEFT_SHOPIFY_TOKEN", shop.sim.token().to_owned()),
        ("WEFT_WEBHOOK_SECRET", SimConfig::default().webhook_secret),
    ]
}

/// GET an admin API path as JSON (`Null` while the server is down).
pub fn api(addr: &str, path: &str) -> Value {
    match get(addr, path) {
        Some((200, body)) => serde_json::from_str(&body).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Dead letters of `flow` as (class, message).
pub fn dead(addr: &str, flow: &str) -> Vec<(String, String)> {
    api(addr, &format!("/api/dlq?flow={flow}"))
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["error"]["class"].as_str().unwrap_or("").to_owned(),
                d["error"]["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// A number no earlier run used (for order names in a persistent ERP).
pub fn unique_number() -> u64 {
    let ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    (ms % 10_000_000_000) as u64 * 10
}

/// A `weft serve` child that is SIGKILLed when dropped (also when a test fails).
pub struct Running(pub Option<crate::common::engine::Serve>);

impl Running {
    /// SIGKILL it now.
    pub fn kill(mut self) {
        if let Some(s) = self.0.take() {
            s.kill();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            s.kill();
        }
    }
}
