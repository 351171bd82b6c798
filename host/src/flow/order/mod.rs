//! Orders: shop orders read from Shopify (webhooks, and polling as the safety net) for the ERP,
//! with their changes after import (cancellation, refunds, returns, edits); and external orders
//! (marketplace, phone, B2B) written into Shopify with `orderCreate`.
//!
//! Roles: [`read`] ([`node`] makes the canonical order, [`changes`] its changes, [`start`] the
//! flow's start), [`write`], [`preview`], [`shadow::compare`], [`reconcile::compare`]; a revert
//! lists the orders a run created for a person (see `flow::objects`).

mod changes;
mod node;
mod preview;
pub mod read;
pub mod reconcile;
pub mod shadow;
pub mod start;
mod totals;
mod write;

pub use preview::preview;
pub use write::{mapped_order_input, order_input, variants, write};
