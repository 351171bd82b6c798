//! `weft demo`: the whole product on one machine, on embedded defaults only.
//!
//! Starts the bundled Shopify simulator in-process, copies the sample ERP export into a fresh
//! demo directory for the file-feed connector, writes the config (`examples/demo/weft.toml`),
//! runs `weft serve` as a child process, lets every flow run (catalog and customers first,
//! then inventory and external orders, which need the variants), places shopper orders in the
//! simulator, and prints a summary per flow read from the admin API (`--json`: as one JSON
//! object on stdout, the progress on stderr). Without `--once` it then keeps `weft serve` and
//! the simulator running so the CLI can explore them.

use super::remote::Admin;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::shopify::{queries, ClientConfig, Priority, ShopifyClient};
use serde_json::{json, Value};
use shopify_sim::{SimConfig, Simulator};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The config template, filled in by [`run`].
const TEMPLATE: &str = include_str!("../../../examples/demo/weft.toml");
/// The plugins the demo config uses.
const PLUGINS: &[&str] = &["file-feed"];
/// The simulator's shop.
const SHOP: &str = "weft-sim.myshopify.com";
/// Flows that need the catalog in Shopify first; held paused until it has settled.
const AFTER_CATALOG: &[&str] = &["inventory", "external-orders"];
/// Webhook topics the demo subscribes `weft serve` to.
const TOPICS: &[&str] = &["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_PAID", "ORDERS_CANCELLED"];
/// Flows are settled when nothing is queued and no run started for this long.
const QUIET: Duration = Duration::from_secs(4);
/// Give up waiting for a phase after this long (the summary then says what is missing).
const PHASE_LIMIT: Duration = Duration::from_secs(300);
/// How often a phase prints its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Jobs due later than this are backing off and do not keep a phase busy.
const RETRY_HORIZON: Duration = Duration::from_secs(5);

/// `weft demo` arguments.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Run every flow once, print the summary and exit (0 when every flow ran).
    #[arg(long)]
    pub once: bool,
    /// Demo directory (recreated: config, database, ERP exchange folder, logs).
    #[arg(long, default_value = "weft-demo")]
    pub dir: PathBuf,
    /// Where `weft serve` listens (webhooks, admin API).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Where the simulator listens.
    #[arg(long, default_value = "127.0.0.1:9100")]
    pub sim_listen: String,
    /// Folder of built plugins (default: target/plugins of this checkout).
    #[arg(long)]
    pub plugins: Option<PathBuf>,
    /// Print the summary as JSON on stdout (progress goes to stderr).
    #[arg(long)]
    pub json: bool,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn io<'a>(what: &str, path: &'a Path) -> impl Fn(std::io::Error) -> String + 'a {
    let what = what.to_owned();
    move |e| format!("{what} {}: {e}", path.display())
}

/// The `weft serve` child, terminated when dropped.
struct ServeChild(Child);

impl Drop for ServeChild {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Run the demo.
pub fn run(args: DemoArgs) -> Result<ExitCode, String> {
    let root = repo_root();
    let plugins = args.plugins.clone().unwrap_or_else(|| root.join("target/plugins"));
    if !plugins.join("file-feed/plugin.wasm").is_file() {
        return Err(format!(
            "the file-feed plugin is not built in {}: run `plugins/build.sh` first",
            plugins.display()
        ));
    }
    let dataset = root.join("tests/fixtures/sample-dataset/in");
    let dir = std::path::absolute(&args.dir).map_err(io("cannot resolve", &args.dir))?;
    // With --json, stdout carries the summary only.
    let say = |line: String| if args.json { eprintln!("{line}") } else { println!("{line}") };
    prepare(&dir, &dataset, &plugins)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listen = args.sim_listen.parse().map_err(|e| format!("--sim-listen {}: {e}", args.sim_listen))?;
    let sim = runtime
        .block_on(Simulator::start(SimConfig { listen, seed: seed(), ..SimConfig::default() }))
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    std::fs::write(dir.join("secrets/shopify_access_token"), sim.token()).map_err(io("cannot write", &dir))?;
    std::fs::write(dir.join("secrets/shopify_webhook_secret"), SimConfig::default().webhook_secret)
        .map_err(io("cannot write", &dir))?;
    say(format!("simulator: {} (shop {SHOP})", sim.base_url()));

    let config_path = dir.join("weft.toml");
    let text = fill(&sim.state(), &dir, &args.listen, sim.base_url())?;
    std::fs::write(&config_path, &text).map_err(io("cannot write", &config_path))?;
    let config = Config::load(&config_path).map_err(|e| e.to_string())?;
    hold(&config, AFTER_CATALOG, true)?;

    let log = dir.join("weft-serve.log");
    let child = start_serve(&config_path, &log, &args.listen)?;
    say(format!("weft serve: http://{} (log {})", args.listen, log.display()));
    let admin = Admin::from_config(&config)?;
    let client = ShopifyClient::new(ClientConfig::new(
        sim.base_url(),
        "2026-04",
        crate::config::Secret::new(sim.token().to_owned()),
    ))
    .map_err(|e| e.to_string())?;
    let webhooks = format!("http://{}/webhooks/shopify", args.listen);
    for topic in TOPICS {
        let vars = json!({"topic": topic, "subscription": {"uri": webhooks, "format": "JSON"}});
        runtime
            .block_on(client.execute(&queries::WEBHOOK_SUBSCRIPTION_CREATE, vars, Priority::Catalog))
            .map_err(|e| format!("webhook subscription {topic}: {e}"))?;
    }

    say("running catalog and customers ...".into());
    settle(&admin, &config)?;
    say("running inventory and external orders ...".into());
    for flow in AFTER_CATALOG.iter().filter(|f| config.flows.contains_key(**f)) {
        admin.post(&format!("/api/queues/{flow}/resume"), json!({}))?;
    }
    settle(&admin, &config)?;
    say("placing shopper orders in the simulator ...".into());
    let placed = shop(&runtime, &client, &sim);
    settle(&admin, &config)?;

    let summary = Summary::read(&admin, &config)?;
    if args.json {
        let whereabouts = Whereabouts { dir: &dir, config: &config, sim: sim.base_url(), args: &args, log: &log };
        println!("{}", serde_json::to_string_pretty(&summary.json(&placed, &whereabouts)).map_err(|e| e.to_string())?);
    } else {
        summary.print(&placed);
    }
    if args.once {
        drop(child);
        return Ok(if summary.every_flow_ran() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    say(format!(
        "\nweft serve keeps running with the simulator. Explore the dashboard at http://{listen}/ or:\n  weft --config {cfg} runs list\n  weft --config {cfg} dlq list\n  weft --config {cfg} queue status\n  curl -X POST {sim}/_sim/orders -d '{{\"email\":\"you@example.com\",\"lines\":[{{\"sku\":\"MUG-0002\",\"quantity\":1}}]}}'\nCtrl-C stops both.",
        cfg = config_path.display(),
        listen = args.listen,
        sim = sim.base_url()
    ));
    // Until Ctrl-C or SIGTERM (then the child is stopped with us) or the server exits.
    let mut child = child;
    let exited = runtime.block_on(async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok::<_, String>(None),
                _ = term.recv() => return Ok(None),
                _ = tokio::time::sleep(Duration::from_millis(500)) => {
                    if let Some(status) = child.0.try_wait().map_err(|e| e.to_string())? {
                        return Ok(Some(status));
                    }
                }
            }
        }
    })?;
    Ok(match exited {
        Some(status) if !status.success() => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

/// A fresh demo directory with the sample export in the ERP inbox and the plugins it uses.
fn prepare(dir: &Path, dataset: &Path, plugins: &Path) -> Result<(), String> {
    for sub in ["data", "erp-exchange", "secrets", "plugins"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io("cannot clear", &path))?;
        }
    }
    let inbox = dir.join("erp-exchange/in");
    std::fs::create_dir_all(&inbox).map_err(io("cannot create", &inbox))?;
    std::fs::create_dir_all(dir.join("secrets")).map_err(io("cannot create", dir))?;
    copy_dir(dataset, &inbox)?;
    for plugin in PLUGINS {
        copy_dir(&plugins.join(plugin), &dir.join("plugins").join(plugin))?;
    }
    Ok(())
}

/// Copy the files of `from` (not recursive) into `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(io("cannot create", to))?;
    for entry in std::fs::read_dir(from).map_err(io("cannot read", from))? {
        let entry = entry.map_err(io("cannot read", from))?;
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(io("cannot copy", &entry.path()))?;
        }
    }
    Ok(())
}

/// The simulator's starting store: the three warehouses of the sample export as locations.
fn seed() -> shopify_sim::Seed {
    serde_json::from_value(json!({"locations": [{"name": "WH-EAST"}, {"name": "WH-WEST"}, {"name": "WH-CENTRAL"}]}))
        .unwrap_or_default()
}

/// The config template with the demo's paths, ports and the simulator's location ids.
fn fill(state: &Value, dir: &Path, listen: &str, sim: &str) -> Result<String, String> {
    let mut text =
        TEMPLATE.replace("@DIR@", &dir.display().to_string()).replace("@LISTEN@", listen).replace("@SIM@", sim);
    let locations = state["locations"]
        .as_object()
        .map(|m| m.values().cloned().collect::<Vec<_>>())
        .or_else(|| state["locations"].as_array().cloned())
        .unwrap_or_default();
    for l in locations {
        let (Some(name), Some(id)) = (l["name"].as_str(), l["id"].as_u64()) else { continue };
        text = text.replace(&format!("@LOCATION:{name}@"), &format!("gid://shopify/Location/{id}"));
    }
    match text.find("@LOCATION:") {
        Some(at) => Err(format!(
            "the simulator has no location for {}",
            &text[at..text[at..].find('"').map_or(text.len(), |e| at + e)]
        )),
        None => Ok(text),
    }
}

/// Pause (or resume) flows in the store before `weft serve` opens it.
fn hold(config: &Config, flows: &[&str], paused: bool) -> Result<(), String> {
    let store = super::open_store(config).map_err(|e| e.to_string())?;
    let now = SystemClock.now_ms();
    for flow in flows.iter().filter(|f| config.flows.contains_key(**f)) {
        store.set_paused(flow, paused, now).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn start_serve(config: &Path, log: &Path, listen: &str) -> Result<ServeChild, String> {
    let file = std::fs::File::create(log).map_err(io("cannot create", log))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the weft binary: {e}"))?;
    let child = Command::new(exe)
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot start weft serve: {e}"))?;
    let mut child = ServeChild(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(listen).is_err() {
        if let Ok(Some(status)) = child.0.try_wait() {
            return Err(format!("weft serve exited ({status}); see {}", log.display()));
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!("weft serve did not listen on {listen}; see {}", log.display()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(child)
}

/// Wait until no job is queued and no new run started for [`QUIET`].
fn settle(admin: &Admin, config: &Config) -> Result<(), String> {
    let started = Instant::now();
    let mut last = (u64::MAX, Instant::now());
    let mut shown = Instant::now();
    while started.elapsed() < PHASE_LIMIT {
        std::thread::sleep(Duration::from_millis(500));
        let queues = admin.get("/api/queues")?;
        // Jobs backing off before a retry (a variant whose product the ERP export got wrong
        // never appears) do not hold the phase; the summary reports them.
        let soon = SystemClock.now_ms() + RETRY_HORIZON.as_millis() as u64;
        let busy = config.flows.keys().any(|f| {
            let q = &queues[f.as_str()];
            let due = q["ready"].as_u64().unwrap_or(0) > 0 && q["next_due_ms"].as_u64().is_some_and(|d| d <= soon);
            q["paused_since_ms"].is_null() && (due || q["leased"].as_u64().unwrap_or(0) > 0)
        });
        // Pulls make runs even when they find nothing new, polling with overlap re-reads records
        // the ledger knows ("unchanged"), and a job that failed again waits for its retry: only
        // runs that wrote or dead-lettered something count as activity (what a pull enqueues
        // shows in the queue).
        let runs = admin.get("/api/runs?limit=20")?;
        let marker = runs
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| {
                r["counts"]
                    .as_object()
                    .is_some_and(|c| c.keys().any(|k| matches!(k.as_str(), "created" | "updated" | "dead")))
            })
            .and_then(|r| r["id"].as_u64())
            .unwrap_or(0);
        if busy || marker != last.0 {
            last = (marker, Instant::now());
        } else if last.1.elapsed() >= QUIET {
            return Ok(());
        }
        if shown.elapsed() >= PROGRESS_EVERY {
            let queued: u64 = config
                .flows
                .keys()
                .map(|f| {
                    queues[f.as_str()]["ready"].as_u64().unwrap_or(0)
                        + queues[f.as_str()]["leased"].as_u64().unwrap_or(0)
                })
                .sum();
            eprintln!("  ... {queued} jobs queued, {:.0}s", started.elapsed().as_secs_f64());
            shown = Instant::now();
        }
    }
    eprintln!("warning: flows still busy after {PHASE_LIMIT:?}; the summary shows where they are");
    Ok(())
}

/// Shopper orders: two guest checkouts with the same e-mail, one by another buyer.
fn shop(runtime: &tokio::runtime::Runtime, client: &ShopifyClient, sim: &shopify_sim::SimHandle) -> Vec<String> {
    let vars = json!({"query": "", "first": 3});
    let skus: Vec<String> = match runtime.block_on(client.execute(&queries::VARIANTS_BY_SKU, vars, Priority::Orders)) {
        Ok(r) => r.data["productVariants"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["sku"].as_str().map(str::to_owned))
            .collect(),
        Err(e) => return vec![format!("cannot list variants: {e}")],
    };
    if skus.is_empty() {
        return vec![
            "no variants in the simulator (the catalog flow did not create any): no shopper orders placed".into()
        ];
    }
    let _inside = runtime.enter();
    let buyers = ["guest@example.com", "guest@example.com", "ada@example.com"];
    buyers
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let sku = &skus[i % skus.len()];
            match sim.place_order(Some(email), &[(sku.clone(), 1)]) {
                Ok(id) => format!("order {id} by {email}: 1 x {sku}"),
                Err(e) => format!("order by {email} refused: {e}"),
            }
        })
        .collect()
}

/// Every run of `flow`, a page at a time.
fn all_runs(admin: &Admin, flow: &str) -> Result<Vec<Value>, String> {
    let mut runs: Vec<Value> = Vec::new();
    loop {
        let before = runs.last().and_then(|r| r["id"].as_u64()).map(|id| format!("&before={id}")).unwrap_or_default();
        let page = admin.get(&format!("/api/runs?flow={flow}&limit=500{before}"))?;
        let page = page.as_array().cloned().unwrap_or_default();
        if page.is_empty() {
            return Ok(runs);
        }
        runs.extend(page);
    }
}

/// Where the demo put things, for its `--json` summary.
struct Whereabouts<'a> {
    dir: &'a Path,
    config: &'a Config,
    sim: &'a str,
    args: &'a DemoArgs,
    log: &'a Path,
}

/// What every flow did, read from the admin API.
struct Summary {
    /// Flow → outcome → records.
    counts: BTreeMap<String, BTreeMap<String, u64>>,
    /// Flow → dead letters: their error's class and message.
    failures: BTreeMap<String, Vec<(String, String)>>,
    /// Flow → jobs still waiting for a retry.
    retrying: BTreeMap<String, u64>,
    /// Flows that ran at least once.
    ran: Vec<String>,
    /// Every configured flow.
    flows: Vec<String>,
}

impl Summary {
    fn read(admin: &Admin, config: &Config) -> Result<Summary, String> {
        let mut summary = Summary {
            counts: BTreeMap::new(),
            failures: BTreeMap::new(),
            retrying: BTreeMap::new(),
            ran: Vec::new(),
            flows: config.flows.keys().cloned().collect(),
        };
        let queues = admin.get("/api/queues")?;
        for flow in config.flows.keys() {
            let runs = all_runs(admin, flow)?;
            if !runs.is_empty() {
                summary.ran.push(flow.clone());
            }
            let counts = summary.counts.entry(flow.clone()).or_default();
            for run in &runs {
                for (outcome, n) in run["counts"].as_object().into_iter().flatten() {
                    if matches!(outcome.as_str(), "created" | "updated" | "unchanged" | "skipped") {
                        *counts.entry(outcome.clone()).or_default() += n.as_u64().unwrap_or(0);
                    }
                }
            }
            let dead = admin.get(&format!("/api/dlq?flow={flow}"))?;
            let reasons = dead.as_array().into_iter().flatten().map(|d| {
                let text = |v: &Value| v.as_str().unwrap_or("?").to_owned();
                (text(&d["error"]["class"]), text(&d["error"]["message"]))
            });
            summary.failures.entry(flow.clone()).or_default().extend(reasons);
            summary.retrying.insert(flow.clone(), queues[flow.as_str()]["ready"].as_u64().unwrap_or(0));
        }
        Ok(summary)
    }

    /// The summary for `--json`: where everything is, then each flow's records per outcome and
    /// dead letters.
    fn json(&self, placed: &[String], at: &Whereabouts<'_>) -> Value {
        let flows: Vec<Value> = self
            .flows
            .iter()
            .map(|flow| {
                let failures = self.failures.get(flow).map(Vec::as_slice).unwrap_or_default();
                json!({
                    "flow": flow,
                    "ran": self.ran.contains(flow),
                    "outcomes": self.counts.get(flow).cloned().unwrap_or_default(),
                    "failed": failures.len(),
                    "failures": failures.iter().map(|(class, message)| json!({"class": class, "message": message})).collect::<Vec<_>>(),
                    "waiting_to_retry": self.retrying.get(flow).copied().unwrap_or(0),
                })
            })
            .collect();
        json!({
            "every_flow_ran": self.every_flow_ran(),
            "dir": at.dir,
            "config": at.dir.join("weft.toml"),
            "store": at.config.store.path,
            "simulator": {"url": at.sim, "shop": SHOP},
            "serve": {
                "listen": at.args.listen,
                "dashboard": format!("http://{}/", at.args.listen),
                "log": at.log,
                "keeps_running": !at.args.once,
            },
            "orders_placed": placed,
            "flows": flows,
        })
    }

    fn every_flow_ran(&self) -> bool {
        self.flows.iter().all(|f| self.ran.contains(f))
    }

    fn print(&self, placed: &[String]) {
        println!("\n== weft demo summary ==");
        println!("shopper orders placed in the simulator:");
        for p in placed {
            println!("  {p}");
        }
        for flow in &self.flows {
            let counts = self
                .counts
                .get(flow)
                .map(|c| c.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            let failures = self.failures.get(flow).map(Vec::as_slice).unwrap_or_default();
            let state = if self.ran.contains(flow) { "ran" } else { "DID NOT RUN" };
            let retrying = match self.retrying.get(flow).copied().unwrap_or(0) {
                0 => String::new(),
                n => format!("; {n} waiting to retry (`weft dlq`/`weft runs` show why)"),
            };
            println!(
                "flow {flow}: {state}; {}; failed {}{retrying}",
                if counts.is_empty() { "no records".into() } else { counts },
                failures.len()
            );
            for (class, message) in failures {
                println!("    [{class}] {message}");
            }
        }
    }
}
