//! Hybrid inventory end to end: the real `weft serve`, the simulator and the file-feed connector
//! as the ERP's exchange. The test plays the ERP: it books every adjustment file weft writes to
//! the outbox exactly once and exports its levels again whenever they change (its own receipts
//! too). Storefront orders, a POS sale and a person's adjustment in the admin happen in Shopify
//! while the ERP changes the same SKUs, with webhooks duplicated, reordered and lost and a SIGKILL
//! of `weft serve` in the middle: at the end both sides hold the arithmetic of every change applied
//! once, the adjustments are exactly Shopify's changes (weft's own writes never came back as
//! one), and reconcile finds no drift, then exactly the level changed by hand.

use crate::common;
use crate::orders_support;

use common::engine::{free_port, wait_for, Serve};
use orders_support::{file_feed_config, shop_env, Running, Shop};
use serde_json::{json, Value};
use shopify_sim::{AdminAdjustment, CheckoutLine, Fault, FaultRule, PosSale};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The ERP side of the scenario, at warehouse `WH`.
pub trait ErpSide {
    /// A change made in the ERP (a receipt, a count).
    fn change(&mut self, sku: &str, delta: i64);
    /// Let the ERP take in what weft delivered (a no-op for an ERP that books on push).
    fn book(&mut self);
    /// Its levels of the scenario's SKUs.
    fn levels(&mut self) -> BTreeMap<String, i64>;
    /// The delta of every adjustment booked, per SKU.
    fn deltas(&mut self) -> BTreeMap<String, Vec<i64>>;
}

/// The ERP behind the file feed, played by the test: its levels at `WH`, and the adjustment
/// files it booked.
struct Erp {
    exchange: PathBuf,
    levels: BTreeMap<String, i64>,
    booked: BTreeSet<String>,
    /// Every booked adjustment's delta per SKU.
    deltas: BTreeMap<String, Vec<i64>>,
    exports: usize,
}

impl Erp {
    fn new(exchange: &Path, levels: &[(&str, i64)]) -> Erp {
        std::fs::create_dir_all(exchange.join("in")).unwrap();
        let mut erp = Erp {
            exchange: exchange.to_owned(),
            levels: levels.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect(),
            booked: BTreeSet::new(),
            deltas: BTreeMap::new(),
            exports: 0,
        };
        let all: Vec<String> = erp.levels.keys().cloned().collect();
        erp.export(&all);
        erp
    }

    /// Export the levels of `skus` as a new inventory file.
    fn export(&mut self, skus: &[String]) {
        let mut csv = String::from("sku,location,on_hand\n");
        for sku in skus {
            csv.push_str(&format!("{sku},WH,{}\n", self.levels[sku]));
        }
        let name = format!("inventory-{:04}.csv", self.exports);
        self.exports += 1;
        let tmp = self.exchange.join(format!(".{name}"));
        std::fs::write(&tmp, csv).unwrap();
        std::fs::rename(tmp, self.exchange.join("in").join(name)).unwrap();
    }
}

impl ErpSide for Erp {
    fn change(&mut self, sku: &str, delta: i64) {
        *self.levels.get_mut(sku).unwrap() += delta;
        self.export(&[sku.to_owned()]);
    }

    /// Book every adjustment file not booked yet.
    fn book(&mut self) {
        let dir = self.exchange.join("out/inventory-adjustments");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        let mut changed = BTreeSet::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || self.booked.contains(&name) {
                continue;
            }
            let a: Value = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            let a = &a["InventoryAdjustment"];
            let sku = a["sku"].as_str().unwrap().to_owned();
            assert_eq!(a["location"], "WH", "booked against the mapped ERP location: {a}");
            let delta = a["delta"].as_i64().unwrap();
            *self.levels.get_mut(&sku).unwrap() += delta;
            self.deltas.entry(sku.clone()).or_default().push(delta);
            self.booked.insert(name);
            changed.insert(sku);
        }
        if !changed.is_empty() {
            self.export(&changed.into_iter().collect::<Vec<_>>());
        }
    }

    fn levels(&mut self) -> BTreeMap<String, i64> {
        self.levels.clone()
    }

    fn deltas(&mut self) -> BTreeMap<String, Vec<i64>> {
        self.deltas.clone()
    }
}

pub fn shopify_levels(shop: &Shop, skus: &[&str]) -> BTreeMap<String, i64> {
    let skus: Vec<String> = skus.iter().map(|s| (*s).to_owned()).collect();
    let levels = shop.runtime.block_on(weft::shopify::inventory::levels_by_sku(&shop.client, &skus)).unwrap();
    levels.into_iter().map(|l| (l.sku, l.available)).collect()
}

pub fn reconcile(config: &Path, heal: bool) -> Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_weft"));
    cmd.arg("--config").arg(config).args(["reconcile", "--flow", "stock", "--json"]);
    if heal {
        cmd.arg("--heal");
    }
    let out = cmd.output().expect("weft reconcile");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("reconcile --json: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn line(sku: &str, quantity: i64) -> CheckoutLine {
    CheckoutLine { sku: sku.into(), quantity, price: None, discount: None, tax_lines: vec![] }
}

#[test]
fn shopify_and_erp_changes_meet_once_across_faulty_webhooks_and_a_sigkill() {
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 0}}]},
        {"title": "Tee", "variants": [{"sku": "TEE", "price": "10.00", "inventory": {"Main": 0}}]}]}));
    let main = crate::shopify_common::location_gid(&shop.sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    let mut erp = Erp::new(&dir.join("exchange"), &[("MUG", 50), ("TEE", 30)]);
    let addr = format!("127.0.0.1:{}", free_port());
    let config = dir.join("weft.toml");
    std::fs::write(&config, file_feed_config(dir, &addr, &shop, &hybrid_flow(&main, "300ms"))).unwrap();
    let env = shop_env(&shop);
    scenario(&shop, &mut erp, &Host { config, addr, env, log: dir.join("serve.log") }, ["MUG", "TEE"]);
}

/// The hybrid flow `stock` from connection `erp`, warehouse `WH` mapped to `main`.
pub fn hybrid_flow(main: &str, every: &str) -> String {
    format!(
        "[flows.stock]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\ndirection = \"hybrid\"\n\
         locations = {{ WH = \"{main}\" }}\ntrigger = {{ every = \"{every}\" }}\n\
         retry = {{ max_attempts = 6, base_ms = 50, max_delay_ms = 500 }}\n"
    )
}

/// How to start `weft serve`.
pub struct Host {
    pub config: PathBuf,
    pub addr: String,
    pub env: Vec<(&'static str, String)>,
    pub log: PathBuf,
}

/// The scenario, with the ERP at 50 of `a` and 30 of `b` at `WH` and Shopify at 0 of both.
pub fn scenario(shop: &Shop, erp: &mut dyn ErpSide, host: &Host, [a, b]: [&str; 2]) {
    let env: Vec<(&str, &str)> = host.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (config, addr, log) = (&host.config, host.addr.as_str(), &host.log);
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    let both = [a, b];
    let serve = Running(Some(Serve::start(config, addr, &env, log)));
    shop.subscribe(addr, &["INVENTORY_LEVELS_UPDATE"]);
    wait_for(Duration::from_secs(120), "the ERP's first levels in Shopify", || {
        shopify_levels(shop, &both) == BTreeMap::from([(a.into(), 50), (b.into(), 30)])
    });

    // Webhooks from now on: two duplicated, three held and released reversed, two lost.
    shop.sim.inject(FaultRule::times(Fault::WebhookDuplicate, 2));
    shop.sim.inject(FaultRule::times(Fault::WebhookReorder { batch: 3 }, 3));
    shop.sim.inject(FaultRule::times(Fault::WebhookDrop, 2));
    let in_shop = |f: &dyn Fn()| {
        let _inside = shop.runtime.enter();
        f()
    };
    shop.place_order("a@example.com", &[(a, 2)]);
    erp.change(a, 10);
    shop.place_order("b@example.com", &[(b, 1)]);
    in_shop(&|| {
        shop.sim.pos_sale(&PosSale { location: "Main".into(), lines: vec![line(a, 1)], email: None }).unwrap();
    });
    erp.book();
    // SIGKILL while weft is busy with all of it; Shopify and the ERP go on meanwhile.
    std::thread::sleep(Duration::from_millis(400));
    serve.kill();
    in_shop(&|| {
        shop.sim
            .admin_adjust(&AdminAdjustment {
                sku: b.into(),
                location: "Main".into(),
                delta: Some(-3),
                available: None,
                reason: Some("damaged".into()),
            })
            .unwrap();
    });
    erp.change(b, 5);
    shop.place_order("c@example.com", &[(a, 1)]);
    let serve = Running(Some(Serve::start(config, addr, &env, log)));

    // a: 50 - 2 (web) + 10 (ERP) - 1 (POS) - 1 (web); b: 30 - 1 (web) - 3 (admin) + 5 (ERP).
    let expected = BTreeMap::from([(a.to_owned(), 56), (b.to_owned(), 31)]);
    let settled = |erp: &mut dyn ErpSide| {
        erp.book();
        erp.levels() == expected && shopify_levels(shop, &both) == expected
    };
    // A lost webhook is caught by the next change of its level or by reconcile --heal.
    let mut healed = false;
    let started = std::time::Instant::now();
    while !settled(erp) {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "never settled: ERP {:?}, Shopify {:?}\n{}",
            erp.levels(),
            shopify_levels(shop, &both),
            log_text()
        );
        if !healed && started.elapsed() > Duration::from_secs(15) {
            reconcile(config, true);
            healed = true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Stays settled: nothing more is booked or written.
    std::thread::sleep(Duration::from_secs(3));
    assert!(settled(erp), "ERP {:?}, Shopify {:?}", erp.levels(), shopify_levels(shop, &both));
    let deltas = erp.deltas();
    let sums: BTreeMap<&str, i64> = deltas.iter().map(|(s, d)| (s.as_str(), d.iter().sum())).collect();
    assert_eq!(sums, BTreeMap::from([(a, -4), (b, -4)]), "only Shopify's changes were booked: {deltas:?}");
    eprintln!("adjustments booked: {deltas:?}; reconcile healed: {healed}; simulator: {:?}", shop.sim.counters());

    let report = reconcile(config, false);
    assert_eq!(report["flows"][0]["drift"], json!([]), "{report}");
    // A level changed by hand in Shopify with its webhook lost: exactly that one drifts.
    shop.sim.inject(FaultRule::times(Fault::WebhookDrop, 1));
    in_shop(&|| {
        let by_hand =
            AdminAdjustment { sku: b.into(), location: "Main".into(), delta: None, available: Some(20), reason: None };
        shop.sim.admin_adjust(&by_hand).unwrap();
    });
    let report = reconcile(config, false);
    let drift = report["flows"][0]["drift"].as_array().cloned().unwrap_or_default();
    assert_eq!(drift.len(), 1, "{report}");
    assert_eq!((drift[0]["sku"].as_str(), drift[0]["shopify_available"].as_i64()), (Some(b), Some(20)));
    serve.kill();
}

/// Order-driven decrements counted once per connection: an orders flow from Shopify into the
/// connection a hybrid inventory flow books adjustments in must leave the stock to the
/// adjustment (`stock_counted_by = "adjustment"`), and only there may it; refused otherwise,
/// naming the key and the flows.
#[test]
fn an_orders_flow_says_which_counts_the_stock_and_the_check_refuses_twice_or_never() {
    let config = |inventory_direction: &str, orders: &str| {
        format!(
            "[connections.erp]\nplugin = \"x\"\n[connections.other]\nplugin = \"x\"\n\
             [shopify]\nshop = \"s\"\naccess_token = {{ env = \"U\" }}\nwebhook_secret = {{ env = \"U\" }}\n\
             [flows.stock]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n\
             direction = \"{inventory_direction}\"\nlocations = {{ WH = \"gid://shopify/Location/1\" }}\n\
             [flows.orders]\nfrom = \"shopify\"\nobject = \"order\"\n{orders}"
        )
    };
    let parse = |text: &str| weft::config::Config::parse(text, Path::new("weft.toml"));
    // Hybrid + the order moving stock too: counted twice.
    let err = parse(&config("hybrid", "to = \"erp\"\n")).expect_err("counted twice").to_string();
    assert!(err.contains("flows.orders.stock_counted_by") && err.contains("`stock`") && err.contains("twice"), "{err}");
    let err = parse(&config("hybrid", "to = \"erp\"\nstock_counted_by = \"order\"\n")).expect_err("twice").to_string();
    assert!(err.contains("flows.orders.stock_counted_by"), "{err}");
    // Hybrid + the adjustment counting: accepted.
    parse(&config("hybrid", "to = \"erp\"\nstock_counted_by = \"adjustment\"\n")).expect("counted once");
    // No hybrid flow: the order counts; `adjustment` would count it nowhere.
    parse(&config("erp", "to = \"erp\"\n")).expect("the order counts");
    let err =
        parse(&config("erp", "to = \"erp\"\nstock_counted_by = \"adjustment\"\n")).expect_err("never").to_string();
    assert!(err.contains("flows.orders.stock_counted_by") && err.contains("nowhere"), "{err}");
    // Orders into another connection than the hybrid flow's: that ERP's import counts.
    parse(&config("hybrid", "to = \"other\"\n")).expect("another connection");
    let err =
        parse(&config("hybrid", "to = \"other\"\nstock_counted_by = \"adjustment\"\n")).expect_err("never").to_string();
    assert!(err.contains("`other`"), "{err}");
}
