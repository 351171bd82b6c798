//! Order records: orders with their lines, customers with their addresses, and shipments.

use super::catalog::Money;
use serde::{Deserialize, Serialize};

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street line 1.
    pub address1: Option<String>,
    /// Street line 2.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province or state code.
    pub province_code: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: Option<String>,
    /// Phone in E.164 when known.
    pub phone: Option<String>,
}

/// A customer (a party in ERP terms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Id of the customer in the source system.
    pub external_id: String,
    /// Customer code when the source uses one.
    pub sku: Option<String>,
    /// E-mail; the first key used to match customers across systems.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone in E.164 when known.
    pub phone: Option<String>,
    /// Company name for B2B customers.
    pub company: Option<String>,
    /// Addresses, the default first.
    pub addresses: Vec<Address>,
    /// Tags.
    pub tags: Vec<String>,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// Payment state of an order, mapped explicitly between systems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinancialStatus {
    /// Nothing paid or authorised yet.
    #[default]
    Pending,
    /// Payment authorised, not captured.
    Authorized,
    /// Partly paid.
    PartiallyPaid,
    /// Fully paid.
    Paid,
    /// Partly refunded.
    PartiallyRefunded,
    /// Fully refunded.
    Refunded,
    /// Authorisation voided.
    Voided,
}

/// One line of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Id of the line in the source system.
    pub external_id: String,
    /// SKU of the ordered variant; lines resolve to variants by SKU.
    pub sku: Option<String>,
    /// Line title as shown to the buyer.
    pub title: String,
    /// Ordered quantity.
    pub quantity: u32,
    /// Price of one unit before discounts.
    pub unit_price: Money,
    /// Discount on the whole line.
    pub discount: Option<Money>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// An order: from Shopify to the ERP, or an external order from the ERP into Shopify.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Id of the order in the source system.
    pub external_id: String,
    /// Not used for orders; kept for a uniform record shape.
    pub sku: Option<String>,
    /// Human order name or number (`"#1001"`, `"AMZ-123"`).
    pub name: String,
    /// Channel the order came from (`"web"`, `"amazon"`, `"b2b"`).
    pub source: String,
    /// Buyer e-mail.
    pub email: Option<String>,
    /// The buyer, when known.
    pub customer: Option<Customer>,
    /// Order currency (ISO 4217).
    pub currency: String,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Shipping charged.
    pub shipping: Option<Money>,
    /// Total tax.
    pub tax: Option<Money>,
    /// Grand total.
    pub total: Money,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// True once cancelled.
    pub cancelled: bool,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// Tags.
    pub tags: Vec<String>,
    /// When the order was placed (RFC 3339).
    pub created_at: String,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// A shipment of (part of) an order, read from the ERP and sent to Shopify as a fulfillment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fulfillment {
    /// Id of the shipment in the source system.
    pub external_id: String,
    /// Not used for fulfillments; kept for a uniform record shape.
    pub sku: Option<String>,
    /// The order's id in the destination of the original order push.
    pub order_external_id: String,
    /// The order's name (the Shopify order name for Shopify orders).
    pub order_name: String,
    /// Shipped lines as (sku, quantity); empty means the whole order.
    pub lines: Vec<(String, u32)>,
    /// Carrier name.
    pub tracking_company: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking URL.
    pub tracking_url: Option<String>,
    /// When it shipped.
    pub shipped_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
