//! The bottom layer of `flow/`: what the objects' readers and writers share. The Shopify
//! context and [`block_on`]; the [`Gate`] between writing, printing (dry run) and journalling
//! (shadow mode), with the undo entries and intents it collects; the error vocabulary; the
//! typed outcome of a write ([`Written`]); and the vocabularies of revert and shadow diff that
//! each object's role files fill in. Nothing here imports an object or the engine.

mod context;
mod currency;
pub mod dry_run;
mod errors;
mod gate;
pub mod identity;
pub mod limits;
pub mod mapped;
pub mod metafields;
mod rest;
pub mod revert;
pub mod shadow;
mod work;
mod written;

pub use context::{block_on, ShopifyContext};
pub use currency::in_shop_currency;
pub use errors::{request_error, write_error, ToJobError};
pub use gate::{record_fields, Gate, Journal, Target};
pub use rest::rest_text;
pub use work::{idempotency_key, LevelRead, PageWork, ReadStamp, RecordWork, Work};
pub use written::{settled, Slots, Written};

/// The id-map object linking a SKU to its Shopify inventory item: written by the catalog flow
/// when it creates variants, read and written by inventory flows.
pub const ITEM_LINK: &str = "inventory_item";
