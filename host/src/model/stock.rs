//! Stock: levels as the ERP sees them, and changes of stock made in Shopify for the ERP to book.

use serde::{Deserialize, Serialize};

/// Stock of one SKU at one ERP location, as the ERP sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryLevel {
    /// Id of the level in the source system (often `sku@location`).
    pub external_id: String,
    /// The SKU the stock belongs to.
    pub sku: Option<String>,
    /// The ERP's location (warehouse) code.
    pub location: String,
    /// Physically on hand.
    pub on_hand: i64,
    /// Committed to open orders, not yet shipped.
    pub reserved: i64,
    /// Expected from open purchase orders or transfers.
    pub incoming: i64,
    /// Quantity the ERP wants to keep back.
    pub safety_stock: i64,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// Why stock changed in Shopify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdjustmentReason {
    /// A storefront (online) sale.
    #[default]
    Sale,
    /// A sale at a point of sale.
    PosSale,
    /// Units put back by a refund.
    RefundRestock,
    /// Units put back by a closed return.
    ReturnRestock,
    /// A person's correction in Shopify's admin.
    Correction,
    /// Anything else, as Shopify named it.
    Other(String),
}

/// A change of stock made in Shopify, for the ERP to book (hybrid inventory): a delta, never an
/// absolute number. Its `external_id` is unique per change, so booking it twice is one booking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryAdjustment {
    /// Id of the change (stable across redeliveries).
    pub external_id: String,
    /// The SKU.
    pub sku: String,
    /// The ERP location (warehouse) code the change books against.
    pub location: String,
    /// Units added (positive) or taken (negative).
    pub delta: i64,
    /// Why.
    pub reason: AdjustmentReason,
    /// What caused it in Shopify, for people (`order #1001`, `POS Main`, `admin`).
    pub source: String,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
