//! Several `weft serve` hosts on one PostgreSQL, as real processes against the simulator: the
//! demo dataset's flows under a SIGKILL chaos loop land every record exactly once; three hosts
//! pushing inventory stay under the shop's rate with zero THROTTLED, also after one is killed;
//! a webhook delivered to two hosts is one job, and the CLI pauses and resumes on the database.

use crate::cluster_support;
use crate::common;

use base64::Engine;
use cluster_support::{Backend, Deployment, Host};
use common::engine::post;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Kill a random host, start it again, every few seconds, until `done()` (checked between
/// kills), at least `min_kills` times. Returns how many kills.
fn chaos(
    d: &Deployment,
    hosts: &mut [Host],
    min_kills: usize,
    limit: Duration,
    mut done: impl FnMut() -> bool,
) -> usize {
    let started = Instant::now();
    let mut kills = 0;
    let mut rng = rand::rng();
    loop {
        std::thread::sleep(Duration::from_millis(rng.random_range(3_000..6_000)));
        let victim = rng.random_range(0..hosts.len());
        hosts[victim].kill();
        kills += 1;
        std::thread::sleep(Duration::from_millis(rng.random_range(100..1_000)));
        d.restart(&mut hosts[victim]);
        if kills >= min_kills && done() {
            return kills;
        }
        assert!(started.elapsed() < limit, "chaos phase did not finish within {limit:?} ({kills} kills)");
    }
}

fn unique(values: impl IntoIterator<Item = String>) -> (usize, usize) {
    let all: Vec<String> = values.into_iter().collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    (all.len(), distinct.len())
}

#[test]
fn three_hosts_run_the_demo_flows_under_a_chaos_loop() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo_root().join("tests/fixtures/sample-dataset/EXPECTED.json")).unwrap(),
    )
    .unwrap();
    let d = Deployment::new(&Deployment::sample_dataset());
    let admin = d.config("127.0.0.1:9", Backend::Postgres, "lease_seconds = 5");
    // The CLI talks to PostgreSQL itself: hold the flows that need the catalog, and warm the
    // plugin compile cache the hosts share.
    for flow in ["inventory", "external-orders"] {
        d.weft(&admin, &["queue", "pause", flow]);
    }
    d.weft(&admin, &["plugins", "list"]);
    let mut hosts: Vec<Host> = (0..3).map(|_| d.host(Backend::Postgres, "lease_seconds = 5")).collect();

    let (products, customers) = (expected["product"].as_u64().unwrap(), expected["customer"].as_u64().unwrap());
    let kills = chaos(&d, &mut hosts, 3, Duration::from_secs(600), || {
        d.sim_all("products").len() as u64 >= products && d.sim_all("customers").len() as u64 >= customers
    });
    d.settle(&admin, Duration::from_secs(180));
    for flow in ["inventory", "external-orders"] {
        d.weft(&admin, &["queue", "resume", flow]);
    }
    let orders = expected["order"].as_u64().unwrap();
    let kills = kills
        + chaos(&d, &mut hosts, 4, Duration::from_secs(600), || {
            let status = d.weft_json(&admin, &["queue", "status"]);
            d.sim_all("orders").len() as u64 >= orders && status["inventory"]["ready"] == 0
        });
    d.settle(&admin, Duration::from_secs(240));
    assert!(kills >= 7, "{kills} kills");

    let state = d.sim.state();
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let (n, distinct) = unique(cluster_support::all(&state, "products").iter().map(|p| text(p, "handle")));
    assert_eq!((n as u64, distinct), (products, n), "every product once");
    let (n, distinct) = unique(cluster_support::all(&state, "customers").iter().map(|c| text(c, "email")));
    assert_eq!((n as u64, distinct), (customers, n), "every customer once");
    let (n, distinct) = unique(cluster_support::all(&state, "orders").iter().map(|o| text(o, "source_identifier")));
    assert_eq!((n as u64, distinct), (orders, n), "every external order once, by sourceIdentifier");
    let writes = d.sim.counters().writes;
    assert_eq!(writes.get("orderCreate").copied(), Some(orders), "no order written twice: {writes:?}");

    // Inventory: what Shopify holds is what the flow computes from the ERP (`explain`'s number).
    let report = d.weft_json(&admin, &["reconcile", "--flow", "inventory"]);
    // On drift, what the simulator saw happen to the first drifted SKU's levels says who wrote what.
    let first = report["flows"][0]["drift"][0]["sku"].as_str().unwrap_or_default().to_owned();
    let variants = cluster_support::all(&d.sim.state(), "variants");
    let item = variants.iter().find(|v| v["sku"] == first.as_str()).map(|v| v["inventory_item_id"].clone());
    let history: Vec<_> =
        d.sim.level_history().into_iter().filter(|c| Some(serde_json::json!(c.inventory_item_id)) == item).collect();
    if report["summary"]["drifted"] != 0 {
        // What the flow believes it pushed, and any dead letter of the SKU, say where it was lost.
        let explain = d.weft_json(&admin, &["explain", "inventory", &first]);
        let letters: Vec<Value> = d
            .weft_json(&admin, &["dlq", "list"])
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|l| l.to_string().contains(&first))
            .collect();
        panic!(
            "levels differ from the computed ones: {}\nlevel history of {first}: {history:?}\nexplain: {explain}\ndead letters: {letters:?}",
            report["flows"][0]["drift"]
        );
    }
    assert!(report["summary"]["compared"].as_u64().unwrap() > 1_000, "{}", report["summary"]);

    // No lease is lost: the queues empty again (the schedules keep leasing short pulls, so a
    // single look may catch one), and what is dead is bad input, not lost work.
    d.settle(&admin, Duration::from_secs(30));
    let skus: BTreeSet<String> = cluster_support::all(&state, "variants").iter().map(|v| text(v, "sku")).collect();
    let bad_rows: Vec<&str> =
        expected["bad_rows"].as_array().unwrap().iter().filter_map(|b| b["at"].as_str()).collect();
    let dead = d.weft_json(&admin, &["dlq", "list"]);
    for letter in dead.as_array().unwrap() {
        let message = letter["error"]["message"].as_str().unwrap_or_default();
        // A bad row of the export, or stock of a variant the catalog could not create (its row is bad).
        // (A host killed during its last attempt ends it with that attempt's error quoted.)
        let missing_variant = message
            .split_once("no Shopify variant with SKU \"")
            .and_then(|(_, rest)| rest.split('"').next())
            .is_some_and(|sku| !skus.contains(sku));
        assert!(
            bad_rows.iter().any(|at| message.contains(&format!("{at}: "))) || missing_variant,
            "a dead letter that is not a bad record: {letter}"
        );
    }
    for at in bad_rows {
        assert!(dead.to_string().contains(&format!("{at}: ")), "the bad row {at} is reported once as a dead letter");
    }
    for host in &mut hosts {
        host.kill();
    }
    let logs: String = hosts.iter().map(|h| std::fs::read_to_string(&h.log).unwrap_or_default()).collect();
    assert!(!logs.contains(common::postgres::PASSWORD), "the database password is never logged");
}

/// A signed Shopify delivery.
fn deliver(addr: &str, id: &str, body: &[u8], secret: &str) -> Option<(u16, String)> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    post(
        addr,
        "/webhooks/shopify",
        &[
            ("x-shopify-topic", "customers/create"),
            ("x-shopify-webhook-id", id),
            ("x-shopify-hmac-sha256", &signature),
            ("content-type", "application/json"),
        ],
        body,
    )
}

#[test]
fn a_webhook_delivered_to_two_hosts_makes_one_job_and_the_cli_pauses_any_host() {
    let empty = tempfile::tempdir().unwrap();
    let d = Deployment::new(empty.path());
    let flows = "\n[flows.customers-in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"customer\"\ntrigger = { webhook = true }\n";
    let config = |listen: &str| {
        let text = std::fs::read_to_string(d.config(listen, Backend::Postgres, "")).unwrap();
        format!("{}{flows}", &text[..text.find("# Products and variants").unwrap()])
    };
    let admin = d.dir.path().join("admin.toml");
    std::fs::write(&admin, config("127.0.0.1:9")).unwrap();
    // Held: the deliveries stay queued, so the jobs can be counted.
    d.weft(&admin, &["queue", "pause", "customers-in"]);
    let secret = shopify_sim::SimConfig::default().webhook_secret;
    let secret = secret.as_str();
    let hosts: Vec<Host> = (0..2).map(|_| d.host_with(config)).collect();
    let n = 20;
    let answers: Vec<(String, String)> = std::thread::scope(|s| {
        let sends: Vec<_> = (0..n)
            .flat_map(|i| {
                hosts.iter().map(move |h| {
                    let addr = h.listen.clone();
                    s.spawn(move || {
                        let body = format!(r#"{{"id": {}, "email": "c{i}@example.com", "first_name": "C"}}"#, 700 + i);
                        let answer = deliver(&addr, &format!("wh-{i}"), body.as_bytes(), secret).expect("an answer");
                        assert_eq!(answer.0, 200, "{}", answer.1);
                        (format!("wh-{i}"), answer.1)
                    })
                })
            })
            .collect();
        sends.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for i in 0..n {
        let id = format!("wh-{i}");
        let stored: Vec<&String> =
            answers.iter().filter(|(w, b)| *w == id && b.contains("\"jobs\":1")).map(|(_, b)| b).collect();
        assert_eq!(stored.len(), 1, "{id}: exactly one host stored it: {answers:?}");
    }
    let status = d.weft_json(&admin, &["queue", "status"]);
    assert_eq!(status["customers-in"]["ready"], n, "{status}");
    d.weft(&admin, &["queue", "resume", "customers-in"]);
    let outbox = d.dir.path().join("erp-exchange/out/customers");
    d.wait("the customers in the ERP outbox", Duration::from_secs(60), || {
        std::fs::read_dir(&outbox).map(|r| r.count()).unwrap_or(0) >= n
    });
    d.settle(&admin, Duration::from_secs(30));
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), n, "each customer written once");
}

#[test]
fn three_hosts_share_one_shopify_budget_and_pacing_survives_a_kill() {
    let skus = 1_500;
    let feed = tempfile::tempdir().unwrap();
    let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
    for i in 0..skus {
        csv.push_str(&format!("SKU-{i},WH,{},0,0,0,2026-11-26T06:00:00Z\n", 20 + i % 7));
    }
    std::fs::write(feed.path().join("inventory-1.csv"), csv).unwrap();
    let d = Deployment::new(feed.path());
    let products: Vec<Value> = (0..skus)
        .map(|i| serde_json::json!({"title": format!("P{i}"), "variants": [{"sku": format!("SKU-{i}"), "price": "5.00", "inventory": {"Main": 1}}]}))
        .collect();
    d.sim
        .seed(
            &serde_json::from_value(serde_json::json!({"locations": [{"name": "Main"}], "products": products}))
                .unwrap(),
        )
        .unwrap();
    let main = cluster_support::all(&d.sim.state(), "locations")[0]["id"].as_u64().unwrap();
    let dir = d.dir.path().display().to_string();
    let config = |listen: &str| {
        format!(
            "[store]\nbackend = \"postgres\"\nurl = {{ env = \"{url}\" }}\npath = \"{dir}/data\"\nlease_seconds = 5\n\
             [server]\nlisten = \"{listen}\"\nworkers = 2\n\
             [plugins]\ndir = \"{dir}/plugins\"\ncache_dir = \"{dir}/plugin-cache\"\n\
             [shopify]\nshop = \"weft-sim.myshopify.com\"\napi_version = \"2026-04\"\nendpoint = \"{sim}\"\n\
             access_token = {{ file = \"{dir}/secrets/shopify_access_token\" }}\n\
             webhook_secret = {{ file = \"{dir}/secrets/shopify_webhook_secret\" }}\n\
             [connections.erp]\nplugin = \"file-feed\"\ndirectory = \"{dir}/erp-exchange\"\n\
             [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\ntrigger = {{ every = \"1s\" }}\n\
             locations = {{ WH = \"gid://shopify/Location/{main}\" }}\n",
            url = cluster_support::URL_ENV,
            sim = d.sim.base_url(),
        )
    };
    let admin = d.dir.path().join("admin.toml");
    std::fs::write(&admin, config("127.0.0.1:9")).unwrap();
    d.weft(&admin, &["plugins", "list"]);
    d.weft(&admin, &["queue", "pause", "inventory"]);
    let mut hosts: Vec<Host> = (0..3).map(|_| d.host_with(config)).collect();
    // A small plan, nearly empty, every host pushing: the shop's restore rate is the limit.
    let plan = shopify_sim::bucket::Plan { maximum_available: 40.0, restore_rate: 5.0 };
    d.sim.set_plan(plan);
    d.sim.set_bucket_available(20.0);
    d.sim.reset_counters();
    let started = Instant::now();
    d.weft(&admin, &["queue", "resume", "inventory"]);
    std::thread::sleep(Duration::from_secs(4));
    hosts[0].kill();
    d.settle(&admin, Duration::from_secs(300));
    let elapsed = started.elapsed().as_secs_f64();
    let counters = d.sim.counters();
    let levels: Vec<i64> = cluster_support::all(&d.sim.state(), "levels")
        .iter()
        .map(|l| l["quantities"]["available"].as_i64().unwrap_or(-1))
        .collect();
    assert!(levels.iter().all(|a| (20..27).contains(a)), "every level pushed");
    assert_eq!(counters.throttled, 0, "three hosts together never made Shopify throttle");
    let allowed = 20.0 + plan.restore_rate * elapsed;
    assert!(
        (counters.cost_spent as f64) <= allowed,
        "{} points in {elapsed:.1} s: above the plan's {}/s",
        counters.cost_spent,
        plan.restore_rate
    );
    assert!(counters.cost_spent >= 100, "enough work to be paced: {counters:?}");
    eprintln!("{} points in {elapsed:.1} s by three hosts (one killed after 4 s): {counters:?}", counters.cost_spent);
    for host in &mut hosts {
        host.kill();
    }
}

#[test]
fn a_config_version_saved_on_one_host_runs_on_the_others_from_their_own_files() {
    let empty = tempfile::tempdir().unwrap();
    let d = Deployment::new(empty.path());
    let token = "scale-out-admin-token";
    std::env::set_var("WEFT_ADMIN_TOKEN", token);
    let config = |listen: &str| {
        let text = std::fs::read_to_string(d.config(listen, Backend::Postgres, "")).unwrap();
        let text = text.replace("[server]\n", "[server]\nadmin_token = { env = \"WEFT_ADMIN_TOKEN\" }\n");
        format!(
            "{}[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
             # Titles as the ERP has them. (A note this host's file keeps.)\nmapping = {{ title = \"erp.title\" }}\n",
            &text[..text.find("# Products and variants").unwrap()]
        )
    };
    let hosts: Vec<Host> = (0..2).map(|_| d.host_with(config)).collect();
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
    let running = |h: &Host| -> Value {
        let (status, body) =
            common::engine::get_with(&h.listen, "/api/config", &headers).expect("the admin API answers");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    };
    // Their files differ only in the address: one version, both run it.
    d.wait("both hosts on the newest version", Duration::from_secs(30), || {
        running(&hosts[0])["version"] == running(&hosts[1])["version"]
    });
    let before = running(&hosts[0])["version"].as_u64().unwrap();
    let edit = serde_json::json!({
        "edits": [{"path": ["flows", "catalog", "mapping"], "value": {"title": "upper(erp.title)"}}],
        "comment": "shout the titles",
    });
    let (status, body) = post(&hosts[0].listen, "/api/config", &headers, edit.to_string().as_bytes()).unwrap();
    assert_eq!(status, 200, "{body}");
    let saved: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(saved["version"], before + 1, "{saved}");
    // The other host takes it in: runs it under its number, writes it into its own file.
    d.wait("the other host on the saved version", Duration::from_secs(30), || {
        running(&hosts[1])["version"] == saved["version"]
    });
    let theirs = std::fs::read_to_string(&hosts[1].config).unwrap();
    assert!(theirs.contains("upper(erp.title)"), "{theirs}");
    assert!(theirs.contains(&format!("listen = \"{}\"", hosts[1].listen)), "its own address stays: {theirs}");
    assert!(theirs.contains("(A note this host's file keeps.)"), "{theirs}");
    assert_eq!(running(&hosts[1])["comment"], "shout the titles");
    let log = std::fs::read_to_string(&hosts[1].log).unwrap();
    assert!(log.contains("saved by another host) running"), "{log}");
}
