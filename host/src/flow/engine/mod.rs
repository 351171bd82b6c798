//! The pipeline: one batch of a flow's jobs at a time.
//!
//! ```text
//! job (record | event | shopify webhook) ─▶ canonical record ─▶ transforms (Wasm) ─▶
//! idempotency ledger ─▶ destination write (one outcome per record) ─▶ ack / retry / dead-letter + run records
//! ```
//! A `pull` job reads the source since its cursor and enqueues one job per record, advancing the
//! cursor in the same transaction ([`pull`]). Writes go to Shopify through the object's writer
//! ([`crate::flow::objects`]), to a connector plugin, or to the shadow journal ([`push`]).

mod calls;
mod claims;
mod destination;
mod hybrid;
mod pages;
mod parked;
mod probe;
mod pull;
mod push;
mod rules_since;
pub mod snapshot;
mod transform;

use super::base::{ShopifyContext, ToJobError, Work};
use super::objects::{self, ShopifySource};
use crate::breaker::{may_be_systemic, Breaker};
use crate::config::{BreakerConfig, Config, Endpoint, FlowConfig};
use crate::metrics::Metrics;
use crate::model::Record;
use crate::plugin::{Grant, PluginHost, PluginSession};
use crate::queue::{Disposition, Queue};
use crate::redact::Redactor;
use crate::shopify::{Budget, ClientConfig, ShopifyClient};
use crate::store::{CallLog, ErrorClass, Job, JobError, NewJob, Outcome, RunRecord, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Largest request/response kept in a run record.
const MAX_PAYLOAD_CHARS: usize = 4096;

/// Runs flows: owns the config, the plugins and the queue.
pub struct FlowEngine {
    config: Arc<Config>,
    plugins: Arc<PluginHost>,
    queue: Queue,
    grants: BTreeMap<String, Grant>,
    redactor: Redactor,
    /// One client, with its own cost budget, per shop (by name; see `config::shops`).
    shops: BTreeMap<String, Arc<ShopifyClient>>,
    metrics: Arc<Metrics>,
    breaker: Arc<Breaker>,
    /// How the API calls of runs are kept; `None` with `[calls] record = false`.
    call_log: Option<CallLog>,
    /// The config version this engine runs (recorded in each run).
    config_version: Option<u64>,
    /// Per flow, since when it writes by its current rules (see [`rules_since`]).
    rules_since: BTreeMap<String, u64>,
}

fn truncated(text: String) -> String {
    if text.chars().count() <= MAX_PAYLOAD_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_PAYLOAD_CHARS).collect();
    cut.push_str("…(truncated)");
    cut
}

/// One record on its way through a batch: the job it came from and the record.
pub(crate) struct Item {
    /// The index of its job in the batch (of its own slot, for a record of a page job).
    pub(crate) job: usize,
    /// The record.
    pub(crate) record: Record,
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
        let mut shops = BTreeMap::new();
        for (name, shop) in config.shops() {
            let key = |k: &str| crate::config::shops::shop_key(name, k);
            let token = shop.access_token.load().map_err(|e| format!("{}: {e}", key("access_token")))?;
            redactor.add(&token);
            let budget = Budget::for_store(queue.store(), &shop.shop);
            let client =
                ShopifyClient::with_budget(ClientConfig::new(&shop.endpoint_url(), &shop.api_version, token), budget)
                    .map_err(|e| format!("{}: {e}", key("endpoint")))?;
            shops.insert(name.to_owned(), Arc::new(client));
        }
        // Shop orders from Shopify start when weft first runs their flow (`since = "now"`).
        for (name, flow) in &config.flows {
            if flow.from.is_shopify() && flow.object == crate::config::ObjectKind::Order {
                super::order::start::establish(queue.store(), name, flow, queue.clock().now_ms())
                    .map_err(|e| format!("flows.{name}.since: {e}"))?;
            }
        }
        // The breaker acts only where weft runs unattended (`weft serve`: see `with_breaker`).
        let breaker = Arc::new(Breaker::new(BreakerConfig { enabled: false, ..config.breaker.clone() }));
        let metrics = Arc::new(Metrics::new());
        let call_log = config.calls.record.then(|| CallLog {
            redactor: redactor.clone(),
            body_bytes: config.calls.body_bytes,
            clock: queue.clock().clone(),
        });
        Ok(FlowEngine {
            config,
            plugins,
            queue,
            grants,
            redactor,
            shops,
            metrics,
            breaker,
            call_log,
            config_version: None,
            rules_since: BTreeMap::new(),
        })
    }

    /// This engine on another config version and plugins (`crate::versions`): the queue, the
    /// Shopify client with its cost budget, the metrics and the breaker carry over. Only what
    /// can change while serving may differ (checked there).
    pub fn reconfigured(
        &self,
        config: Arc<Config>,
        plugins: Arc<PluginHost>,
        version: Option<u64>,
    ) -> Result<FlowEngine, String> {
        let mut engine = FlowEngine::new(config, plugins, self.queue.clone())?;
        engine.shops = self.shops.clone();
        engine.metrics = self.metrics.clone();
        engine.breaker = self.breaker.clone();
        Ok(engine.with_config_version(version))
    }

    /// Record `version` as the config version of this engine's runs; a write the ledger
    /// recorded before a flow's rules took effect is made again (see [`rules_since`]).
    pub fn with_config_version(mut self, version: Option<u64>) -> FlowEngine {
        self.config_version = version;
        self.rules_since = version.map(|v| rules_since::rules_since(self.queue.store(), v)).unwrap_or_default();
        self
    }

    /// Whether a write the ledger recorded at `at_ms` was made by `flow`'s current rules.
    pub(crate) fn by_current_rules(&self, flow: &str, at_ms: u64) -> bool {
        self.rules_since.get(flow).is_none_or(|since| at_ms >= *since)
    }

    /// The config version this engine runs.
    pub fn config_version(&self) -> Option<u64> {
        self.config_version
    }

    /// Count the work in `metrics` (shared with the plugin host and the server).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> FlowEngine {
        self.metrics = metrics;
        self
    }

    /// Let the circuit breaker act as `[breaker]` says.
    pub fn with_breaker(mut self) -> FlowEngine {
        self.breaker = Arc::new(Breaker::new(self.config.breaker.clone()));
        self
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// What each shop's client did so far, by shop.
    pub fn shopify_stats(&self) -> Vec<(String, crate::shopify::ClientStats)> {
        self.shops.iter().map(|(name, c)| (name.clone(), c.stats())).collect()
    }

    /// The client of shop `name`.
    pub fn shopify_client(&self, name: &str) -> Option<&ShopifyClient> {
        self.shops.get(name).map(|c| &**c)
    }

    /// The shop of `flow` and its client, for a flow with Shopify on one side (see
    /// `Config::shop_of`).
    pub fn shop_of(&self, flow: &FlowConfig) -> Result<(&str, &ShopifyClient), String> {
        let name = self.config.shop_of(flow).ok_or("the flow names no configured shop ([shopify] or [shops.NAME])")?;
        let client = self.shopify_client(name).ok_or_else(|| format!("no shop `{name}`"))?;
        Ok((name, client))
    }

    /// The id map of `flow`'s shop (a flow without a shop: the unscoped links).
    pub fn links(&self, flow: &FlowConfig) -> crate::store::ShopLinks<'_> {
        let scope = self.config.shop_of(flow).and_then(crate::config::shops::link_scope);
        crate::store::ShopLinks::new(self.queue.store(), scope)
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

    /// The config, to share with an engine built beside this one.
    pub fn config_shared(&self) -> Arc<Config> {
        self.config.clone()
    }

    /// The loaded plugins, to share with an engine built beside this one.
    pub fn plugins_shared(&self) -> Arc<PluginHost> {
        self.plugins.clone()
    }

    fn flow(&self, name: &str) -> Option<&FlowConfig> {
        self.config.flows.get(name)
    }

    /// A session of the connector plugin of `connection`, with the connection's grant.
    fn session(&self, connection: &str) -> Result<PluginSession, JobError> {
        let conn = self
            .config
            .connections
            .get(connection)
            .ok_or_else(|| JobError::config(format!("no connection {connection}")))?;
        let grant = self.grants.get(connection).cloned().unwrap_or_default();
        let mut session = self
            .plugins
            .session(&conn.plugin, &grant)
            .map_err(|e| JobError::new(ErrorClass::PluginUnavailable, e.to_string()))?;
        calls::watch(&mut session);
        Ok(session)
    }

    /// A session of the plugin at `endpoint`; Shopify has none.
    fn connector(&self, endpoint: &Endpoint) -> Result<PluginSession, JobError> {
        match endpoint {
            Endpoint::Connection(name) => self.session(name),
            Endpoint::Shopify => Err(JobError::config("Shopify is spoken natively, not through a plugin")),
        }
    }

    /// The context of a flow whose destination or source is Shopify.
    pub(crate) fn shopify_context<'a>(
        &'a self,
        flow_name: &'a str,
        flow: &'a FlowConfig,
        run_id: u64,
    ) -> Result<ShopifyContext<'a>, JobError> {
        let (shop, client) = self.shop_of(flow).map_err(JobError::config)?;
        let clock = &**self.queue.clock();
        Ok(ShopifyContext {
            client,
            shop,
            store: self.queue.store(),
            flow_name,
            flow,
            config: &self.config,
            run_id,
            clock,
            journal: Default::default(),
            read_stamps: BTreeMap::new(),
        })
    }

    /// Jobs that feed `connection`'s flows from the ERP webhook events in `body`.
    pub fn event_jobs(
        &self,
        connection: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<NewJob>, JobError> {
        let flows: Vec<(&String, &FlowConfig)> = self
            .config
            .flows
            .iter()
            .filter(|(_, f)| matches!(&f.from, Endpoint::Connection(c) if c == connection) && f.trigger.webhook)
            .collect();
        if flows.is_empty() {
            return Ok(Vec::new());
        }
        let mut session = self.session(connection)?;
        let events = session.parse_event(headers, body).map_err(|e| e.job_error())?.map_err(|e| e.job_error())?;
        let mut jobs = Vec::new();
        for (name, flow) in flows {
            for event in events.iter().filter(|ev| ev.entity == flow.object.entity()) {
                jobs.push(NewJob {
                    flow: name.clone(),
                    trigger: "event".into(),
                    key: event.external_id.clone(),
                    payload: Work::Event { event: event.clone() }.payload()?,
                    dedupe_id: None,
                });
            }
        }
        Ok(jobs)
    }

    /// Jobs that feed the flows of shop `shop` from a webhook verified with its secret.
    pub fn shopify_jobs(
        &self,
        shop: &str,
        topic: &str,
        webhook_id: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<NewJob>, JobError> {
        let feeds = |f: &FlowConfig| matches!(objects::shopify_source(f.object), ShopifySource::Webhooks { topics, .. } if topics.iter().any(|t| topic.starts_with(t)));
        // A hybrid inventory flow takes in Shopify's own stock changes (see flow::inventory::hybrid).
        let hybrid = |f: &FlowConfig| f.is_hybrid() && topic == "inventory_levels/update";
        let mut flows = self
            .config
            .flows
            .iter()
            .filter(|(_, f)| self.config.shop_of(f) == Some(shop))
            .filter(|(_, f)| (f.from.is_shopify() && f.trigger.webhook && feeds(f)) || hybrid(f))
            .peekable();
        if flows.peek().is_none() {
            return Ok(Vec::new());
        }
        let payload = Work::ShopifyWebhook { topic: topic.to_owned(), body: body.clone() }.payload()?;
        Ok(flows
            .map(|(name, _)| NewJob {
                flow: name.clone(),
                trigger: "webhook".into(),
                key: webhook_id.to_owned(),
                payload: payload.clone(),
                dedupe_id: Some(webhook_id.to_owned()),
            })
            .collect())
    }

    /// Run one batch of leased jobs of one flow as a run; every job is acked, rescheduled or
    /// dead-lettered before this returns. A batch of scheduled pulls that found nothing leaves no
    /// run (`None` then); a pull a person asked for always does.
    pub fn run_batch(&self, flow_name: &str, jobs: Vec<Job>) -> Result<Option<u64>, StoreError> {
        let started = Instant::now();
        let store = self.queue.store().clone();
        // A batch holding a pull a person asked for is their run, whatever was leased with it.
        let trigger = match jobs.iter().any(|j| j.trigger == "manual") {
            true => "manual".to_owned(),
            false => jobs.first().map(|j| j.trigger.clone()).unwrap_or_else(|| "manual".into()),
        };
        // Unsynced: a run whose start a crash loses left nothing behind (its close syncs).
        let run = store
            .unsynced(|| store.start_run(flow_name, &trigger, self.config_version, self.queue.clock().now_ms()))?;
        let Some(flow) = self.flow(flow_name).cloned() else {
            let error = JobError::config(format!("flow {flow_name} is not configured"));
            for job in &jobs {
                self.queue.fail(job, error.clone(), &Default::default())?;
            }
            store.finish_run(run.id, self.queue.clock().now_ms(), Some(error.message))?;
            return Ok(Some(run.id));
        };
        let mut acks = Vec::new();
        let mut records = Vec::new();
        let mut linked = Vec::new();
        let log = self.call_log.as_ref();
        // A lease counts an attempt, so a job the process died in (or stopped in, past the drain)
        // during its last attempt comes back with one more than allowed: it is not run again.
        let (spent, jobs): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|j| j.attempts > flow.retry.max_attempts);
        for job in &spent {
            let error =
                job.last_error.clone().unwrap_or_else(|| JobError::new(ErrorClass::Retryable, "no error recorded"));
            let message = format!(
                "weft stopped during the job's last attempt ({} of {}); not tried again. Last error: {}",
                flow.retry.max_attempts, flow.retry.max_attempts, error.message
            );
            let error = JobError { message, retryable: false, retry_after_ms: None, ..error };
            records.push(self.settle(job, &flow, Err(error), false, &mut acks));
        }
        // One batch of a hybrid flow at a time touches its levels; the others come back shortly.
        let mut claims = claims::Claims::new(&store);
        let busy = flow.is_hybrid().then(|| self.claim_levels(&mut claims, flow_name)).and_then(Result::err);
        let jobs = match &busy {
            Some(error) => {
                for job in &jobs {
                    records.push(self.settle(job, &flow, Err(error.clone()), false, &mut acks));
                }
                Vec::new()
            }
            None => jobs,
        };
        let (pulls, others): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| matches!(j.payload.kind().as_ref(), "pull" | "backfill"));
        let (intakes, others): (Vec<Job>, Vec<Job>) =
            others.into_iter().partition(|j| flow.is_hybrid() && j.payload.kind() == "shopify_webhook");
        // A person who asked for a run sees it, even when it found nothing.
        let asked_for = pulls.iter().any(|j| j.trigger == "manual");
        for job in &pulls {
            let from = match Work::decode(&job.payload) {
                Ok(Work::Backfill { cursor }) => pull::From::Backfill(cursor),
                _ => pull::From::Cursor,
            };
            let (result, made) = calls::capture(log, || self.pull(flow_name, &flow, run.id, from));
            // A pull that works says nothing about the destination: only failures are judged.
            let hold = result.as_ref().err().is_some_and(|e| self.breaker_holds(flow_name, &flow.from, [e], 0));
            let mut record = self.settle(
                job,
                &flow,
                result.as_ref().map(|_| Outcome::Pulled).map_err(Clone::clone),
                hold,
                &mut acks,
            );
            if record.outcome == Outcome::Dead && result.as_ref().err().is_some_and(|e| e.retryable) {
                tracing::warn!(
                    flow = flow_name,
                    job = job.id,
                    "the flow's pull is dead-lettered ({}): its schedule is held until the dead letter is \
                     retried or discarded",
                    record.error.as_deref().unwrap_or_default()
                );
            }
            record.enqueued = result.ok().map(|n| n as u64);
            // The connector that pulled, by the build that ran (plugins reload while serving).
            record.plugin = match &flow.from {
                Endpoint::Connection(c) => self.config.connections.get(c).and_then(|c| self.plugin_label(&c.plugin)),
                Endpoint::Shopify => Some("shopify".into()),
            };
            records.push(record);
            linked.extend(calls::link(made, &records, records.len() - 1));
        }
        let from = records.len();
        let (pushed, made) = calls::capture(log, || self.push_batch(flow_name, &flow, &others, &mut acks, run.id));
        records.extend(pushed);
        linked.extend(calls::link(made, &records, from));
        if flow.is_hybrid() && busy.is_none() {
            let from = records.len();
            let (taken, made) =
                calls::capture(log, || self.hybrid_batch(flow_name, &flow, &intakes, &mut acks, run.id));
            records.extend(taken);
            linked.extend(calls::link(made, &records, from));
        }
        drop(claims);
        if !asked_for && records.iter().all(|r| r.outcome == Outcome::Pulled && r.enqueued == Some(0)) {
            self.queue.ack_all(&acks)?;
            store.discard_run(run.id)?;
            return Ok(None);
        }
        // One commit acknowledges every job that succeeded with the run's records and the calls
        // that served them; a crash before it only repeats work the ledger already knows.
        store.close_run(run.id, &acks, &records, &linked, self.queue.clock().now_ms())?;
        self.metrics.observe_run(flow_name, &records, started.elapsed());
        Ok(Some(run.id))
    }

    /// Fail one job (retry or dead-letter; held without spending the attempt when `hold` and
    /// the error may be the endpoint's) or queue it for the batch's ack, and describe it as a
    /// run record.
    fn settle(
        &self,
        job: &Job,
        flow: &FlowConfig,
        result: Result<Outcome, JobError>,
        hold: bool,
        acks: &mut Vec<Job>,
    ) -> RunRecord {
        let (outcome, error) = match result {
            Ok(outcome) => {
                acks.push(job.receipt());
                (outcome, None)
            }
            Err(error) if hold && may_be_systemic(&error) => match self.hold(job, error.clone()) {
                Ok(()) => (Outcome::Held, Some(error)),
                Err(e) => (Outcome::Failed, Some(JobError::store(e))),
            },
            Err(error) => match self.queue.fail(job, error.clone(), &flow.retry) {
                Ok(Disposition::Retry { .. }) => (Outcome::Retrying, Some(error)),
                Ok(Disposition::DeadLettered) => (Outcome::Dead, Some(error)),
                Err(e) => (Outcome::Failed, Some(JobError::store(e))),
            },
        };
        RunRecord {
            key: job.key.clone(),
            outcome,
            attempts: job.attempts,
            error_class: error.as_ref().map(|e| e.class),
            error: error.map(|e| e.message),
            job_id: Some(job.id),
            source: Some(source(job)),
            ..RunRecord::default()
        }
    }
}

/// What brought a job in, for lineage: `webhook orders/create <webhook id>`, `event <id>`,
/// `schedule <record key> (pulled by run N)`, `retry <key>`.
fn source(job: &Job) -> String {
    #[derive(serde::Deserialize)]
    struct Lineage {
        pulled_by: Option<u64>,
        topic: Option<String>,
    }
    let lineage = job.payload.decode::<Lineage>().unwrap_or(Lineage { pulled_by: None, topic: None });
    match (lineage.topic, lineage.pulled_by) {
        (Some(topic), _) => format!("{} {topic} {}", job.trigger, job.key),
        (None, Some(run)) => format!("{} {} (pulled by run {run})", job.trigger, job.key),
        (None, None) => format!("{} {}", job.trigger, job.key),
    }
}
