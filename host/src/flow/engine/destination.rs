//! Where a flow's records are written: Shopify (through the object's writer), a connector
//! plugin's `push`, or — for a shadow-mode flow whose writes are whole records — the intent
//! journal. Each gives one [`Written`] per record.

use super::FlowEngine;
use crate::config::{Endpoint, FlowConfig, FlowMode};
use crate::flow::base::mapped::{map_record, Mapped};
use crate::flow::base::{record_fields, ShopifyContext, ToJobError, Written};
use crate::flow::{customer, objects};
use crate::model::{Entity, KeyedRecord, PluginError};
use crate::plugin::PluginSession;
use crate::store::{Intent, JobError, JournalObject};

/// The destination of one batch.
pub(super) enum Destination<'a> {
    /// Shopify, through the object's writer (which gates dry runs and shadow mode itself).
    Shopify(ShopifyContext<'a>),
    /// A connector plugin, with its label (`id@version sha256:…`) for run records.
    Connector(PluginSession, Option<String>),
    /// The intent journal of a shadow-mode flow.
    Journal,
}

/// What a destination did with a batch: one outcome per record, or a failure of the whole call.
pub(super) type Outcomes = Result<Vec<Result<Written, PluginError>>, JobError>;

impl FlowEngine {
    /// The destination of `flow`'s writes in run `run`.
    pub(super) fn destination<'a>(
        &'a self,
        flow_name: &'a str,
        flow: &'a FlowConfig,
        run: u64,
    ) -> Result<Destination<'a>, JobError> {
        let shadow = flow.mode == FlowMode::Shadow;
        Ok(match &flow.to {
            Endpoint::Shopify if shadow && objects::shadows_whole_records(flow.object) => Destination::Journal,
            Endpoint::Shopify => Destination::Shopify(self.shopify_context(flow_name, flow, run)?),
            Endpoint::Connection(_) if shadow => Destination::Journal,
            Endpoint::Connection(name) => {
                let session = self.session(name)?;
                let label = self.plugin_label(session.plugin_id());
                Destination::Connector(session, label)
            }
        })
    }

    /// How run records name plugin `id` as loaded now: `id@version sha256:…`.
    pub(super) fn plugin_label(&self, id: &str) -> Option<String> {
        let p = self.plugins.plugin(id)?;
        Some(format!("{}@{} sha256:{}", p.manifest.id, p.manifest.version, &p.sha256[..16]))
    }

    /// Write `records` to `destination`.
    pub(super) fn write(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        destination: Destination<'_>,
        records: &[KeyedRecord],
        run: u64,
    ) -> Outcomes {
        let store = self.queue.store();
        match destination {
            Destination::Shopify(ctx) => {
                let outcomes = objects::write(&ctx, records);
                // Unsynced: the ledger's commit that follows makes it durable.
                if let Err(e) = store.unsynced(|| ctx.journal.flush(store, run)) {
                    tracing::error!(flow = flow_name, run, "cannot store the undo log / intents of the run: {e}");
                }
                Ok(outcomes)
            }
            Destination::Connector(mut session, _) => {
                let records = customer::without_erp_owned(records, flow_name, flow);
                let (mut outcomes, mapped) = self.mapped(flow_name, flow, &records)?;
                if !mapped.is_empty() {
                    let (at, keyed): (Vec<usize>, Vec<KeyedRecord>) = mapped.into_iter().unzip();
                    let pushed = push_by_entity(&mut session, flow.object.entity(), &keyed)?;
                    for (i, outcome) in at.into_iter().zip(pushed) {
                        outcomes[i] = Some(outcome);
                    }
                }
                Ok(crate::flow::base::settled(outcomes))
            }
            Destination::Journal => {
                let at_ms = self.queue.clock().now_ms();
                // A flow into an ERP journals the records as its mapping makes them.
                let (mut outcomes, mapped) = match &flow.to {
                    Endpoint::Connection(_) => self.mapped(flow_name, flow, records)?,
                    Endpoint::Shopify => (vec![None; records.len()], records.iter().cloned().enumerate().collect()),
                };
                let intents: Vec<Intent> = mapped
                    .iter()
                    .map(|(_, k)| Intent {
                        flow: flow_name.to_owned(),
                        key: k.record.external_id().to_owned(),
                        object: JournalObject::from(k.record.entity()),
                        target_id: None,
                        values: record_fields(&k.record),
                        run_id: run,
                        at_ms,
                    })
                    .collect();
                store.add_intents(&intents).map_err(JobError::store)?;
                for (i, _) in mapped {
                    outcomes[i] = Some(Ok(Written::Shadowed));
                }
                Ok(crate::flow::base::settled(outcomes))
            }
        }
    }

    /// `records` through the flow's mapping: the outcomes of the records it skips or fails (by
    /// index), and the records to write with their index.
    #[allow(clippy::type_complexity)]
    fn mapped(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        records: &[KeyedRecord],
    ) -> Result<(Vec<Option<Result<Written, PluginError>>>, Vec<(usize, KeyedRecord)>), JobError> {
        let mapping = flow
            .mapping(self.config().lookups.tables())
            .map_err(|e| JobError::config(format!("flows.{flow_name}.{e}")))?;
        let mut outcomes = vec![None; records.len()];
        let mut write = Vec::new();
        for (i, keyed) in records.iter().enumerate() {
            match map_record(&mapping, flow, keyed) {
                Ok(Mapped::Write(keyed, _)) => write.push((i, keyed)),
                Ok(Mapped::Skip(why)) => outcomes[i] = Some(Ok(Written::Skipped(why))),
                Err(e) => outcomes[i] = Some(Err(e)),
            }
        }
        Ok((outcomes, write))
    }
}

/// Push `records` to a connector, one call per entity: the flow's own entity first (an order
/// before its changes), then the others in the order they first appear; outcomes in the order
/// of `records`.
fn push_by_entity(session: &mut PluginSession, own: Entity, records: &[KeyedRecord]) -> Outcomes {
    let mut entities: Vec<Entity> = vec![own];
    for r in records {
        if !entities.contains(&r.record.entity()) {
            entities.push(r.record.entity());
        }
    }
    let mut outcomes: Vec<Option<Result<Written, PluginError>>> = records.iter().map(|_| None).collect();
    for entity in entities {
        let (at, group): (Vec<usize>, Vec<KeyedRecord>) = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.record.entity() == entity)
            .map(|(i, r)| (i, r.clone()))
            .unzip();
        if group.is_empty() {
            continue;
        }
        let pushed = session.push(entity, &group).map_err(|e| e.job_error())?;
        for (i, outcome) in at.into_iter().zip(pushed) {
            outcomes[i] = Some(outcome.map(Written::from_pushed));
        }
    }
    Ok(crate::flow::base::settled(outcomes))
}

impl Destination<'_> {
    /// The label run records name the writer by.
    pub(super) fn label(&self) -> Option<String> {
        match self {
            Destination::Shopify(_) => Some("shopify".into()),
            Destination::Connector(_, label) => label.clone(),
            Destination::Journal => Some("shadow journal".into()),
        }
    }
}
