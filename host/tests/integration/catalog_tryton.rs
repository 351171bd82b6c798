//! End to end: the real `weft serve`, the Shopify simulator and a real Tryton (started by
//! tests/erp/tryton/start.sh). A full initial catalog and stock sync; changes made in Tryton
//! (name, price, stock) reach the simulator within a schedule tick; a Shopify-owned field edited
//! in Shopify survives the product sync; an unchanged catalog (even one Tryton re-emits) costs
//! no writes; `weft explain inventory` tells how the pushed number was computed.

use crate::common;
use crate::connector_support;
use crate::shopify_common;

use common::engine::{free_port, get, post, Serve};
use connector_support::run_id;
use connector_support::tryton::env_or_skip;
use serde_json::{json, Value};
use shopify_common::{all, location_gid};
use shopify_sim::{SimConfig, SimHandle, Simulator};
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "shpat_simulator_token";
/// The flows' schedule tick.
const TICK: Duration = Duration::from_secs(2);

/// The product with `handle` and its variants, as the simulator stores them.
fn product(sim: &SimHandle, handle: &str) -> Option<(Value, Vec<Value>)> {
    let state = sim.state();
    let p = all(&state, "products").into_iter().find(|p| p["handle"] == json!(handle))?;
    let vs = all(&state, "variants").into_iter().filter(|v| v["product_id"] == p["id"]).collect();
    Some((p, vs))
}

/// `available` of `sku` at location gid `loc`.
fn available(sim: &SimHandle, sku: &str, loc: &str) -> Option<i64> {
    let state = sim.state();
    let item = all(&state, "inventory_items").into_iter().find(|i| i["sku"] == json!(sku))?["id"].as_u64()?;
    let loc: u64 = loc.rsplit('/').next()?.parse().ok()?;
    all(&state, "levels").into_iter().find(|l| l["item_id"] == json!(item) && l["location_id"] == json!(loc))?
        ["quantities"]["available"]
        .as_i64()
}

fn writes(sim: &SimHandle) -> (u64, u64) {
    let c = sim.counters();
    let w = |k: &str| c.writes.get(k).copied().unwrap_or(0);
    (w("productSet"), w("inventorySetQuantities") + w("inventoryActivate"))
}

fn config(
    dir: &Path,
    listen: &str,
    sim: &SimHandle,
    t: &connector_support::tryton::Tryton,
    wh: &str,
    wh2: &str,
) -> std::path::PathBuf {
    let warehouses: Vec<String> = t.warehouses.iter().map(|w| w.to_string()).collect();
    let text = format!(
        r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[server]
listen = "{listen}"
workers = 2
drain_seconds = 5
[shopify]
shop = "weft-sim.myshopify.com"
api_version = "2026-04"
endpoint = "{endpoint}"
access_token = {{ env = "WEFT_TEST_SHOPIFY_TOKEN" }}
webhook_secret = {{ env = "WEFT_TEST_SHOPIFY_TOKEN" }}
[connections.erp]
plugin = "tryton"
allow_hosts = ["{authority}"]
config = {{ url = "{url}", database = "{db}", user = "{user}", company = {company}, warehouses = [{warehouses}], overlap_seconds = 0 }}
secrets = {{ password = {{ env = "WEFT_TRYTON_PASSWORD" }} }}
[flows.products]
from = "erp"
to = "shopify"
object = "product"
trigger = {{ every = "{tick}ms" }}
retry = {{ max_attempts = 20, base_ms = 200, max_delay_ms = 1000 }}
[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
trigger = {{ every = "{tick}ms" }}
# Levels of variants the catalog flow has not created yet wait for it: the initial catalog sync
# takes 25-60 s on a loaded 2-core machine, so the retries must outlast it.
retry = {{ max_attempts = 200, base_ms = 200, max_delay_ms = 1000 }}
buffer = {{ units = 1 }}
locations = {{ WH = "{wh}", WH2 = "{wh2}" }}
unmapped_location = "skip"
"#,
        data = dir.join("data").display(),
        plugins = dir.join("plugins").display(),
        endpoint = sim.base_url(),
        authority = t.authority,
        url = t.url,
        db = t.db,
        user = t.user,
        company = t.company,
        warehouses = warehouses.join(", "),
        tick = TICK.as_millis(),
    );
    let path = dir.join("weft.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// From the lineage of `key`: the oldest write whose request contains `marker`, and the
/// scheduled pull that brought it in (its run, and the tick that enqueued it, from the pull job's
/// key `pull@<tick ms>`).
fn pulled_by(addr: &str, key: &str, marker: &str) -> (Value, u64) {
    let (status, body) = get(addr, &format!("/api/lineage?key={key}&limit=500")).expect("admin API answers");
    assert_eq!(status, 200, "{body}");
    let lineage: Value = serde_json::from_str(&body).unwrap();
    let steps = lineage["steps"].as_array().unwrap();
    let step = steps.iter().rev().find(|s| s["record"]["request"].as_str().is_some_and(|r| r.contains(marker)));
    let step = step.unwrap_or_else(|| panic!("no write of {marker:?} in the lineage of {key}: {body}"));
    let source = step["record"]["source"].as_str().unwrap_or_default();
    let run: u64 = source
        .split("(pulled by run ")
        .nth(1)
        .and_then(|r| r.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("not brought in by a pull: {step}"));
    let (_, body) = get(addr, &format!("/api/runs/{run}?records")).expect("admin API answers");
    let run: Value = serde_json::from_str(&body).unwrap();
    let tick = run["records"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|r| r["key"].as_str()?.strip_prefix("pull@")?.parse().ok());
    (run["run"].clone(), tick.unwrap_or_else(|| panic!("run {run} is not a scheduled pull")))
}

/// Every tick of `flow`'s schedule while it is watched, as `weft serve` reports it
/// (`last_tick_ms` of `/api/flows/FLOW`, polled well within the tick).
struct Ticks {
    seen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<u64>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Ticks {
    fn watch(addr: &str, flow: &str) -> Ticks {
        let seen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<u64>>> = std::sync::Arc::default();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, halt, addr, path) =
            (std::sync::Arc::clone(&seen), std::sync::Arc::clone(&stop), addr.to_owned(), format!("/api/flows/{flow}"));
        std::thread::spawn(move || {
            while !halt.load(std::sync::atomic::Ordering::SeqCst) {
                let tick = get(&addr, &path)
                    .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok()?["last_tick_ms"].as_u64());
                if let Some(tick) = tick {
                    s.lock().unwrap().insert(tick);
                }
                std::thread::sleep(TICK / 20);
            }
        });
        Ticks { seen, stop }
    }

    /// The first tick at or after `since_ms`.
    fn first_since(&self, since_ms: u64) -> Option<u64> {
        self.seen.lock().unwrap().range(since_ms..).next().copied()
    }
}

impl Drop for Ticks {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Wait until `done()`, or fail with `what`, the host's log and the simulator's counters.
fn wait_for(limit: Duration, what: &str, log: &Path, sim: &SimHandle, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > limit {
            let cfg = log.with_file_name("weft.toml");
            let weft = |args: &[&str]| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
                    .arg("--config")
                    .arg(&cfg)
                    .args(args)
                    .output()
                    .unwrap();
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
            };
            eprintln!("dead letters:\n{}", weft(&["dlq", "list"]));
            let runs = weft(&["runs", "list", "--limit", "6"]);
            eprintln!("runs:\n{runs}");
            for id in runs.lines().filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok()).take(6) {
                eprintln!("run {id}:\n{}", weft(&["runs", "show", &id.to_string(), "--records", "--failed"]));
            }
            let log = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
            panic!("timed out waiting for {what}; counters {:?}\n{}", sim.counters(), tail.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn tryton_catalog_and_stock_reach_the_simulator_and_only_changes_cost_writes() {
    let Some(t) = env_or_skip("tryton_catalog_and_stock_reach_the_simulator_and_only_changes_cost_writes") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed =
        serde_json::from_value(json!({"locations": [{"name": "Shop WH"}, {"name": "Shop WH2"}], "products": []}))
            .unwrap();
    let sim = rt.block_on(Simulator::start(SimConfig { seed, ..SimConfig::default() })).expect("simulator");
    let (wh, wh2) = (location_gid(&sim, "Shop WH"), location_gid(&sim, "Shop WH2"));

    // A product of our own in Tryton, with 9 units in WH.
    let code = format!("WF-CAT-{}", run_id());
    let handle = code.to_lowercase();
    let unit = t.model("product.uom", "search", vec![json!([["symbol", "=", "u"]]), json!(0), json!(1), Value::Null])
        [0]
    .clone();
    let tmpl = t.model("product.template", "create", vec![json!([{"name": "Weft Catalog Probe", "code": code, "type": "goods",
        "default_uom": unit, "list_price": {"__class__": "Decimal", "decimal": "10.00"}, "products": [["create", [{}]]]}])])[0].clone();
    let product_id =
        t.model("product.product", "search", vec![json!([["template", "=", tmpl]]), json!(0), json!(1), Value::Null])
            [0]
        .clone();
    let storage = t.model("stock.location", "read", vec![json!([t.warehouses[0]]), json!(["storage_location"])])[0]
        ["storage_location"]
        .clone();
    let receive = |qty: i64| {
        t.stock_from_lost_found(&product_id, &storage, qty, &unit);
    };
    receive(9);

    let tmp = tempfile::tempdir().unwrap();
    common::install_as_built(&tmp.path().join("plugins"), "tryton");
    let addr = format!("127.0.0.1:{}", free_port());
    let cfg = config(tmp.path(), &addr, &sim, &t, &wh, &wh2);
    let log = tmp.path().join("serve.log");
    let serve = Serve::start(&cfg, &addr, &[("WEFT_TEST_SHOPIFY_TOKEN", TOKEN)], &log);
    let logs = || std::fs::read_to_string(&log).unwrap_or_default();

    // Full initial sync: the seeded catalog and our probe, with stock (9 - 1 buffer).
    let started = Instant::now();
    wait_for(Duration::from_secs(240), "the initial catalog and stock sync", &log, &sim, || {
        product(&sim, "tt-tee").is_some_and(|(_, vs)| vs.len() == 3) && available(&sim, &code, &wh) == Some(8)
    });
    eprintln!("initial sync in {:?}", started.elapsed());
    let (tee, tee_variants) = product(&sim, "tt-tee").unwrap();
    assert_eq!(tee["title"], json!("Tryton Tee"), "{}", logs());
    let mut skus: Vec<&str> = tee_variants.iter().filter_map(|v| v["sku"].as_str()).collect();
    skus.sort_unstable();
    assert_eq!(skus, ["TT-TEE-L", "TT-TEE-M", "TT-TEE-S"]);
    assert!(tee_variants.iter().all(|v| v["price"] == json!("19.90")), "{tee_variants:?}");
    // Seeded: 40 on hand in WH, 2 reserved -> 38 - 1 buffer.
    wait_for(Duration::from_secs(120), "seeded stock", &log, &sim, || available(&sim, "TT-TEE-S", &wh) == Some(37));
    let (probe, _) = product(&sim, &handle).expect("probe product");
    assert_eq!(probe["title"], json!("Weft Catalog Probe"));

    // The initial sync's retries done: nothing of the catalog flow is queued any more.
    let catalog_idle = || {
        let queues: Value =
            get(&addr, "/api/queues").and_then(|(_, body)| serde_json::from_str(&body).ok()).unwrap_or_default();
        queues["products"]["ready"].as_u64().unwrap_or(0) + queues["products"]["leased"].as_u64().unwrap_or(0) == 0
    };
    wait_for(Duration::from_secs(120), "the catalog flow's queue to drain", &log, &sim, catalog_idle);
    // A merchandiser tags the product in Shopify (tags are Shopify-owned by default).
    let endpoint = sim.base_url().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let edit = json!({"query": "mutation($id: ID!) { productSet(identifier: {id: $id}, input: {tags: [\"summer-sale\"]}) { userErrors { message } } }",
        "variables": {"id": format!("gid://shopify/Product/{}", probe["id"])}});
    // The merchandiser shares the shop's cost bucket with weft's stock sync: a THROTTLED answer
    // is tried again, as Shopify asks.
    let tagged = Instant::now();
    loop {
        let (status, body) = post(
            &endpoint,
            "/admin/api/2026-04/graphql.json",
            &[("x-shopify-access-token", TOKEN), ("content-type", "application/json")],
            edit.to_string().as_bytes(),
        )
        .expect("sim answers");
        assert_eq!(status, 200, "{body}");
        if !body.contains("THROTTLED") || tagged.elapsed() > Duration::from_secs(60) {
            assert!(!body.contains("\"errors\"") && body.contains("\"userErrors\":[]"), "{body}");
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(product(&sim, &handle).unwrap().0["tags"], json!(["summer-sale"]));

    // Changes in Tryton: name, price and stock (+3).
    let ticks = [("products", Ticks::watch(&addr, "products")), ("inventory", Ticks::watch(&addr, "inventory"))];
    std::thread::sleep(TICK);
    let changed = Instant::now();
    t.model(
        "product.template",
        "write",
        vec![
            json!([tmpl]),
            json!({"name": "Weft Probe Renamed", "list_price": {"__class__": "Decimal", "decimal": "12.50"}}),
        ],
    );
    let renamed_ms = now_ms();
    receive(3);
    let received_ms = now_ms();
    // Debug builds on 2 cores with Tryton's own latency: the bound is generous, the measured
    // latencies are printed.
    let limit = TICK * 2 + Duration::from_secs(60);
    wait_for(limit, "Tryton's name and price change in the simulator", &log, &sim, || {
        product(&sim, &handle).is_some_and(|(p, vs)| {
            p["title"] == json!("Weft Probe Renamed") && vs.iter().all(|v| v["price"] == json!("12.50"))
        })
    });
    eprintln!("name and price reached the simulator {:?} after the edit", changed.elapsed());
    wait_for(limit, "Tryton's stock change in the simulator", &log, &sim, || available(&sim, &code, &wh) == Some(11));
    eprintln!("changes reached the simulator {:?} after the edit (tick {TICK:?})", changed.elapsed());
    // Within one tick: each change was brought in by the first scheduled pull enqueued after
    // it was committed — or by one enqueued before (the pull already running during the edit).
    // (A tick whose pull is still running is skipped, so ticks are not evenly spaced.)
    for ((flow, ticks), (since, marker)) in
        ticks.iter().zip([(renamed_ms, "Weft Probe Renamed"), (received_ms, "\"on_hand\":12")])
    {
        let (run, tick) = pulled_by(&addr, &code, marker);
        let first = ticks.first_since(since);
        assert!(
            first.is_none_or(|first| tick <= first),
            "{flow}: the change was pulled by run {run} (tick {tick}), after the first tick since the edit ({first:?})"
        );
        eprintln!(
            "{flow}: the change was pulled by run {} (its tick {} ms after the edit)",
            run["id"],
            tick as i64 - since as i64
        );
    }
    assert_eq!(
        product(&sim, &handle).unwrap().0["tags"],
        json!(["summer-sale"]),
        "a Shopify-owned field survives the product sync"
    );

    // Unchanged: several ticks, and Tryton re-emitting the product (same values, new write date),
    // cost no productSet or inventory write.
    // First let the initial sync's stragglers (retries of other products' stock) settle.
    let mut before = writes(&sim);
    let settling = Instant::now();
    loop {
        std::thread::sleep(TICK * 3);
        let now = writes(&sim);
        if now == before || settling.elapsed() > Duration::from_secs(120) {
            break;
        }
        before = now;
    }
    t.model("product.template", "write", vec![json!([tmpl]), json!({"name": "Weft Probe Renamed"})]);
    std::thread::sleep(TICK * 3);
    assert_eq!(writes(&sim), before, "an unchanged catalog costs no writes\n{}", logs());
    assert!(serve.terminate().success());

    // How was 11 computed?
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["--config", cfg.to_str().unwrap(), "explain", "inventory", &code, "--location", "WH"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for want in [
        "on_hand=12",
        "on_hand - reserved - safety_stock = 12",
        "holds back 1",
        "available: 11",
        "last pushed: 11 (Shopify had 8)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
