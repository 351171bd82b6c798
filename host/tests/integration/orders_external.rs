//! External orders (marketplace, phone, B2B) from the ERP into Shopify, end to end: the real
//! `weft serve`, the file-feed connector and the simulator. Every order appears once, whatever
//! happens — lost answers to `orderCreate` and a SIGKILL of the host in the middle of the
//! import — and an order with an unknown SKU is dead-lettered with its reason.

use crate::common;
use crate::orders_support;

use common::engine::{free_port, wait_for, Serve};
use orders_support::{dead, file_feed_config, shop_env, Running, Shop};
use serde_json::{json, Value};
use shopify_sim::{Fault, FaultRule};
use std::collections::BTreeMap;
use std::time::Duration;

const ORDERS: usize = 30;
/// The order whose line has a SKU Shopify does not know.
const UNKNOWN: usize = 7;

/// An orders CSV for the file-feed inbox: `ORDERS` orders of one or two lines, cycling through
/// payment states; order `UNKNOWN` asks for a SKU the shop does not have.
fn orders_csv() -> String {
    let mut csv = String::from("order_id,name,source,email,customer_id,first_name,last_name,currency,created_at,financial_status,line_id,sku,title,quantity,unit_price,total\n");
    let states = ["paid", "authorized", "refunded", "pending"];
    for i in 0..ORDERS {
        let state = states[i % states.len()];
        let email = format!("buyer{}@example.com", i % 5);
        let sku = if i == UNKNOWN { "NO-SUCH-SKU" } else { "MUG" };
        // The total is the order's: its rows' sum (the feed checks it).
        let total = if i % 3 == 0 { "30.00" } else { "20.00" };
        let base = format!(
            "EXT-{i:03},AMZ-{i:03},amazon,{email},C{},Ann,Buyer{},USD,2026-11-02T10:00:00Z,{state}",
            i % 5,
            i % 5
        );
        csv.push_str(&format!("{base},EXT-{i:03}-1,{sku},Mug,2,10.00,{total}\n"));
        if i % 3 == 0 {
            csv.push_str(&format!("{base},EXT-{i:03}-2,TEE-S,Tee,1,10.00,{total}\n"));
        }
    }
    csv
}

#[test]
fn external_orders_are_created_once_across_lost_answers_and_a_sigkill_and_unknown_skus_are_dead_lettered() {
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 1000}}]},
        {"title": "Tee", "variants": [{"sku": "TEE-S", "price": "10.00", "inventory": {"Main": 1000}}]}]}));
    // The first orderCreates are executed, then answered 503: the order exists, weft cannot know.
    for _ in 0..3 {
        shop.sim.inject(FaultRule {
            operation: Some("orderCreate".into()),
            after_execute: true,
            ..FaultRule::times(Fault::Status { status: 503 }, 1)
        });
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    std::fs::create_dir_all(dir.join("exchange/in")).unwrap();
    std::fs::write(dir.join("exchange/in/orders-marketplace.csv"), orders_csv()).unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let config = file_feed_config(
        dir,
        &addr,
        &shop,
        "[flows.external-orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\ntrigger = { every = \"300ms\" }\nbatch = 4\n\
         inventory_behaviour = \"decrement_ignoring_policy\"\nretry = { max_attempts = 8, base_ms = 50, max_delay_ms = 500 }\n",
    );
    let config_path = dir.join("weft.toml");
    std::fs::write(&config_path, config).unwrap();
    let env = shop_env(&shop);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let log = dir.join("serve.log");

    // Kill the host as soon as the import is under way, then restart it.
    let serve = Running(Some(Serve::start(&config_path, &addr, &env, &log)));
    wait_for(Duration::from_secs(120), "the first external orders in Shopify", || shop.orders().len() >= 4);
    serve.kill();
    let killed_at = shop.orders().len();
    assert!(killed_at < ORDERS - 1, "the SIGKILL came mid-import ({killed_at} of {} created)", ORDERS - 1);
    let serve = Running(Some(Serve::start(&config_path, &addr, &env, &log)));
    wait_for(Duration::from_secs(180), "every good external order in Shopify", || shop.orders().len() >= ORDERS - 1);
    wait_for(Duration::from_secs(60), "the unknown SKU in the dead-letter queue", || {
        !dead(&addr, "external-orders").is_empty()
    });
    // Pulls keep running: nothing more may appear.
    std::thread::sleep(Duration::from_secs(3));

    let orders = shop.orders();
    let mut by_source: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for o in &orders {
        by_source.entry(o["source_identifier"].as_str().unwrap_or("").to_owned()).or_default().push(o);
    }
    let doubled: Vec<_> = by_source.iter().filter(|(_, v)| v.len() > 1).map(|(k, v)| (k.clone(), v.len())).collect();
    assert!(doubled.is_empty(), "orders created twice: {doubled:?}");
    assert_eq!(orders.len(), ORDERS - 1, "one order per good external order");
    assert!(!by_source.contains_key(&format!("erp:EXT-{UNKNOWN:03}")), "the order with an unknown SKU is not created");
    let writes = shop.sim.counters();
    eprintln!("{} orders created, killed after {killed_at}; simulator counters: {writes:?}", orders.len());

    // Lines resolved to variants, payment state mapped explicitly, customer attached.
    let find = |i: usize| by_source[&format!("erp:EXT-{i:03}")][0];
    let status = |i: usize| find(i)["financial_status"].as_str().unwrap_or("").to_owned();
    assert_eq!(
        (status(0).as_str(), status(1).as_str(), status(2).as_str(), status(3).as_str()),
        ("PAID", "AUTHORIZED", "REFUNDED", "PENDING")
    );
    let first = find(0);
    assert_eq!(first["name"], "AMZ-000");
    let lines = first["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["variant_id"].is_u64()), "lines point at existing variants: {lines:?}");
    assert!(first["customer_id"].is_u64(), "the buyer is attached");
    let customers = shop.sim.state()["customers"].as_object().map(|c| c.len()).unwrap_or(0);
    assert_eq!(customers, 5, "five buyers, one customer each (matched by e-mail)");

    let dead = dead(&addr, "external-orders");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].0, "invalid_input");
    assert!(dead[0].1.contains("NO-SUCH-SKU"), "the reason names the SKU: {}", dead[0].1);
    serve.kill();
}
