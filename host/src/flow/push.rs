//! The push half of a run: each job resolved to its record, the flow's transforms, the
//! ledger check, the write to the destination, and one run record per job.

use super::{call_error, customers, entity, idempotency_key, journal, orders, plugin_error, shopify_in, shopify_out, store_error, truncated, FlowEngine, Item, Work};
use crate::config::{flow::SHOPIFY, FlowConfig, FlowMode};
use crate::plugin::bindings::types::{KeyedRecord, Record};
use crate::store::{ConfirmedWrite, IdLink, Job, JobError, LedgerEntry, RunRecord};
use std::collections::BTreeMap;

impl FlowEngine {
    /// Resolve each job to its record(s), run the transforms, check the ledger, push, settle.
    pub(super) fn push_batch(&self, flow_name: &str, flow: &FlowConfig, jobs: &[Job], acks: &mut Vec<Job>, run: u64) -> Vec<RunRecord> {
        let mut failures: BTreeMap<usize, JobError> = BTreeMap::new();
        let mut items = Vec::new();
        // What each job asked for, shown in its run record when it fails.
        let mut requests: BTreeMap<usize, String> = BTreeMap::new();
        // The keys each job's record is found by, kept whatever happens to it.
        let mut refs: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (i, job) in jobs.iter().enumerate() {
            match self.resolve(flow_name, flow, job, run) {
                Ok(Some(record)) => {
                    if let Some(request) = self.payload(&record) {
                        requests.insert(i, request);
                    }
                    refs.insert(i, record.lookup_keys());
                    items.push(Item { job: i, record });
                }
                Ok(None) => {}
                Err(e) => {
                    failures.insert(i, e);
                }
            }
        }
        let items = self.transform(flow, items, &mut failures);
        let mut outcomes: BTreeMap<usize, Vec<RunRecord>> = BTreeMap::new();
        let (plugin, pushed) = self.push(flow_name, flow, items, &mut failures, run);
        for (job, record) in pushed {
            outcomes.entry(job).or_default().push(record);
        }
        // Writes the destination accepted (a ledger hit never reached it).
        let successes = outcomes.iter().filter(|(i, r)| !failures.contains_key(i) && r.iter().any(|r| r.outcome != "unchanged")).count();
        let hold = !failures.is_empty() && self.breaker_holds(flow_name, &flow.to, failures.values(), successes);
        let mut records = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            let mine = outcomes.remove(&i).unwrap_or_default();
            let result = match failures.remove(&i) {
                Some(error) => Err(error),
                None if mine.is_empty() => Ok("skipped".to_owned()),
                None => Ok(mine.iter().map(|r| r.outcome.as_str()).max().unwrap_or("unchanged").to_owned()),
            };
            let mut settled = self.settle(job, flow, result, plugin.clone(), hold, acks);
            settled.request = requests.remove(&i);
            settled.refs = refs.remove(&i).unwrap_or_default();
            if let Some(first) = mine.into_iter().next() {
                settled.request = first.request;
                settled.response = first.response;
                settled.key = first.key;
            }
            records.push(settled);
        }
        records
    }

    /// The record a job carries; `None` when the job has nothing for this flow.
    fn resolve(&self, flow_name: &str, flow: &FlowConfig, job: &Job, run: u64) -> Result<Option<Record>, JobError> {
        let work: Work = serde_json::from_value(job.payload.clone()).map_err(|e| JobError {
            class: "invalid_input".into(),
            message: format!("unreadable job payload: {e}"),
            retryable: false,
            retry_after_ms: None,
        })?;
        match work {
            Work::Record { record, .. } => Ok(Some(record)),
            Work::Event { event } => match event.record {
                Some(record) => Ok(Some(record)),
                None => {
                    let mut session = self.session(&flow.from)?;
                    let mut found = session.fetch(event.entity, std::slice::from_ref(&event.external_id)).map_err(|e| call_error(&e))?;
                    match found.pop() {
                        Some(Ok(record)) => Ok(record),
                        Some(Err(e)) => Err(plugin_error(&e)),
                        None => Ok(None),
                    }
                }
            },
            Work::ShopifyWebhook { topic, body } => shopify_in::record(&self.shopify_context(flow_name, flow, run)?, &topic, &body).map_err(|e| plugin_error(&e)),
            Work::Pull => Ok(None),
        }
    }

    pub(super) fn transform(&self, flow: &FlowConfig, mut items: Vec<Item>, failures: &mut BTreeMap<usize, JobError>) -> Vec<Item> {
        for name in &flow.transforms {
            if items.is_empty() {
                break;
            }
            let Some(t) = self.config.transforms.get(name) else { continue };
            let grant = self.grants.get(&format!("transform:{name}")).cloned().unwrap_or_default();
            let records: Vec<Record> = items.iter().map(|i| i.record.clone()).collect();
            let outcome = self
                .plugins
                .session(&t.plugin, &grant)
                .map_err(|e| JobError { class: "plugin_unavailable".into(), message: e.to_string(), retryable: true, retry_after_ms: None })
                .and_then(|mut s| s.apply(&records).map_err(|e| call_error(&e)));
            match outcome {
                Ok(results) => {
                    let mut next = Vec::new();
                    for (item, result) in items.into_iter().zip(results) {
                        match result {
                            Ok(out) => next.extend(out.into_iter().map(|record| Item { job: item.job, record })),
                            Err(e) => {
                                failures.insert(item.job, plugin_error(&e));
                            }
                        }
                    }
                    items = next;
                }
                Err(error) => {
                    for item in &items {
                        failures.insert(item.job, error.clone());
                    }
                    return Vec::new();
                }
            }
        }
        items.retain(|i| !failures.contains_key(&i.job));
        items
    }

    /// Push items not already in the ledger; returns the plugin that handled them and per-item records.
    fn push(&self, flow_name: &str, flow: &FlowConfig, items: Vec<Item>, failures: &mut BTreeMap<usize, JobError>, run: u64) -> (Option<String>, Vec<(usize, RunRecord)>) {
        let store = self.queue.store();
        let mut done = Vec::new();
        let mut to_push: Vec<(usize, KeyedRecord)> = Vec::new();
        for item in items {
            let key = idempotency_key(flow_name, &item.record);
            match store.ledger_get(&key) {
                Ok(Some(entry)) => done.push((item.job, self.record(&key, "unchanged", Some(&item.record), Some(entry.destination_id)))),
                Ok(None) => to_push.push((item.job, KeyedRecord { key, record: item.record })),
                Err(e) => {
                    failures.insert(item.job, store_error(e));
                }
            }
        }
        // One writer per record at a time (see in_flight); the others come back shortly.
        let mut claims = self.in_flight.claims();
        to_push.retain(|(job, keyed)| match claims.claim(flow_name, keyed.record.external_id()) {
            Ok(()) => true,
            Err(busy) => {
                failures.insert(*job, busy);
                false
            }
        });
        if to_push.is_empty() {
            return (None, done);
        }
        let keyed: Vec<KeyedRecord> = to_push.iter().map(|(_, k)| k.clone()).collect();
        let shadow = flow.mode == FlowMode::Shadow;
        let (plugin, pushed) = if flow.to == SHOPIFY {
            match self.shopify_context(flow_name, flow, run) {
                Ok(ctx) => {
                    let results = shopify_out::push(&ctx, &keyed);
                    if let Err(e) = ctx.journal.flush(store, run) {
                        tracing::error!(flow = flow_name, run, "cannot store the undo log / intents of the run: {e}");
                    }
                    (Some("shopify".to_owned()), Ok(results))
                }
                Err(error) => (None, Err(error)),
            }
        } else if shadow {
            (None, journal::shadow_erp_push(store, flow_name, &keyed, run))
        } else {
            match self.session(&flow.to) {
                Ok(mut session) => {
                    let plugin = self.plugins.plugin(session.plugin_id()).map(|p| format!("{}@{} sha256:{}", p.manifest.id, p.manifest.version, &p.sha256[..16]));
                    let keyed = customers::without_erp_owned(&keyed, flow_name, flow);
                    (plugin, session.push(entity(flow.object), &keyed).map_err(|e| call_error(&e)))
                }
                Err(error) => (None, Err(error)),
            }
        };
        match pushed {
            Ok(results) => {
                // Confirm every successful write of the batch in one transaction.
                let now = self.queue.clock().now_ms();
                let mut confirmed = Vec::new();
                let mut pushed_ok = Vec::new();
                for ((job, keyed), result) in to_push.into_iter().zip(results) {
                    match result {
                        // Shadow mode: nothing was written, so nothing is confirmed.
                        Ok(pushed) if shadow => done.push((job, self.record(&keyed.key, "shadowed", Some(&keyed.record), Some(pushed.external_id)))),
                        Ok(pushed) => {
                            let outcome = if pushed.created { "created" } else { "updated" };
                            let id = Some(pushed.external_id.clone());
                            let link = if flow.to == SHOPIFY { IdLink { shopify: id, erp: None } } else { IdLink { shopify: None, erp: id } };
                            confirmed.push(ConfirmedWrite {
                                key: keyed.key.clone(),
                                entry: LedgerEntry { outcome: outcome.into(), destination_id: pushed.external_id.clone(), at_ms: now },
                                object: entity(flow.object).name().to_owned(),
                                object_key: keyed.record.external_id().to_owned(),
                                link,
                            });
                            pushed_ok.push((job, keyed, outcome, pushed.external_id));
                        }
                        Err(e) => {
                            failures.insert(job, orders::flag_for_person(&keyed.record, plugin_error(&e)));
                        }
                    }
                }
                match store.confirm_writes(&confirmed) {
                    Ok(()) => {
                        for (job, keyed, outcome, id) in pushed_ok {
                            done.push((job, self.record(&keyed.key, outcome, Some(&keyed.record), Some(id))));
                        }
                    }
                    Err(e) => {
                        let error = store_error(e);
                        for (job, ..) in pushed_ok {
                            failures.insert(job, error.clone());
                        }
                    }
                }
            }
            Err(error) => {
                for (job, _) in to_push {
                    failures.insert(job, error.clone());
                }
            }
        }
        (plugin, done)
    }

    /// The context of a flow whose destination or source is Shopify.
    pub(super) fn shopify_context<'a>(&'a self, flow_name: &'a str, flow: &'a FlowConfig, run_id: u64) -> Result<shopify_out::ShopifyContext<'a>, JobError> {
        let client = self.shopify.as_deref().ok_or_else(|| JobError {
            class: "config".into(),
            message: "flow uses shopify but there is no [shopify] section".into(),
            retryable: false,
            retry_after_ms: None,
        })?;
        Ok(shopify_out::ShopifyContext { client, store: self.queue.store(), flow_name, flow, config: &self.config, run_id, journal: Default::default() })
    }

    /// A record as kept in a run record: JSON, secrets redacted, truncated.
    pub(super) fn payload(&self, record: &Record) -> Option<String> {
        serde_json::to_string(record).ok().map(|t| truncated(self.redactor.redact(&t).into_owned()))
    }

    fn record(&self, key: &str, outcome: &str, request: Option<&Record>, response: Option<String>) -> RunRecord {
        let refs = request.map(Record::lookup_keys).unwrap_or_default();
        let request = request.and_then(|r| self.payload(r));
        RunRecord {
            key: key.to_owned(),
            outcome: outcome.to_owned(),
            attempts: 0,
            error_class: None,
            error: None,
            plugin: None,
            job_id: None,
            request,
            response: response.map(|r| truncated(self.redactor.redact(&r).into_owned())),
            source: None,
            refs,
        }
    }
}
