//! Shared setup of the reconcile / shadow / revert tests: a simulator with SKU-0-0..SKU-3-0
//! stocked at "Main" and "Backroom", a file feed with the ERP's levels at WH (→ Main) and WH2
//! (→ Backroom), and a config with one inventory flow; helpers to run the real binary and to
//! read and change levels in the simulator directly.

use super::common::scenario::Scenario;
use super::shopify_common;
use shopify_sim::SimHandle;
use std::path::Path;

/// A simulator, a feed and a config.
pub struct Setup {
    /// Keeps the simulator's runtime alive.
    pub _rt: tokio::runtime::Runtime,
    pub sim: SimHandle,
    pub scenario: Scenario,
    pub main: String,
    pub backroom: String,
}

/// What a weft command did.
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "status ok={}\n--- stdout\n{}\n--- stderr\n{}", self.ok, self.stdout, self.stderr)
    }
}

/// A feed file: (sku, WH on hand, WH2 on hand) rows; available = on hand (no reserve, no buffer).
pub fn feed(rows: &[(&str, i64, i64)]) -> String {
    let mut text = "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n".to_owned();
    for (sku, wh, wh2) in rows {
        text.push_str(&format!(
            "{sku},WH,{wh},0,0,0,2026-11-26T06:00:00Z\n{sku},WH2,{wh2},0,0,0,2026-11-26T06:00:00Z\n"
        ));
    }
    text
}

/// A products export: (product id, handle, title, variant SKU, price) per product.
pub fn products(rows: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut text = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n".to_owned();
    for (id, handle, title, sku, price) in rows {
        text.push_str(&format!("{id},{handle},{title},,,,active,,,,,{id}-1,{sku},,{price},,,,2026-11-26T06:00:00Z\n"));
    }
    text
}

impl Setup {
    /// Simulator + feed (`inventory-1.csv` = `first`) + config; `mode` is the flow's mode.
    pub fn new(first: &str, mode: &str) -> Setup {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt.block_on(shopify_common::start(shopify_common::seed(4, 1)));
        let (main, backroom) =
            (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
        let scenario = Scenario::builder(&sim).build(&format!(
            "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nmode = \"{mode}\"\nlocations = {{ WH = \"{main}\", WH2 = \"{backroom}\" }}\n"
        ));
        scenario.feed_file("inventory-1.csv", first);
        Setup { _rt: rt, sim, scenario, main, backroom }
    }

    /// Run the weft binary with the config.
    pub fn weft(&self, args: &[&str]) -> Output {
        let out = self.scenario.command().args(args).output().unwrap();
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    /// Add a flow to the config (TOML keys after `[flows.NAME]`).
    pub fn add_flow(&self, name: &str, keys: &str) {
        let mut text = std::fs::read_to_string(&self.scenario.config).unwrap();
        text.push_str(&format!("[flows.{name}]\n{keys}\n"));
        std::fs::write(&self.scenario.config, text).unwrap();
    }

    /// The simulator's product with `handle`: (title, price of its first variant).
    pub fn product(&self, handle: &str) -> (String, String) {
        let store = shopify_sim::lock(&self.sim.shared.store);
        let p = store.products.values().find(|p| p.handle == handle).unwrap();
        let v = store.variants.values().find(|v| v.product_id == p.id).unwrap();
        (p.title.clone(), v.price.clone())
    }

    /// Add a feed file (an ERP export that arrives later).
    pub fn add_feed(&self, name: &str, text: &str) {
        self.scenario.feed_file(name, text);
    }

    fn ids(&self, sku: &str, location: &str) -> (u64, u64) {
        let store = shopify_sim::lock(&self.sim.shared.store);
        let item = store.variant_by_sku(sku).unwrap().inventory_item_id;
        let loc = location.rsplit('/').next().unwrap().parse().unwrap();
        (item, loc)
    }

    /// Shopify's available of `sku` at `location` (GID).
    pub fn available(&self, sku: &str, location: &str) -> i64 {
        let (item, loc) = self.ids(sku, location);
        shopify_sim::lock(&self.sim.shared.store).levels[&(item, loc)].quantity("available")
    }

    /// Change a level in the simulator directly (a sale or a manual edit nobody told weft of).
    pub fn set_available(&self, sku: &str, location: &str, value: i64) {
        let (item, loc) = self.ids(sku, location);
        shopify_sim::lock(&self.sim.shared.store).set_quantity(item, loc, "available", value).unwrap();
    }

    /// Successful writes per mutation so far.
    pub fn writes(&self) -> std::collections::BTreeMap<String, u64> {
        self.sim.counters().writes
    }

    /// The store directory.
    pub fn data(&self) -> &Path {
        self.scenario.path()
    }
}
