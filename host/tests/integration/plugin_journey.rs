//! The plugin author's journey, scripted: for each of Rust, Python and JavaScript, scaffold a
//! connector (`weft plugins new`), fill in its pull and push with the SDK's builders and cursor
//! helpers (this test's own sources, tests/authoring/connector.{rs,py,js}, for the HTTP/JSON ERP
//! plugins/http-erp-py documents), build it (plugins/build.sh), run `weft plugins test` until
//! green, edit it and get green again, package it (`weft plugins package`), drop the package
//! into an operator's plugins directory pinned by its sha256, and let the catalog and inventory
//! flows sync a live loopback ERP into a fresh Shopify simulator. All three shops must end up
//! identical. Prints the author loop's wall times per language (no timing is asserted).

use crate::polyglot_support;
use crate::shopify_common;

use polyglot_support::erp::FakeErp;
use polyglot_support::repo_root;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const ERP_TOKEN_ENV: &str = "WEFT_JOURNEY_ERP_TOKEN";
const SHOP_TOKEN_ENV: &str = "WEFT_JOURNEY_SHOP_TOKEN";

/// (language, plugin id, the scaffold's source file, this test's source for it)
const LANGS: [(&str, &str, &str, &str); 3] = [
    ("rust", "journey-rust", "src/lib.rs", "connector.rs"),
    ("python", "journey-py", "app.py", "connector.py"),
    ("js", "journey-js", "app.js", "connector.js"),
];

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run a command");
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    out
}

fn weft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft"))
}

/// The author's workspace: sources in `src-<lang>/`, builds in `out/`, and a config whose
/// compile cache starts empty (so the first `plugins test` pays the first compile, as it would).
struct Author {
    root: PathBuf,
    config: PathBuf,
}

impl Author {
    fn weft(&self, args: &[&str]) -> Output {
        run(weft().current_dir(&self.root).arg("--config").arg(&self.config).args(args))
    }

    fn build(&self, lang: &str) {
        run(Command::new("bash")
            .arg(repo_root().join("plugins/build.sh"))
            .arg(self.root.join("out"))
            .arg(self.root.join(format!("src-{lang}")))
            .env("WEFT", env!("CARGO_BIN_EXE_weft")));
    }

    fn test_green(&self, id: &str) -> String {
        let out = self.weft(&["plugins", "test", self.root.join("out").join(id).to_str().expect("utf-8")]);
        let report = text(&out);
        assert!(report.contains("PASSED") && !report.contains("[FAIL]"), "{report}");
        for check in ["[ok] pull product: paging in fresh instances", "[ok] push order: idempotent", "[ok] error class"]
        {
            assert!(report.contains(check), "missing `{check}`:\n{report}");
        }
        report
    }
}

/// Write the connector source over the scaffold's, with its id and description.
fn fill_in(source: &Path, fixture: &str, id: &str, description: &str) {
    let text = std::fs::read_to_string(repo_root().join("tests/authoring").join(fixture)).expect("fixture");
    std::fs::write(source, text.replace("{{id}}", id).replace("{{description}}", description)).expect("write source");
}

/// What a shop holds, without ids and timestamps: products by title with their variants by SKU,
/// and every inventory level by SKU and location name.
fn shop_state(sim: &shopify_sim::SimHandle) -> Value {
    let state = sim.state();
    let all = |key: &str| shopify_common::all(&state, key);
    let locations: BTreeMap<u64, String> = all("locations")
        .iter()
        .map(|l| (l["id"].as_u64().unwrap_or(0), l["name"].as_str().unwrap_or("").to_owned()))
        .collect();
    let items: BTreeMap<u64, String> = all("inventory_items")
        .iter()
        .map(|i| (i["id"].as_u64().unwrap_or(0), i["sku"].as_str().unwrap_or("").to_owned()))
        .collect();
    let variants = all("variants");
    let mut products: Vec<Value> = all("products")
        .iter()
        .map(|p| {
            let mut vs: Vec<Value> = variants
                .iter()
                .filter(|v| v["product_id"] == p["id"])
                .map(|v| json!({"sku": v["sku"], "price": v["price"], "barcode": v["barcode"], "options": v["option_values"]}))
                .collect();
            vs.sort_by_key(|v| v["sku"].to_string());
            let options: Vec<Value> = p["options"].as_array().cloned().unwrap_or_default().iter().map(|o| json!([o["name"], o["values"]])).collect();
            json!({"title": p["title"], "handle": p["handle"], "status": p["status"], "vendor": p["vendor"],
                   "type": p["product_type"], "tags": p["tags"], "options": options, "variants": vs})
        })
        .collect();
    products.sort_by_key(|p| p["title"].to_string());
    let mut levels: Vec<Value> = all("levels")
        .iter()
        .map(|l| {
            let sku = items.get(&l["item_id"].as_u64().unwrap_or(0)).cloned().unwrap_or_default();
            let location = locations.get(&l["location_id"].as_u64().unwrap_or(0)).cloned().unwrap_or_default();
            json!([sku, location, l["quantities"]])
        })
        .collect();
    levels.sort_by_key(|l| l.to_string());
    json!({"products": products, "levels": levels})
}

/// An operator's installation of the package `archive` (pinned) syncing `erp` into `sim`.
fn operate(root: &Path, id: &str, archive: &Path, sha256: &str, erp: &FakeErp, sim: &shopify_sim::SimHandle) -> Value {
    let ops = root.join(format!("operator-{id}"));
    let plugins = ops.join("plugins");
    std::fs::create_dir_all(&plugins).expect("operator dir");
    std::fs::copy(archive, plugins.join(archive.file_name().expect("a file"))).expect("install the package");
    let main = shopify_common::location_gid(sim, "Main");
    let backroom = shopify_common::location_gid(sim, "Backroom");
    let config = ops.join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = {:?}\n[plugins]\ndir = {:?}\ncache_dir = {:?}\n[plugins.pins]\n{id} = \"{sha256}\"\n\
             [shopify]\nshop = \"weft-sim.myshopify.com\"\napi_version = \"2026-04\"\nendpoint = \"{}\"\n\
             access_token = {{ env = \"{SHOP_TOKEN_ENV}\" }}\nwebhook_secret = {{ env = \"{SHOP_TOKEN_ENV}\" }}\n\
             [connections.erp]\nplugin = \"{id}\"\nallow_hosts = [\"{}\"]\nconfig = {{ base_url = \"{}\" }}\n\
             secrets = {{ token = {{ env = \"{ERP_TOKEN_ENV}\" }} }}\n\
             [flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
             [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n\
             locations = {{ WH1 = \"{main}\", WH2 = \"{backroom}\" }}\n",
            ops.join("data"),
            plugins,
            root.join("compile-cache"),
            sim.base_url(),
            erp.authority(),
            erp.url(""),
        ),
    )
    .expect("write the operator's config");
    let weft_ops = |args: &[&str]| {
        run(weft()
            .arg("--config")
            .arg(&config)
            .args(args)
            .env(ERP_TOKEN_ENV, &erp.token)
            .env(SHOP_TOKEN_ENV, sim.token()))
    };
    let list = weft_ops(&["plugins", "list", "--json"]);
    let rows: Value = serde_json::from_slice(&list.stdout).expect("list --json");
    let row = rows.as_array().and_then(|r| r.iter().find(|r| r["id"] == id)).cloned().unwrap_or_default();
    assert_eq!((row["status"].as_str(), row["sha256"].as_str()), (Some("ok"), Some(sha256)), "{rows}");
    for flow in ["catalog", "inventory"] {
        let out = weft_ops(&["run", flow, "--once"]);
        eprintln!("{id}: weft run {flow} --once\n{}", text(&out));
    }
    eprintln!("{}", text(&weft_ops(&["dlq", "list"])));
    shop_state(sim)
}

#[test]
fn the_author_journey_in_rust_python_and_javascript_syncs_the_same_shop() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_owned();
    let config = root.join("weft.toml");
    std::fs::write(
        &config,
        format!("[store]\npath = {:?}\n[plugins]\ncache_dir = {:?}\n", root.join("data"), root.join("compile-cache")),
    )
    .unwrap();
    let author = Author { root: root.clone(), config };
    let erp = FakeErp::start(6);
    let spec = std::fs::read_to_string(repo_root().join("plugins/http-erp-py/weft-test.toml")).expect("spec");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let seed: shopify_sim::Seed =
        serde_json::from_value(json!({"locations": [{"name": "Main"}, {"name": "Backroom"}], "products": []}))
            .expect("seed");
    let mut shops = Vec::new();
    let mut times: Vec<(&str, Duration, Duration, Duration)> = Vec::new();
    for (lang, id, source, fixture) in LANGS {
        let src = root.join(format!("src-{lang}"));
        let sdk = repo_root().join("sdk");
        let started = Instant::now();
        author.weft(&[
            "plugins",
            "new",
            "--lang",
            lang,
            "--kind",
            "connector",
            "--dir",
            src.to_str().unwrap(),
            "--sdk",
            sdk.to_str().unwrap(),
            id,
        ]);
        let dir = src.join(id);
        fill_in(&dir.join(source), fixture, id, "Journey connector, first cut");
        // The author declares the ERP's host (loopback needs the exact host:port on both sides).
        let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
        std::fs::write(
            dir.join("plugin.toml"),
            manifest.replace("outbound_hosts = []", &format!("outbound_hosts = [\"{}\"]", erp.authority())),
        )
        .unwrap();
        std::fs::write(dir.join("weft-test.toml"), &spec).unwrap();
        author.build(lang);
        author.test_green(id);
        let first_green = started.elapsed();
        // Edit, build, green again.
        let edited = Instant::now();
        fill_in(&dir.join(source), fixture, id, "Journey connector, second cut");
        author.build(lang);
        author.test_green(id);
        let edit_green = edited.elapsed();
        // Package and hand over.
        let packaged = Instant::now();
        let out = author.weft(&[
            "plugins",
            "package",
            root.join("out").join(id).to_str().unwrap(),
            "--out",
            root.join("packages").to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let sha256 = stdout.lines().find_map(|l| l.strip_prefix("sha256 of plugin.wasm: ")).expect("digest").to_owned();
        let archive = root.join("packages").join(format!("{id}-0.1.0.weft.tar"));
        assert!(archive.is_file(), "{stdout}");
        let sim = rt
            .block_on(shopify_sim::Simulator::start(shopify_sim::SimConfig {
                seed: seed.clone(),
                shop_currency: "EUR".into(),
                ..shopify_sim::SimConfig::default()
            }))
            .expect("simulator starts");
        let shop = operate(&root, id, &archive, &sha256, &erp, &sim);
        times.push((lang, first_green, edit_green, packaged.elapsed()));
        shops.push((lang, shop));
    }
    let (first_lang, first) = &shops[0];
    let products = first["products"].as_array().map_or(0, Vec::len);
    let levels = first["levels"].as_array().map_or(0, Vec::len);
    assert_eq!(products, 6, "every ERP product is in the shop: {first}");
    assert!(levels >= 24, "every SKU is stocked at both mapped locations: {first}");
    assert_eq!(first["products"][0]["variants"][0]["price"], "11.90", "{first}");
    for (lang, shop) in &shops[1..] {
        assert_eq!(shop, first, "{lang} and {first_lang} connectors synced different shops");
    }
    println!(
        "author loop, wall time (2 cores; toolchains installed; first green includes the first compile in the host):"
    );
    println!(
        "{:<8} {:>26} {:>22} {:>34}",
        "language", "scaffold -> first green", "edit -> green again", "package + install + catalog/inventory sync"
    );
    for (lang, first, edit, ship) in &times {
        println!(
            "{lang:<8} {:>24.1} s {:>20.1} s {:>32.1} s",
            first.as_secs_f64(),
            edit.as_secs_f64(),
            ship.as_secs_f64()
        );
    }
}
