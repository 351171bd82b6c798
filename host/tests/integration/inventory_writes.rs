//! The inventory writer against the Shopify simulator: location map with unmapped locations
//! skipped or failed per config, only changed levels pushed, one bad item in a batch of 250 not
//! blocking the other 249, and a sale made in Shopify between our read and our write detected by
//! compare-and-set and kept (re-read, re-applied), not overwritten.

use crate::shopify_common;

use serde_json::{json, Value as Json};
use shopify_common::inventory_level as level;
use shopify_sim::{Fault, FaultRule};
use weft::clock::SystemClock;
use weft::config::Config;
use weft::flow::base::ShopifyContext;
use weft::flow::inventory::{state, write as push};
use weft::flow::Written;
use weft::model::{KeyedRecord, PluginError};
use weft::store::Store;

fn config(main: &str, back: &str, unmapped: &str) -> Config {
    shopify_common::writer_config(&format!(
        r#"[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
buffer = {{ units = 1 }}
locations = {{ WH = "{main}", WH2 = "{back}" }}
unmapped_location = "{unmapped}"
"#
    ))
}

fn available(sim: &shopify_sim::SimHandle, sku: &str, location: &str) -> i64 {
    let state = sim.state();
    let item = state["inventory_items"]
        .as_object()
        .and_then(|m| m.values().find(|i| i["sku"] == json!(sku)))
        .map(|i| i["id"].as_u64().unwrap())
        .expect("item");
    let loc: u64 = location.rsplit('/').next().unwrap().parse().unwrap();
    shopify_common::levels(sim)
        .into_iter()
        .find(|((i, l), _)| {
            *i == format!("gid://shopify/InventoryItem/{item}") && *l == format!("gid://shopify/Location/{loc}")
        })
        .map(|(_, q)| q)
        .expect("level")
}

fn run(
    config: &Config,
    store: &Store,
    client: &weft::shopify::ShopifyClient,
    records: &[KeyedRecord],
) -> Vec<Result<Written, PluginError>> {
    let ctx = ShopifyContext {
        client,
        shop: "shopify",
        store,
        flow_name: "inventory",
        flow: &config.flows["inventory"],
        config,
        run_id: 0,
        clock: &SystemClock,
        journal: Default::default(),
        read_stamps: Default::default(),
    };
    tokio::task::block_in_place(|| push(&ctx, records))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_of_250_with_one_bad_item_and_unmapped_locations() {
    let sim = shopify_common::start(shopify_common::seed(125, 1)).await;
    let client = shopify_common::client(&sim);
    let (main, back) = (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = config(&main, &back, "skip");
    let mut records: Vec<KeyedRecord> = (0..125)
        .flat_map(|p| [level(&format!("SKU-{p}-0"), "WH", 20 + p), level(&format!("SKU-{p}-0"), "WH2", 7)])
        .collect();
    // An ERP bug: an absurd quantity Shopify refuses.
    records[77] = level("SKU-38-0", "WH2", 5_000_000_000);
    records.push(level("SKU-1-0", "NOWHERE", 3));
    assert_eq!(records.len(), 251);
    let out = run(&config, &store, &client, &records);
    let failed: Vec<usize> = out.iter().enumerate().filter(|(_, r)| r.is_err()).map(|(i, _)| i).collect();
    assert_eq!(failed, vec![77], "only the bad item fails: {:?}", out[77]);
    // Not retryable: it goes to the dead-letter queue alone, with Shopify's reason.
    match &out[77] {
        Err(PluginError::Permanent(m)) => assert!(m.contains("4999999999"), "{m}"),
        Err(PluginError::InvalidInput(f)) => assert!(f.message.contains("4999999999"), "{}", f.message),
        other => panic!("the bad item must fail for good: {other:?}"),
    }
    assert!(matches!(&out[250], Ok(Written::Skipped(why)) if why.contains("NOWHERE")), "{:?}", out[250]);
    assert_eq!(available(&sim, "SKU-0-0", &main), 19);
    assert_eq!(available(&sim, "SKU-124-0", &main), 143);
    assert_eq!(available(&sim, "SKU-5-0", &back), 6);
    assert_eq!(available(&sim, "SKU-38-0", &back), 10, "the refused level keeps its value");
    let writes = sim.counters().writes.get("inventorySetQuantities").copied().unwrap_or(0);

    // The same levels again: nothing changed, nothing is written.
    records.remove(77);
    let out = run(&config, &store, &client, &records);
    assert!(out.iter().all(Result::is_ok));
    assert_eq!(
        sim.counters().writes.get("inventorySetQuantities").copied().unwrap_or(0),
        writes,
        "unchanged levels cost no writes"
    );

    // With unmapped_location = "fail" the unmapped level fails alone, naming the location.
    let strict = config_fail(&main, &back);
    let out = run(&strict, &store, &client, &[level("SKU-2-0", "NOWHERE", 3), level("SKU-2-0", "WH", 50)]);
    match &out[0] {
        Err(PluginError::InvalidInput(f)) => assert!(f.message.contains("NOWHERE"), "{}", f.message),
        other => panic!("unmapped location must fail: {other:?}"),
    }
    assert!(out[1].is_ok());
    assert_eq!(available(&sim, "SKU-2-0", &main), 49);
}

fn config_fail(main: &str, back: &str) -> Config {
    config(main, back, "fail")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_between_read_and_write_is_detected_and_kept() {
    let sim = shopify_common::start(shopify_common::seed(3, 1)).await;
    let client = shopify_common::client(&sim);
    let (main, back) = (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = config(&main, &back, "skip");
    // First push: on hand 30, buffer 1 -> 29 (compare-and-set from Shopify's 10, read first).
    assert!(run(&config, &store, &client, &[level("SKU-0-0", "WH", 30)])[0].is_ok());
    assert_eq!(available(&sim, "SKU-0-0", &main), 29);
    // A storefront sale takes 2 at some location; make sure it is Main by selling from there.
    let before_sale: i64 = available(&sim, "SKU-0-0", &main);
    sim.place_order(Some("buyer@example.com"), &[("SKU-0-0".into(), 2)]).expect("order");
    let after_sale = available(&sim, "SKU-0-0", &main);
    let sold_here = before_sale - after_sale;
    // The ERP, not knowing the sale yet, now has 5 more on hand: 35 -> 34.
    let out = run(&config, &store, &client, &[level("SKU-0-0", "WH", 35)]);
    assert!(out[0].is_ok(), "{:?}", out[0]);
    // Blind overwrite would give 34 and lose the sale; CAS detects it and re-applies +5.
    assert_eq!(available(&sim, "SKU-0-0", &main), 34 - sold_here);
    let saved = state::get(&store, "inventory", "SKU-0-0", &main).expect("state");
    if sold_here > 0 {
        let note = saved.conflict.expect("the conflict is in the explain trace");
        assert!(note.contains(&format!("Shopify had {after_sale}, not 29")), "{note}");
    }
    assert_eq!(saved.trace.available, 34);
    assert_eq!(saved.pushed, 34 - sold_here);
    assert!(sold_here > 0 || available(&sim, "SKU-0-0", &back) == 8, "the sale came from one of the two locations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_state_was_lost_is_not_applied_twice() {
    let sim = shopify_common::start(shopify_common::seed(2, 1)).await;
    let client = shopify_common::client(&sim);
    let (main, back) = (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = config(&main, &back, "skip");
    assert!(run(&config, &store, &client, &[level("SKU-1-0", "WH", 30)])[0].is_ok());
    assert_eq!(available(&sim, "SKU-1-0", &main), 29);
    // The next change (on hand 45 -> 44) reaches Shopify in a batch with another level, but its
    // host dies before storing it: the store still says 29 was pushed.
    let lost = state::get(&store, "inventory", "SKU-1-0", &main).expect("state");
    let out = run(&config, &store, &client, &[level("SKU-1-0", "WH", 45), level("SKU-0-0", "WH", 12)]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(available(&sim, "SKU-1-0", &main), 44);
    state::put_all(&store, "inventory", &[lost]).unwrap();
    let writes = sim.counters().writes.get("inventorySetQuantities").copied().unwrap_or(0);
    // Retried alone (another batch, another idempotency key): compare-and-set from 29 is stale,
    // and Shopify already has 44, the target: done. (Re-applying +15 on top would make it 59.)
    let out = run(&config, &store, &client, &[level("SKU-1-0", "WH", 45)]);
    assert!(matches!(out[0], Ok(Written::Unchanged(_))), "{:?}", out[0]);
    assert_eq!(available(&sim, "SKU-1-0", &main), 44);
    assert_eq!(sim.counters().writes.get("inventorySetQuantities").copied().unwrap_or(0), writes, "nothing set");
    assert_eq!(state::get(&store, "inventory", "SKU-1-0", &main).expect("state").pushed, 44);
}

/// First levels of items Shopify stocks at none or only some of the mapped locations (products
/// the merchant made in Shopify): an item missing several locations is stocked at all of them
/// with one `inventoryBulkToggleActivation` and its quantities join the batched
/// `inventorySetQuantities`; an item missing one location is activated there with its quantity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unstocked_items_are_stocked_per_item_and_set_in_the_batch() {
    let seed = json!({"locations": [{"name": "Main"}, {"name": "Backroom"}], "products": [
        {"title": "Bare", "variants": [{"sku": "BARE-1"}]},
        {"title": "Half", "variants": [{"sku": "HALF-1", "inventory": {"Main": 3}}]}]});
    let sim = shopify_common::start(serde_json::from_value(seed).unwrap()).await;
    let client = shopify_common::client(&sim);
    let (main, back) = (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = config(&main, &back, "skip");
    let out = run(
        &config,
        &store,
        &client,
        &[level("BARE-1", "WH", 5), level("BARE-1", "WH2", 2), level("HALF-1", "WH", 7), level("HALF-1", "WH2", 4)],
    );
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let created: Vec<bool> = out.iter().map(|o| matches!(o, Ok(Written::Created(_)))).collect();
    assert_eq!(created, [true, true, false, true], "levels stocked by this push are reported as created");
    let writes = sim.counters().writes;
    let count = |m: &str| writes.get(m).copied().unwrap_or(0);
    assert_eq!(
        (count("inventoryBulkToggleActivation"), count("inventoryActivate"), count("inventorySetQuantities")),
        (1, 1, 1),
        "{writes:?}"
    );
    // Buffer 1 unit.
    assert_eq!([available(&sim, "BARE-1", &main), available(&sim, "BARE-1", &back)], [4, 1]);
    assert_eq!([available(&sim, "HALF-1", &main), available(&sim, "HALF-1", &back)], [6, 3]);
}

/// An item stocked at more locations than one page of levels holds (10): its levels at the 11th
/// and 12th are read on, found stocked, and set by compare-and-set — not taken for unstocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_past_the_tenth_location_are_read_on() {
    let names: Vec<String> = (1..=12).map(|i| format!("L{i:02}")).collect();
    let stock: serde_json::Map<String, Json> = names.iter().map(|n| (n.clone(), json!(5))).collect();
    let seed = json!({"locations": names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(), "products": [{"title": "Wide", "variants": [{"sku": "WIDE-1", "inventory": stock}]}]});
    let sim = shopify_common::start(serde_json::from_value(seed).unwrap()).await;
    let client = shopify_common::client(&sim);
    let (l11, l12) = (shopify_common::location_gid(&sim, "L11"), shopify_common::location_gid(&sim, "L12"));
    // The bulk baseline (which reads every level) fails, so levels are read per SKU.
    sim.inject(FaultRule::chance(Fault::Status { status: 500 }, 1.0).only("bulkOperationRunQuery"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let out = run(&config(&l11, &l12, "skip"), &store, &client, &[level("WIDE-1", "WH", 9), level("WIDE-1", "WH2", 4)]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let writes = sim.counters().writes;
    assert_eq!(writes.keys().collect::<Vec<_>>(), ["inventorySetQuantities"], "no activation: {writes:?}");
    assert_eq!([available(&sim, "WIDE-1", &l11), available(&sim, "WIDE-1", &l12)], [8, 3]);
    let saved = state::get(&store, "inventory", "WIDE-1", &l12).expect("state");
    assert_eq!(saved.before, Some(5), "compare-and-set from the value read on the second page");
}
