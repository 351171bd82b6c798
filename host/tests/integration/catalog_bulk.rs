//! Large catalog loads in bulk: above `bulk_above` waiting records, new products are created by
//! one bulk mutation per batch (staged JSONL, `bulkOperationRunMutation` of `productSet`, the
//! result read back by line); below it, one `productSet` each. A line Shopify refuses fails its
//! record alone. An initial load of 5,000 products × 4 variants through `weft serve`, SIGKILLed
//! while a bulk mutation runs and started again, creates every product exactly once and runs
//! every line once: the restarted process awaits the operation it had started.

use crate::catalog_writes::product;
use crate::common::catalog_feed::write_products;
use crate::common::engine::{free_port, get, wait_for, Serve};
use crate::common::scenario::{Scenario, TOKEN_ENV};
use crate::shopify_common;

use serde_json::{json, Value};
use shopify_sim::SimHandle;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use weft::clock::{Clock, ManualClock, SystemClock};
use weft::flow::Written;
use weft::model::{KeyedRecord, PluginError, Record};
use weft::shopify::queries::Operation;
use weft::shopify::Priority;
use weft::store::Store;

/// Products of the initial load, 4 variants each.
const PRODUCTS: usize = 5_000;
/// Products whose variants repeat an option value: Shopify refuses them (INVALID_VARIANT).
const BROKEN: [usize; 5] = [7, 1_234, 2_500, 3_777, 4_999];
/// Lines per second the simulator runs bulk mutations at: far above Shopify's pace, so the test
/// spends its time in weft (a debug build), not waiting on the simulator.
const BULK_RATE: f64 = 4_000.0;

fn product_sets(sim: &SimHandle) -> u64 {
    sim.counters().writes.get("productSet").copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_batches_are_written_one_by_one_and_large_ones_in_bulk() {
    let sim = shopify_common::start(shopify_common::seed(0, 1)).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = shopify_common::writer_config(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nbulk_above = 3\n",
    );
    let clock = ManualClock::new(SystemClock.now_ms());
    let push = |records: &[KeyedRecord]| shopify_common::push_at(&client, &store, &config, "products", &clock, records);
    let item = |i: usize| {
        let (m, l) = (format!("K{i}-M"), format!("K{i}-L"));
        product(&format!("K{i}"), &format!("K{i}"), &[(m.as_str(), "M", "9.00"), (l.as_str(), "L", "9.50")], json!({}))
    };

    // Three records: not above bulk_above, one productSet each.
    let small: Vec<_> = (0..3).map(item).collect();
    let out = push(&small);
    assert!(out.iter().all(|o| matches!(o, Ok(Written::Created(_)))), "{out:?}");
    assert_eq!((product_sets(&sim), sim.counters().bulk_mutation_lines), (3, 0));

    // Five records: K3..K5 are new, K0 changed (linked: updated one by one), and K9 repeats an
    // option value, which Shopify refuses for that line alone.
    let mut large: Vec<_> = (3..6).map(item).collect();
    let mut changed = item(0);
    if let Record::Product(p) = &mut changed.record {
        p.title = "K0 renamed".into();
    }
    large.push(changed);
    let mut broken = item(9);
    if let Record::Product(p) = &mut broken.record {
        p.variants[1].option_values = vec!["M".into()];
    }
    large.push(broken);
    let out = push(&large);
    for o in &out[..3] {
        assert!(matches!(o, Ok(Written::Created(_))), "{out:?}");
    }
    assert!(matches!(&out[3], Ok(Written::Updated(_))), "{out:?}");
    assert!(
        matches!(&out[4], Err(PluginError::InvalidInput(f)) if f.field == "input.variants.1" && f.message.contains("INVALID_VARIANT")),
        "{out:?}"
    );
    let counters = sim.counters();
    assert_eq!(counters.bulk_mutation_lines, 4, "the four new products in one bulk mutation");
    assert_eq!(counters.staged_uploads, 1);
    assert_eq!(product_sets(&sim), 3 + 3 + 1, "three made in bulk, the linked one alone");
    for i in [3, 4, 5] {
        let linked = weft::flow::catalog::linked(weft::store::ShopLinks::new(&store, None), &format!("K{i}")).unwrap();
        assert_eq!(
            linked.as_deref(),
            out[i - 3].as_ref().ok().and_then(|w| match w {
                Written::Created(id) => Some(id.as_str()),
                _ => None,
            })
        );
    }
    // Made in bulk is remembered like a single write: the same records again cost nothing.
    let again = push(&large[..3]);
    assert!(again.iter().all(|o| matches!(o, Ok(Written::Unchanged(_)))), "{again:?}");
    assert_eq!(sim.counters().bulk_mutation_lines, 4);

    // A bulk load long after onboarding reads the shop's catalog again first: a product a person
    // made meanwhile with K7's SKU is updated in place, not duplicated by the bulk mutation.
    let by_hand = Operation {
        name: "ByHand",
        document: "mutation ByHand { productSet(input: {title: \"Made by hand\", handle: \"by-hand\", productOptions: [{name: \"Title\", values: [{name: \"M\"}]}], variants: [{optionValues: [{optionName: \"Title\", name: \"M\"}], sku: \"K7-M\", price: \"1.00\"}]}) { product { id } userErrors { message } } }",
        file: "inline",
    };
    let data = client.execute(&by_hand, json!({}), Priority::Catalog).await.unwrap().data;
    let by_hand = data["productSet"]["product"]["id"].as_str().unwrap().to_owned();
    clock.advance(11 * 60 * 1000);
    let later: Vec<_> = [6, 7, 8, 10].into_iter().map(item).collect();
    let out = push(&later);
    assert!(matches!(&out[1], Ok(Written::Updated(id)) if *id == by_hand), "{out:?}");
    for i in [0, 2, 3] {
        assert!(matches!(&out[i], Ok(Written::Created(_))), "{out:?}");
    }
    assert_eq!(sim.counters().bulk_mutation_lines, 4 + 3);
    let k7 = shopify_common::all(&sim.state(), "variants").into_iter().filter(|v| v["sku"] == "K7-M").count();
    assert_eq!(k7, 1, "K7-M is on the product made by hand only");
}

/// The app's current bulk mutation in the simulator: (status, lines run).
async fn current_bulk(sim: &SimHandle) -> (String, u64) {
    let op = Operation {
        name: "Current",
        document: "query Current { currentBulkOperation(type: MUTATION) { status objectCount } }",
        file: "inline",
    };
    let data = shopify_common::client(sim).execute(&op, json!({}), Priority::Catalog).await.unwrap().data;
    let op = &data["currentBulkOperation"];
    (op["status"].as_str().unwrap_or_default().to_owned(), op["objectCount"].as_str().unwrap_or("0").parse().unwrap())
}

/// `GET /api/queues` → the catalog flow's status.
fn catalog_queue(addr: &str) -> Value {
    get(addr, "/api/queues")
        .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
        .map(|q| q["catalog"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn an_initial_load_of_5000_products_goes_in_bulk_and_survives_a_sigkill() {
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(0, 1)));
    sim.set_bulk_mutation_rate(BULK_RATE).unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let scenario = Scenario::builder(&sim).server(&format!("listen = \"{addr}\"\nworkers = 1")).build(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nbatch = 250\ntrigger = { every = \"1s\" }\n",
    );
    write_products(&scenario.feed.join("in"), "products.csv", PRODUCTS, &BROKEN);
    let envs = [(TOKEN_ENV, sim.token())];
    let log = scenario.path().join("serve.log");
    let serve = Serve::start(&scenario.config, &addr, &envs, &log);

    // Some bulk mutations done, then the simulator holds the next one after its first line, and
    // weft is killed while it waits for it.
    wait_for(Duration::from_secs(300), "1,000 bulk lines", || sim.counters().bulk_mutation_lines >= 1_000);
    sim.set_bulk_mutation_rate(0.0).unwrap();
    wait_for(Duration::from_secs(60), "a held bulk mutation", || rt.block_on(current_bulk(&sim)).0 == "RUNNING");
    std::thread::sleep(Duration::from_millis(300));
    serve.kill();
    let (status, done) = rt.block_on(current_bulk(&sim));
    assert_eq!(status, "RUNNING", "killed during the bulk mutation");
    assert!(done < 250, "{done} lines of the held operation ran");
    sim.set_bulk_mutation_rate(BULK_RATE).unwrap();

    let serve = Serve::start(&scenario.config, &addr, &envs, &log);
    wait_for(Duration::from_secs(600), "the load to finish", || {
        let q = catalog_queue(&addr);
        q["ready"] == 0 && q["leased"] == 0 && q["dead"] == BROKEN.len()
    });
    let (_, body) = get(&addr, "/api/dlq").unwrap();
    let dead: Vec<Value> = serde_json::from_str(&body).unwrap();
    let (_, body) = get(&addr, "/api/runs?flow=catalog&limit=500").unwrap();
    let runs: Vec<Value> = serde_json::from_str(&body).unwrap();
    let created: u64 = runs.iter().map(|r| r["counts"]["created"].as_u64().unwrap_or(0)).sum();
    drop(serve);
    assert_eq!(created, (PRODUCTS - BROKEN.len()) as u64, "run records say created, read back after the kill too");

    let mut keys: Vec<String> = dead.iter().map(|d| d["job"]["key"].as_str().unwrap_or_default().to_owned()).collect();
    keys.sort();
    let mut broken: Vec<String> = BROKEN.iter().map(|i| format!("P{i}")).collect();
    broken.sort();
    assert_eq!(keys, broken, "exactly the refused products are dead letters");
    for d in &dead {
        assert!(d.to_string().contains("INVALID_VARIANT"), "{d}");
    }
    let state = sim.state();
    let mut handles: BTreeMap<String, usize> = BTreeMap::new();
    for p in shopify_common::all(&state, "products") {
        *handles.entry(p["handle"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        (0..PRODUCTS).filter(|i| !BROKEN.contains(i)).map(|i| (format!("b-{i}"), 1)).collect();
    assert!(
        handles == expected,
        "every product once: {} products, {} handles",
        handles.values().sum::<usize>(),
        handles.len()
    );
    let variants = shopify_common::all(&state, "variants");
    assert_eq!(variants.len(), (PRODUCTS - BROKEN.len()) * 4);
    let counters = sim.counters();
    assert_eq!(counters.bulk_mutation_lines, PRODUCTS as u64, "every line ran once: none started twice");
    assert_eq!(product_sets(&sim), (PRODUCTS - BROKEN.len()) as u64, "no product written twice, none one by one");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(log.contains("awaiting the bulk mutation started before weft stopped"), "{log}");
    println!("initial load of {PRODUCTS} × 4 across a SIGKILL: {:.1} s", started.elapsed().as_secs_f64());
}
