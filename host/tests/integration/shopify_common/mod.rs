//! Shared setup for the Shopify client tests: a seeded simulator on loopback and a client for it.

use serde_json::{json, Value as Json};
use shopify_sim::{Seed, SimConfig, SimHandle, Simulator};
use std::time::Duration;
use weft::config::{Config, Secret};
use weft::flow::idempotency_key;
use weft::model::{InventoryLevel, KeyedRecord, Record};
use weft::shopify::{ClientConfig, ShopifyClient};

/// The API version the client speaks.
pub const VERSION: &str = "2026-04";

/// A seed with `products × variants` variants, each stocked at "Main" and "Backroom".
pub fn seed(products: usize, variants: usize) -> Seed {
    let products: Vec<Json> = (0..products)
        .map(|p| {
            let vs: Vec<Json> = (0..variants).map(|v| json!({"sku": format!("SKU-{p}-{v}"), "price": "5.00", "inventory": {"Main": 10, "Backroom": 10}})).collect();
            json!({"title": format!("Product {p}"), "variants": vs})
        })
        .collect();
    serde_json::from_value(json!({"locations": [{"name": "Main"}, {"name": "Backroom"}], "products": products}))
        .expect("seed is valid")
}

/// Starts a simulator with `seed`.
pub async fn start(seed: Seed) -> SimHandle {
    Simulator::start(SimConfig { seed, webhook_retry_base: Duration::from_millis(20), ..SimConfig::default() })
        .await
        .expect("simulator starts")
}

/// A client for the simulator with fast backoff.
pub fn client(sim: &SimHandle) -> ShopifyClient {
    let mut config = ClientConfig::new(sim.base_url(), VERSION, Secret::new(sim.token().to_string()));
    config.backoff_base = Duration::from_millis(5);
    config.backoff_cap = Duration::from_millis(100);
    config.max_attempts = 20;
    ShopifyClient::new(config).expect("client builds")
}

/// Every (inventory item gid, location gid) pair with its `available` quantity, in id order.
pub fn levels(sim: &SimHandle) -> Vec<((String, String), i64)> {
    let state = sim.state();
    state["levels"]
        .as_array()
        .expect("levels list")
        .iter()
        .map(|l| {
            let key = (
                format!("gid://shopify/InventoryItem/{}", l["item_id"]),
                format!("gid://shopify/Location/{}", l["location_id"]),
            );
            (key, l["quantities"]["available"].as_i64().unwrap_or(0))
        })
        .collect()
}

/// The entries of table `key` (`"products"`, `"variants"`, `"locations"`, `"levels"`...) of a
/// simulator state snapshot, whether it is serialised as a list or as a map by id.
pub fn all(state: &Json, key: &str) -> Vec<Json> {
    match &state[key] {
        Json::Array(a) => a.clone(),
        Json::Object(m) => m.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The gid of the simulator's location named `name`.
pub fn location_gid(sim: &SimHandle, name: &str) -> String {
    let id = all(&sim.state(), "locations")
        .into_iter()
        .find(|l| l["name"] == json!(name))
        .and_then(|l| l["id"].as_u64())
        .expect("a location with a numeric id");
    format!("gid://shopify/Location/{id}")
}

/// The gid of the first variant in the store.
pub fn first_variant(sim: &SimHandle) -> String {
    let state = sim.state();
    let id = state["variants"].as_object().and_then(|m| m.keys().next().cloned()).expect("a variant");
    format!("gid://shopify/ProductVariant/{id}")
}

/// A config with an ERP connection (`erp`, file-feed), the `[shopify]` section, and `flows`
/// (TOML), for tests that call the Shopify writers directly.
pub fn writer_config(flows: &str) -> Config {
    let text = format!(
        r#"[connections.erp]
plugin = "file-feed"
[shopify]
shop = "weft-sim.myshopify.com"
access_token = {{ env = "UNUSED" }}
webhook_secret = {{ env = "UNUSED" }}
{flows}
"#
    );
    Config::parse(&text, std::path::Path::new("weft.toml")).expect("config")
}

/// An ERP inventory level of `sku` at ERP `location` (nothing reserved or incoming), keyed as the
/// `inventory` flow keys it.
pub fn inventory_level(sku: &str, location: &str, on_hand: i64) -> KeyedRecord {
    let record = Record::InventoryLevel(InventoryLevel {
        external_id: format!("{sku}@{location}"),
        sku: Some(sku.into()),
        location: location.into(),
        on_hand,
        reserved: 0,
        incoming: 0,
        safety_stock: 0,
        updated_at: None,
        extra: "{}".into(),
    });
    KeyedRecord { key: idempotency_key("inventory", &record), record }
}

/// Write `records` through `flow`'s Shopify writer as the engine does (run 0, the system clock).
pub fn push_as(
    client: &ShopifyClient,
    store: &weft::store::Store,
    config: &Config,
    flow: &str,
    records: &[KeyedRecord],
) -> Vec<Result<weft::flow::Written, weft::model::PluginError>> {
    push_at(client, store, config, flow, &weft::clock::SystemClock, records)
}

/// [`push_as`] at the time `clock` shows.
pub fn push_at(
    client: &ShopifyClient,
    store: &weft::store::Store,
    config: &Config,
    flow: &str,
    clock: &dyn weft::clock::Clock,
    records: &[KeyedRecord],
) -> Vec<Result<weft::flow::Written, weft::model::PluginError>> {
    let ctx = weft::flow::base::ShopifyContext {
        client,
        shop: "shopify",
        store,
        flow_name: flow,
        flow: &config.flows[flow],
        config,
        run_id: 0,
        clock,
        journal: Default::default(),
        read_stamps: Default::default(),
    };
    tokio::task::block_in_place(|| weft::flow::objects::write(&ctx, records))
}
