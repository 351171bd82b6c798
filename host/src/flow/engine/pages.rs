//! Pages as jobs: an inventory flow's pull enqueues one job per page it reads instead of one
//! per level, so the queue's lease, ack and bookkeeping are paid per page while every level
//! keeps its own ledger check, outcome and run record. A level that fails in a page goes on
//! alone as a job of its own (its retries, its dead letter, its run records: the page's run
//! leaves it out), and the page is acknowledged with the others; only when every level of a page failed retryably (Shopify or the store down) is
//! the page tried again whole. A crash mid-page repeats the page: the ledger and the levels'
//! compare-and-set make the levels already written no-ops, and a level that went on alone
//! before the crash does not go on a second time (its job is enqueued once per page job and
//! level: [`alone_id`]).

use super::push::Slot;
use super::{source, FlowEngine};
use crate::config::{Endpoint, FlowConfig, ObjectKind};
use crate::flow::base::{RecordWork, Work};
use crate::store::{Job, JobError, NewJob, Outcome, RunRecord};

/// Whether `flow`'s pull enqueues pages: inventory levels from a connector (a hybrid flow's
/// levels carry per-level stamps read at enqueue time, so it keeps a job per level).
pub fn paged(flow: &FlowConfig) -> bool {
    flow.object == ObjectKind::Inventory && !flow.is_hybrid() && matches!(flow.from, Endpoint::Connection(_))
}

/// The dedupe id of the job in which `record`, failed in page job `page`, goes on alone: a page
/// repeated after a crash (its ack lost) enqueues none of its failed records twice.
fn alone_id(page: u64, record: &str) -> String {
    format!("page {page} {record}")
}

/// The run whose pull read page job `job` (none if its payload does not say).
fn read_by(job: &Job) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct ReadBy {
        pulled_by: Option<u64>,
    }
    job.payload.decode::<ReadBy>().ok().and_then(|r| r.pulled_by)
}

impl FlowEngine {
    /// How many of `flow`'s jobs to lease at once when a batch takes `records` records: one
    /// page holds `batch` of them.
    pub fn jobs_per_lease(&self, flow: &str, records: usize) -> usize {
        match self.flow(flow).filter(|f| paged(f)) {
            Some(f) => (records / f.batch.max(1) as usize).max(1),
            None => records,
        }
    }

    /// Settle a page job from its records' slots; returns one run record per record that did
    /// not fail (or one for the page when it is tried again whole). Records that failed become jobs of their own,
    /// enqueued here, before the batch acknowledges the page: a crash in between repeats the
    /// page rather than losing them, and the repeat finds them enqueued already.
    pub(super) fn settle_page(
        &self,
        job: &Job,
        flow: &FlowConfig,
        slots: &[Slot],
        hold: bool,
        acks: &mut Vec<Job>,
        plugin: &Option<String>,
    ) -> Vec<RunRecord> {
        let failures: Vec<&JobError> = slots.iter().filter_map(|s| s.failure.as_ref()).collect();
        // Every record failed retryably, or the page could not be read at all: the page is
        // tried again whole (retried, held or dead-lettered as one job).
        let unread = slots.iter().any(|s| s.failure.is_some() && s.pulled.is_none());
        if !slots.is_empty() && failures.len() == slots.len() && (unread || failures.iter().all(|e| e.retryable)) {
            let mut record = self.settle(job, flow, Err(failures[0].clone()), hold, acks);
            record.plugin = plugin.clone();
            return vec![record];
        }
        // Read from the page's payload once: its records' lineage, and (only when a record goes
        // on alone) the run that read it.
        let lineage = source(job);
        let mut pulled_by = None;
        let mut alone = Vec::new();
        let mut records = Vec::with_capacity(slots.len());
        for slot in slots {
            match (slot.result(), &slot.pulled) {
                // Its own job reports it: one outcome per record, however many times it ran.
                (Err(error), Some(pulled)) => {
                    tracing::debug!(flow = %job.flow, record = pulled.external_id(), "goes on alone: {}", error.message);
                    let pulled_by = *pulled_by.get_or_insert_with(|| read_by(job));
                    let work = RecordWork { record: pulled.clone(), pulled_by, read: None, read_job: Some(job.id) };
                    alone.push(Work::Record(work).payload().map(|payload| NewJob {
                        flow: job.flow.clone(),
                        trigger: job.trigger.clone(),
                        key: pulled.external_id().to_owned(),
                        payload,
                        dedupe_id: Some(alone_id(job.id, pulled.external_id())),
                    }));
                }
                (result, _) => {
                    let mut record = RunRecord {
                        key: job.key.clone(),
                        outcome: result.map(|(outcome, _)| outcome).unwrap_or(Outcome::Failed),
                        attempts: job.attempts,
                        job_id: Some(job.id),
                        source: Some(lineage.clone()),
                        ..RunRecord::default()
                    };
                    self.describe(&mut record, slot, plugin);
                    records.push(record);
                }
            }
        }
        // Nothing went on alone (the common case): no write, no sync.
        let enqueued = match alone.into_iter().collect::<Result<Vec<NewJob>, JobError>>() {
            Ok(alone) if alone.is_empty() => Ok(()),
            Ok(alone) => self
                .queue
                .store()
                .enqueue(&alone, self.queue.clock().now_ms(), None)
                .map(drop)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.message),
        };
        match enqueued {
            Ok(_) => acks.push(job.receipt()),
            // Not acknowledged: the page comes back after its lease and tries them again.
            Err(e) => {
                tracing::error!(flow = %job.flow, job = job.id, "a page's failed records could not go on alone: {e}")
            }
        }
        records
    }
}
