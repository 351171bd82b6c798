//! `weft serve` keeps the webhook subscriptions its flows consume at `{[server] public_url}
//! /webhooks/shopify`: at start, then every `[server] webhook_check_every`. Shopify deletes a
//! subscription after 8 failed deliveries in a row; a subscription re-created after the first
//! sync is logged as an error and each polling flow of its topic gets a pull at once, so what
//! was placed meanwhile arrives by polling. [`statuses`] says where each subscription stands.

use crate::config::flow::parse_interval;
use crate::config::{Config, FlowConfig};
use crate::flow::objects::{self, ShopifySource};
use crate::flow::{FlowEngine, Work};
use crate::shopify::subscriptions::{self, Change, Subscription, SyncReport};
use crate::shopify::ShopifyClient;
use crate::store::NewJob;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Marks that a shop's subscriptions were synced once (next to the flows' last ticks): a topic
/// created after that was subscribed before and lost. Another shop than `[shopify]` adds
/// `/NAME`.
const TICK_KEY: &str = "@webhook_subscriptions";

/// Where Shopify delivers to this server, if `[server] public_url` is set.
pub fn address(config: &Config) -> Option<String> {
    config.server.public_url.as_ref().map(|u| format!("{}/webhooks/shopify", u.trim_end_matches('/')))
}

/// Each topic the flows of shop `shop` consume by webhook, with the flows that poll it too.
pub fn wanted<'a>(config: &'a Config, shop: &str) -> BTreeMap<&'static str, Vec<String>> {
    let of_shop = |f: &&'a FlowConfig| config.shop_of(f) == Some(shop);
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (name, flow) in config.flows.iter().filter(|(_, f)| f.from.is_shopify() && f.trigger.webhook && of_shop(f)) {
        if let ShopifySource::Webhooks { subscribe, poll, .. } = objects::shopify_source(flow.object) {
            for topic in subscribe {
                let polling = out.entry(*topic).or_default();
                if poll {
                    polling.push(name.clone());
                }
            }
        }
    }
    // Hybrid inventory flows take in Shopify's own stock changes; the levels are read again
    // for each, so polling is not what catches a lost one (their next write and reconcile do).
    if config.flows.values().filter(of_shop).any(FlowConfig::is_hybrid) {
        out.entry("INVENTORY_LEVELS_UPDATE").or_default();
    }
    out
}

/// The topics the flows of shop `shop` consume by webhook.
pub fn topics(config: &Config, shop: &str) -> BTreeSet<&'static str> {
    wanted(config, shop).into_keys().collect()
}

/// What a subscription is to weft, and what a sync does to it.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// weft's, consumed by a flow, delivering where it should.
    Kept,
    /// weft's, delivering elsewhere: a sync moves it to the address.
    Moved,
    /// weft's, but no flow consumes the topic (or it is a second one): a sync removes it.
    Removed,
    /// Not weft's: left alone.
    Foreign,
    /// Consumed by a flow and subscribed nowhere: a sync creates it.
    Missing,
}

/// One topic's subscription as `weft webhooks list` and `GET /api/webhooks` show it.
#[derive(Debug, Serialize)]
pub struct Status {
    /// `ORDERS_CREATE`, ...
    pub topic: String,
    /// Where it delivers (none when missing).
    pub uri: Option<String>,
    /// Its name (weft's begin with `weft-`).
    pub name: Option<String>,
    /// What it is to weft.
    pub state: State,
}

/// Where a shop's subscriptions stand, as `weft webhooks list --json` and `GET /api/webhooks`
/// give it.
#[derive(Debug, Serialize)]
pub struct Statuses {
    /// The shop (`shopify` for the `[shopify]` section).
    pub shop: String,
    /// Where weft's subscriptions deliver (`[server] public_url`), if set.
    pub address: Option<String>,
    /// Each subscription, by topic.
    pub subscriptions: Vec<Status>,
}

/// Every subscription of the app in shop `shop` with what a sync would do to it, then each
/// consumed topic subscribed nowhere, by topic. Without `[server] public_url`, weft's are judged
/// by topic only.
pub async fn statuses(client: &ShopifyClient, config: &Config, shop: &str) -> Result<Statuses, String> {
    let current = subscriptions::list(client).await?;
    let address = address(config);
    let subscriptions = judge(&current, &topics(config, shop), address.as_deref());
    Ok(Statuses { shop: shop.to_owned(), address, subscriptions })
}

fn judge(current: &[Subscription], topics: &BTreeSet<&str>, address: Option<&str>) -> Vec<Status> {
    let changes = address.map(|a| subscriptions::plan(current, topics, a)).unwrap_or_default();
    let changed = |id: &str| {
        changes.iter().find_map(|c| match c {
            Change::Move(i, _) if i == id => Some(State::Moved),
            Change::Remove(i, _) if i == id => Some(State::Removed),
            _ => None,
        })
    };
    let mut out: Vec<Status> = current
        .iter()
        .map(|s| {
            let state = match (s.ours(), changed(&s.id)) {
                (false, _) => State::Foreign,
                (true, Some(state)) => state,
                (true, None) if address.is_none() && !topics.contains(s.topic.as_str()) => State::Removed,
                (true, None) => State::Kept,
            };
            Status { topic: s.topic.clone(), uri: Some(s.uri.clone()), name: s.name.clone(), state }
        })
        .collect();
    let missing: Vec<String> = match address {
        Some(_) => changes
            .iter()
            .filter_map(|c| match c {
                Change::Create(topic) => Some(topic.clone()),
                _ => None,
            })
            .collect(),
        None => topics.iter().filter(|t| !current.iter().any(|s| s.topic == **t)).map(|t| (*t).to_owned()).collect(),
    };
    out.extend(missing.into_iter().map(|topic| Status { topic, uri: None, name: None, state: State::Missing }));
    out.sort_by(|a, b| a.topic.cmp(&b.topic));
    out
}

/// Sync every shop's subscriptions once (see [`sync_shop`]); the first error, after trying
/// every shop.
pub fn sync(engine: &FlowEngine) -> Result<(), String> {
    let Some(address) = address(engine.config()) else { return Ok(()) };
    let mut first_error = None;
    for (shop, _) in engine.config().shops() {
        if let Err(e) = sync_shop(engine, shop, &address) {
            first_error.get_or_insert(format!("shop `{shop}`: {e}"));
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Sync shop `shop` once; on topics lost since an earlier sync, enqueue pulls of the flows that
/// poll them.
fn sync_shop(engine: &FlowEngine, shop: &str, address: &str) -> Result<SyncReport, String> {
    let config = engine.config();
    let client = engine.shopify_client(shop).ok_or_else(|| format!("no shop `{shop}`"))?;
    let wanted = wanted(config, shop);
    let topics: BTreeSet<&str> = wanted.keys().copied().collect();
    let report = crate::flow::base::block_on(subscriptions::sync(client, &topics, address))?;
    let store = engine.queue().store();
    let now = engine.queue().clock().now_ms();
    let tick_key = match crate::config::shops::link_scope(shop) {
        None => TICK_KEY.to_owned(),
        Some(name) => format!("{TICK_KEY}/{name}"),
    };
    let last = store.last_tick(&tick_key).map_err(|e| e.to_string())?;
    let synced_before = last.is_some();
    if synced_before && !report.created.is_empty() {
        tracing::error!(shop, topics = ?report.created, "webhook subscriptions were gone (Shopify deletes one after 8 failed deliveries): re-created; polling catches up");
        let flows: BTreeSet<&String> = report.created.iter().filter_map(|t| wanted.get(t.as_str())).flatten().collect();
        let jobs: Vec<NewJob> = flows
            .into_iter()
            .map(|flow| NewJob {
                flow: flow.clone(),
                trigger: "webhooks".into(),
                key: format!("pull@{now}"),
                payload: Work::Pull.payload().unwrap_or_default(),
                dedupe_id: None,
            })
            .collect();
        engine.queue().enqueue(jobs).map_err(|e| e.to_string())?;
    }
    // Another host that checked meanwhile has recorded its own check: either one is the last.
    store.fire_tick(&tick_key, last, now, None).map_err(|e| e.to_string())?;
    tracing::info!(
        shop,
        address = %report.address,
        kept = ?report.kept,
        created = ?report.created,
        moved = ?report.moved,
        removed = ?report.removed,
        foreign = report.foreign.len(),
        "webhook subscriptions in line"
    );
    Ok(report)
}

/// Start the keeper thread when `[server] public_url` is set; it stops when `stop` is set.
pub fn spawn(
    engine: Arc<FlowEngine>,
    stop: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
) -> Result<Option<std::thread::JoinHandle<()>>, String> {
    if address(engine.config()).is_none() {
        return Ok(None);
    }
    let every = parse_interval(&engine.config().server.webhook_check_every)
        .map_err(|e| format!("server.webhook_check_every: {e}"))?;
    let thread = std::thread::Builder::new()
        .name("weft-webhooks".into())
        .spawn(move || {
            let _guard = runtime.enter();
            let mut next = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                if Instant::now() >= next {
                    if let Err(e) = sync(&engine) {
                        tracing::error!("webhook subscriptions: {e}");
                    }
                    next = Instant::now() + every;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Some(thread))
}
