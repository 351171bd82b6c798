//! The pull half of a run: read the source since the flow's cursor, a page at a time, and
//! enqueue one job per record (per page for an inventory flow: see [`super::pages`]) with the
//! cursor advance in the same transaction. A backfill reads from a cursor of its own and leaves
//! the flow's untouched.

use super::pages::paged;
use super::FlowEngine;
use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::{PageWork, RecordWork, ToJobError, Work};
use crate::flow::inventory::hybrid;
use crate::flow::objects;
use crate::store::{CursorAdvance, JobError, NewJob};

/// Pages one pull job reads before it hands over to a pull job that reads on (so a pull's
/// lease stays short and other flows' jobs interleave with a long initial sync).
const MAX_PAGES_PER_PULL: usize = 50;

/// Where a pull starts.
pub(super) enum From {
    /// The flow's cursor, advanced as pages are enqueued.
    Cursor,
    /// A backfill's own cursor; the rest continues in a new backfill job.
    Backfill(String),
}

impl FlowEngine {
    /// Pull from the source; enqueue one job per record with the cursor advance (or, for a
    /// backfill, the job that goes on). Returns how many records were enqueued.
    pub(super) fn pull(&self, flow_name: &str, flow: &FlowConfig, run: u64, from: From) -> Result<usize, JobError> {
        let store = self.queue.store();
        let mut session = match &flow.from {
            Endpoint::Connection(name) => Some(self.session(name)?),
            Endpoint::Shopify => None,
        };
        let backfill = matches!(from, From::Backfill(_));
        let mut cursor = match from {
            From::Cursor => store.cursor(flow_name, flow.from.name()).map_err(JobError::store)?,
            From::Backfill(cursor) => Some(cursor),
        };
        let mut total = 0;
        for page_no in 1..=MAX_PAGES_PER_PULL {
            let page = match session.as_mut() {
                Some(session) => {
                    session.pull(flow.object.entity(), cursor.as_deref(), flow.batch).map_err(|e| e.job_error())?
                }
                None => objects::poll(&self.shopify_context(flow_name, flow, run)?, cursor.as_deref(), flow.batch),
            }
            .map_err(|e| e.job_error())?;
            let trigger = if backfill { "backfill" } else { "schedule" };
            let count = page.records.len();
            let mut jobs = Vec::with_capacity(count);
            let records = page.records;
            let page_key = match (paged(flow), records.first(), records.last()) {
                (true, Some(first), Some(last)) => Some(format!("{} … {}", first.external_id(), last.external_id())),
                _ => None,
            };
            let records = match page_key {
                Some(key) => {
                    jobs.push(NewJob {
                        flow: flow_name.to_owned(),
                        trigger: trigger.into(),
                        key,
                        payload: Work::Page(PageWork { records, pulled_by: run }).payload()?,
                        dedupe_id: None,
                    });
                    Vec::new()
                }
                None => records,
            };
            for record in records {
                // A hybrid flow's level says what of Shopify's changes it held when read.
                let read = match flow.is_hybrid() {
                    true => hybrid::stamp(store, flow_name, flow, &record)
                        .map_err(|e| JobError::store(format!("hybrid inventory state: {e}")))?,
                    false => None,
                };
                jobs.push(NewJob {
                    flow: flow_name.to_owned(),
                    trigger: trigger.into(),
                    key: record.external_id().to_owned(),
                    payload: Work::Record(RecordWork { record, pulled_by: Some(run), read, read_job: None })
                        .payload()?,
                    dedupe_id: None,
                });
            }
            total += count;
            let next = page.next_cursor.clone().or(cursor.clone());
            let advance = match (backfill, next.as_deref()) {
                (false, Some(cursor)) => {
                    Some(CursorAdvance { flow: flow_name, connection: flow.from.name(), cursor, then: None })
                }
                _ => None,
            };
            let last = !page.has_more || page_no == MAX_PAGES_PER_PULL;
            let now_ms = self.queue.clock().now_ms();
            if let (true, true, Some(cursor)) = (backfill && last, page.has_more, next.clone()) {
                jobs.push(NewJob {
                    flow: flow_name.to_owned(),
                    trigger: "backfill".into(),
                    key: format!("backfill@{run}"),
                    payload: Work::Backfill { cursor }.payload()?,
                    dedupe_id: None,
                });
            }
            // Stopped at the page cap with more to read: a pull reads on now, not at the next
            // tick (an initial sync of a million levels is 80 pulls; at `every = "5m"` they
            // would take hours). It is the flow's scheduled job until it ends.
            let reads_on = (last && page.has_more).then(|| crate::scheduler::scheduled_pull(flow_name, now_ms));
            let advance = advance.map(|a| CursorAdvance { then: reads_on.as_ref(), ..a });
            store.enqueue(&jobs, now_ms, advance).map_err(JobError::store)?;
            cursor = next;
            if last {
                break;
            }
        }
        Ok(total)
    }
}
