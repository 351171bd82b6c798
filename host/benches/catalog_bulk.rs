//! Initial catalog load benchmark, per-product `productSet` vs the bulk path: 10,000 products × 4
//! variants from the file-feed connector, `weft run catalog --once` into a simulator on the
//! Standard plan (2,000-point bucket, 100 points/s restored). The same catalog twice: with
//! `bulk_above = 0` (one `productSet` per product, paced by the cost budget) and with
//! `bulk_above = 1` (one bulk mutation of `productSet` per batch of 250, whatever the catalog's
//! size, so a shrunk catalog still compares the two paths). Prints wall time, products/s,
//! cost points spent (the simulator's counters), requests and THROTTLED answers, and the ratios.
//! Asserts nothing.
//!
//! The simulator runs bulk mutation lines at `WEFT_BENCH_BULK_RATE` lines/s (default 25).
//! Shopify publishes no throughput for bulk mutations (they run in the background and cost
//! nothing against the bucket beyond starting and polling them); 25 productSet lines of 4 variants
//! a second is a deliberately cautious figure, so the wall-time ratio is a floor: the bulk path's
//! wall time is ~products ÷ rate and scales with it, its cost points do not.
//!
//! Run: `cargo bench -p weft --bench catalog_bulk` (`--profile dev` skips the release build).
//! Needs `plugins/build.sh` for file-feed. The per-product pass takes over half an hour of
//! Standard-plan budget at 10,000 products: `WEFT_BENCH_PRODUCTS=1000` shrinks the catalog.

// The integration tests' helpers; a benchmark uses only a few of them.
#[allow(dead_code)]
#[path = "../tests/integration/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/integration/shopify_common/mod.rs"]
mod shopify_common;

use common::catalog_feed::write_products;
use common::scenario::Scenario;
use shopify_sim::Plan;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let products = env("WEFT_BENCH_PRODUCTS", 10_000) as usize;
    let rate = env("WEFT_BENCH_BULK_RATE", 25) as f64;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(0, 1)));
    println!("catalog initial load: {products} products × 4 variants, Standard plan, bulk mutations at {rate} lines/s");
    let mut baseline: Option<(f64, u64)> = None;
    for (name, bulk_above) in [("per-product productSet", "0"), ("bulk mutation", "1")] {
        sim.set_plan(Plan::STANDARD);
        sim.reset();
        sim.set_bulk_mutation_rate(rate).expect("bulk rate");
        let scenario = Scenario::builder(&sim).build(&format!(
            "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nbatch = 250\nbulk_above = {bulk_above}\n"
        ));
        write_products(&scenario.feed.join("in"), "products.csv", products, &[]);
        let started = Instant::now();
        let (ok, _, stderr) = scenario.weft(&["run", "catalog", "--once"]);
        let wall = started.elapsed().as_secs_f64();
        let c = sim.counters();
        let created = shopify_common::all(&sim.state(), "products").len();
        println!(
            "  {name}: ok {ok}, {created} products in {wall:.1} s = {:.1} products/s; cost {} points ({:.2} per product), requests {}, THROTTLED {}, bulk lines {}",
            created as f64 / wall,
            c.cost_spent,
            c.cost_spent as f64 / created.max(1) as f64,
            c.requests,
            c.throttled,
            c.bulk_mutation_lines
        );
        if !ok {
            println!("    weft run failed: {}", stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | "));
        }
        match baseline {
            None => baseline = Some((wall, c.cost_spent)),
            Some((base_wall, base_cost)) => println!(
                "  ratio: {:.1}× faster, {:.1}× fewer cost points",
                base_wall / wall,
                base_cost as f64 / c.cost_spent.max(1) as f64
            ),
        }
    }
}
