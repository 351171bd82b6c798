//! The pipeline: one batch of a flow's jobs at a time.
//!
//! ```text
//! job (record | event | shopify webhook) ─▶ canonical record ─▶ transforms (Wasm) ─▶
//! idempotency ledger ─▶ sink.push (one outcome per record) ─▶ ack / retry / dead-letter + run records
//! ```
//! A `pull` job reads the source since its cursor and enqueues one job per record, advancing the
//! cursor in the same transaction.

pub mod catalog;
mod customers;
mod in_flight;
pub mod inventory;
pub mod journal;
mod orders;
pub mod preview;
mod probe;
mod push;
mod shopify_in;
pub mod shopify_out;
pub mod snapshot;
mod work;

pub use work::{idempotency_key, Work};

use crate::breaker::{may_be_systemic, Breaker};
use crate::config::{flow::SHOPIFY, BreakerConfig, Config, FlowConfig, ObjectKind};
use crate::metrics::Metrics;
use crate::plugin::bindings::types::{Entity, PluginError, Record};
use crate::plugin::{CallError, Grant, PluginHost};
use crate::queue::{Disposition, Queue};
use crate::redact::Redactor;
use crate::shopify::{ClientConfig, ShopifyClient};
use crate::store::{Job, JobError, NewJob, RunRecord, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Largest request/response kept in a run record.
const MAX_PAYLOAD_CHARS: usize = 4096;
/// Pages one pull job reads before yielding (the next tick continues from the cursor).
const MAX_PAGES_PER_PULL: usize = 50;

/// Runs flows: owns the config, the plugins and the queue.
pub struct FlowEngine {
    config: Arc<Config>,
    plugins: Arc<PluginHost>,
    queue: Queue,
    grants: BTreeMap<String, Grant>,
    redactor: Redactor,
    shopify: Option<Arc<ShopifyClient>>,
    in_flight: in_flight::InFlight,
    metrics: Arc<Metrics>,
    breaker: Breaker,
}

/// The entity a flow's object maps to.
pub fn entity(object: ObjectKind) -> Entity {
    match object {
        ObjectKind::Product => Entity::Product,
        ObjectKind::Inventory => Entity::InventoryLevel,
        ObjectKind::Order => Entity::Order,
        ObjectKind::Customer => Entity::Customer,
        ObjectKind::Price => Entity::Price,
        ObjectKind::Fulfillment => Entity::Fulfillment,
    }
}

/// A plugin-error as a queue error.
pub fn plugin_error(e: &PluginError) -> JobError {
    let (class, message, retryable, retry_after_ms) = match e {
        PluginError::Retryable(m) => ("retryable", m.clone(), true, None),
        PluginError::RateLimited(ms) => ("rate_limited", format!("retry after {ms} ms"), true, Some(*ms)),
        PluginError::Unauthorized(m) => ("unauthorized", m.clone(), false, None),
        PluginError::InvalidInput(f) => ("invalid_input", format!("{}: {}", f.field, f.message), false, None),
        PluginError::NotFound(m) => ("not_found", m.clone(), false, None),
        PluginError::Conflict(m) => ("conflict", m.clone(), true, None),
        PluginError::Permanent(m) => ("permanent", m.clone(), false, None),
    };
    JobError { class: class.into(), message, retryable, retry_after_ms }
}

/// A whole-call failure as a queue error: retried (bounded by max attempts), since a deadline or
/// a trap may be caused by the remote or fixed by a plugin upgrade.
pub fn call_error(e: &CallError) -> JobError {
    JobError { class: e.class().into(), message: e.to_string(), retryable: !matches!(e, CallError::WrongKind { .. }), retry_after_ms: None }
}

fn store_error(e: StoreError) -> JobError {
    JobError { class: "store".into(), message: e.to_string(), retryable: true, retry_after_ms: None }
}

fn truncated(text: String) -> String {
    if text.chars().count() <= MAX_PAYLOAD_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_PAYLOAD_CHARS).collect();
    cut.push_str("…(truncated)");
    cut
}

/// One record on its way through a batch.
struct Item {
    job: usize,
    record: Record,
}

impl FlowEngine {
    /// Build the engine; loads every connection's grant (secrets included) now, so a missing
    /// secret is reported at start.
    pub fn new(config: Arc<Config>, plugins: Arc<PluginHost>, queue: Queue) -> Result<FlowEngine, String> {
        let mut grants = BTreeMap::new();
        for name in config.connections.keys() {
            grants.insert(name.clone(), Grant::for_connection(&config, name)?);
        }
        for name in config.transforms.keys() {
            grants.insert(format!("transform:{name}"), Grant::for_transform(&config, name)?);
        }
        let redactor = plugins.redactor().clone();
        for grant in grants.values() {
            for secret in grant.secrets.values() {
                redactor.add(secret);
            }
        }
        let shopify = match &config.shopify {
            Some(shop) => {
                let token = shop.access_token.load().map_err(|e| format!("shopify.access_token: {e}"))?;
                redactor.add(&token);
                let endpoint = shop.endpoint.clone().unwrap_or_else(|| format!("https://{}", shop.shop));
                let client = ShopifyClient::new(ClientConfig::new(&endpoint, &shop.api_version, token)).map_err(|e| format!("shopify: {e}"))?;
                Some(Arc::new(client))
            }
            None => None,
        };
        // The breaker acts only where weft runs unattended (`weft serve`: see `with_breaker`).
        let breaker = Breaker::new(BreakerConfig { enabled: false, ..config.breaker.clone() });
        Ok(FlowEngine { config, plugins, queue, grants, redactor, shopify, in_flight: Default::default(), metrics: Arc::new(Metrics::new()), breaker })
    }

    /// Count the work in `metrics` (shared with the plugin host and the server).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> FlowEngine {
        self.metrics = metrics;
        self
    }

    /// Let the circuit breaker act as `[breaker]` says.
    pub fn with_breaker(mut self) -> FlowEngine {
        self.breaker = Breaker::new(self.config.breaker.clone());
        self
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// What the Shopify client did so far, when there is a `[shopify]` section.
    pub fn shopify_stats(&self) -> Option<crate::shopify::ClientStats> {
        self.shopify.as_ref().map(|c| c.stats())
    }

    /// How often the breaker probes flows it paused.
    pub fn probe_every(&self) -> std::time::Duration {
        self.breaker.probe_every()
    }

    /// The queue.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// The loaded plugins.
    pub fn plugins(&self) -> &PluginHost {
        &self.plugins
    }

    /// The config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn flow(&self, name: &str) -> Option<&FlowConfig> {
        self.config.flows.get(name)
    }

    fn session(&self, connection: &str) -> Result<crate::plugin::PluginSession, JobError> {
        let conn = self.config.connections.get(connection).ok_or_else(|| JobError {
            class: "config".into(),
            message: format!("no connection {connection}"),
            retryable: false,
            retry_after_ms: None,
        })?;
        let grant = self.grants.get(connection).cloned().unwrap_or_default();
        self.plugins.session(&conn.plugin, &grant).map_err(|e| JobError {
            class: "plugin_unavailable".into(),
            message: e.to_string(),
            retryable: true,
            retry_after_ms: None,
        })
    }

    /// Jobs that feed `flow` from ERP webhook events on `connection`.
    pub fn event_jobs(&self, connection: &str, headers: &[(String, String)], body: &[u8]) -> Result<Vec<NewJob>, JobError> {
        let flows: Vec<(&String, &FlowConfig)> =
            self.config.flows.iter().filter(|(_, f)| f.from == connection && f.trigger.webhook).collect();
        if flows.is_empty() {
            return Ok(Vec::new());
        }
        let mut session = self.session(connection)?;
        let events = session.parse_event(headers, body).map_err(|e| call_error(&e))?.map_err(|e| plugin_error(&e))?;
        let mut jobs = Vec::new();
        for (name, flow) in flows {
            for event in events.iter().filter(|ev| ev.entity == entity(flow.object)) {
                jobs.push(NewJob {
                    flow: name.clone(),
                    trigger: "event".into(),
                    key: event.external_id.clone(),
                    payload: serde_json::to_value(Work::Event { event: event.clone() }).unwrap_or_default(),
                    webhook_id: None,
                });
            }
        }
        Ok(jobs)
    }

    /// Jobs that feed flows from a verified Shopify webhook.
    pub fn shopify_jobs(&self, topic: &str, webhook_id: &str, body: &serde_json::Value) -> Vec<NewJob> {
        if topic == "inventory_levels/update" && inventory::echo::is_echo(body) {
            tracing::debug!(webhook_id, "inventory_levels/update echoes weft's own write; ignored");
            return Vec::new();
        }
        self.config
            .flows
            .iter()
            .filter(|(_, f)| f.from == SHOPIFY && f.trigger.webhook && topic_feeds(topic, f.object))
            .map(|(name, _)| NewJob {
                flow: name.clone(),
                trigger: "webhook".into(),
                key: webhook_id.to_owned(),
                payload: serde_json::to_value(Work::ShopifyWebhook { topic: topic.to_owned(), body: body.clone() }).unwrap_or_default(),
                webhook_id: Some(webhook_id.to_owned()),
            })
            .collect()
    }

    /// Run one batch of leased jobs of one flow as a run; every job is acked, rescheduled or
    /// dead-lettered before this returns.
    pub fn run_batch(&self, flow_name: &str, jobs: Vec<Job>) -> Result<u64, StoreError> {
        let started = Instant::now();
        let store = self.queue.store().clone();
        let trigger = jobs.first().map(|j| j.trigger.clone()).unwrap_or_else(|| "manual".into());
        let run = store.start_run(flow_name, &trigger, self.queue.clock().now_ms())?;
        let Some(flow) = self.flow(flow_name).cloned() else {
            let error = JobError { class: "config".into(), message: format!("flow {flow_name} is not configured"), retryable: false, retry_after_ms: None };
            for job in &jobs {
                self.queue.fail(job, error.clone(), &Default::default())?;
            }
            store.finish_run(run.id, self.queue.clock().now_ms(), Some(error.message))?;
            return Ok(run.id);
        };
        let mut records = Vec::new();
        let mut acks = Vec::new();
        let (pulls, others): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| matches!(serde_json::from_value::<Work>(j.payload.clone()), Ok(Work::Pull)));
        for job in &pulls {
            let result = self.pull(flow_name, &flow, run.id);
            // A pull that works says nothing about the destination: only failures are judged.
            let hold = result.as_ref().err().is_some_and(|e| self.breaker_holds(flow_name, &flow.from, [e], 0));
            records.push(self.settle(job, &flow, result.clone().map(|n| format!("enqueued {n}")), None, hold, &mut acks));
        }
        records.extend(self.push_batch(flow_name, &flow, &others, &mut acks, run.id));
        // One commit acknowledges every job that succeeded; a crash before it only repeats
        // work the ledger already knows.
        self.queue.ack_all(&acks)?;
        store.add_run_records(run.id, &records)?;
        store.finish_run(run.id, self.queue.clock().now_ms(), None)?;
        self.metrics.observe_run(flow_name, &records, started.elapsed());
        Ok(run.id)
    }

    /// Fail one job (retry or dead-letter; held without spending the attempt when `hold` and
    /// the error may be the endpoint's) or queue it for the batch's ack, and describe it as a
    /// run record.
    fn settle(&self, job: &Job, flow: &FlowConfig, result: Result<String, JobError>, plugin: Option<String>, hold: bool, acks: &mut Vec<Job>) -> RunRecord {
        let (outcome, error) = match result {
            Ok(outcome) => {
                acks.push(job.clone());
                (outcome, None)
            }
            Err(error) if hold && may_be_systemic(&error) => match self.hold(job, error.clone()) {
                Ok(()) => ("held".into(), Some(error)),
                Err(e) => ("failed".into(), Some(store_error(e))),
            },
            Err(error) => match self.queue.fail(job, error.clone(), &flow.retry) {
                Ok(Disposition::Retry { .. }) => ("retrying".into(), Some(error)),
                Ok(Disposition::DeadLettered) => ("dead".into(), Some(error)),
                Err(e) => ("failed".into(), Some(store_error(e))),
            },
        };
        RunRecord {
            key: job.key.clone(),
            outcome,
            attempts: job.attempts,
            error_class: error.as_ref().map(|e| e.class.clone()),
            error: error.map(|e| e.message),
            plugin,
            job_id: Some(job.id),
            request: None,
            response: None,
            source: Some(source(job)),
            refs: Vec::new(),
        }
    }

    /// Pull from the source since the cursor; enqueue one job per record with the cursor advance.
    fn pull(&self, flow_name: &str, flow: &FlowConfig, run: u64) -> Result<usize, JobError> {
        let store = self.queue.store();
        let mut session = if flow.from == SHOPIFY { None } else { Some(self.session(&flow.from)?) };
        let mut cursor = store.cursor(flow_name, &flow.from).map_err(store_error)?;
        let mut total = 0;
        for _ in 0..MAX_PAGES_PER_PULL {
            let page = match session.as_mut() {
                Some(session) => session.pull(entity(flow.object), cursor.as_deref(), flow.batch).map_err(|e| call_error(&e))?,
                None => shopify_in::pull(&self.shopify_context(flow_name, flow, run)?, cursor.as_deref(), flow.batch),
            }
            .map_err(|e| plugin_error(&e))?;
            let jobs: Vec<NewJob> = page
                .records
                .into_iter()
                .map(|record| NewJob {
                    flow: flow_name.to_owned(),
                    trigger: "schedule".into(),
                    key: record.external_id().to_owned(),
                    payload: serde_json::to_value(Work::Record { record, pulled_by: Some(run) }).unwrap_or_default(),
                    webhook_id: None,
                })
                .collect();
            total += jobs.len();
            let next = page.next_cursor.clone().or(cursor.clone());
            let advance = next.as_deref().map(|c| (flow_name, flow.from.as_str(), c));
            store.enqueue(&jobs, self.queue.clock().now_ms(), advance).map_err(store_error)?;
            cursor = next;
            if !page.has_more {
                break;
            }
        }
        Ok(total)
    }
}

/// What brought a job in, for lineage: `webhook orders/create <webhook id>`, `event <id>`,
/// `schedule <record key> (pulled by run N)`, `retry <key>`.
fn source(job: &Job) -> String {
    let pulled = job.payload.get("pulled_by").and_then(|r| r.as_u64()).map(|run| format!(" (pulled by run {run})")).unwrap_or_default();
    match job.payload.get("topic").and_then(|t| t.as_str()) {
        Some(topic) => format!("{} {topic} {}", job.trigger, job.key),
        None => format!("{} {}{pulled}", job.trigger, job.key),
    }
}

/// Whether a Shopify webhook topic carries the flow's object.
fn topic_feeds(topic: &str, object: ObjectKind) -> bool {
    let prefix = match object {
        ObjectKind::Customer => "customers/",
        ObjectKind::Order => "orders/",
        ObjectKind::Product | ObjectKind::Price => "products/",
        ObjectKind::Inventory => "inventory_levels/",
        ObjectKind::Fulfillment => "fulfillments/",
    };
    topic.starts_with(prefix)
}
