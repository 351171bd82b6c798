//! Metafields and metafield definitions on products, variants, customers, orders and collections.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The namespace Shopify reserves for the calling app (`$app`), used when a namespace is omitted.
pub const APP_NAMESPACE: &str = "app--1";

/// Owner kinds (gid types) that carry metafields, with their `MetafieldOwnerType`.
pub const OWNER_TYPES: &[(&str, &str)] = &[
    ("Product", "PRODUCT"),
    ("ProductVariant", "PRODUCTVARIANT"),
    ("Customer", "CUSTOMER"),
    ("Order", "ORDER"),
    ("Collection", "COLLECTION"),
];

/// The `MetafieldOwnerType` of a gid kind.
pub fn owner_type(kind: &str) -> Option<&'static str> {
    OWNER_TYPES.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t)
}

/// A namespace as stored: omitted or `$app` is the app's reserved namespace, `$app:x` is `app--1--x`.
pub fn resolve_namespace(namespace: Option<&str>) -> String {
    match namespace {
        None | Some("$app") => APP_NAMESPACE.to_string(),
        Some(ns) => ns.strip_prefix("$app:").map_or_else(|| ns.to_string(), |rest| format!("{APP_NAMESPACE}--{rest}")),
    }
}

/// One metafield value.
#[derive(Clone, Debug, Serialize)]
pub struct Metafield {
    pub id: u64,
    /// The owner's gid type (`Product`, `ProductVariant`, ...).
    pub owner_kind: String,
    pub owner_id: u64,
    pub namespace: String,
    pub key: String,
    /// Metafield type name, e.g. `single_line_text_field` or `list.number_integer`.
    pub type_name: String,
    pub value: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Metafield {
    /// `compareDigest`: changes whenever the value or type changes.
    pub fn digest(&self) -> String {
        Sha256::digest(format!("{}\u{0}{}", self.type_name, self.value)).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A metafield definition: the type (and validations) of one namespace and key on one owner type.
#[derive(Clone, Debug, Serialize)]
pub struct MetafieldDefinition {
    pub id: u64,
    /// `MetafieldOwnerType` value.
    pub owner_type: String,
    pub namespace: String,
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub type_name: String,
    /// (name, value) pairs such as ("max", "20") or ("choices", "[\"red\",\"blue\"]").
    pub validations: Vec<(String, String)>,
    pub created_at: DateTime<Utc>,
}
