//! Staged uploads: targets handed out by `stagedUploadsCreate` and the files posted to them.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Largest bulk mutation variables file: 100 MB since 2026-01
/// (<https://shopify.dev/changelog/faster-bulk-operations>).
pub const MAX_BULK_VARIABLES_BYTES: u64 = 100 * 1024 * 1024;

/// Largest image or file: 20 MB (<https://help.shopify.com/en/manual/products/product-media/product-media-types>;
/// also <https://matrixify.app/documentation/shopify-limits/>).
pub const MAX_MEDIA_BYTES: u64 = 20 * 1024 * 1024;

/// One staged upload target and, once posted, its file.
#[derive(Clone, Debug, Serialize)]
pub struct StagedUpload {
    /// The storage key (`tmp/{shop}/{bulk|products|files}/{uuid}/{filename}`); a bulk mutation's `stagedUploadPath`.
    pub key: String,
    /// `StagedUploadTargetGenerateUploadResource` value.
    pub resource: String,
    pub filename: String,
    pub mime_type: String,
    /// `POST` (multipart form) or `PUT` (raw body).
    pub http_method: String,
    /// Largest accepted file (the policy's `content-length-range`).
    pub max_bytes: u64,
    pub created_at: DateTime<Utc>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub size: Option<u64>,
    /// Hex SHA-256 of the file.
    pub sha256: Option<String>,
    #[serde(skip)]
    pub bytes: Option<Bytes>,
}

impl StagedUpload {
    /// The largest file Shopify accepts for a resource type, or None when the simulator does not stage it.
    pub fn max_bytes_for(resource: &str) -> Option<u64> {
        match resource {
            "BULK_MUTATION_VARIABLES" => Some(MAX_BULK_VARIABLES_BYTES),
            "IMAGE" | "PRODUCT_IMAGE" | "FILE" => Some(MAX_MEDIA_BYTES),
            _ => None,
        }
    }
}
