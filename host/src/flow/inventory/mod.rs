//! Inventory levels into Shopify: ERP location → Shopify location, the available formula with
//! buffer and overrides ([`crate::domain::available`]), only changed levels, batches of up to
//! 250 with compare-and-set; what each level was set to and why is kept per (flow, SKU,
//! location) ([`state`]). A hybrid flow also books Shopify's own changes in the ERP
//! ([`hybrid`]).
//!
//! Roles: [`write`], [`preview`], [`shadow::compare`], [`revert::revert`],
//! [`reconcile::compare`]; not read from Shopify (see `flow::objects`).

mod baseline;
pub mod hybrid;
mod preview;
pub mod reconcile;
pub mod revert;
pub mod shadow;
pub mod state;
mod trace;
mod write;

pub use preview::preview;
pub use trace::{trace, Computed};
pub use write::write;
