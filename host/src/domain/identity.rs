//! The shared key of a catalog record across systems: the SKU by default, or the barcode or
//! the ERP's external id. Empty, malformed and duplicate keys are per-record errors.

use crate::model::Variant;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Which field identifies a variant in both systems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKey {
    /// The SKU.
    #[default]
    Sku,
    /// The barcode.
    Barcode,
    /// The ERP's external id.
    ExternalId,
}

/// Longest key accepted (Shopify's SKU limit).
const MAX_KEY: usize = 255;

impl IdentityKey {
    /// The key's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            IdentityKey::Sku => "sku",
            IdentityKey::Barcode => "barcode",
            IdentityKey::ExternalId => "external_id",
        }
    }

    /// The variant's key, or why it has none usable.
    pub fn of(self, v: &Variant) -> Result<String, String> {
        let raw = match self {
            IdentityKey::Sku => v.sku.clone(),
            IdentityKey::Barcode => v.barcode.clone(),
            IdentityKey::ExternalId => Some(v.external_id.clone()),
        };
        let key = raw.unwrap_or_default();
        if key.trim().is_empty() {
            return Err(format!("variant {} has an empty {}", v.external_id, self.name()));
        }
        if key.len() > MAX_KEY || key != key.trim() || key.chars().any(char::is_control) {
            return Err(format!("variant {} has a malformed {} {key:?} (surrounding spaces, control characters or over {MAX_KEY} bytes)", v.external_id, self.name()));
        }
        Ok(key)
    }

    /// Every variant's key, in order; the first empty, malformed or duplicate key is an error.
    pub fn keys(self, variants: &[Variant]) -> Result<Vec<String>, String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for v in variants {
            let key = self.of(v)?;
            if !seen.insert(key.clone()) {
                return Err(format!("duplicate {} {key:?} in one product; refusing to merge variants", self.name()));
            }
            out.push(key);
        }
        Ok(out)
    }
}
