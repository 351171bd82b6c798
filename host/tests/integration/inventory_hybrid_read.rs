//! A level a hybrid flow read from the ERP before one of Shopify's changes was booked there is
//! written with that change, whenever its job runs. In process, on the real parts (the engine, a
//! redb file, the file-feed connector, the simulator), batches driven one at a time so that the
//! order that lost a sale under load is played exactly: the pull reads the ERP's number, the
//! sale is taken in and booked in the same batch, and the level read before the booking is
//! written after it. And a level read before another and written after it (a job a crashed host
//! held) is stale: skipped, in a hybrid flow and in one from the ERP only.

use crate::common;
use crate::inventory_hybrid::{hybrid_flow, shopify_levels};
use crate::orders_support::{file_feed_config, shop_env, Shop};

use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use weft::clock::SystemClock;
use weft::config::Config;
use weft::flow::FlowEngine;
use weft::plugin::{HostOptions, PluginHost};
use weft::queue::Queue;
use weft::redact::Redactor;
use weft::store::{NewJob, Store};

pub(crate) const LEASE_MS: u64 = 600_000;

/// Export the ERP's number of MUG at `WH` as the exchange's `n`th inventory file.
pub(crate) fn export(exchange: &Path, n: usize, on_hand: i64) {
    let name = format!("inventory-{n:04}.csv");
    let tmp = exchange.join(format!(".{name}"));
    std::fs::write(&tmp, format!("sku,location,on_hand\nMUG,WH,{on_hand}\n")).unwrap();
    std::fs::rename(tmp, exchange.join("in").join(name)).unwrap();
}

/// Run one batch of every job of the flow that is due now; how many jobs it ran.
pub(crate) fn batch(engine: &FlowEngine) -> usize {
    let jobs = engine.queue().lease(Some("stock"), LEASE_MS, 250).unwrap();
    let n = jobs.len();
    if n > 0 {
        engine.run_batch("stock", jobs).unwrap();
    }
    n
}

/// Ask for a pull of the ERP, as the flow's schedule does.
pub(crate) fn pull(engine: &FlowEngine) {
    let job = NewJob {
        flow: "stock".into(),
        trigger: "schedule".into(),
        key: "pull".into(),
        payload: json!({"kind": "pull"}).into(),
        dedupe_id: None,
    };
    engine.queue().enqueue(vec![job]).unwrap();
}

/// The deltas of the adjustments weft delivered to the ERP's outbox.
fn delivered(exchange: &Path) -> Vec<i64> {
    let Ok(entries) = std::fs::read_dir(exchange.join("out/inventory-adjustments")) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let a: serde_json::Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            a["InventoryAdjustment"]["delta"].as_i64().unwrap()
        })
        .collect()
}

/// The simulator with MUG at location Main, the exchange with the ERP's 50 at WH, and an engine
/// running the inventory flow `stock` between them (`hybrid`, or from the ERP only).
pub(crate) struct Setup {
    pub(crate) shop: Shop,
    pub(crate) exchange: std::path::PathBuf,
    pub(crate) engine: FlowEngine,
    pub(crate) _tmp: tempfile::TempDir,
}

pub(crate) fn setup(hybrid: bool) -> Setup {
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 0}}]}]}));
    let main = crate::shopify_common::location_gid(&shop.sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    let exchange = dir.join("exchange");
    std::fs::create_dir_all(exchange.join("in")).unwrap();
    export(&exchange, 0, 50);
    for (key, value) in shop_env(&shop) {
        std::env::set_var(key, value);
    }
    let mut flow = hybrid_flow(&main, "1h");
    if !hybrid {
        flow = flow.replace("direction = \"hybrid\"\n", "");
    }
    let text = file_feed_config(dir, "127.0.0.1:9", &shop, &flow);
    let config = Arc::new(Config::parse(&text, &dir.join("weft.toml")).expect("the config is valid"));
    let store = Store::open(&config.store.path).unwrap();
    let plugins = PluginHost::load(HostOptions::from_config(&config, Some(store.clone()), Redactor::new())).unwrap();
    let engine = FlowEngine::new(config.clone(), Arc::new(plugins), Queue::new(store, Arc::new(SystemClock))).unwrap();
    Setup { shop, exchange, engine, _tmp: tmp }
}

pub(crate) fn mug(shop: &Shop) -> BTreeMap<String, i64> {
    shopify_levels(shop, &["MUG"])
}

#[test]
fn a_level_read_before_a_sale_was_booked_is_written_with_the_sale() {
    let Setup { shop, exchange, engine, _tmp } = setup(true);
    let mug = || mug(&shop);

    // The ERP's 50 reach Shopify.
    pull(&engine);
    while batch(&engine) > 0 {}
    assert_eq!(mug(), BTreeMap::from([("MUG".to_owned(), 50)]));

    // A storefront sale of 4 in Shopify; its webhook waits in the queue. Meanwhile the ERP
    // receives 10 and exports 60 (without the sale: it has not been booked).
    shop.place_order("a@example.com", &[("MUG", 4)]);
    let level = shop.runtime.block_on(weft::shopify::inventory::levels_by_sku(&shop.client, &["MUG".into()])).unwrap();
    let body = json!({
        "inventory_item_id": level[0].inventory_item_id, "location_id": level[0].location_id,
        "available": level[0].available, "updated_at": "2026-12-06T20:00:00Z",
    });
    assert_eq!(body["available"], 46);
    engine
        .queue()
        .enqueue(engine.shopify_jobs("shopify", "inventory_levels/update", "wh-sale", &body).unwrap())
        .unwrap();
    export(&exchange, 1, 60);

    // One batch: the pull reads the ERP's 60, then the sale is taken in and delivered.
    pull(&engine);
    assert_eq!(batch(&engine), 2, "the pull and the webhook run in one batch");
    assert_eq!(delivered(&exchange), vec![-4], "the sale reached the ERP as one adjustment");
    // The ERP books it: 56. The level read before that (60) is written only now.
    export(&exchange, 2, 56);
    assert_eq!(batch(&engine), 1, "the level read before the booking");
    assert_eq!(
        mug(),
        BTreeMap::from([("MUG".to_owned(), 56)]),
        "the ERP's 60 was read without the sale, booked since: Shopify gets 60 - 4"
    );

    // The ERP's own 56, read after the booking, changes nothing; nothing more is delivered.
    pull(&engine);
    while batch(&engine) > 0 {}
    assert_eq!(mug(), BTreeMap::from([("MUG".to_owned(), 56)]));
    assert_eq!(delivered(&exchange), vec![-4], "weft's own writes never come back as adjustments");
}

#[test]
fn a_level_read_before_another_and_written_after_it_is_stale() {
    for hybrid in [true, false] {
        stale_read_is_skipped(hybrid);
    }
}

fn stale_read_is_skipped(hybrid: bool) {
    let Setup { shop, exchange, engine, _tmp } = setup(hybrid);
    pull(&engine);
    while batch(&engine) > 0 {}
    assert_eq!(mug(&shop), BTreeMap::from([("MUG".to_owned(), 50)]));

    // The ERP exports 60, then 70; the job of the 60 is held (as by a host that died holding
    // it) while the 70 is written.
    export(&exchange, 1, 60);
    pull(&engine);
    assert_eq!(batch(&engine), 1, "the pull of the 60");
    export(&exchange, 2, 70);
    pull(&engine);
    let leased = engine.queue().lease(Some("stock"), LEASE_MS, 250).unwrap();
    assert_eq!(leased.len(), 2, "the 60's job and the second pull");
    let (held, pull_of_70): (Vec<_>, Vec<_>) = leased.into_iter().partition(|j| j.payload.kind() != "pull");
    engine.run_batch("stock", pull_of_70).unwrap();
    assert_eq!(batch(&engine), 1, "the 70's job");
    assert_eq!(mug(&shop), BTreeMap::from([("MUG".to_owned(), 70)]));

    // The held job comes back: the ERP's 60 is older than the 70 written, so nothing is written.
    let run = engine.run_batch("stock", held).unwrap().expect("a run");
    assert_eq!(
        mug(&shop),
        BTreeMap::from([("MUG".to_owned(), 70)]),
        "a stale read never overwrites a newer one (hybrid: {hybrid})"
    );
    let records = engine.queue().store().run_records(run).unwrap();
    assert!(
        records.iter().any(|r| r.record.reason.as_deref().is_some_and(|why| why.starts_with("stale: a newer read"))),
        "{records:?}"
    );
}
