//! The workers of `weft serve` and how they share themselves between flows.
//!
//! A worker takes one flow's due jobs at a time, visiting flows in turn (so a flow with a long
//! backlog does not starve the others), and runs them as one batch. What a flow uses — itself and
//! each plugin it calls (its connections' connectors, its transforms) — is a lane: a lane that
//! other flows do not use may hold at most all workers but one, so a slow or stuck plugin (or a
//! flow with a huge backlog) always leaves a worker to the flows that do not use it.

use crate::config::{Config, Endpoint};
use crate::versions::Live;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Jobs leased per worker round (Shopify takes up to 250 quantities per mutation).
const LEASE_BATCH: usize = 250;
/// Idle wait between polls.
const IDLE: Duration = Duration::from_millis(25);

/// The plugins `flow` calls, as (config key, plugin id): its connections' and its transforms'.
pub fn plugins_of<'a>(config: &'a Config, flow: &'a crate::config::FlowConfig) -> Vec<(String, &'a str)> {
    let connections = [&flow.from, &flow.to].into_iter().filter_map(|e| match e {
        Endpoint::Connection(c) => {
            config.connections.get(c).map(|conn| (format!("connections.{c}"), conn.plugin.as_str()))
        }
        Endpoint::Shopify => None,
    });
    let transforms = flow
        .transforms
        .iter()
        .filter_map(|t| config.transforms.get(t).map(|tr| (format!("transforms.{t}"), tr.plugin.as_str())));
    connections.chain(transforms).collect()
}

/// The lanes of every flow, with how many workers each may hold and holds now.
pub struct Lanes {
    /// Flow → its lanes (`flow:NAME`, `plugin:ID`).
    flows: Vec<(String, Vec<String>)>,
    /// Lane → most workers it may hold.
    caps: BTreeMap<String, usize>,
    /// Lane → workers holding it now.
    held: Mutex<BTreeMap<String, usize>>,
    /// Where the next round starts, so flows are visited in turn.
    next: AtomicUsize,
}

/// A flow taken by a worker; its lanes are given back when dropped.
struct Taken<'a> {
    lanes: &'a Lanes,
    of: &'a [String],
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut held = self.lanes.held.lock().unwrap_or_else(|p| p.into_inner());
        for lane in self.of {
            if let Some(n) = held.get_mut(lane) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

impl Lanes {
    /// The lanes of `config`'s flows for `workers` workers.
    pub fn new(config: &Config, workers: usize) -> Lanes {
        let flows: Vec<(String, Vec<String>)> = config
            .flows
            .iter()
            .map(|(name, flow)| {
                let mut lanes = vec![format!("flow:{name}")];
                lanes.extend(plugins_of(config, flow).into_iter().map(|(_, id)| format!("plugin:{id}")));
                lanes.sort();
                lanes.dedup();
                (name.clone(), lanes)
            })
            .collect();
        let mut caps = BTreeMap::new();
        for (_, lanes) in &flows {
            for lane in lanes {
                let users = flows.iter().filter(|(_, l)| l.contains(lane)).count();
                // A lane every flow uses has nobody to leave a worker to.
                let cap = if users < flows.len() { workers.saturating_sub(1).max(1) } else { workers.max(1) };
                caps.insert(lane.clone(), cap);
            }
        }
        Lanes { flows, caps, held: Mutex::new(BTreeMap::new()), next: AtomicUsize::new(0) }
    }

    /// Take flow number `i` if each of its lanes has room.
    fn take(&self, i: usize) -> Option<Taken<'_>> {
        let (_, of) = &self.flows[i];
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if of.iter().any(|lane| held.get(lane).copied().unwrap_or(0) >= self.caps.get(lane).copied().unwrap_or(1)) {
            return None;
        }
        for lane in of {
            *held.entry(lane.clone()).or_default() += 1;
        }
        Some(Taken { lanes: self, of })
    }
}

/// One worker: visit the flows in turn, lease a flow's due jobs when its lanes have room, run
/// them as one batch; until told to stop (finishing the current batch). A lease lasts `lease_ms`
/// (`[store] lease_ms`; the host renews its leases while it lives). Each round takes the engine
/// `live` runs now: a batch finishes on the config version and plugins it started with.
pub fn work(live: &Live, lanes: &Lanes, stop: &AtomicBool, lease_ms: u64) {
    while !stop.load(Ordering::SeqCst) {
        let engine = live.engine();
        let count = lanes.flows.len();
        let start = lanes.next.fetch_add(1, Ordering::Relaxed);
        let mut ran = false;
        for i in (0..count).map(|k| (start + k) % count.max(1)) {
            let Some(taken) = lanes.take(i) else { continue };
            let flow = &lanes.flows[i].0;
            let jobs = match engine.queue().lease(Some(flow), lease_ms, engine.jobs_per_lease(flow, LEASE_BATCH)) {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::error!(flow, "lease failed: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            if jobs.is_empty() {
                continue;
            }
            match engine.run_batch(flow, jobs) {
                Ok(run) => tracing::debug!(flow, run, "batch done"),
                Err(e) => tracing::error!(flow, "batch failed: {e}"),
            }
            drop(taken);
            ran = true;
            break;
        }
        if !ran {
            std::thread::sleep(IDLE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, std::path::Path::new("weft.toml")).unwrap()
    }

    const FLOWS: &str = r#"
[shopify]
shop = "lanes.myshopify.com"
access_token = { env = "UNUSED" }
webhook_secret = { env = "UNUSED" }
[connections.erp]
plugin = "tryton"
[connections.feed]
plugin = "file-feed"
[flows.catalog]
from = "erp"
to = "shopify"
object = "product"
[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
[flows.prices]
from = "feed"
to = "shopify"
object = "price"
base_price = false
"#;

    #[test]
    fn a_plugin_others_do_not_use_leaves_them_a_worker() {
        let lanes = Lanes::new(&config(FLOWS), 2);
        let index = |name: &str| lanes.flows.iter().position(|(n, _)| n == name).unwrap();
        let catalog = lanes.take(index("catalog")).expect("a free worker takes the catalog");
        assert!(lanes.take(index("inventory")).is_none(), "tryton already holds all but one worker");
        let prices = lanes.take(index("prices")).expect("the flow not using tryton gets the other");
        drop(catalog);
        assert!(lanes.take(index("inventory")).is_some());
        drop(prices);
        // One worker: nothing to leave to anyone.
        let single = Lanes::new(&config(FLOWS), 1);
        let taken = single.take(0);
        assert!(taken.is_some());
    }

    #[test]
    fn a_lane_every_flow_uses_may_take_every_worker() {
        let text = FLOWS.replace("plugin = \"file-feed\"", "plugin = \"tryton\"");
        let lanes = Lanes::new(&config(&text), 2);
        let index = |name: &str| lanes.flows.iter().position(|(n, _)| n == name).unwrap();
        let a = lanes.take(index("catalog"));
        let b = lanes.take(index("prices"));
        assert!(a.is_some() && b.is_some(), "both workers serve tryton flows when every flow uses it");
    }
}
