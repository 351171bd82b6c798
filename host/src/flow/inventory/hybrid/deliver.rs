//! Adjustments to the ERP: every adjustment a hybrid flow derived and the ERP has not booked yet
//! is pushed to the flow's source connection (`push(inventory-adjustment)` of the 0.2.0
//! contract), oldest first, and forgotten once the connector said it is booked. The connector
//! books each id once (a retry after a crash between its booking and this forgetting is a
//! no-op there).

use super::book::{self, Changes};
use crate::flow::base::{idempotency_key, ToJobError};
use crate::model::{Entity, KeyedRecord, Record};
use crate::plugin::PluginSession;
use crate::store::{JobError, Store};

/// Push the flow's pending adjustments; returns how many the ERP booked now, or the first
/// failure (those not booked stay pending).
pub fn deliver(store: &Store, flow: &str, session: &mut PluginSession) -> Result<usize, JobError> {
    let pending = book::pending(store, flow).map_err(JobError::store)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let keyed: Vec<KeyedRecord> = pending
        .iter()
        .map(|a| {
            let record = Record::InventoryAdjustment(a.clone());
            KeyedRecord { key: idempotency_key(flow, &record), record }
        })
        .collect();
    let results = session.push(Entity::InventoryAdjustment, &keyed).map_err(|e| e.job_error())?;
    let mut changes = Changes::default();
    let mut booked = 0;
    let mut first_error = None;
    for (adjustment, result) in pending.iter().zip(results) {
        match result {
            Ok(_) => {
                changes.booked(flow, &adjustment.external_id);
                booked += 1;
            }
            Err(e) => {
                tracing::warn!(flow, adjustment = %adjustment.external_id, "the ERP did not book the adjustment: {}", e.job_error().message);
                first_error.get_or_insert(e.job_error());
            }
        }
    }
    changes.store(store).map_err(JobError::store)?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(booked),
    }
}
