//! Crash safety of the batched inventory path at full speed: an initial sync of 6,000 levels
//! from one ERP export, through the real `weft serve` into a Plus-plan simulator (so Shopify's
//! budget never slows it), SIGKILLed twice while it writes and restarted. Every level ends at the
//! ERP's number after exactly one change in Shopify (no batch applied twice, none lost), the one
//! bad row is dead-lettered alone, and every good level has its run record. And in process, the
//! crash that window hides: a page repeated after its bad level went on alone (the page's ack
//! lost) does not send that level on a second time.

use crate::common;
use crate::shopify_common;

use common::engine::{free_port, get, wait_for, Serve};
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::{json, Value};
use shopify_sim::{Plan, SimConfig, Simulator};
use std::collections::BTreeMap;
use std::time::Duration;

const LOCATIONS: [&str; 3] = ["WH1", "WH2", "WH3"];
const SKUS: usize = 2_000;
/// The row whose on-hand Shopify would refuse (over its 1,000,000,000 limit).
const BAD_SKU: usize = 1_234;

/// The ERP's on-hand of SKU `s` at location `l` (reserved 1, safety stock 2: available = on hand − 3,
/// never the seeded 0, so every level changes once).
fn on_hand(s: usize, l: usize) -> i64 {
    ((s * 7 + l * 5) % 50 + 4) as i64
}

fn sku(s: usize) -> String {
    format!("K-{s:05}")
}

#[test]
fn an_initial_inventory_sync_killed_twice_at_full_speed_sets_every_level_exactly_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let products: Vec<Value> = (0..SKUS)
        .map(|s| {
            let stock: BTreeMap<&str, i64> = LOCATIONS.iter().map(|l| (*l, 0)).collect();
            json!({"title": format!("P{s}"), "variants": [{"sku": sku(s), "price": "9.00", "inventory": stock}]})
        })
        .collect();
    let seed = serde_json::from_value(
        json!({"locations": LOCATIONS.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(), "products": products}),
    )
    .unwrap();
    let plan = Plan::by_name("plus").unwrap();
    let sim = rt.block_on(Simulator::start(SimConfig { seed, plan, ..SimConfig::default() })).expect("simulator");
    let gid = |name: &str| shopify_common::location_gid(&sim, name);

    let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
    for s in 0..SKUS {
        for (l, location) in LOCATIONS.iter().enumerate() {
            let n = if s == BAD_SKU && l == 0 { 2_000_000_000 } else { on_hand(s, l) };
            csv.push_str(&format!("{},{location},{n},1,0,2,2026-11-26T06:00:00Z\n", sku(s)));
        }
    }
    let addr = format!("127.0.0.1:{}", free_port());
    let scenario = Scenario::builder(&sim).server(&format!("listen = \"{addr}\"\nworkers = 2")).build(&format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\ntrigger = {{ every = \"1s\" }}\n\
         batch = 250\nlocations = {{ WH1 = \"{}\", WH2 = \"{}\", WH3 = \"{}\" }}\n",
        gid("WH1"),
        gid("WH2"),
        gid("WH3"),
    ));
    scenario.feed_file("inventory-0001.csv", &csv);
    let envs = [(TOKEN_ENV, sim.token())];
    let log = scenario.path().join("serve.log");
    let levels = SKUS * LOCATIONS.len();
    let good = levels - 1;

    // Killed while it writes: once a quarter, then once over half of the levels are set.
    for at in [levels / 4, levels * 11 / 20] {
        let serve = Serve::start(&scenario.config, &addr, &envs, &log);
        wait_for(Duration::from_secs(300), &format!("{at} levels set"), || sim.level_history().len() >= at);
        serve.kill();
        let set = sim.level_history().len();
        assert!(set < good, "killed while writing: {set} of {good} levels set");
    }
    let serve = Serve::start(&scenario.config, &addr, &envs, &log);
    let started = std::time::Instant::now();
    while sim.level_history().len() < good {
        if started.elapsed() > Duration::from_secs(300) {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            panic!(
                "{} of {good} levels set; queues {:?}; dead letters {:?}; log tail (newest first):\n{}",
                sim.level_history().len(),
                get(&addr, "/api/queues"),
                get(&addr, "/api/dlq"),
                tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_for(Duration::from_secs(60), "the queue to drain", || {
        get(&addr, "/api/queues")
            .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
            .is_some_and(|q| q["inventory"]["ready"] == 0 && q["inventory"]["leased"] == 0)
    });

    // Exactly one change per level, to the ERP's number.
    let items: BTreeMap<String, u64> = shopify_common::all(&sim.state(), "variants")
        .iter()
        .filter_map(|v| Some((v["sku"].as_str()?.to_owned(), v["inventory_item_id"].as_u64()?)))
        .collect();
    let location_ids: Vec<u64> =
        LOCATIONS.iter().map(|l| gid(l).rsplit('/').next().unwrap().parse().unwrap()).collect();
    let mut changes: BTreeMap<(u64, u64), Vec<i64>> = BTreeMap::new();
    for c in sim.level_history() {
        changes.entry((c.inventory_item_id, c.location_id)).or_default().push(c.available);
    }
    for s in 0..SKUS {
        let item = items[&sku(s)];
        for (l, location) in location_ids.iter().enumerate() {
            let seen = changes.remove(&(item, *location)).unwrap_or_default();
            match s == BAD_SKU && l == 0 {
                true => assert!(seen.is_empty(), "the refused level is never written: {seen:?}"),
                false => {
                    assert_eq!(seen, [on_hand(s, l) - 3], "{} at {}: one change, to on hand − 3", sku(s), LOCATIONS[l])
                }
            }
        }
    }
    assert!(changes.is_empty(), "no other level changed: {changes:?}");

    // The bad row alone is a dead letter, naming the limit.
    let (_, body) = get(&addr, "/api/dlq").unwrap();
    let dead: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].to_string().contains(&sku(BAD_SKU)) && dead[0].to_string().contains("available"), "{}", dead[0]);

    // Lineage: every good level has a run record saying it was set (or found set after a kill).
    let (_, body) = get(&addr, "/api/runs?flow=inventory&limit=1000").unwrap();
    let runs: Vec<Value> = serde_json::from_str(&body).unwrap();
    let count = |outcome: &str| runs.iter().map(|r| r["counts"][outcome].as_u64().unwrap_or(0)).sum::<u64>();
    assert!(
        count("updated") + count("unchanged") >= good as u64,
        "run records: {} updated, {} unchanged of {good}",
        count("updated"),
        count("unchanged")
    );
    drop(serve);
}

#[test]
fn a_page_repeated_after_its_bad_level_went_on_alone_sends_it_on_once() {
    use crate::inventory_hybrid_read::{batch, export, mug, pull, setup, Setup, LEASE_MS};
    use weft::store::Item;

    let Setup { shop, exchange, engine, _tmp } = setup(false);
    pull(&engine);
    while batch(&engine) > 0 {}
    assert_eq!(mug(&shop), BTreeMap::from([("MUG".to_owned(), 50)]));

    // The ERP exports a number Shopify refuses; its page fails it and sends it on alone.
    export(&exchange, 1, 2_000_000_000);
    pull(&engine);
    assert_eq!(batch(&engine), 1, "the pull");
    let page = engine.queue().lease(Some("stock"), LEASE_MS, 250).unwrap();
    assert_eq!(page.len(), 1, "one page: {page:?}");
    assert_eq!(page[0].payload.kind(), "page");
    engine.run_batch("stock", page.clone()).unwrap();
    let store = engine.queue().store();
    let (queued, _) = store.jobs_by_key("MUG", 10).unwrap();
    assert_eq!(queued.len(), 1, "the refused level went on alone: {queued:?}");

    // The host dies before the page's ack is durable: the page is back and runs again (beside
    // the level's own job, which waits for it and retries shortly); then the queue drains.
    store.import(&[Item::Job(page[0].clone())]).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while store.job_count().unwrap() > 0 && std::time::Instant::now() < deadline {
        if batch(&engine) == 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let (queued, dead) = store.jobs_by_key("MUG", 10).unwrap();
    assert!(queued.is_empty(), "the queue drained: {queued:?}");
    assert_eq!(dead.len(), 1, "the refused level is one dead letter, not one per run of its page: {dead:?}");
    assert!(dead[0].error.message.contains("available"), "{:?}", dead[0].error);
    assert_eq!(mug(&shop), BTreeMap::from([("MUG".to_owned(), 50)]), "the refused number is never written");
}
