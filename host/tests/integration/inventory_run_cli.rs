//! `weft run FLOW --dry-run` prints the writes and makes none; `weft run FLOW --once` makes
//! them; a second run with nothing new writes nothing; `weft explain inventory` explains.
//! The real binary, the file-feed connector and the simulator.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use shopify_sim::{Fault, FaultRule};

fn weft(s: &Scenario, args: &[&str]) -> (bool, String) {
    let (ok, out, err) = s.weft(args);
    (ok, format!("{out}{err}"))
}

#[test]
fn run_dry_run_then_once_then_explain() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let main = shopify_common::location_gid(&sim, "Main");
    let s = Scenario::builder(&sim).build(&format!(
        r#"[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
buffer = {{ percent = 10 }}
locations = {{ WH = "{main}" }}
"#
    ));
    s.feed_file(
        "inventory-1.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nSKU-0-0,WH,25,2,0,3,2026-11-26T06:00:00Z\nSKU-1-0,WH,4,0,0,0,2026-11-26T06:00:00Z\nSKU-2-0,ELSEWHERE,9,0,0,0,2026-11-26T06:00:00Z\n",
    );
    let sets = || sim.counters().writes.get("inventorySetQuantities").copied().unwrap_or(0);
    let before = shopify_common::levels(&sim);

    let (ok, out) = weft(&s, &["run", "inventory", "--dry-run"]);
    assert!(ok, "{out}");
    // 25 - 2 - 3 = 20, 10% held -> 18; 4 -> 3 (10% of 4 rounds up to 1).
    assert!(
        out.contains("[dry-run] inventory: inventorySetQuantities SKU-0-0 at") && out.contains("10 -> 18"),
        "{out}"
    );
    assert!(out.contains("SKU-1-0") && out.contains("10 -> 3"), "{out}");
    assert!(!out.contains("SKU-2-0 at"), "the unmapped location is skipped: {out}");
    assert_eq!(sets(), 0, "a dry run writes nothing");
    assert_eq!(shopify_common::levels(&sim), before);

    let (ok, out) = weft(&s, &["run", "inventory", "--once"]);
    assert!(ok, "{out}");
    assert!(sets() >= 1, "{out}");
    let after = shopify_common::levels(&sim);
    let at_main: Vec<i64> = after.iter().filter(|((_, l), _)| *l == main).map(|(_, q)| *q).collect();
    assert!(at_main.contains(&18) && at_main.contains(&3), "{at_main:?}\n{out}");

    let writes = sets();
    let (ok, out) = weft(&s, &["run", "inventory", "--once"]);
    assert!(ok, "{out}");
    assert_eq!(sets(), writes, "nothing new, nothing written: {out}");

    let (ok, out) = weft(&s, &["explain", "inventory", "SKU-0-0", "--location", "WH"]);
    assert!(ok, "{out}");
    for want in [
        "on_hand=25",
        "reserved=2",
        "safety_stock=3",
        "= 20",
        "10% -> holds back 2",
        "available: 18",
        "last pushed: 18 (Shopify had 10)",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    let (ok, out) = weft(&s, &["explain", "inventory", "NOPE"]);
    assert!(!ok && out.contains("nothing was pushed for SKU NOPE"), "{out}");
}

/// An inventory flow from the file feed's `WH` to Shopify's Main location, `extra` added to it,
/// in a simulator seeded with `skus` products of one variant (`SKU-{p}-0`); returns the runtime
/// that serves the simulator, the simulator and the scenario.
fn one_location(skus: usize, extra: &str) -> (tokio::runtime::Runtime, shopify_sim::SimHandle, Scenario) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(skus, 1)));
    let main = shopify_common::location_gid(&sim, "Main");
    let s = Scenario::builder(&sim).build(&format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n{extra}\n\
         locations = {{ WH = \"{main}\" }}\n"
    ));
    (rt, sim, s)
}

/// The feed's CSV of `SKU-{p}-0` at `WH` for each `p` in `skus`, on hand `first + p`.
fn rows(skus: std::ops::Range<usize>, first: usize) -> String {
    let rows: String = skus.map(|p| format!("SKU-{p}-0,WH,{},0,0,0,2026-11-26T06:00:00Z\n", first + p)).collect();
    format!("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n{rows}")
}

/// Shopify's levels at Main, sorted.
fn at_main(sim: &shopify_sim::SimHandle) -> Vec<i64> {
    let main = shopify_common::location_gid(sim, "Main");
    let mut q: Vec<i64> =
        shopify_common::levels(sim).into_iter().filter(|((_, l), _)| *l == main).map(|(_, q)| q).collect();
    q.sort_unstable();
    q
}

/// A process started when the flow has pushed before but most levels not yet (a host restarted
/// during an initial sync) reads Shopify's levels with one bulk operation, as the first process
/// did, not a query per 25 SKUs: here those queries all fail, and every level is still set.
#[test]
fn a_restart_during_an_initial_sync_reads_shopify_in_bulk() {
    let (_rt, sim, s) = one_location(150, "batch = 250");
    s.feed_file("inventory-1.csv", &rows(0..1, 100));
    let (ok, out) = weft(&s, &["run", "inventory", "--once"]);
    assert!(ok && at_main(&sim).contains(&100), "the first process sets its level: {out}");

    sim.inject(FaultRule::chance(Fault::Status { status: 500 }, 1.0).only("inventoryItems"));
    s.feed_file("inventory-2.csv", &rows(1..150, 100));
    let (ok, out) = weft(&s, &["run", "inventory", "--once"]);
    assert!(ok, "{out}");
    assert_eq!(at_main(&sim), (100..250).collect::<Vec<i64>>(), "every level set from the bulk read: {out}");
}

/// A pull reads at most 50 pages, then hands over to a pull that reads on at once: a source
/// longer than that (60 pages of 2 levels here) is synced whole by one run, not 50 pages per
/// schedule tick.
#[test]
fn a_source_longer_than_one_pull_is_read_to_its_end_in_one_run() {
    let (_rt, sim, s) = one_location(120, "batch = 2\ntrigger = { every = \"1h\" }");
    s.feed_file("inventory-1.csv", &rows(0..120, 1000));
    let (ok, out) = weft(&s, &["run", "inventory", "--once", "--json"]);
    assert!(ok, "{out}");
    assert_eq!(at_main(&sim), (1000..1120).collect::<Vec<i64>>(), "every level of the 60 pages is set: {out}");
}
