//! `weft serve` keeps the webhook subscriptions its flows consume at `[server] public_url`:
//! starting against a shop with none subscribes exactly the order topics; a restart creates none
//! twice; a subscription of another name survives; orders then arrive by webhook; subscriptions
//! Shopify deleted are re-created at the next check and the orders placed meanwhile arrive by
//! polling; `GET /api/webhooks` says where they stand. `weft webhooks list|sync` shows and does
//! the same from the command line, and `weft config check` warns of what serve will change. The real
//! binary, the file-feed connector and the simulator.

use crate::common;
use crate::shopify_common;

use common::engine::{free_port, Serve};
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::{json, Value};
use shopify_sim::{control_platform, SimConfig, SimHandle};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use weft::config::ObjectKind;
use weft::flow::objects::{shopify_source, ShopifySource};

const SECRET_ENV: &str = "WEFT_TEST_WEBHOOK_SECRET";
/// The topics a flow of shop orders consumes (the order's own, its refunds' and its returns').
fn order_topics() -> BTreeSet<&'static str> {
    match shopify_source(ObjectKind::Order) {
        ShopifySource::Webhooks { subscribe, .. } => subscribe.iter().copied().collect(),
        ShopifySource::Unsupported(why) => panic!("orders are read from Shopify: {why}"),
    }
}
const FOREIGN: &str = "http://127.0.0.1:9/erp-bridge";

fn control(sim: &SimHandle, method: &str, path: &str, body: Value) -> Value {
    control_platform::route(&sim.shared, method, path, body.to_string().as_bytes())
        .expect("a control endpoint")
        .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"))
}

/// (id, topic, uri, name) of every subscription of the simulator's app.
fn subscriptions(sim: &SimHandle) -> Vec<(u64, String, String, String)> {
    let state = control(sim, "GET", "/_sim/webhooks/subscriptions", json!({}));
    let mut out: Vec<_> = state["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
            (s["id"].as_u64().unwrap(), text("topic"), text("uri"), text("name"))
        })
        .collect();
    out.sort();
    out
}

fn wait_for(log: &std::path::Path, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; weft serve's log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The orders the ERP received (file-feed outbox).
fn received(scenario: &Scenario) -> usize {
    std::fs::read_dir(scenario.feed.join("out/orders")).map(|d| d.count()).unwrap_or(0)
}

/// How many checks `weft serve` logged so far.
fn checks(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().matches("webhook subscriptions in line").count()
}

#[test]
fn serve_keeps_the_subscriptions_its_flows_consume() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(2, 1)));
    let _inside = rt.enter();
    control(
        &sim,
        "POST",
        "/_sim/webhooks/subscriptions",
        json!({"topic": "PRODUCTS_UPDATE", "uri": FOREIGN, "name": "erp-bridge"}),
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let scenario = Scenario::builder(&sim)
        .server(&format!("listen = \"{addr}\"\npublic_url = \"http://{addr}/\"\nwebhook_check_every = \"3s\""))
        .webhook_secret_env(SECRET_ENV)
        .build("[flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { every = \"1h\", webhook = true }\n");
    let secret = SimConfig::default().webhook_secret;
    let envs = [(TOKEN_ENV, sim.token()), (SECRET_ENV, secret.as_str())];
    let log = scenario.path().join("serve.log");
    let address = format!("http://{addr}/webhooks/shopify");

    // Start: exactly the topics the order flow consumes, at the public address; the other stays.
    let serve = Serve::start(&scenario.config, &addr, &envs, &log);
    wait_for(&log, "the first check", || checks(&log) >= 1);
    let first = subscriptions(&sim);
    let ours: BTreeSet<&str> = first.iter().filter(|s| s.2 == address).map(|s| s.1.as_str()).collect();
    assert_eq!(ours, order_topics(), "{first:#?}");
    assert_eq!(first.len(), order_topics().len() + 1, "one subscription per topic and the foreign one: {first:#?}");
    assert!(first.iter().any(|s| s.1 == "PRODUCTS_UPDATE" && s.2 == FOREIGN && s.3 == "erp-bridge"));
    // The admin API says where they stand: every consumed topic kept, the foreign one left alone.
    let (status, body) = common::engine::get(&addr, "/api/webhooks").expect("admin API answers");
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    let states: BTreeSet<(&str, &str)> = api["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| Some((s["topic"].as_str()?, s["state"].as_str()?)))
        .collect();
    let mut expected: BTreeSet<(&str, &str)> = order_topics().into_iter().map(|t| (t, "kept")).collect();
    expected.insert(("PRODUCTS_UPDATE", "foreign"));
    assert_eq!((api["address"].as_str(), states), (Some(address.as_str()), expected));
    assert!(serve.terminate().success());

    // A restart creates none twice.
    let serve = Serve::start(&scenario.config, &addr, &envs, &log);
    wait_for(&log, "the check after the restart", || checks(&log) >= 2);
    assert_eq!(subscriptions(&sim), first, "the same subscriptions, none created twice");

    // An order arrives by webhook: the hourly poll is not due (it ran at the first start).
    let creations = || sim.deliveries().iter().filter(|d| d.uri == address && d.topic == "orders/create").count();
    sim.place_order(Some("a@example.com"), &[("SKU-0-0".into(), 1)]).unwrap();
    wait_for(&log, "the order at the ERP", || received(&scenario) == 1);
    assert_eq!(creations(), 1, "orders/create delivered to weft");

    // Shopify deletes the subscriptions (8 failed deliveries): right after a check, so the order
    // placed now finds none; the next check re-creates them and a pull brings the order.
    let before = checks(&log);
    wait_for(&log, "a check", || checks(&log) > before);
    for (id, ..) in first.iter().filter(|s| s.2 == address) {
        control(&sim, "DELETE", &format!("/_sim/webhooks/subscriptions/{id}"), json!({}));
    }
    sim.place_order(Some("b@example.com"), &[("SKU-1-0".into(), 1)]).unwrap();
    wait_for(&log, "the order placed meanwhile at the ERP", || received(&scenario) == 2);
    let again = subscriptions(&sim);
    let recreated: BTreeSet<&str> = again.iter().filter(|s| s.2 == address).map(|s| s.1.as_str()).collect();
    assert_eq!(recreated, order_topics(), "{again:#?}");
    assert_eq!(again.len(), order_topics().len() + 1, "{again:#?}");
    assert_eq!(creations(), 1, "the second order came by polling, not by webhook");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("re-created; polling catches up"), "{text}");
    assert!(serve.terminate().success());
}

/// `weft webhooks list` says what a sync would do to each subscription (kept, moved, removed,
/// foreign, missing); `weft webhooks sync` does it, once.
#[test]
fn the_cli_lists_and_syncs_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let _inside = rt.enter();
    let addr = format!("127.0.0.1:{}", free_port());
    let address = format!("http://{addr}/webhooks/shopify");
    let subscribe = |topic: &str, uri: &str, name: &str| {
        control(&sim, "POST", "/_sim/webhooks/subscriptions", json!({"topic": topic, "uri": uri, "name": name}));
    };
    subscribe("PRODUCTS_UPDATE", FOREIGN, "erp-bridge");
    subscribe("PRODUCTS_DELETE", &address, "weft-products-delete");
    subscribe("ORDERS_CREATE", "http://127.0.0.1:9/old-address", "weft-orders-create");
    let scenario = Scenario::builder(&sim)
        .server(&format!("listen = \"{addr}\"\npublic_url = \"http://{addr}/\""))
        .webhook_secret_env(SECRET_ENV)
        .build("[flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { every = \"1h\", webhook = true }\n");
    let json_of = |args: &[&str]| -> Value {
        let (ok, out, err) = scenario.weft(args);
        assert!(ok, "weft {args:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    };
    let states = |list: &Value| -> BTreeSet<(String, String)> {
        list["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["topic"].as_str().unwrap().to_owned(), l["state"].as_str().unwrap().to_owned()))
            .collect()
    };

    let list = json_of(&["webhooks", "list", "--json"]);
    assert_eq!(list["address"], json!(address));
    let mut expected: BTreeSet<(String, String)> = order_topics()
        .into_iter()
        .filter(|t| *t != "ORDERS_CREATE")
        .map(|t| (t.to_owned(), "missing".to_owned()))
        .collect();
    for (topic, state) in [("ORDERS_CREATE", "moved"), ("PRODUCTS_DELETE", "removed"), ("PRODUCTS_UPDATE", "foreign")] {
        expected.insert((topic.to_owned(), state.to_owned()));
    }
    assert_eq!(states(&list), expected, "{list:#}");

    // `weft config check` says the same as a warning (serve fixes it at start).
    let check = |scenario: &Scenario| -> String {
        let secret = SimConfig::default().webhook_secret;
        let output = scenario.command().args(["config", "check"]).env(SECRET_ENV, secret).output().unwrap();
        let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        let line = out.lines().chain(err.lines()).find(|l| l.contains("server.public_url"));
        line.map(str::to_owned).unwrap_or_else(|| format!("no server.public_url line in:\n{out}{err}"))
    };
    let said = check(&scenario);
    assert!(
        said.starts_with("warning")
            && said.contains("move ORDERS_CREATE here")
            && said.contains("remove PRODUCTS_DELETE"),
        "{said}"
    );

    let report = json_of(&["webhooks", "sync", "--json"]);
    let created: BTreeSet<&str> = report["created"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(created, order_topics().into_iter().filter(|t| *t != "ORDERS_CREATE").collect());
    assert_eq!(
        (report["moved"].clone(), report["removed"].clone()),
        (json!(["ORDERS_CREATE"]), json!(["PRODUCTS_DELETE"]))
    );
    assert_eq!(report["foreign"].as_array().map(Vec::len), Some(1));

    let mut in_line: BTreeSet<(String, String)> =
        order_topics().into_iter().map(|t| (t.to_owned(), "kept".to_owned())).collect();
    in_line.insert(("PRODUCTS_UPDATE".into(), "foreign".into()));
    assert_eq!(states(&json_of(&["webhooks", "list", "--json"])), in_line);
    let again = json_of(&["webhooks", "sync", "--json"]);
    assert_eq!(
        (again["created"].clone(), again["moved"].clone(), again["removed"].clone()),
        (json!([]), json!([]), json!([]))
    );
    assert_eq!(subscriptions(&sim).len(), order_topics().len() + 1, "{:#?}", subscriptions(&sim));
    let said = check(&scenario);
    assert!(said.starts_with("ok") && said.contains("are subscribed at"), "{said}");

    // Without a public_url, sync refuses and says why; list still shows the shop's.
    let bare = Scenario::builder(&sim).build("[flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { every = \"1h\", webhook = true }\n");
    let (ok, _, err) = bare.weft(&["webhooks", "sync"]);
    assert!(!ok && err.contains("public_url is not set"), "{err}");
    let (ok, out, _) = bare.weft(&["webhooks", "list"]);
    assert!(ok && out.contains("public_url is not set") && out.contains("ORDERS_CREATE"), "{out}");
}
