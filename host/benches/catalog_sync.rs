//! Initial catalog sync benchmark: products with 4 variants each from the file-feed connector,
//! `weft run products --once` into a simulator that answers every request after a fixed delay
//! (Shopify's round trip from a merchant's server, not loopback's). On the Standard and the Plus
//! plan, the same catalog twice: one product write at a time (`in_flight = 1`, the baseline) and
//! the default `in_flight` (4). Prints wall time, products/s, the ratio to the baseline, the ratio
//! to the plan's cost bound (restore rate ÷ actual points per product; a full bucket at the start
//! lets a short run beat it), cost spent, requests and THROTTLED answers. Asserts nothing.
//!
//! Run: `cargo bench -p weft --bench catalog_sync --profile dev`. Needs `plugins/build.sh` for
//! file-feed. `WEFT_BENCH_PRODUCTS=400` (default 200) and `WEFT_BENCH_RTT_MS=50` (default 100)
//! change the catalog and the delay.

// The integration tests' helpers; a benchmark uses only a few of them.
#[allow(dead_code)]
#[path = "../tests/integration/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/integration/shopify_common/mod.rs"]
mod shopify_common;

use common::scenario::Scenario;
use serde_json::json;
use shopify_sim::{Fault, FaultRule};
use shopify_sim::{Plan, SimConfig, Simulator};
use std::time::Instant;

const VARIANTS: usize = 4;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let products = env("WEFT_BENCH_PRODUCTS", 200) as usize;
    let rtt = env("WEFT_BENCH_RTT_MS", 100);
    let mut csv = String::from(
        "product_id,product_sku,title,vendor,option1_name,option1_value,variant_id,sku,price,cost,weight_grams\n",
    );
    for p in 0..products {
        for v in 0..VARIANTS {
            csv.push_str(&format!(
                "P{p},C-{p:05},Bench product {p},Acme,Size,S{v},P{p}-{v},C-{p:05}-{v},{}.90,3.00,200\n",
                10 + p % 40
            ));
        }
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed = serde_json::from_value(json!({"locations": [{"name": "WH1"}], "products": []})).unwrap();
    let sim = rt.block_on(Simulator::start(SimConfig { seed, ..SimConfig::default() })).expect("simulator");
    println!("catalog initial sync: {products} products × {VARIANTS} variants, {rtt} ms per Shopify answer");
    for (plan_name, plan) in [("Standard", Plan::STANDARD), ("Plus", Plan::PLUS)] {
        let mut baseline = None;
        for in_flight in [1, 4] {
            // The plan first: the reset then starts from its full bucket.
            sim.set_plan(plan);
            sim.reset();
            sim.inject(FaultRule::chance(Fault::Slow { delay_ms: rtt }, 1.0));
            let scenario = Scenario::builder(&sim).build(&format!("[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nbatch = 100\nin_flight = {in_flight}\n"));
            scenario.feed_file("products-0001.csv", &csv);
            let started = Instant::now();
            let (ok, _, stderr) = scenario.weft(&["run", "products", "--once"]);
            let wall = started.elapsed().as_secs_f64();
            let c = sim.counters();
            let created = shopify_common::all(&sim.state(), "products").len();
            let rate = created as f64 / wall;
            let per_product = c.cost_spent as f64 / created.max(1) as f64;
            let bound = plan.restore_rate / per_product;
            let ratio =
                baseline.map(|b: f64| format!("{:.2}× the baseline", rate / b)).unwrap_or_else(|| "baseline".into());
            baseline.get_or_insert(rate);
            println!("  {plan_name}, in_flight = {in_flight}: ok {ok}, {created} products in {wall:.1} s = {rate:.1} products/s ({ratio})");
            println!("    cost {} points ({per_product:.1} per product; cost bound {bound:.1} products/s, ratio {:.2}), requests {}, THROTTLED {}", c.cost_spent, rate / bound, c.requests, c.throttled);
            if !ok {
                println!("    weft run failed: {}", stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | "));
            }
        }
    }
}
