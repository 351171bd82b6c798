//! `weft config versions | show-version | rollback` on the store while no serve runs (the
//! rollback checked, only the old mapping and rules written into the file, a hand-edited file
//! kept as a version first) and
//! through the admin API of a running serve (the rollback needs the admin token); and the
//! catalog writer clearing the tags the ERP owns when a rolled-back rule no longer sets them,
//! while tags Shopify owns stay as the shop has them. The real binary, the simulator, the
//! file-feed connector.

use crate::common;
use crate::served_support;
use crate::shopify_common;

use common::engine::{free_port, Serve};
use common::scenario::{Scenario, TOKEN_ENV};
use serde_json::{json, Value};

/// Products from the ERP; it owns their tags and sends none of its own.
const FLOWS: &str =
    "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nownership = { tags = \"erp\" }\n";

/// The rule a later version adds: mugs are tagged `kitchen`.
const KITCHEN: &str = "[[flows.products.rules]]\nname = \"mugs\"\nwhen = \"erp.product_type == 'Mugs'\"\nset = { tags = \"['kitchen']\" }\n";

/// A products export: a mug, `updated_at` day `day` (a later day is a change), no tags.
fn mug(day: u32) -> String {
    format!(
        "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n\
         P-MUG,MUG-1,Big Mug,Acme,Mugs,,active,,,,,V-MUG,MUG-1-V,,10.00,,,,2026-11-{day:02}T06:00:00Z\n"
    )
}

/// The tags of the simulator's product with variant `sku`.
fn tags(sim: &shopify_sim::SimHandle, sku: &str) -> Vec<String> {
    let store = shopify_sim::lock(&sim.shared.store);
    let variant = store.variants.values().find(|v| v.sku == sku).expect("the variant");
    store.products[&variant.product_id].tags.clone()
}

/// Set the tags of the simulator's product with variant `sku` (a merchandiser in the admin).
fn tag_in_shop(sim: &shopify_sim::SimHandle, sku: &str, tags: &[&str]) {
    let mut store = shopify_sim::lock(&sim.shared.store);
    let product = store.variants.values().find(|v| v.sku == sku).expect("the variant").product_id;
    store.products.get_mut(&product).expect("the product").tags = tags.iter().map(|t| (*t).to_owned()).collect();
}

fn json_of(s: &Scenario, args: &[&str]) -> Value {
    let (ok, out, err) = s.weft(args);
    assert!(ok, "weft {args:?}: {out}\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("weft {args:?}: not JSON ({e}): {out}"))
}

/// A simulator with no products and a deployment of [`FLOWS`] whose serve would listen at the
/// address returned: (the simulator's runtime, the simulator, the address, the deployment).
fn deployment() -> (tokio::runtime::Runtime, shopify_sim::SimHandle, String, Scenario) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(0, 0)));
    let addr = format!("127.0.0.1:{}", free_port());
    let s = Scenario::builder(&sim).server(&format!("listen = \"{addr}\"")).build(FLOWS);
    (rt, sim, addr, s)
}

fn run_products(s: &Scenario) {
    let summary = json_of(s, &["run", "products", "--once", "--json"]);
    assert_eq!(summary["failures"], json!([]), "{summary:#}");
}

#[test]
fn versions_listed_shown_and_rolled_back_on_the_store_and_erp_owned_tags_cleared() {
    let (_rt, sim, addr, s) = deployment();
    let plain = std::fs::read_to_string(&s.config).unwrap();

    // No serve has run: no versions yet, and a clear answer for one asked for.
    assert_eq!(json_of(&s, &["config", "versions", "--json"]), json!({"running": null, "versions": []}));
    let (ok, out, _) = s.weft(&["config", "versions"]);
    assert!(ok && out.contains("no config versions yet"), "{out}");

    // A serve start records the file as version 1.
    let serve = Serve::start(&s.config, &addr, &[(TOKEN_ENV, sim.token())], &s.path().join("serve.log"));
    assert!(serve.terminate().success());

    // Edited by hand: mugs are tagged `kitchen`; a run writes the tag (the ERP owns tags).
    std::fs::write(&s.config, format!("{plain}{KITCHEN}")).unwrap();
    s.feed_file("products-1.csv", &mug(1));
    run_products(&s);
    assert_eq!(tags(&sim, "MUG-1-V"), ["kitchen"]);

    let listed = json_of(&s, &["config", "versions", "--json"]);
    assert_eq!(listed["versions"].as_array().map(Vec::len), Some(1), "{listed:#}");
    assert_eq!(listed["versions"][0]["number"], 1);
    assert_eq!(listed["versions"][0]["author"], "file");
    let (ok, table, _) = s.weft(&["config", "versions"]);
    assert!(ok, "{table}");
    let header = table.lines().next().unwrap_or_default();
    for column in ["VERSION", "SAVED", "BY", "COMMENT"] {
        assert!(header.contains(column), "{table}");
    }
    assert!(table.lines().nth(1).is_some_and(|l| l.trim_start().starts_with('1') && l.contains("file")), "{table}");

    // Version 1 beside the file: its text, and the rule it does not have.
    let shown = json_of(&s, &["config", "show-version", "1", "--json"]);
    assert_eq!(shown["text"], json!(plain));
    let removed: Vec<&str> = shown["diff_from_running"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] == "-")
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert_eq!(removed, KITCHEN.lines().collect::<Vec<_>>(), "{shown:#}");
    let (ok, text, _) = s.weft(&["config", "show-version", "1"]);
    assert!(ok && text.contains("config version 1") && text.contains("-name = \"mugs\""), "{text}");

    // The rollback: the hand-edited file is kept as version 2, version 3 restores version 1.
    let rolled = json_of(&s, &["config", "rollback", "1", "--comment", "no kitchen after all", "--json"]);
    assert_eq!(rolled["version"], 3, "{rolled:#}");
    assert_eq!(std::fs::read_to_string(&s.config).unwrap(), plain, "the file is version 1 again");
    let history = json_of(&s, &["config", "versions", "--json"]);
    let versions = history["versions"].as_array().unwrap();
    let numbers: Vec<u64> = versions.iter().map(|v| v["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1], "{history:#}");
    assert_eq!(versions[0]["restores"], 1);
    assert_eq!(versions[0]["comment"], "no kitchen after all");
    assert!(versions[0]["author"].as_str().unwrap().starts_with("cli"), "{history:#}");
    assert_eq!(versions[1]["author"], "file", "the hand edit is kept: {history:#}");
    assert_eq!(json_of(&s, &["config", "show-version", "2", "--json"])["text"], json!(format!("{plain}{KITCHEN}")));

    // The next sync writes by version 1: the ERP owns the tags and sends none, so `kitchen` goes.
    s.feed_file("products-2.csv", &mug(2));
    run_products(&s);
    assert_eq!(tags(&sim, "MUG-1-V"), Vec::<String>::new(), "the ERP's empty list clears the tags");

    // The next serve start runs version 3 (the file is its text): no new version.
    let serve = Serve::start(&s.config, &addr, &[(TOKEN_ENV, sim.token())], &s.path().join("serve.log"));
    assert!(serve.terminate().success());
    let after = json_of(&s, &["config", "versions", "--json"]);
    assert_eq!(after["versions"].as_array().map(Vec::len), Some(3), "{after:#}");
}

#[test]
fn a_rollback_takes_the_old_rules_and_keeps_the_files_connections_and_secrets() {
    let (_rt, sim, addr, s) = deployment();
    let good = std::fs::read_to_string(&s.config).unwrap();
    // Version 1: the kitchen rule, and the shop's token read from a variable this machine no
    // longer sets.
    let from = format!("access_token = {{ env = \"{TOKEN_ENV}\" }}");
    assert!(good.contains(&from), "{good}");
    let old = format!("{}{KITCHEN}", good.replace(&from, "access_token = { env = \"WEFT_OLD_TOKEN\" }"));
    std::fs::write(&s.config, old).unwrap();
    let serve = Serve::start(
        &s.config,
        &addr,
        &[(TOKEN_ENV, sim.token()), ("WEFT_OLD_TOKEN", sim.token())],
        &s.path().join("serve.log"),
    );
    assert!(serve.terminate().success());
    std::fs::write(&s.config, &good).unwrap();

    let answer = json_of(&s, &["config", "rollback", "1", "--json"]);
    let file = std::fs::read_to_string(&s.config).unwrap();
    assert!(file.contains("[[flows.products.rules]]") && file.contains("['kitchen']"), "version 1's rule: {file}");
    assert!(file.contains(&from) && !file.contains("WEFT_OLD_TOKEN"), "the file's own token reference stays: {file}");
    let history = json_of(&s, &["config", "versions", "--json"]);
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions[0]["number"], answer["version"], "{history:#}");
    assert_eq!(versions[0]["restores"], 1);
    assert_eq!(versions[1]["author"], "file", "the file before the rollback is kept: {history:#}");
}

#[test]
fn versions_and_rollback_go_through_a_running_serve_with_the_admin_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let token = "versions-token";
    let served = served_support::served_inventory(&sim, token);
    let weft = |token: &str, args: &[&str]| {
        let out = served.scenario.command().env("WEFT_ADMIN_TOKEN", token).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let json = |args: &[&str]| {
        let (ok, out, err) = weft(token, args);
        assert!(ok, "weft {args:?}: {out}\n{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let listed = json(&["config", "versions", "--json"]);
    assert_eq!(listed["running"], 1, "{listed:#}");
    let (ok, table, _) = weft(token, &["config", "versions"]);
    assert!(ok && table.contains("1 *") && table.contains("running in weft serve"), "{table}");
    let shown = json(&["config", "show-version", "1", "--json"]);
    assert_eq!(shown["text"], json!(std::fs::read_to_string(&served.scenario.config).unwrap()));

    // A wrong token is refused: nothing recorded.
    let (ok, out, err) = weft("not-the-token", &["config", "rollback", "1", "--comment", "try"]);
    assert!(!ok && out.is_empty() && err.contains("401"), "{out}\n{err}");
    assert_eq!(json(&["config", "versions", "--json"])["versions"].as_array().map(Vec::len), Some(1));

    // With it: a new version that restores version 1, running at once.
    let rolled = json(&["config", "rollback", "1", "--comment", "back to the start", "--json"]);
    assert_eq!(rolled["version"], 2, "{rolled:#}");
    let history = json(&["config", "versions", "--json"]);
    assert_eq!(history["running"], 2, "{history:#}");
    assert_eq!(history["versions"][0]["restores"], 1);
    assert_eq!(history["versions"][0]["comment"], "back to the start");
    assert_eq!(history["versions"][0]["author"], "admin");
}

#[test]
fn tags_shopify_owns_stay_when_the_erp_sends_none() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(0, 0)));
    let s = Scenario::builder(&sim).build("[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n");
    s.feed_file("products-1.csv", &mug(1));
    run_products(&s);
    tag_in_shop(&sim, "MUG-1-V", &["merch"]);
    s.feed_file("products-2.csv", &mug(2).replace("Big Mug", "Bigger Mug"));
    run_products(&s);
    let store = shopify_sim::lock(&sim.shared.store);
    let product = store.products.values().find(|p| p.title == "Bigger Mug").expect("the change was written");
    assert_eq!(product.tags, ["merch"], "Shopify owns the tags: the merchandiser's stay");
}
