//! Flows: what moves where, and how.
//!
//! - [`base`]: the bottom layer every reader and writer shares (Shopify context, the gate of
//!   dry runs and shadow mode with its journals, the error vocabulary, the typed [`Written`]).
//! - One folder per object, each with the same roles as far as the object has them (`write`,
//!   `read`, `preview`, `shadow`, `revert`, `reconcile`): [`catalog`] (products), [`inventory`],
//!   [`price`], [`order`], [`customer`], [`fulfillment`].
//! - [`objects`]: every object's decision in every role, matched exhaustively — where a new
//!   object kind is added.
//! - [`engine`]: the pipeline (pull, transform, ledger, write, settle) and [`preview`].

pub mod base;
pub mod catalog;
pub mod customer;
pub mod engine;
pub mod fulfillment;
pub mod inventory;
pub mod objects;
pub mod order;
pub mod preview;
pub mod price;

pub use base::{idempotency_key, PageWork, RecordWork, Work, Written};
pub use engine::FlowEngine;
