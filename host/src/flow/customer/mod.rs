//! Customers, both ways: Shopify's `customers/*` webhooks into the ERP, ERP customers into
//! Shopify with `customerSet`, under field ownership.
//!
//! Roles: [`read`], [`write`], [`preview`], [`reconcile::compare`]; Shopify-side intents are not
//! compared by `weft shadow diff`, and a revert lists the customers a run created (see
//! `flow::objects`).

mod fields;
mod preview;
pub mod read;
pub mod reconcile;
mod write;

pub use fields::{owned_fields, without_erp_owned};
pub use preview::preview;
pub use write::{input, mapped_input, write};
