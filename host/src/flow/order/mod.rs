//! Orders: shop orders read from Shopify (webhooks, and polling as the safety net) for the ERP,
//! and external orders (marketplace, phone, B2B) written into Shopify with `orderCreate`.
//!
//! Roles: [`read`], [`write`], [`preview`], [`shadow::compare`], [`reconcile::compare`];
//! a revert lists the orders a run created for a person (see `flow::objects`).

mod preview;
pub mod read;
pub mod reconcile;
pub mod shadow;
mod write;

pub use preview::preview;
pub use write::{order_input, variants, write};

use crate::model::Record;
use crate::store::{ErrorClass, JobError};

/// A failed push of a *cancelled* order is flagged for a person: the ERP already processed
/// the order, so a machine must not guess how to undo it (class `needs_person`, dead-lettered).
pub fn flag_for_person(record: &Record, error: JobError) -> JobError {
    match record {
        Record::Order(o) if o.cancelled && !error.retryable && error.class != ErrorClass::InvalidInput => {
            JobError::needs_person(format!(
                "order {} was cancelled in Shopify after the ERP processed it; undo it in the ERP: {}",
                o.name, error.message
            ))
        }
        _ => error,
    }
}
