//! Files (the shop's Files page) and product and variant media, which are files attached in order.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Most media a product has (<https://help.shopify.com/en/manual/products/product-media/product-media-types>).
pub const MAX_PRODUCT_MEDIA: usize = 250;

/// Longest alt text (schema: `ALT_VALUE_LIMIT_EXCEEDED` "exceeds the maximum limit of 512 characters").
pub const MAX_ALT: usize = 512;

/// A file: an image (`MediaImage`, usable as product media) or any other file (`GenericFile`).
#[derive(Clone, Debug, Serialize)]
pub struct FileRecord {
    pub id: u64,
    /// `MediaImage` or `GenericFile` (its gid type).
    pub kind: String,
    pub filename: String,
    pub alt: Option<String>,
    pub mime_type: Option<String>,
    /// Where it came from: a staged upload's resource URL or an external URL.
    pub original_source: String,
    /// The staged upload holding its bytes, when it came from one.
    pub upload_key: Option<String>,
    pub size: Option<u64>,
    /// Hex SHA-256 of its bytes, when known.
    pub sha256: Option<String>,
    /// `READY`, or `FAILED` when its staged upload never arrived.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
