//! Shipments from the ERP into Shopify as fulfillments with tracking.
//!
//! Roles: [`write`], [`preview`]; not read from Shopify, not reconciled, not compared by
//! `weft shadow diff` and not reverted (a fulfillment is not undone by a machine; see
//! `flow::objects`).

mod preview;
mod write;

pub use preview::preview;
pub use write::{mapped_input, write};
