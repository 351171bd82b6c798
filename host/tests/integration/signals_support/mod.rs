//! Shared setup of the operations tests: a seeded simulator, the file-feed connector feeding an
//! inventory flow into it, a `weft serve` child, an alert receiver, and /metrics scrapes.

use super::common::engine::{free_port, get, get_with, Serve};
use super::common::scenario::{Scenario, TOKEN_ENV};
use super::shopify_common;
use serde_json::{json, Value};
use shopify_sim::SimHandle;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// The webhook signing secret.
pub const WEBHOOK_SECRET: &str = "whsec-ops-5e6f7a8b";

/// A test bed: simulator, feed folder, config, and where serve listens.
pub struct Bed {
    /// Keeps the simulator's runtime alive.
    pub _rt: tokio::runtime::Runtime,
    /// The simulator.
    pub sim: SimHandle,
    /// Scratch directory, feed folder and config.
    pub scenario: Scenario,
    /// Listen address of serve.
    pub addr: String,
    feeds: usize,
}

/// The environment of `weft serve`.
pub fn envs(sim: &SimHandle) -> Vec<(&'static str, String)> {
    vec![(TOKEN_ENV, sim.token().to_owned()), ("WEFT_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned())]
}

impl Bed {
    /// A simulator with SKU-0-0..SKU-{n-1}-0 stocked at "Main", and a config whose inventory
    /// flow maps ERP location WH to Main, followed by `extra` TOML.
    pub fn new(skus: usize, extra: &str) -> Bed {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt.block_on(shopify_common::start(shopify_common::seed(skus, 1)));
        let main = shopify_common::location_gid(&sim, "Main");
        let addr = format!("127.0.0.1:{}", free_port());
        let scenario = Scenario::builder(&sim)
            .server(&format!("listen = \"{addr}\"\nworkers = 1\ndrain_seconds = 5"))
            .webhook_secret_env("WEFT_WEBHOOK_SECRET")
            .build(&format!(
                r#"[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
trigger = {{ every = "300ms" }}
retry = {{ max_attempts = 1 }}
locations = {{ WH = "{main}" }}
{extra}
"#
            ));
        Bed { _rt: rt, sim, scenario, addr, feeds: 0 }
    }

    /// Start `weft serve`.
    pub fn serve(&self) -> Serve {
        let envs = envs(&self.sim);
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Serve::start(&self.scenario.config, &self.addr, &envs, &self.scenario.path().join("serve.log"))
    }

    /// Drop a new inventory export with `on_hand` per SKU at WH.
    pub fn feed(&mut self, rows: &[(&str, i64)]) {
        self.feeds += 1;
        let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
        for (sku, on_hand) in rows {
            csv.push_str(&format!("{sku},WH,{on_hand},0,0,0,2026-11-26T06:00:{:02}Z\n", self.feeds));
        }
        let dir = self.scenario.feed.join("in");
        let tmp = dir.join(format!(".inventory-{}.tmp", self.feeds));
        std::fs::write(&tmp, csv).unwrap();
        std::fs::rename(tmp, dir.join(format!("inventory-{}.csv", self.feeds))).unwrap();
    }

    /// `available` of `sku` at Main in the simulator.
    pub fn level(&self, sku: &str) -> Option<i64> {
        let state = self.sim.state();
        let variant = state["variants"].as_object()?.values().find(|v| v["sku"] == json!(sku))?.clone();
        let item = variant["inventory_item_id"].as_u64()?;
        let main =
            shopify_common::all(&state, "locations").into_iter().find(|l| l["name"] == json!("Main"))?["id"].clone();
        state["levels"]
            .as_array()?
            .iter()
            .find(|l| l["item_id"].as_u64() == Some(item) && l["location_id"] == main)
            .and_then(|l| l["quantities"]["available"].as_i64())
    }

    /// The serve log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scenario.path().join("serve.log")).unwrap_or_default()
    }

    /// `GET /api/queues` as JSON.
    pub fn queues(&self) -> Value {
        let (status, body) = get(&self.addr, "/api/queues").expect("admin API answers");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Dead letters of every flow.
    pub fn dead_letters(&self) -> Vec<Value> {
        let (_, body) = get(&self.addr, "/api/dlq").expect("admin API answers");
        serde_json::from_str::<Vec<Value>>(&body).unwrap()
    }
}

/// An HTTP receiver on 127.0.0.1 keeping every JSON body posted to it.
pub struct Receiver {
    /// Its URL.
    pub url: String,
    /// Bodies received, in order.
    pub bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    /// Start it; the URL carries a token in its query, as chat webhooks often do.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hooks/alerts?token=receiver-secret-991",
            listener.local_addr().unwrap().port()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let shared = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line.trim_end() != "" {
                    if let Some((k, v)) = line.trim_end().split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    if let Ok(v) = serde_json::from_slice(&body) {
                        shared.lock().unwrap().push(v);
                    }
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        Receiver { url, bodies }
    }

    /// Bodies received so far.
    pub fn received(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// (rule, state) of each alert received, in order.
    pub fn transitions(&self) -> Vec<(String, String)> {
        self.received()
            .iter()
            .map(|b| (b["rule"].as_str().unwrap_or("").to_owned(), b["state"].as_str().unwrap_or("").to_owned()))
            .collect()
    }
}

/// The `Accept` header Prometheus sends: OpenMetrics first.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// Scrape `/metrics` as Prometheus does (OpenMetrics) and parse it with a Prometheus text-format
/// parser.
pub fn scrape(addr: &str) -> prometheus_parse::Scrape {
    let (status, body) = get_with(addr, "/metrics", &[("accept", PROMETHEUS_ACCEPT)]).expect("/metrics answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.ends_with("# EOF\n"), "OpenMetrics text ends with # EOF:\n{body}");
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("the scrape parses")
}

/// The value of sample `metric` with exactly these labels (counters, gauges); 0 when absent.
pub fn value(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    sample(scrape, metric, labels)
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => panic!("{metric} is not a single value"),
        })
        .unwrap_or(0.0)
}

/// The sample `metric` with exactly these labels.
pub fn sample<'a>(
    scrape: &'a prometheus_parse::Scrape,
    metric: &str,
    labels: &[(&str, &str)],
) -> Option<&'a prometheus_parse::Sample> {
    scrape.samples.iter().find(|s| {
        s.metric == metric && s.labels.len() == labels.len() && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
    })
}
