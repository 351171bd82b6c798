//! The idempotency ledger (keys whose effect is confirmed) and the id map between systems.

use super::runs::Outcome;
use serde::{Deserialize, Serialize};

/// A write whose effect is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// What the write did (`created`, `updated`, `unchanged`).
    pub outcome: Outcome,
    /// The id the destination gave the object.
    pub destination_id: String,
    /// When it was confirmed.
    pub at_ms: u64,
}

/// One confirmed write: its idempotency key and ledger entry, and the ids to link.
#[derive(Debug, Clone)]
pub struct ConfirmedWrite {
    /// Idempotency key.
    pub key: String,
    /// The outcome.
    pub entry: LedgerEntry,
    /// Id-map object (`customer`, `order`...).
    pub object: String,
    /// Id-map key (the record's external id).
    pub object_key: String,
    /// Ids to merge.
    pub link: IdLink,
}

/// The ids of one object across systems, keyed by (object, shared key such as the SKU).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdLink {
    /// Shopify GID.
    pub shopify: Option<String>,
    /// ERP id.
    pub erp: Option<String>,
}
