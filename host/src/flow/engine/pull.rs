//! The pull half of a run: read the source since the flow's cursor, a page at a time, and
//! enqueue one job per record with the cursor advance in the same transaction.

use super::FlowEngine;
use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::{ToJobError, Work};
use crate::flow::objects;
use crate::store::{CursorAdvance, JobError, NewJob};

/// Pages one pull job reads before yielding (the next tick continues from the cursor).
const MAX_PAGES_PER_PULL: usize = 50;

impl FlowEngine {
    /// Pull from the source since the cursor; enqueue one job per record with the cursor
    /// advance. Returns how many records were enqueued.
    pub(super) fn pull(&self, flow_name: &str, flow: &FlowConfig, run: u64) -> Result<usize, JobError> {
        let store = self.queue.store();
        let mut session = match &flow.from {
            Endpoint::Connection(name) => Some(self.session(name)?),
            Endpoint::Shopify => None,
        };
        let mut cursor = store.cursor(flow_name, flow.from.name()).map_err(JobError::store)?;
        let mut total = 0;
        for _ in 0..MAX_PAGES_PER_PULL {
            let page = match session.as_mut() {
                Some(session) => {
                    session.pull(flow.object.entity(), cursor.as_deref(), flow.batch).map_err(|e| e.job_error())?
                }
                None => objects::poll(&self.shopify_context(flow_name, flow, run)?, cursor.as_deref(), flow.batch),
            }
            .map_err(|e| e.job_error())?;
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
            let advance =
                next.as_deref().map(|cursor| CursorAdvance { flow: flow_name, connection: flow.from.name(), cursor });
            store.enqueue(&jobs, self.queue.clock().now_ms(), advance).map_err(JobError::store)?;
            cursor = next;
            if !page.has_more {
                break;
            }
        }
        Ok(total)
    }
}
