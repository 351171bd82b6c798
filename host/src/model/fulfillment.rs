//! Shipments: (part of) an order shipped by the ERP, line by line, with its tracking.

use serde::{Deserialize, Serialize};

/// One shipped order line (part of it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentLine {
    /// The order line's id, when the ERP knows it; else the line is found by SKU.
    pub line_external_id: Option<String>,
    /// The SKU shipped.
    pub sku: Option<String>,
    /// Units shipped.
    pub quantity: u32,
}

/// A carrier's tracking of a shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Tracking number.
    pub number: String,
    /// Carrier name.
    pub company: Option<String>,
    /// Tracking URL.
    pub url: Option<String>,
}

/// A shipment of (part of) an order, read from the ERP and sent to Shopify as a fulfillment. A
/// second shipment of the rest is a second record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfillment {
    /// Id of the shipment in the source system.
    pub external_id: String,
    /// The order's id in the destination of the original order push (the ERP's sale id).
    pub order_external_id: String,
    /// The order's name (the Shopify order name for Shopify orders).
    pub order_name: String,
    /// Shipped lines; empty means everything left to ship.
    pub lines: Vec<FulfillmentLine>,
    /// Tracking, one per parcel.
    pub tracking: Vec<Tracking>,
    /// The Shopify location it shipped from, when known.
    pub location: Option<String>,
    /// When it shipped (RFC 3339).
    pub shipped_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
