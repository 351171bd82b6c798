//! The push half of a run: each job resolved to its record, the flow's transforms, the ledger
//! check, the write to the destination, the confirmation of what was written, and one run
//! record per job. Each job has one [`Slot`] that collects what happened to it.

use super::claims::Claims;
use super::destination::Destination;
use super::parked;
use super::transform::Carried;
use super::{truncated, FlowEngine, Item};
use crate::config::{FlowConfig, ObjectKind};
use crate::flow::base::{idempotency_key, LevelRead, ToJobError, Written};
use crate::model::{KeyedRecord, Record};
use crate::store::{ConfirmedWrite, ErrorClass, IdLink, Job, JobError, LedgerEntry, Outcome, RunRecord};
use std::collections::{BTreeMap, BTreeSet};

/// What happened to one record of a job.
pub(super) struct Done {
    /// Its idempotency key.
    key: String,
    written: Written,
    /// The record as written (redacted, truncated).
    request: Option<String>,
    /// Whether the destination said so (not the ledger).
    reached: bool,
}

/// What became of one job, or of one record of a page job.
#[derive(Default)]
pub(super) struct Slot {
    /// What the job carried (redacted, truncated), shown when it fails.
    request: Option<String>,
    /// The keys the job's record is found by.
    refs: Vec<String>,
    /// Its records' outcomes (several when a transform split it).
    done: Vec<Done>,
    /// Why it had nothing to write.
    nothing: Option<String>,
    /// The failure, once it failed.
    pub(super) failure: Option<JobError>,
    /// How the flow's pull read its record (see [`LevelRead`]).
    read: Option<LevelRead>,
    /// A page job's record as the page carried it: it goes on alone if it fails (see
    /// [`super::pages`]).
    pub(super) pulled: Option<Record>,
}

impl Slot {
    /// The job's outcome: its failure, or the most telling outcome of its records.
    pub(super) fn result(&self) -> Result<(Outcome, Option<&Done>), JobError> {
        if let Some(e) = &self.failure {
            return Err(e.clone());
        }
        let rank = |w: &Written| match w {
            Written::Created(_) => 4,
            Written::Updated(_) => 3,
            Written::Shadowed => 2,
            Written::Unchanged(_) => 1,
            Written::Skipped(_) => 0,
        };
        Ok(match self.done.iter().max_by_key(|d| rank(&d.written)) {
            Some(d) => (d.written.outcome(), Some(d)),
            None => (Outcome::Skipped, None),
        })
    }
}

impl FlowEngine {
    /// Resolve each job to its record(s), run the transforms, check the ledger, write, settle.
    /// A page job's records each have their own slot and run record (see [`super::pages`]).
    pub(super) fn push_batch(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        jobs: &[Job],
        acks: &mut Vec<Job>,
        run: u64,
    ) -> Vec<RunRecord> {
        let mut slots: Vec<Slot> = Vec::with_capacity(jobs.len());
        // Each slot's job, and each job's slots.
        let mut owners: Vec<&Job> = Vec::with_capacity(jobs.len());
        let mut spans = Vec::with_capacity(jobs.len());
        let mut items = Vec::new();
        for job in jobs {
            let from = slots.len();
            let page = job.payload.kind() == "page";
            match self.resolve(flow_name, flow, job, run) {
                Ok(Carried::Records(records, read)) if page => {
                    for record in records {
                        items.push(Item { job: slots.len(), record: record.clone() });
                        slots.push(Slot {
                            read: read.clone(),
                            refs: record.lookup_keys(),
                            pulled: Some(record),
                            ..Slot::default()
                        });
                    }
                }
                Ok(Carried::Records(records, read)) => {
                    let request = records.first().and_then(|r| self.payload(r));
                    let refs = records.first().map(Record::lookup_keys).unwrap_or_default();
                    items.extend(records.into_iter().map(|record| Item { job: slots.len(), record }));
                    slots.push(Slot { read, request, refs, ..Slot::default() });
                }
                Ok(Carried::Nothing(why)) => slots.push(Slot { nothing: Some(why), ..Slot::default() }),
                Err(e) => slots.push(Slot { failure: Some(e), ..Slot::default() }),
            }
            owners.extend(std::iter::repeat_n(job, slots.len() - from));
            spans.push(from..slots.len());
        }
        let mut refused = BTreeMap::new();
        let items = self.transform(flow, items, &mut refused);
        for (slot, error) in refused {
            slots[slot].failure = Some(error);
        }
        let kept: BTreeSet<usize> = items.iter().map(|i| i.job).collect();
        for (_, slot) in slots
            .iter_mut()
            .enumerate()
            .filter(|(i, s)| s.failure.is_none() && (s.request.is_some() || s.pulled.is_some()) && !kept.contains(i))
        {
            slot.nothing = Some("the flow's transforms filtered it out".into());
        }
        let plugin = self.push(flow_name, flow, &owners, items, &mut slots, run);
        // Writes the destination accepted (a ledger hit never reached it).
        let successes = slots.iter().filter(|s| s.failure.is_none() && s.done.iter().any(|d| d.reached)).count();
        let failures: Vec<&JobError> = slots.iter().filter_map(|s| s.failure.as_ref()).collect();
        let hold = !failures.is_empty() && self.breaker_holds(flow_name, &flow.to, failures, successes);
        let mut records = Vec::with_capacity(slots.len());
        for (job, span) in jobs.iter().zip(spans) {
            if job.payload.kind() == "page" {
                records.extend(self.settle_page(job, flow, &slots[span], hold, acks, &plugin));
                continue;
            }
            let slot = &slots[span.start];
            let result = slot.result().map(|(outcome, _)| outcome);
            let mut record = self.settle(job, flow, result, hold, acks);
            self.describe(&mut record, slot, &plugin);
            records.push(record);
        }
        records
    }

    /// Fill `record` with what its slot saw: the writer, the record as carried or written, the
    /// destination's id, why it was skipped.
    pub(super) fn describe(&self, record: &mut RunRecord, slot: &Slot, plugin: &Option<String>) {
        record.plugin = plugin.clone();
        record.request = slot.request.clone();
        record.refs = slot.refs.clone();
        match slot.result() {
            Ok((_, Some(done))) => {
                record.key = done.key.clone();
                record.request = done.request.clone();
                record.response = done.written.id().map(|id| truncated(self.redactor.redact(id).into_owned()));
                if let Written::Skipped(why) = &done.written {
                    record.reason = Some(why.clone());
                }
            }
            Ok((_, None)) => record.reason = slot.nothing.clone(),
            Err(_) => {}
        }
    }

    /// Write the items the ledger does not know yet and no person is asked about (see
    /// [`parked`]) and confirm what was written; returns the label of the writer.
    fn push(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        jobs: &[&Job],
        items: Vec<Item>,
        slots: &mut [Slot],
        run: u64,
    ) -> Option<String> {
        let store = self.queue.store();
        let mut to_write: Vec<(usize, KeyedRecord)> = Vec::new();
        // Parked writes are looked up one by one only when there are any (unknown: look them up).
        let parked_any = parked::any(store).unwrap_or(true);
        // The ledger is asked once for the batch.
        let keys: Vec<String> = items.iter().map(|item| idempotency_key(flow_name, &item.record)).collect();
        let known = match store.ledger_get_all(&keys.iter().map(String::as_str).collect::<Vec<_>>()) {
            Ok(known) => known,
            Err(e) => {
                let error = JobError::store(e);
                for item in &items {
                    slots[item.job].failure = Some(error.clone());
                }
                return None;
            }
        };
        for ((item, key), entry) in items.into_iter().zip(keys).zip(known) {
            match entry {
                // Done, by the rules the flow runs now (a write by other rules is made again).
                Some(entry) if self.by_current_rules(flow_name, entry.at_ms) => {
                    let request = self.payload(&item.record);
                    slots[item.job].done.push(Done {
                        key,
                        written: Written::Unchanged(Some(entry.destination_id)),
                        request,
                        reached: false,
                    });
                }
                _ => match if parked_any { parked::waiting(store, &key, jobs[item.job].id) } else { Ok(None) } {
                    Ok(Some(dead)) => {
                        let request = self.payload(&item.record);
                        let why = format!("waits for a person: the same write is dead-lettered (job {dead})");
                        slots[item.job].done.push(Done {
                            key,
                            written: Written::Skipped(why),
                            request,
                            reached: false,
                        });
                    }
                    Ok(None) => to_write.push((item.job, KeyedRecord { key, record: item.record })),
                    Err(e) => slots[item.job].failure = Some(JobError::store(e)),
                },
            }
        }
        // One writer per record at a time (see claims); the others come back shortly.
        let mut claims = Claims::new(store);
        to_write.retain(|(job, keyed)| match claims.claim(flow_name, keyed.record.external_id()) {
            Ok(()) => true,
            Err(busy) => {
                slots[*job].failure = Some(busy);
                false
            }
        });
        if to_write.is_empty() {
            return None;
        }
        let mut destination = match self.destination(flow_name, flow, run) {
            Ok(d) => d,
            Err(error) => {
                for (job, _) in &to_write {
                    slots[*job].failure = Some(error.clone());
                }
                return None;
            }
        };
        if let (Destination::Shopify(ctx), ObjectKind::Inventory) = (&mut destination, flow.object) {
            // How the pull read each level, by record key.
            ctx.read_stamps = to_write
                .iter()
                .filter_map(|(job, keyed)| slots[*job].read.clone().map(|read| (keyed.key.clone(), read)))
                .collect();
        }
        let label = destination.label();
        let to_shopify = matches!(destination, Destination::Shopify(_));
        let keyed: Vec<KeyedRecord> = to_write.iter().map(|(_, k)| k.clone()).collect();
        let outcomes = match self.write(flow_name, flow, destination, &keyed, run) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                for (job, _) in &to_write {
                    slots[*job].failure = Some(error.clone());
                }
                return label;
            }
        };
        // Confirm every write of the batch in one transaction; a skip or an intent is remembered
        // nowhere (the next run decides again).
        let now = self.queue.clock().now_ms();
        let mut confirmed = Vec::new();
        let mut written = Vec::new();
        for ((job, keyed), outcome) in to_write.into_iter().zip(outcomes) {
            let written_here = match outcome {
                Ok(w) => w,
                Err(e) => {
                    let error = e.job_error();
                    let parked = match error.class {
                        ErrorClass::NeedsPerson => parked::park(store, &keyed.key, jobs[job]).map_err(JobError::store),
                        _ => Ok(()),
                    };
                    slots[job].failure = Some(parked.err().unwrap_or(error));
                    continue;
                }
            };
            if matches!(written_here, Written::Created(_) | Written::Updated(_) | Written::Unchanged(_)) {
                let id = written_here.id().map(str::to_owned);
                let link = if to_shopify {
                    IdLink { shopify: id.clone(), erp: None }
                } else {
                    IdLink { shopify: None, erp: id.clone() }
                };
                confirmed.push(ConfirmedWrite {
                    key: keyed.key.clone(),
                    entry: LedgerEntry {
                        outcome: written_here.outcome(),
                        destination_id: id.unwrap_or_default(),
                        at_ms: now,
                    },
                    object: self.links(flow).object(keyed.record.entity().name()),
                    object_key: keyed.record.external_id().to_owned(),
                    link,
                });
            }
            written.push((
                job,
                Done { request: self.payload(&keyed.record), key: keyed.key, written: written_here, reached: true },
            ));
        }
        match store.confirm_writes(&confirmed) {
            Ok(()) => {
                for (job, done) in written {
                    slots[job].done.push(done);
                }
            }
            Err(e) => {
                let error = JobError::store(e);
                for (job, _) in written {
                    slots[job].failure = Some(error.clone());
                }
            }
        }
        label
    }

    /// A record as kept in a run record: JSON, secrets redacted, truncated.
    pub(crate) fn payload(&self, record: &Record) -> Option<String> {
        serde_json::to_string(record).ok().map(|t| truncated(self.redactor.redact(&t).into_owned()))
    }
}
