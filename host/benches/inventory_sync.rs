//! Initial inventory sync benchmark: 10,000 SKUs × 3 locations (30,000 levels) from the
//! file-feed connector through the real `weft serve` into a Standard-plan simulator whose
//! catalog already holds the 10,000 variants. Prints wall time, Shopify cost spent, items/s and
//! its ratio to the plan's theoretical maximum (restore rate ÷ 10 points per
//! `inventorySetQuantities` × 250 items), requests and THROTTLED answers. Asserts nothing.
//!
//! Run: `cargo bench -p weft --bench inventory_sync --profile dev` (debug build, as measured
//! in the team's notes; drop `--profile dev` for an optimised build). Needs `plugins/build.sh`
//! for file-feed. `WEFT_BENCH_SKUS=2000` runs a smaller catalog.
//!
//! Measured 2026-11-27, 2 cores, debug build: 30,000 levels in 656 s (46 items/s, 0.018 of the
//! Standard plan's 2,500 items/s), 4,742 cost points (0.158 per item), 471 mutations, 0
//! THROTTLED. The bottleneck is the host (durable per-record commits: ledger, id map, last
//! pushed value) and `weft serve` leasing 64 jobs per batch, not Shopify's budget.

use serde_json::{json, Value};
use shopify_sim::{SimConfig, Simulator};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LOCATIONS: [&str; 3] = ["WH1", "WH2", "WH3"];
/// Standard plan: 100 points restored per second; 10 points set up to 250 quantities.
const RESTORE_PER_S: f64 = 100.0;
const ITEMS_PER_MUTATION: f64 = 250.0;
const MUTATION_COST: f64 = 10.0;

fn main() {
    let skus: usize = std::env::var("WEFT_BENCH_SKUS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let plugin = root.join("target/plugins/file-feed");
    assert!(plugin.join("plugin.wasm").is_file(), "build plugins first: plugins/build.sh");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let variants = 4;
    let products: Vec<Value> = (0..skus / variants)
        .map(|p| {
            let vs: Vec<Value> = (0..variants).map(|v| json!({"sku": format!("B-{p:05}-{v}"), "price": "9.00", "option": format!("S{v}"), "inventory": {"WH1": 0, "WH2": 0, "WH3": 0}})).collect();
            json!({"title": format!("Bench {p}"), "handle": format!("bench-{p}"), "variants": vs})
        })
        .collect();
    let seed = serde_json::from_value(json!({"locations": LOCATIONS.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(), "products": products})).unwrap();
    let sim = rt.block_on(Simulator::start(SimConfig { seed, ..SimConfig::default() })).expect("simulator");
    let state = sim.state();
    let locs: Vec<Value> = match &state["locations"] {
        Value::Array(a) => a.clone(),
        Value::Object(m) => m.values().cloned().collect(),
        _ => Vec::new(),
    };
    let gid = |name: &str| format!("gid://shopify/Location/{}", locs.iter().find(|l| l["name"] == json!(name)).unwrap()["id"]);

    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    std::fs::create_dir_all(feed.join("in")).unwrap();
    let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
    let mut expected = 0i64;
    for p in 0..skus / variants {
        for v in 0..variants {
            for (i, loc) in LOCATIONS.iter().enumerate() {
                let on_hand = ((p * 7 + v * 3 + i * 5) % 50 + 3) as i64;
                expected += on_hand - 1 - 2;
                csv.push_str(&format!("B-{p:05}-{v},{loc},{on_hand},1,0,2,2026-11-26T06:00:00Z\n"));
            }
        }
    }
    std::fs::write(feed.join("in/inventory-0001.csv"), csv).unwrap();
    let plugins = tmp.path().join("plugins/file-feed");
    std::fs::create_dir_all(&plugins).unwrap();
    for f in ["plugin.wasm", "plugin.toml"] {
        std::fs::copy(plugin.join(f), plugins.join(f)).unwrap();
    }
    let listen = format!("127.0.0.1:{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let config = format!(
        r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[server]
listen = "{listen}"
workers = 2
[shopify]
shop = "weft-sim.myshopify.com"
api_version = "2026-04"
endpoint = "{endpoint}"
access_token = {{ env = "WEFT_BENCH_TOKEN" }}
webhook_secret = {{ env = "WEFT_BENCH_TOKEN" }}
[connections.erp]
plugin = "file-feed"
directory = "{feed}"
[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
trigger = {{ every = "1s" }}
batch = 250
locations = {{ WH1 = "{l1}", WH2 = "{l2}", WH3 = "{l3}" }}
"#,
        data = tmp.path().join("data").display(),
        plugins = tmp.path().join("plugins").display(),
        endpoint = sim.base_url(),
        feed = feed.display(),
        l1 = gid("WH1"),
        l2 = gid("WH2"),
        l3 = gid("WH3"),
    );
    let cfg = tmp.path().join("weft.toml");
    std::fs::write(&cfg, config).unwrap();
    let log = std::fs::File::create(tmp.path().join("serve.log")).unwrap();
    sim.reset_counters();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(&cfg)
        .arg("serve")
        .env("WEFT_BENCH_TOKEN", sim.token().to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    while TcpStream::connect(&listen).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let total = |sim: &shopify_sim::SimHandle| -> i64 {
        let state = sim.state();
        let levels: Vec<Value> = match &state["levels"] {
            Value::Array(a) => a.clone(),
            Value::Object(m) => m.values().cloned().collect(),
            _ => Vec::new(),
        };
        levels.iter().map(|l| l["quantities"]["available"].as_i64().unwrap_or(0)).sum()
    };
    let limit = Duration::from_secs(1800);
    while total(&sim) != expected && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(250));
    }
    let wall = started.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let c = sim.counters();
    let items = (skus * LOCATIONS.len()) as f64;
    let max = RESTORE_PER_S / MUTATION_COST * ITEMS_PER_MUTATION;
    let done = total(&sim) == expected;
    println!("inventory initial sync: {skus} SKUs × {} locations = {items} levels, Standard plan", LOCATIONS.len());
    println!("  complete: {done}  wall: {wall:.1} s  (includes weft start, file-feed read, bulk baseline)");
    println!("  Shopify cost spent: {} points  requests: {}  THROTTLED: {}", c.cost_spent, c.requests, c.throttled);
    println!("  writes: {:?}", c.writes);
    println!("  throughput: {:.0} items/s; plan's theoretical max {max:.0} items/s; ratio {:.3}", items / wall, items / wall / max);
    println!("  cost per item: {:.3} points (theoretical min {:.3})", c.cost_spent as f64 / items, MUTATION_COST / ITEMS_PER_MUTATION);
}
