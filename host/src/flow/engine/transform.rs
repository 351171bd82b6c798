//! From job to records: what a job carries (a pulled record, an ERP event, a Shopify webhook),
//! and the flow's transform plugins applied to a batch of records.

use super::{FlowEngine, Item};
use crate::config::FlowConfig;
use crate::flow::base::{LevelRead, PageWork, RecordWork, ToJobError, Work};
use crate::flow::objects;
use crate::model::Record;
use crate::store::{ErrorClass, Job, JobError};
use std::collections::BTreeMap;

/// What a job carries for its flow.
pub(super) enum Carried {
    /// Records to write, in order (an order and its changes), and how the flow's pull read
    /// them (none when a person, reconcile or an event sent them).
    Records(Vec<Record>, Option<LevelRead>),
    /// Nothing for this flow, and why.
    Nothing(String),
}

impl FlowEngine {
    /// The record a job carries.
    pub(super) fn resolve(&self, flow_name: &str, flow: &FlowConfig, job: &Job, run: u64) -> Result<Carried, JobError> {
        let work =
            Work::decode(&job.payload).map_err(|e| JobError::invalid_input(format!("unreadable job payload: {e}")))?;
        let mut read_by_pull = None;
        let found = match work {
            Work::Record(RecordWork { record, pulled_by, read, read_job }) => {
                read_by_pull = pulled_by.map(|_| LevelRead { job: read_job.unwrap_or(job.id), stamp: read });
                vec![record]
            }
            Work::Event { event } => match event.record {
                Some(record) => vec![record],
                None => {
                    let mut session = self.connector(&flow.from)?;
                    let mut found = session
                        .fetch(event.entity, std::slice::from_ref(&event.external_id))
                        .map_err(|e| e.job_error())?;
                    match found.pop() {
                        Some(Ok(Some(record))) => vec![record],
                        Some(Ok(None)) | None => {
                            return Ok(Carried::Nothing(format!(
                                "{} no longer has {} {}",
                                flow.from,
                                event.entity.name(),
                                event.external_id
                            )))
                        }
                        Some(Err(e)) => return Err(e.job_error()),
                    }
                }
            },
            Work::ShopifyWebhook { topic, body } => {
                let records = objects::read_webhook(&self.shopify_context(flow_name, flow, run)?, &topic, &body)
                    .map_err(|e| e.job_error())?;
                if records.is_empty() {
                    return Ok(Carried::Nothing(format!(
                        "the {topic} delivery carries nothing this flow writes (gone, placed before the flow's start, or weft's own order)"
                    )));
                }
                records
            }
            Work::Page(PageWork { records, .. }) => {
                read_by_pull = Some(LevelRead { job: job.id, stamp: None });
                records
            }
            Work::Pull | Work::Backfill { .. } => {
                return Ok(Carried::Nothing("a pull job carries no record".into()));
            }
        };
        Ok(Carried::Records(found, read_by_pull))
    }

    /// Run the flow's transforms over `items`; a record a transform refuses fails its job (in
    /// `failures`, by job), and a failed call fails every job of the batch.
    pub(crate) fn transform(
        &self,
        flow: &FlowConfig,
        mut items: Vec<Item>,
        failures: &mut BTreeMap<usize, JobError>,
    ) -> Vec<Item> {
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
                .map_err(|e| JobError::new(ErrorClass::PluginUnavailable, e.to_string()))
                .and_then(|mut s| s.apply(&records).map_err(|e| e.job_error()));
            match outcome {
                Ok(results) => {
                    let mut next = Vec::new();
                    for (item, result) in items.into_iter().zip(results) {
                        match result {
                            Ok(out) => next.extend(out.into_iter().map(|record| Item { job: item.job, record })),
                            Err(e) => {
                                failures.insert(item.job, e.job_error());
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
}
