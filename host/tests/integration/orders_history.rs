//! Where shop orders start, end to end (the real `weft serve`, the simulator, the file-feed
//! connector's outbox as the ERP): a fresh installation in a shop with 500 historical orders and
//! `since` = now (the default) pushes none of them, while an order of 120 lines placed after it
//! started syncs whole; `weft backfill FLOW --since DATE` then pushes exactly the orders placed
//! since DATE, once each.

use crate::common;
use crate::orders_support;

use common::engine::{free_port, wait_for, Serve};
use orders_support::{file_feed_config, shop_env, Running, Shop};
use serde_json::{json, Value};
use shopify_sim::Checkout;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const HISTORY: usize = 500;
const SKUS: usize = 120;
/// The backfill date: history order `i` was placed on 2026-01-01 + 12 h × i.
const BACKFILL_SINCE: &str = "2026-08-01";

fn placed_at(i: usize) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
        + chrono::Duration::hours(12 * i as i64)
}

fn checkout(value: Value) -> Checkout {
    serde_json::from_value(value).expect("a checkout")
}

/// The orders the outbox holds, as the canonical records the connector wrote.
fn pushed(outbox: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(outbox) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).ok()?).ok())
        .collect()
}

fn name_of(order: &Value) -> String {
    let o = order.get("Order").or_else(|| order.get("order")).unwrap_or(order);
    o["name"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn history_is_left_out_until_backfilled_and_a_120_line_order_syncs_whole() {
    let products: Vec<Value> = (0..SKUS)
        .map(|i| json!({"title": format!("Part {i}"), "variants": [{"sku": format!("P-{i:03}"), "price": "1.00", "inventory": {"Main": 10000}}]}))
        .collect();
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "products": products}));
    for i in 0..HISTORY {
        let placed = placed_at(i).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let sku = format!("P-{:03}", i % SKUS);
        let c = checkout(json!({"email": format!("old{}@example.com", i % 40), "processed_at": placed,
            "lines": [{"sku": sku, "quantity": 1}]}));
        let _inside = shop.runtime.enter();
        shop.sim.place_checkout(&c).expect("a historical order");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    std::fs::create_dir_all(dir.join("exchange/in")).unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let config = file_feed_config(
        dir,
        &addr,
        &shop,
        "[flows.shop-orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { every = \"500ms\" }\n",
    );
    let config_path = dir.join("weft.toml");
    std::fs::write(&config_path, config).unwrap();
    let env = shop_env(&shop);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let serve = Running(Some(Serve::start(&config_path, &addr, &env, &dir.join("serve.log"))));
    let outbox = dir.join("exchange/out/orders");

    // Let the flow look several times (every 500 ms) with the history in the shop; that it does
    // look is shown by the new order below, which it brings in.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(pushed(&outbox).len(), 0, "no historical order is pushed with since = now");

    // A new order of 120 lines.
    let lines: Vec<Value> = (0..SKUS).map(|i| json!({"sku": format!("P-{i:03}"), "quantity": 1 + i % 3})).collect();
    let big = {
        let _inside = shop.runtime.enter();
        shop.sim.place_checkout(&checkout(json!({"email": "big@example.com", "lines": lines}))).expect("the big order")
    };
    let big_name = shop.sim.state()["orders"][big.to_string()]["name"].as_str().unwrap().to_owned();
    wait_for(Duration::from_secs(120), "the 120-line order in the ERP", || pushed(&outbox).len() == 1);
    let orders = pushed(&outbox);
    assert_eq!(name_of(&orders[0]), big_name);
    let record = orders[0].get("Order").or_else(|| orders[0].get("order")).unwrap_or(&orders[0]);
    let lines = record["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), SKUS, "every line of the big order reached the ERP");
    let units: u64 = lines.iter().filter_map(|l| l["quantity"].as_u64()).sum();
    assert_eq!(units, (0..SKUS as u64).map(|i| 1 + i % 3).sum::<u64>());

    // History on purpose: exactly the orders placed since the date.
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(&config_path)
        .args(["backfill", "shop-orders", "--since", BACKFILL_SINCE])
        .output()
        .expect("weft backfill");
    assert!(out.status.success(), "weft backfill: {}", String::from_utf8_lossy(&out.stderr));
    let since = chrono::DateTime::parse_from_rfc3339(&format!("{BACKFILL_SINCE}T00:00:00Z")).unwrap().to_utc();
    let state = shop.sim.state();
    let mut expected: Vec<String> = (0..HISTORY)
        .filter(|&i| placed_at(i) >= since)
        .map(|i| {
            let placed = placed_at(i).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let order = state["orders"]
                .as_object()
                .unwrap()
                .values()
                .find(|o| o["processed_at"].as_str().is_some_and(|p| p.starts_with(&placed[..19])));
            order.and_then(|o| o["name"].as_str()).unwrap_or_default().to_owned()
        })
        .collect();
    assert!(
        expected.len() > 50 && expected.len() < HISTORY,
        "the date splits the history ({} after it)",
        expected.len()
    );
    expected.push(big_name);
    expected.sort();
    wait_for(Duration::from_secs(180), "the backfilled orders in the ERP", || pushed(&outbox).len() >= expected.len());
    std::thread::sleep(Duration::from_secs(3));
    let mut names: Vec<String> = pushed(&outbox).iter().map(name_of).collect();
    names.sort();
    assert_eq!(names, expected, "exactly the orders since {BACKFILL_SINCE}, and the new one, once each");
    serve.kill();
}
