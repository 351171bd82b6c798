//! Collections: manual (custom) collections and the products they hold, in order.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A manual collection.
#[derive(Clone, Debug, Serialize)]
pub struct Collection {
    pub id: u64,
    pub title: String,
    pub handle: String,
    pub description_html: String,
    /// `CollectionSortOrder` value.
    pub sort_order: String,
    pub template_suffix: Option<String>,
    /// Member products in the order they were added.
    pub product_ids: Vec<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
