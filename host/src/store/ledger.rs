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

/// The id map as one shop sees it: the `[shopify]` shop's links under their object names (as
/// before a host served several shops), another shop's under `NAME/object`, so the same ERP
/// record links to each shop's own ids.
#[derive(Clone, Copy)]
pub struct ShopLinks<'a> {
    store: &'a super::Store,
    scope: Option<&'a str>,
}

impl<'a> ShopLinks<'a> {
    /// The links of the shop kept under `scope` (see `config::shops::link_scope`).
    pub fn new(store: &'a super::Store, scope: Option<&'a str>) -> Self {
        ShopLinks { store, scope }
    }

    /// The id-map object `object` is kept under for this shop.
    pub fn object(&self, object: &str) -> String {
        match self.scope {
            None => object.to_owned(),
            Some(shop) => format!("{shop}/{object}"),
        }
    }

    /// The ids linked to (`object`, `key`).
    pub fn get(&self, object: &str, key: &str) -> super::StoreResult<Option<IdLink>> {
        self.store.id_link(&self.object(object), key)
    }

    /// The ids linked to `object`'s `keys`, in their order, read at once.
    pub fn get_all(&self, object: &str, keys: &[&str]) -> super::StoreResult<Vec<Option<IdLink>>> {
        self.store.id_links(&self.object(object), keys)
    }

    /// Merge ids into the links of `object`'s keys, in one transaction.
    pub fn link_all(&self, object: &str, updates: &[(String, IdLink)]) -> super::StoreResult<()> {
        self.store.link_ids_all(&self.object(object), updates)
    }
}
