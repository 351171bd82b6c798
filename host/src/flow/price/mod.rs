//! Prices (`object = "price"`): ERP price records into variant price and compare-at price,
//! grouped per product into `productVariantsBulkUpdate`, with a channel's price list winning over
//! the default list for the SKUs it prices; records scoped to a market, B2B catalog or company
//! location into that scope's Shopify price list ([`lists`]).
//!
//! Roles: [`write`], [`preview`], [`shadow::compare`] and [`list_roles::compare`],
//! [`revert::revert`] and [`list_roles::revert`], [`reconcile`]; not read from Shopify (see
//! `flow::objects`).

pub mod list_roles;
mod list_state;
pub mod lists;
mod preview;
pub mod reconcile;
pub mod revert;
pub mod shadow;
mod write;

pub use preview::preview;
pub use write::write;
