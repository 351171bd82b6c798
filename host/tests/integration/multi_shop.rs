//! One host serving two shops (`[shops.alpha]`, `[shops.beta]`): one real Tryton feeds both with
//! each shop's own warehouse → location map and price list, each shop gets its own numbers and
//! its own id map (the shops' ids differ), reconciliation reports per shop; webhooks go by
//! `X-Shopify-Shop-Domain` to that shop's flows and are checked with that shop's secret; a burst
//! that drains one shop's cost bucket never holds the other shop's writes.

use crate::common::engine::{free_port, install_relay, post, wait_for, Serve, Sink};
use crate::connector_support::tryton::env_or_skip;
use crate::connector_support::{plugin_host, run_id};
use crate::shopify_common::{self, all, location_gid};
use crate::tryton_sync::{level, pull_all};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use shopify_sim::{Plan, Seed, SimConfig, SimHandle, Simulator};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use weft::model::Entity;

const ALPHA: &str = "alpha-shop.myshopify.com";
const BETA: &str = "beta-shop.myshopify.com";
const ALPHA_SECRET: &str = "whsec-alpha-5e6f7a8b";
const BETA_SECRET: &str = "whsec-beta-9c0d1e2f";

/// A simulator for `domain` on `plan`.
fn shop(rt: &tokio::runtime::Runtime, domain: &str, plan: Plan, seed: Value) -> SimHandle {
    shop_seeded(rt, domain, plan, serde_json::from_value(seed).expect("seed"))
}

fn shop_seeded(rt: &tokio::runtime::Runtime, domain: &str, plan: Plan, seed: Seed) -> SimHandle {
    rt.block_on(Simulator::start(SimConfig {
        seed,
        plan,
        shop_domain: domain.to_owned(),
        webhook_retry_base: Duration::from_millis(20),
        ..SimConfig::default()
    }))
    .expect("simulator starts")
}

/// `[shops.NAME]` for a simulator (its token from `WEFT_TOKEN_NAME`).
fn shop_section(name: &str, sim: &SimHandle, domain: &str) -> String {
    let upper = name.to_uppercase();
    format!(
        "[shops.{name}]\nshop = \"{domain}\"\nendpoint = \"{}\"\naccess_token = {{ env = \"WEFT_TOKEN_{upper}\" }}\n\
         webhook_secret = {{ env = \"WEFT_SECRET_{upper}\" }}\n",
        sim.base_url()
    )
}

/// The environment of a config made of [`shop_section`]s for alpha and beta.
fn envs<'a>(alpha: &'a SimHandle, beta: &'a SimHandle) -> Vec<(&'static str, &'a str)> {
    vec![
        ("WEFT_TOKEN_ALPHA", alpha.token()),
        ("WEFT_TOKEN_BETA", beta.token()),
        ("WEFT_SECRET_ALPHA", ALPHA_SECRET),
        ("WEFT_SECRET_BETA", BETA_SECRET),
    ]
}

/// Shopify's available of `sku` at location `location` (GID) in `sim`.
fn available(sim: &SimHandle, sku: &str, location: &str) -> Option<i64> {
    let state = sim.state();
    let item = all(&state, "variants").into_iter().find(|v| v["sku"] == json!(sku))?["inventory_item_id"].as_u64()?;
    let location: u64 = location.rsplit('/').next()?.parse().ok()?;
    all(&state, "levels")
        .into_iter()
        .find(|l| l["item_id"].as_u64() == Some(item) && l["location_id"].as_u64() == Some(location))?["quantities"]
        ["available"]
        .as_i64()
}

/// The fixed price (cents) of `sku` in price list `list` of `sim`.
fn fixed_price(sim: &SimHandle, list: &str, sku: &str) -> Option<i64> {
    let state = sim.state();
    let variant = all(&state, "variants").into_iter().find(|v| v["sku"] == json!(sku))?["id"].as_u64()?;
    let lists = all(&state["pricing"], "price_lists");
    let list = lists.iter().find(|l| l["name"] == json!(list))?;
    list["fixed"][variant.to_string()]["price"].as_i64()
}

#[test]
fn two_shops_fed_from_one_tryton_get_their_own_locations_prices_and_reconciliation() {
    let Some(t) = env_or_skip("two_shops_fed_from_one_tryton_get_their_own_locations_prices_and_reconciliation") else {
        return;
    };
    let run = run_id();
    let first_id = |v: &Value| v.as_array().and_then(|a| a.first()).and_then(Value::as_i64).expect("an id");
    let product = |code: &str| first_id(&t.model("product.product", "search", vec![json!([["code", "=", code]])]));
    let (sticker, mug) = (product("TT-STICKER"), product("TT-MUG"));
    let line = |p: i64, formula: &str| json!({"product": p, "quantity": null, "formula": formula});
    let (retail, wholesale) = (format!("Alpha retail {run}"), format!("Beta wholesale {run}"));
    t.model(
        "product.price_list",
        "create",
        vec![json!([
            {"name": retail, "company": t.company, "price": "list_price", "lines": [["create", [line(sticker, "2.75"), line(mug, "9.00")]]]},
            {"name": wholesale, "company": t.company, "price": "list_price", "lines": [["create", [line(sticker, "2.10"), line(mug, "7.00")]]]}
        ])],
    );

    // The catalog flows make the products in each shop. Beta's ids differ from alpha's (a
    // product and a location more, made first): an id map shared by the shops would send
    // alpha's product ids to beta and overwrite its gift card.
    let market = |name: &str, country: &str, list: &str| {
        json!({"markets": [{"name": name, "currency": "USD", "countries": [country]}],
               "catalogs": [{"title": format!("{name} catalog"), "market": name, "price_list": {"name": list}}]})
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut alpha_seed = market("Retail", "CA", "Retail prices");
    alpha_seed["locations"] = json!([{"name": "Main"}]);
    let alpha = shop(&rt, ALPHA, Plan::STANDARD, alpha_seed);
    let mut beta_seed = market("Wholesale", "MX", "Wholesale prices");
    beta_seed["locations"] = json!([{"name": "Spare"}, {"name": "Outlet"}]);
    beta_seed["products"] =
        json!([{"title": "Gift card", "handle": "gift", "variants": [{"sku": "GIFT", "price": "5.00"}]}]);
    let beta = shop(&rt, BETA, Plan::STANDARD, beta_seed);
    let (alpha_main, beta_outlet) = (location_gid(&alpha, "Main"), location_gid(&beta, "Outlet"));
    assert_ne!(alpha_main, beta_outlet);

    let (tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    // Per shop: its catalog (beta with a mapping of its own), its warehouse's stock at its
    // location, its market's price list.
    let flows = |shop: &str, mapping: &str, warehouse: &str, location: &str, market: &str| {
        let head =
            |object: &str| format!("shop = \"{shop}\"\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"{object}\"\n");
        format!(
            "[flows.catalog-{shop}]\n{}skip_if = \"!(erp.sku in ['TT-STICKER', 'TT-MUG'])\"\n{mapping}\n\
             [flows.stock-{shop}]\n{}available = \"on_hand\"\nlocations = {{ {warehouse} = \"{location}\" }}\n\
             [flows.prices-{shop}]\n{}base_price = false\nprice_scopes = [\"market:{market}\"]\n",
            head("product"),
            head("inventory"),
            head("price"),
        )
    };
    let erp = format!(
        "[connections.erp]\nplugin = \"tryton\"\nallow_hosts = [\"{authority}\"]\n\
         config = {{ url = \"{url}\", database = \"{db}\", user = \"{user}\", company = {company}, \
         price_lists = {{ \"{retail}\" = \"market:Retail\", \"{wholesale}\" = \"market:Wholesale\" }} }}\n\
         secrets = {{ password = {{ env = \"WEFT_TEST_TRYTON_PASSWORD\" }} }}\n",
        authority = t.authority,
        url = t.url,
        db = t.db,
        user = t.user,
        company = t.company,
    );
    let config = write_config(
        tmp.path(),
        None,
        &alpha,
        &beta,
        &format!(
            "{erp}{}{}",
            flows("alpha", "", "WH", &alpha_main, "Retail"),
            flows("beta", "mapping = { title = \"'Beta ' + erp.title\" }", "WH2", &beta_outlet, "Wholesale")
        ),
    );
    let weft = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .envs(envs(&alpha, &beta))
            .env("WEFT_TEST_TRYTON_PASSWORD", &t.password)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = weft(&["config", "check"]);
    assert!(ok, "{out}{err}");
    for flow in ["catalog-alpha", "catalog-beta", "stock-alpha", "stock-beta", "prices-alpha", "prices-beta"] {
        let (_, out, err) = weft(&["run", flow, "--once"]);
        eprintln!("{flow}: {out}{err}");
    }

    // Each shop its own products, by its own ids; the gift card untouched.
    let titles = |sim: &SimHandle| {
        let mut t: Vec<String> =
            all(&sim.state(), "products").iter().map(|p| p["title"].as_str().unwrap_or("").to_owned()).collect();
        t.sort();
        t
    };
    assert_eq!(titles(&alpha), ["Sticker pack", "Tryton Mug"]);
    assert_eq!(titles(&beta), ["Beta Sticker pack", "Beta Tryton Mug", "Gift card"]);
    // Each shop its own numbers: alpha's Main from Tryton's WH, beta's Outlet from WH2 (seeded
    // 300 and 150 stickers, as the connector reads them now); nothing of one shop's warehouse
    // in the other.
    let (levels, _) = pull_all(&host, &t, Entity::InventoryLevel, None, 100);
    let (wh, wh2) = (level(&levels, "TT-STICKER@WH").on_hand, level(&levels, "TT-STICKER@WH2").on_hand);
    assert_ne!(wh, wh2);
    assert_eq!(available(&alpha, "TT-STICKER", &alpha_main), Some(wh), "alpha: WH's stickers");
    assert_eq!(available(&beta, "TT-STICKER", &beta_outlet), Some(wh2), "beta: WH2's stickers");
    assert_eq!(available(&beta, "TT-STICKER", &location_gid(&beta, "Spare")).unwrap_or(0), 0);
    // Each shop its own price list; the other shop's list is skipped, not an error.
    assert_eq!(fixed_price(&alpha, "Retail prices", "TT-STICKER"), Some(275));
    assert_eq!(fixed_price(&alpha, "Retail prices", "TT-MUG"), Some(900));
    assert_eq!(fixed_price(&beta, "Wholesale prices", "TT-STICKER"), Some(210));
    assert_eq!(fixed_price(&beta, "Wholesale prices", "TT-MUG"), Some(700));
    let (_, dead, _) = weft(&["dlq", "list", "--json"]);
    assert!(!dead.contains("Wholesale") && !dead.contains("Retail"), "no price of the other shop fails: {dead}");

    // Reconciliation per shop: a sale in beta's admin nobody told weft of is beta's drift only.
    let sticker_item = all(&beta.state(), "variants").into_iter().find(|v| v["sku"] == json!("TT-STICKER")).unwrap()
        ["inventory_item_id"]
        .as_u64()
        .unwrap();
    let outlet: u64 = beta_outlet.rsplit('/').next().unwrap().parse().unwrap();
    shopify_sim::lock(&beta.shared.store).set_quantity(sticker_item, outlet, "available", 149).unwrap();
    let (_, out, err) = weft(&["reconcile", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("reconcile --json: {e}: {out}{err}"));
    assert_eq!(report["shops"]["alpha"]["drifted"], json!(0), "{report}");
    assert_eq!(report["shops"]["beta"]["drifted"], json!(1), "{report}");
    assert_eq!(report["shops"]["alpha"]["prices_drifted"], json!(0), "{report}");
    assert_eq!(report["shops"]["beta"]["prices_drifted"], json!(0), "{report}");
    let section =
        |flow: &str| report["flows"].as_array().unwrap().iter().find(|f| f["flow"] == json!(flow)).cloned().unwrap();
    assert_eq!(section("stock-beta")["shop"], json!("beta"));
    assert_eq!(section("stock-beta")["drift"][0]["sku"], json!("TT-STICKER"), "{report}");
    assert_eq!(section("stock-alpha")["shop"], json!("alpha"));
    assert!(section("prices-alpha")["compared"].as_u64() >= Some(2), "{report}");

    // The id map holds each shop's own inventory item of the SKU, under that shop.
    let store = weft::store::Store::open(&tmp.path().join("data")).unwrap();
    for (name, sim) in [("alpha", &alpha), ("beta", &beta)] {
        let item = all(&sim.state(), "variants").into_iter().find(|v| v["sku"] == json!("TT-STICKER")).unwrap()
            ["inventory_item_id"]
            .as_u64()
            .unwrap();
        let linked = weft::store::ShopLinks::new(&store, weft::config::shops::link_scope(name))
            .get("inventory_item", "TT-STICKER")
            .unwrap();
        assert_eq!(
            linked.and_then(|l| l.shopify),
            Some(format!("gid://shopify/InventoryItem/{item}")),
            "shop {name}'s own item"
        );
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Deliver `body` as a `customers/create` webhook of shop `domain` (none: no header).
fn deliver(addr: &str, id: &str, domain: Option<&str>, body: &[u8], secret: &str) -> (u16, String) {
    let signature = sign(secret, body);
    let mut headers = vec![
        ("x-shopify-topic", "customers/create"),
        ("x-shopify-webhook-id", id),
        ("x-shopify-hmac-sha256", signature.as_str()),
        ("content-type", "application/json"),
    ];
    headers.extend(domain.map(|d| ("x-shopify-shop-domain", d)));
    post(addr, "/webhooks/shopify", &headers, body).expect("serve answers")
}

#[test]
fn webhooks_go_to_the_shop_their_domain_names_checked_with_that_shops_secret() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let alpha = shop(&rt, ALPHA, Plan::STANDARD, json!({}));
    let beta = shop(&rt, BETA, Plan::STANDARD, json!({}));
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    install_relay(&tmp.path().join("plugins"), sink.port);
    let addr = format!("127.0.0.1:{}", free_port());
    let flow = |name: &str| {
        format!("[flows.customers-{name}]\nshop = \"{name}\"\nfrom = \"shopify\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = {{ webhook = true }}\n")
    };
    let sink_connection = format!(
        "[connections.sink]\nplugin = \"relay\"\nallow_hosts = [\"127.0.0.1:{port}\"]\nconfig = {{ sink_url = \"http://127.0.0.1:{port}/push\" }}\n\
         secrets = {{ token = {{ env = \"WEFT_SINK_TOKEN\" }} }}\n",
        port = sink.port
    );
    let config = write_config(
        tmp.path(),
        Some(&addr),
        &alpha,
        &beta,
        &format!("{sink_connection}{}{}", flow("alpha"), flow("beta")),
    );
    let mut env = envs(&alpha, &beta);
    env.push(("WEFT_SINK_TOKEN", "sink-token-0a1b2c"));
    let serve = Serve::start(&config, &addr, &env, &tmp.path().join("serve.log"));
    let (ann, bob) = (br#"{"id": 701, "email": "ann@example.com"}"#, br#"{"id": 702, "email": "bob@example.com"}"#);

    let (status, answer) = deliver(&addr, "a-1", Some(ALPHA), ann, ALPHA_SECRET);
    assert_eq!((status, answer.contains("\"jobs\":1")), (200, true), "alpha's webhook feeds alpha's flow: {answer}");
    let (status, _) = deliver(&addr, "b-1", Some(BETA), bob, ALPHA_SECRET);
    assert_eq!(status, 401, "signed with alpha's secret but sent as beta");
    let (status, _) = deliver(&addr, "c-1", Some("gamma.myshopify.com"), bob, ALPHA_SECRET);
    assert_eq!(status, 401, "a shop this host does not serve");
    let (status, _) = deliver(&addr, "d-1", None, bob, ALPHA_SECRET);
    assert_eq!(status, 401, "two shops: a delivery must name its shop");
    let (status, answer) = deliver(&addr, "b-2", Some("Beta-Shop.myshopify.com"), bob, BETA_SECRET);
    assert_eq!((status, answer.contains("\"jobs\":1")), (200, true), "beta's, the domain's case aside: {answer}");

    wait_for(Duration::from_secs(30), "both customers at the sink", || sink.applied() == 2);
    let weft = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .envs(env.clone())
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let runs = weft(&["runs", "list", "--json"]);
    let created = |flow: &str| -> u64 {
        runs.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["flow"] == json!(flow))
            .filter_map(|r| r["counts"]["created"].as_u64())
            .sum()
    };
    assert_eq!((created("customers-alpha"), created("customers-beta")), (1, 1), "one customer per shop: {runs}");
    let log = std::fs::read_to_string(tmp.path().join("serve.log")).unwrap();
    assert!(log.contains("sent for a shop this host does not serve"), "{log}");
    assert!(!log.contains(ALPHA_SECRET) && !log.contains(BETA_SECRET), "no secret in the log");
    assert!(serve.terminate().success());
}

/// `weft.toml` in `dir`: the two shops, served at `listen` (if given), with `flows`.
fn write_config(
    dir: &Path,
    listen: Option<&str>,
    alpha: &SimHandle,
    beta: &SimHandle,
    flows: &str,
) -> std::path::PathBuf {
    let path = dir.join("weft.toml");
    let server = listen.map(|l| format!("[server]\nlisten = \"{l}\"\n")).unwrap_or_default();
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n[plugins]\ndir = \"{}\"\n{server}{}{}{flows}",
            dir.join("data").display(),
            dir.join("plugins").display(),
            shop_section("alpha", alpha, ALPHA),
            shop_section("beta", beta, BETA),
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_burst_that_drains_one_shops_bucket_never_holds_the_other_shops_writes() {
    const SKUS: usize = 1000;
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Alpha's bucket is tiny and slow to refill: its sync of SKUS levels costs more than the
    // bucket holds (about 55 points), so it waits on alpha's budget for half a minute.
    const ALPHA_PLAN: Plan = Plan { maximum_available: 40.0, restore_rate: 0.5 };
    let alpha = shop_seeded(&rt, ALPHA, ALPHA_PLAN, shopify_common::seed(SKUS, 1));
    let beta = shop_seeded(&rt, BETA, Plan::STANDARD, shopify_common::seed(SKUS, 1));
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    std::fs::create_dir_all(feed.join("in")).unwrap();
    crate::common::install_as_built(&tmp.path().join("plugins"), "file-feed");
    let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
    for p in 0..SKUS {
        csv.push_str(&format!("SKU-{p}-0,WH,7,0,0,0,2026-12-01T06:00:00Z\n"));
    }
    std::fs::write(feed.join("in").join("inventory-1.csv"), csv).unwrap();
    let flow = |name: &str, sim: &SimHandle| {
        format!(
            "[flows.stock-{name}]\nshop = \"{name}\"\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n\
             available = \"on_hand\"\ntrigger = {{ every = \"1s\" }}\nlocations = {{ WH = \"{}\" }}\n",
            location_gid(sim, "Main")
        )
    };
    let addr = format!("127.0.0.1:{}", free_port());
    let flows = format!(
        "[connections.erp]\nplugin = \"file-feed\"\ndirectory = \"{}\"\n{}{}",
        feed.display(),
        flow("alpha", &alpha),
        flow("beta", &beta)
    );
    let config = write_config(tmp.path(), Some(&addr), &alpha, &beta, &flows);
    let _serve = Serve::start(&config, &addr, &envs(&alpha, &beta), &tmp.path().join("serve.log"));
    let set = |sim: &SimHandle| {
        let main = location_gid(sim, "Main");
        let main: u64 = main.rsplit('/').next().unwrap().parse().unwrap();
        all(&sim.state(), "levels")
            .iter()
            .filter(|l| l["location_id"].as_u64() == Some(main) && l["quantities"]["available"] == json!(7))
            .count()
    };
    wait_for(Duration::from_secs(120), "beta's levels", || set(&beta) == SKUS);
    // Beta's writes went out on beta's own budget while alpha's waited on alpha's.
    assert!(set(&alpha) < SKUS, "alpha, bound by its bucket, is not done when beta is");
    assert_eq!(beta.counters().throttled, 0, "beta was never throttled");
    wait_for(Duration::from_secs(300), "alpha's levels", || set(&alpha) == SKUS);
    let spent = alpha.counters().cost_spent as f64;
    assert!(spent > ALPHA_PLAN.maximum_available, "alpha's burst cost more than its bucket: {spent}");
    assert_eq!(beta.counters().throttled, 0, "beta was never throttled");
}
