//! The order a connector receives says whether importing it must move stock: end to end with
//! `weft serve`, the simulator and the file-feed connector's outbox as the ERP, a shop order's
//! `stock_effect` is `AlreadyCounted` when a hybrid inventory flow books Shopify's stock changes
//! in the same connection (`stock_counted_by = "adjustment"`), `MoveStock` otherwise.

use crate::common;
use crate::inventory_hybrid::hybrid_flow;
use crate::orders_support;

use common::engine::{free_port, wait_for, Serve};
use orders_support::{file_feed_config, shop_env, Running, Shop};
use serde_json::{json, Value};
use std::time::Duration;

/// The order file the outbox holds after one shop order, with `flows` configured.
fn pushed_order(flows: impl Fn(&str) -> String) -> Value {
    let shop = Shop::start(json!({"locations": [{"name": "Main"}],
        "products": [{"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 10}}]}]}));
    let main = crate::shopify_common::location_gid(&shop.sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    std::fs::create_dir_all(dir.join("exchange/in")).unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let config = dir.join("weft.toml");
    std::fs::write(&config, file_feed_config(dir, &addr, &shop, &flows(&main))).unwrap();
    let env = shop_env(&shop);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let serve = Running(Some(Serve::start(&config, &addr, &env, &dir.join("serve.log"))));
    shop.subscribe(&addr, &["ORDERS_CREATE"]);
    shop.place_order("buyer@example.com", &[("MUG", 2)]);
    let outbox = dir.join("exchange/out/orders");
    let files = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&outbox)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default()
    };
    wait_for(Duration::from_secs(60), "the order in the outbox", || !files().is_empty());
    let found = files();
    assert_eq!(found.len(), 1, "{found:?}");
    let record: Value = serde_json::from_slice(&std::fs::read(&found[0]).unwrap()).unwrap();
    serve.kill();
    record["Order"].clone()
}

const ORDERS: &str = "[flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\n\
                      trigger = { webhook = true, every = \"1s\" }\n";

#[test]
fn an_order_counted_by_its_adjustment_reaches_the_outbox_as_already_counted() {
    let order = pushed_order(|main| format!("{}{ORDERS}stock_counted_by = \"adjustment\"\n", hybrid_flow(main, "1s")));
    assert_eq!(order["stock_effect"], "AlreadyCounted", "{order:#}");
    assert_eq!(order["lines"][0]["quantity"], 2, "the order itself is complete: {order:#}");
}

#[test]
fn an_order_counted_by_the_order_reaches_the_outbox_as_moving_stock() {
    let order = pushed_order(|_| ORDERS.to_owned());
    assert_eq!(order["stock_effect"], "MoveStock", "{order:#}");
}
