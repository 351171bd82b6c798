//! The jobs of a hybrid inventory flow besides its ERP levels: Shopify's
//! `inventory_levels/update` deliveries, each taken in as an adjustment (or recognised as a
//! duplicate, a late delivery or weft's own echo), and the delivery of every adjustment the ERP
//! has not booked yet to the flow's source connection. One batch of the flow at a time touches
//! its levels (a claim in the store, across hosts).

use super::claims::Claims;
use super::FlowEngine;
use crate::config::{FlowConfig, FlowMode};
use crate::flow::base::{block_on, ToJobError, Work};
use crate::flow::inventory::hybrid::{self, Intake};
use crate::store::{Job, JobError, Outcome, RunRecord};

/// The claim of a hybrid flow's levels.
const LEVELS: &str = "#levels";

impl FlowEngine {
    /// Claim the flow's levels for this batch (`Err`: busy, try the jobs again shortly).
    pub(super) fn claim_levels<'a>(&self, claims: &mut Claims<'a>, flow_name: &str) -> Result<(), JobError> {
        claims.claim(flow_name, LEVELS)
    }

    /// Take in each delivery, deliver what the ERP has not booked, and settle the jobs.
    pub(super) fn hybrid_batch(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        jobs: &[Job],
        acks: &mut Vec<Job>,
        run: u64,
    ) -> Vec<RunRecord> {
        let ctx = self.shopify_context(flow_name, flow, run);
        let mut results: Vec<Result<Intake, JobError>> = jobs
            .iter()
            .map(|job| {
                let ctx = ctx.as_ref().map_err(Clone::clone)?;
                if flow.mode == FlowMode::Shadow {
                    return Ok(Intake::Ignored("shadow mode books nothing in the ERP".into()));
                }
                match Work::decode(&job.payload) {
                    Ok(Work::ShopifyWebhook { topic, body }) if topic == "inventory_levels/update" => {
                        block_on(hybrid::intake(ctx, &body)).map_err(|e| e.job_error())
                    }
                    Ok(Work::ShopifyWebhook { topic, .. }) => Ok(Intake::Ignored(format!("{topic} is not read"))),
                    _ => Err(JobError::config("not a Shopify delivery")),
                }
            })
            .collect();
        // What was taken in is safe in the store; a delivery that fails keeps it there and
        // the jobs that took something in are tried again (finding nothing new, delivering).
        if let Err(e) = self.deliver_adjustments(flow_name, flow) {
            for r in results.iter_mut().filter(|r| matches!(r, Ok(Intake::Taken(_)))) {
                *r = Err(e.clone());
            }
        }
        jobs.iter()
            .zip(results)
            .map(|(job, result)| {
                let outcome = result.as_ref().map(|i| match i {
                    Intake::Taken(_) => Outcome::Created,
                    Intake::Nothing => Outcome::Unchanged,
                    Intake::Echo | Intake::Baseline(_) | Intake::Ignored(_) => Outcome::Skipped,
                });
                let mut record = self.settle(job, flow, outcome.map_err(Clone::clone), false, acks);
                match result {
                    Ok(Intake::Taken(id)) => record.response = Some(id),
                    Ok(Intake::Echo) => record.reason = Some("weft's own write (its echo); nothing to book".into()),
                    Ok(Intake::Nothing) => record.reason = Some("no change since the last value taken in".into()),
                    Ok(Intake::Baseline(n)) => {
                        record.reason = Some(format!("first sight of the level: Shopify's {n} is the starting point"))
                    }
                    Ok(Intake::Ignored(why)) => record.reason = Some(why),
                    Err(_) => {}
                }
                record
            })
            .collect()
    }

    /// Push the adjustments the ERP has not booked yet to the flow's source connection.
    pub(super) fn deliver_adjustments(&self, flow_name: &str, flow: &FlowConfig) -> Result<usize, JobError> {
        if flow.mode == FlowMode::Shadow
            || hybrid::book::pending(self.queue.store(), flow_name).map_err(JobError::store)?.is_empty()
        {
            return Ok(0);
        }
        let mut session = self.connector(&flow.from)?;
        let booked = hybrid::deliver(self.queue.store(), flow_name, &mut session)?;
        if booked > 0 {
            tracing::info!(flow = flow_name, booked, "adjustments booked in the ERP");
        }
        Ok(booked)
    }
}
