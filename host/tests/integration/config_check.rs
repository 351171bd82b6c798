//! `weft config check` on the mistakes a new user makes with their own shop — a misspelt plugin
//! name, an undeclared CEL variable, a malformed and an unknown location id, prices in another
//! currency than the shop's, a token without a scope a flow needs — each named by its key with
//! exit 1, all of them listed at once; the demo's config passes; `weft serve` refuses to start on
//! the same errors.

use crate::common;
use crate::shopify_common;

use common::engine::free_port;
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::Value;
use shopify_sim::SimHandle;
use std::time::{Duration, Instant};

const PRODUCTS: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n\
    P1,MUG,Mug,,,,active,,,,,P1-1,MUG,,12.00,,,,2026-11-26T06:00:00Z\n";

/// A deployment with a catalog and an inventory flow; `erp` and `inventory` are TOML lines of
/// the connection (after `plugin`) and of the inventory flow.
pub(crate) fn scenario(sim: &SimHandle, plugin: &str, erp_config: &str, inventory: &str) -> Scenario {
    let scenario = Scenario::builder(sim).build(&format!(
        "{erp_config}\n[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n{inventory}\n"
    ));
    let text = std::fs::read_to_string(&scenario.config)
        .unwrap()
        .replace("plugin = \"file-feed\"", &format!("plugin = \"{plugin}\""));
    std::fs::write(&scenario.config, text).unwrap();
    scenario.feed_file("products.csv", PRODUCTS);
    scenario
}

/// `weft config check --json`: (exit code, findings).
pub(crate) fn check(scenario: &Scenario) -> (i32, Vec<Value>) {
    let out = scenario.command().args(["config", "check", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), report["findings"].as_array().cloned().unwrap_or_default())
}

/// The findings at `level` as (key, message).
pub(crate) fn at(findings: &[Value], level: &str) -> Vec<(String, String)> {
    findings
        .iter()
        .filter(|f| f["level"] == level)
        .map(|f| (f["key"].as_str().unwrap().to_owned(), f["message"].as_str().unwrap().to_owned()))
        .collect()
}

pub(crate) fn error_for<'a>(errors: &'a [(String, String)], key: &str) -> &'a str {
    errors
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, m)| m.as_str())
        .unwrap_or_else(|| panic!("no error for {key}: {errors:#?}"))
}

#[test]
fn each_mistake_is_named_by_its_key_and_a_good_config_passes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let main = shopify_common::location_gid(&sim, "Main");

    let good = scenario(&sim, "file-feed", "", &format!("locations = {{ WH = \"{main}\" }}"));
    let (code, findings) = check(&good);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(at(&findings, "error").is_empty() && at(&findings, "unverified").is_empty(), "{findings:#?}");
    assert!(at(&findings, "ok").iter().any(|(k, m)| k == "shopify" && m.contains("USD")), "{findings:#?}");

    // Every mistake at once: each is listed under its key.
    let bad = scenario(
        &sim,
        "file-fed",
        "",
        "available = \"on_hand - reserved - safety\"\nlocations = { WH = \"gid://shopify/Location/abc\", WH2 = \"gid://shopify/Location/999999\" }",
    );
    let (code, findings) = check(&bad);
    assert_eq!(code, 1);
    let errors = at(&findings, "error");
    assert!(error_for(&errors, "connections.erp.plugin").contains("did you mean `file-feed`?"), "{errors:#?}");
    let variables = error_for(&errors, "flows.inventory.available");
    assert!(
        variables.contains("`safety`") && variables.contains("on_hand, reserved, incoming, safety_stock"),
        "{variables}"
    );
    assert!(error_for(&errors, "flows.inventory.locations.WH").contains("not a Shopify location id"), "{errors:#?}");

    // With the plugin right, the shop is asked: the unknown location, then the currency.
    let shop = scenario(
        &sim,
        "file-feed",
        "config = { currency = \"EUR\" }",
        "locations = { WH = \"gid://shopify/Location/999999\" }",
    );
    let (code, findings) = check(&shop);
    assert_eq!(code, 1);
    let errors = at(&findings, "error");
    assert!(
        error_for(&errors, "flows.inventory.locations.WH").contains(&main),
        "the shop's locations are listed: {errors:#?}"
    );
    let currency = error_for(&errors, "flows.catalog");
    assert!(currency.contains("EUR") && currency.contains("USD"), "{currency}");

    // A token without a scope a flow needs.
    sim.set_access_scopes(&["read_products", "write_products", "read_locations"]);
    let (code, findings) = check(&good);
    assert_eq!(code, 1);
    let errors = at(&findings, "error");
    assert!(error_for(&errors, "flows.inventory").contains("`write_inventory`"), "{errors:#?}");
    assert!(
        error_for(&errors, "flows.catalog").contains("`write_inventory`"),
        "it stocks the variants it creates: {errors:#?}"
    );
}

/// `weft serve` on the configs above: it exits at once, naming the keys, and never listens.
#[test]
fn serve_refuses_to_start_on_the_same_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let cases = [
        ("file-fed", "", "locations = {}".to_owned(), "connections.erp.plugin"),
        ("file-feed", "config = { currency = \"EUR\" }", "locations = {}".to_owned(), "flows.catalog"),
        (
            "file-feed",
            "",
            "locations = { WH = \"gid://shopify/Location/999999\" }".to_owned(),
            "flows.inventory.locations.WH",
        ),
    ];
    for (plugin, erp, inventory, key) in cases {
        let scenario = scenario(&sim, plugin, erp, &inventory);
        let addr = format!("127.0.0.1:{}", free_port());
        let text = std::fs::read_to_string(&scenario.config)
            .unwrap()
            .replace("[shopify]", &format!("[server]\nlisten = \"{addr}\"\n[shopify]"));
        std::fs::write(&scenario.config, text).unwrap();
        let started = Instant::now();
        let out = scenario.command().env(TOKEN_ENV, sim.token()).arg("serve").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{key}: serve started: {stderr}");
        assert!(stderr.contains("refuses to start") && stderr.contains(key), "{key}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(60));
        assert!(std::net::TcpStream::connect(&addr).is_err(), "{key}: it never listened");
    }
    // With a scope missing too.
    sim.set_access_scopes(&["read_products", "write_products", "read_locations"]);
    let main = shopify_common::location_gid(&sim, "Main");
    let scenario = scenario(&sim, "file-feed", "", &format!("locations = {{ WH = \"{main}\" }}"));
    let out = scenario.command().arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("write_inventory"), "{stderr}");
}
