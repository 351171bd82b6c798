//! Products and variants into Shopify with `productSet`, matched to what the shop already sells
//! by their keys before the first write ([`index`], [`place`]): mapped fields
//! ([`crate::domain::mapping`]) filtered by ownership, variants keyed by the identity key
//! (duplicates, empty or malformed keys fail the record), variants Shopify has and the ERP did
//! not send kept unless configured, a content hash of what would be sent so an unchanged product
//! costs nothing, archive on ERP delete, and the variants it creates stocked at the inventory
//! flows' locations.
//!
//! Large loads create new products in bulk ([`bulk`]). The flow's managed metafields are written
//! after the batch's products ([`metafields`]).
//!
//! Roles: [`write`], [`preview`], [`shadow::compare`], [`revert::revert`]; not read from Shopify
//! and not reconciled (see `flow::objects`).

mod bulk;
mod bulk_run;
mod collections;
pub mod index;
mod input;
mod media;
mod metafields;
mod place;
mod preview;
pub mod revert;
mod set;
pub mod shadow;
mod write;

pub use input::{product_write, ProductWrite, SHOPIFY_TARGETS};
pub use preview::preview;
pub use write::{handle, write};

/// The id-map object linking an ERP product to its Shopify product.
const PRODUCT_LINK: &str = "product";
/// The id-map object linking a variant key to the ERP product that owns it.
const KEY_LINK: &str = "variant_key";

/// The Shopify product ERP product `erp_id` is linked to, once a catalog flow wrote it.
pub fn linked(links: crate::store::ShopLinks<'_>, erp_id: &str) -> crate::store::StoreResult<Option<String>> {
    Ok(links.get(PRODUCT_LINK, erp_id)?.and_then(|l| l.shopify))
}
