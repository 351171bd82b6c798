//! Changes applied to a running `weft serve` without a restart: a mapping rule edited in the
//! dashboard (real Chromium) is checked inline, previewed, saved with a comment as a new config
//! version that the next sync writes by, and rolled back; the TOML file keeps its comments. The
//! plugins directory reloaded while jobs run: a new build is swapped in without losing a job and
//! runs name the build that pulled them; a broken build is refused and the old one keeps going.

use crate::common;
use crate::shopify_common;

use common::engine::{free_port, get_with, post, wait_for, Serve};
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const ADMIN_TOKEN: &str = "config-live-token";

/// A running `weft serve` on `scenario` with the admin token.
fn serve(scenario: &Scenario, sim: &shopify_sim::SimHandle, addr: &str) -> Serve {
    Serve::start(
        &scenario.config,
        addr,
        &[(TOKEN_ENV, sim.token()), ("WEFT_ADMIN_TOKEN", ADMIN_TOKEN)],
        &scenario.path().join("serve.log"),
    )
}

fn call(addr: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
    let (status, text) = match method {
        "GET" => get_with(addr, path, &headers),
        _ => post(addr, path, &headers, body.unwrap_or(json!({})).to_string().as_bytes()),
    }
    .expect("the admin API answers");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn ok(addr: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, value) = call(addr, method, path, body);
    assert_eq!(status, 200, "{method} {path}: {value}");
    value
}

/// (title, tags) of the simulator's product whose first variant has `sku`.
fn product(sim: &shopify_sim::SimHandle, sku: &str) -> Option<(String, Vec<String>)> {
    let store = shopify_sim::lock(&sim.shared.store);
    let variant = store.variants.values().find(|v| v.sku == sku)?;
    let p = store.products.get(&variant.product_id)?;
    Some((p.title.clone(), p.tags.clone()))
}

/// A products export: a mug and a shirt, `updated_at` day `day` (a later day is a change).
fn products(day: u32, price: &str) -> String {
    let head = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n";
    format!(
        "{head}P-MUG,MUG-1,  Big Mug ,Acme,Mugs,,active,,,,,V-MUG,MUG-1-V,,{price},,,,2026-11-{day:02}T06:00:00Z\n\
         P-TEE,TEE-1,Plain Tee,Acme,Shirts,,active,,,,,V-TEE,TEE-1-V,,{price},,,,2026-11-{day:02}T06:00:00Z\n"
    )
}

/// Sync the products flow now and wait until the mug's (title, tags) are `want` (its title only
/// when `want.1` is `None`).
fn sync_until(addr: &str, sim: &shopify_sim::SimHandle, want: (&str, Option<&[&str]>)) {
    ok(addr, "POST", "/api/flows/products/run", None);
    let started = std::time::Instant::now();
    loop {
        let now = product(sim, "MUG-1-V").map(|(title, mut tags)| {
            tags.sort();
            (title, tags)
        });
        if now.as_ref().is_some_and(|(title, tags)| title == want.0 && want.1.is_none_or(|w| w == tags.as_slice())) {
            return;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let runs = ok(addr, "GET", "/api/runs?flow=products&limit=5", None);
            panic!("the mug is {now:?}, not {want:?}; runs: {runs}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn browser(dir: &Path, phase: &str, addr: &str, shots: &str) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let out = Command::new("node")
        .current_dir(dir)
        .args(["config_editor.mjs", phase, &format!("http://{addr}"), ADMIN_TOKEN, "products", shots])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser run ({phase}) failed:\n{log}");
}

const FLOWS: &str = r#"
# Products from the ERP's export. (An operator's note: keep this file commented.)
[flows.products]
from = "erp"
to = "shopify"
object = "product"
ownership = { tags = "erp" }   # the ERP decides the tags

[flows.products.mapping]
# Titles arrive padded from the ERP.
title = "trim(erp.title)"   # trimmed, nothing else
"#;

#[test]
fn a_rule_edited_in_the_browser_applies_to_the_next_sync_and_a_rollback_restores_the_old_writes() {
    let browser_dir = common::repo_root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() || !browser_dir.join("node_modules/playwright-core").exists() {
        assert!(std::env::var("CI").is_err(), "CI must install chromium and tests/browser's node_modules");
        eprintln!("skipped: no {chromium} or tests/browser/node_modules");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(0, 0)));
    let addr = format!("127.0.0.1:{}", free_port());
    let scenario = Scenario::builder(&sim)
        .server(&format!("listen = \"{addr}\"\nadmin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}"))
        .build(FLOWS);
    scenario.feed_file("products-1.csv", &products(1, "10.00"));
    let _serve = serve(&scenario, &sim, &addr);
    sync_until(&addr, &sim, ("Big Mug", Some(&[])));
    assert_eq!(ok(&addr, "GET", "/api/config", None)["version"], 1, "the file at start is version 1");

    let shots = std::env::var("WEFT_SCREENSHOTS").unwrap_or_else(|_| scenario.path().display().to_string());
    browser(&browser_dir, "edit", &addr, &shots);

    let text = std::fs::read_to_string(&scenario.config).unwrap();
    for kept in
        ["# Products from the ERP's export. (An operator's note", "# Titles arrive padded", "# trimmed, nothing else"]
    {
        assert!(text.contains(kept), "the file lost `{kept}`:\n{text}");
    }
    assert!(text.contains("[[flows.products.rules]]") && text.contains("[lookups.titles]"), "{text}");
    // With serve still running, the next sync writes by version 2, though the ERP's records are
    // the ones already written by version 1 (the same export again).
    scenario.feed_file("products-2.csv", &products(1, "10.00"));
    sync_until(&addr, &sim, ("The Kitchen Mug", Some(&["kitchen"])));
    assert_eq!(product(&sim, "TEE-1-V").map(|p| p.0), Some("Plain Tee".into()), "the rule is for mugs only");
    let runs = ok(&addr, "GET", "/api/runs?flow=products&limit=50", None);
    assert_eq!(runs[0]["config_version"], 2, "the latest run ran on version 2: {}", runs[0]);
    assert!(runs.as_array().unwrap().iter().any(|r| r["config_version"] == 1), "earlier runs ran on version 1");

    browser(&browser_dir, "rollback", &addr, &shots);
    let history = ok(&addr, "GET", "/api/config/versions", None);
    let numbers: Vec<u64> =
        history["versions"].as_array().unwrap().iter().map(|v| v["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1], "{history}");
    assert_eq!(history["running"], 3);
    assert_eq!(history["versions"][0]["restores"], 1);
    assert_eq!(history["versions"][1]["comment"], "Mugs are kitchenware");
    assert_eq!(history["versions"][1]["author"], "Dana (ops)", "who saved, as the operator named themselves");
    assert_eq!(history["versions"][0]["author"], "Sam (on call)");
    scenario.feed_file("products-3.csv", &products(1, "10.00"));
    // The old mapping again: its title, and no tags (the ERP owns them and sends none, so the
    // rule's `kitchen` goes).
    sync_until(&addr, &sim, ("Big Mug", Some(&[])));
    let text = std::fs::read_to_string(&scenario.config).unwrap();
    assert!(!text.contains("[[flows.products.rules]]"), "the rollback took the rule out of the file:\n{text}");
    assert!(text.contains("# trimmed, nothing else"), "{text}");
}

/// Replace the file-feed build in `plugins` by the same component with manifest version `version`.
fn set_version(plugins: &Path, version: &str) {
    let manifest = plugins.join("file-feed/plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .lines()
        .map(|l| if l.starts_with("version = ") { format!("version = \"{version}\"") } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(manifest, text + "\n").unwrap();
}

/// The plugins named by the pull records of the inventory flow's runs.
fn pulled_by(addr: &str) -> Vec<String> {
    let runs = ok(addr, "GET", "/api/runs?flow=inventory&limit=200", None);
    let mut out = Vec::new();
    for run in runs.as_array().unwrap() {
        let records = ok(addr, "GET", &format!("/api/runs/{}/records?outcome=pulled", run["id"]), None);
        for r in records["records"].as_array().unwrap() {
            out.push(r["plugin"].as_str().unwrap_or("none").to_owned());
        }
    }
    out
}

#[test]
fn plugins_reload_while_jobs_run_without_losing_one_and_a_broken_build_is_refused() {
    const SKUS: usize = 120;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(SKUS, 1)));
    let main = shopify_common::location_gid(&sim, "Main");
    let addr = format!("127.0.0.1:{}", free_port());
    let scenario = Scenario::builder(&sim)
        .server(&format!("listen = \"{addr}\"\nadmin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}\nworkers = 2"))
        .build(&format!(
            "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nbatch = 20\nlocations = {{ WH = \"{main}\" }}\n"
        ));
    let plugins = scenario.path().join("plugins");
    set_version(&plugins, "0.1.0");
    let levels = |on_hand: i64| {
        let mut text = "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n".to_owned();
        for p in 0..SKUS {
            text.push_str(&format!("SKU-{p}-0,WH,{on_hand},0,0,0,2026-11-26T06:00:{:02}Z\n", on_hand % 60));
        }
        text
    };
    let at_main = |want: i64| {
        shopify_common::levels(&sim).iter().filter(|((_, loc), n)| *loc == main && *n == want).count() == SKUS
    };
    scenario.feed_file("inventory-1.csv", &levels(21));
    let _serve = serve(&scenario, &sim, &addr);
    assert_eq!(ok(&addr, "GET", "/api/plugins", None)[0]["version"], "0.1.0");

    // A new build while the first pull's jobs run.
    ok(&addr, "POST", "/api/flows/inventory/run", None);
    set_version(&plugins, "0.2.0");
    let reloaded = ok(&addr, "POST", "/api/plugins/reload", None);
    assert_eq!(reloaded["changed"][0]["id"], "file-feed", "{reloaded}");
    assert!(reloaded["changed"][0]["before"].as_str().unwrap().starts_with("0.1.0"), "{reloaded}");
    assert!(reloaded["changed"][0]["after"].as_str().unwrap().starts_with("0.2.0"), "{reloaded}");
    wait_for(Duration::from_secs(90), "the first export's levels", || at_main(21));
    scenario.feed_file("inventory-2.csv", &levels(22));
    ok(&addr, "POST", "/api/flows/inventory/run", None);
    wait_for(Duration::from_secs(90), "the second export's levels", || at_main(22));
    let names = pulled_by(&addr);
    assert!(names.iter().any(|n| n.starts_with("file-feed@0.2.0 sha256:")), "no pull by 0.2.0: {names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("file-feed@0.1.0 sha256:") || n.starts_with("file-feed@0.2.0 sha256:")),
        "{names:?}"
    );
    assert_eq!(ok(&addr, "GET", "/api/dlq", None).as_array().map(Vec::len), Some(0), "no job lost");
    let again = ok(&addr, "POST", "/api/plugins/reload", None);
    assert_eq!(again["changed"], json!([]), "nothing changed, nothing swapped");

    // A broken build is refused with its reason; 0.2.0 keeps going.
    let wasm = plugins.join("file-feed/plugin.wasm");
    std::fs::write(&wasm, b"\0asm broken").unwrap();
    set_version(&plugins, "0.3.0");
    let (status, refused) = call(&addr, "POST", "/api/plugins/reload", None);
    assert_eq!(status, 422, "{refused}");
    let why = refused["error"].as_str().unwrap();
    assert!(why.contains("file-feed") && why.contains("refused") && why.contains("keep going"), "{why}");
    assert_eq!(ok(&addr, "GET", "/api/plugins", None)[0]["version"], "0.2.0", "the running build stays");
    scenario.feed_file("inventory-3.csv", &levels(23));
    ok(&addr, "POST", "/api/flows/inventory/run", None);
    wait_for(Duration::from_secs(90), "the third export's levels, pulled by 0.2.0", || at_main(23));
    assert!(pulled_by(&addr).iter().all(|n| !n.contains("0.3.0")));
    // The CLI asks the running serve the same.
    let out = scenario.command().env("WEFT_ADMIN_TOKEN", ADMIN_TOKEN).args(["plugins", "reload"]).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success() && said.contains("file-feed") && said.contains("refused"), "{said}");
}
