//! Prices (`object = "price"`): ERP price records into variant price and compare-at price,
//! grouped per product into `productVariantsBulkUpdate`, with a channel's price list winning over
//! the default list for the SKUs it prices.
//!
//! Roles: [`write`], [`preview`], [`shadow::compare`], [`revert::revert`]; not read from Shopify
//! and not reconciled (see `flow::objects`).

mod preview;
pub mod revert;
pub mod shadow;
mod write;

pub use preview::preview;
pub use write::write;
