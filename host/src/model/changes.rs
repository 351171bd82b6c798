//! What happens to an order after it is placed, as changes a destination applies one by one:
//! cancellation, refund, return, edit. Each has its own id, so applying one twice is applying it
//! once.

use super::money::Amount;
use serde::{Deserialize, Serialize};

/// What happened to refunded units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestockType {
    /// Not put back in stock.
    #[default]
    NoRestock,
    /// Unshipped units released (the order line is cancelled).
    Cancel,
    /// Shipped units returned to stock.
    Return,
}

/// One order line (part of it) refunded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    /// The order line's id.
    pub line_external_id: String,
    /// Its SKU.
    pub sku: Option<String>,
    /// Units refunded.
    pub quantity: u32,
    /// What happened to them.
    pub restock: RestockType,
    /// The Shopify location they went back to, when restocked.
    pub location: Option<String>,
    /// Refunded before tax.
    pub subtotal: Amount,
    /// Tax refunded.
    pub tax: Amount,
}

/// Money that moved in a refund.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundTransaction {
    /// The payment gateway.
    pub gateway: String,
    /// Amount refunded to the buyer.
    pub amount: Amount,
}

/// A refund of (part of) an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Lines refunded.
    pub lines: Vec<RefundLine>,
    /// Shipping refunded.
    pub shipping: Amount,
    /// Money returned to the buyer.
    pub transactions: Vec<RefundTransaction>,
    /// Why, when given.
    pub note: Option<String>,
}

/// Where a return stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnStatus {
    /// The buyer asked for it.
    #[default]
    Requested,
    /// Approved (or created by staff); goods expected.
    Open,
    /// Goods received and processed.
    Closed,
    /// Declined.
    Declined,
    /// Cancelled.
    Cancelled,
}

impl ReturnStatus {
    /// Its name in ids and messages (`closed`).
    pub fn name(self) -> &'static str {
        match self {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Open => "open",
            ReturnStatus::Closed => "closed",
            ReturnStatus::Declined => "declined",
            ReturnStatus::Cancelled => "cancelled",
        }
    }
}

/// One order line (part of it) being returned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    /// The order line's id.
    pub line_external_id: String,
    /// Its SKU.
    pub sku: Option<String>,
    /// Units returned.
    pub quantity: u32,
    /// The buyer's reason.
    pub reason: Option<String>,
}

/// A return of (part of) an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReturn {
    /// Where it stands.
    pub status: ReturnStatus,
    /// Lines returned.
    pub lines: Vec<ReturnLine>,
}

/// How an order edit changed a line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineEditKind {
    /// A line was added.
    Added,
    /// A line's quantity went to 0.
    Removed,
    /// A line's quantity changed.
    #[default]
    QuantityChanged,
}

/// One line changed by an order edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineEdit {
    /// The line's id (the new line's, when added).
    pub line_external_id: String,
    /// Its SKU.
    pub sku: Option<String>,
    /// How.
    pub kind: LineEditKind,
    /// Quantity before the edit (0 when added).
    pub quantity_before: u32,
    /// Quantity after the edit (0 when removed).
    pub quantity_after: u32,
    /// Unit price of an added line.
    pub unit_price: Option<Amount>,
}

/// An order's cancellation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Shopify's reason (`customer`, `fraud`, `inventory`, `declined`, `staff`, `other`).
    pub reason: String,
    /// Whether the units were put back in stock.
    pub restock: bool,
    /// Whether the money was refunded.
    pub refunded: bool,
}

/// What changed in an order after it was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderChangeKind {
    /// It was cancelled.
    Cancellation(Cancellation),
    /// Part or all of it was refunded.
    Refund(Refund),
    /// A return was requested, approved, closed, declined or cancelled.
    Return(OrderReturn),
    /// Lines were added, removed or changed in quantity.
    Edit(Vec<LineEdit>),
}

impl Default for OrderChangeKind {
    fn default() -> OrderChangeKind {
        OrderChangeKind::Edit(Vec::new())
    }
}

impl OrderChangeKind {
    /// Its name in ids and messages (`refund`).
    pub fn name(&self) -> &'static str {
        match self {
            OrderChangeKind::Cancellation(_) => "cancellation",
            OrderChangeKind::Refund(_) => "refund",
            OrderChangeKind::Return(_) => "return",
            OrderChangeKind::Edit(_) => "edit",
        }
    }
}

/// A change to an order the destination already has, to apply as its own change (a refund
/// booked as a credit, a return as a return sale...). Changes of one order arrive in the order
/// they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChange {
    /// Id of the change (the refund's, the return's with its status, the edit's...).
    pub external_id: String,
    /// The order's id in the source (the Shopify order GID).
    pub order_external_id: String,
    /// The order's name (`"#1001"`).
    pub order_name: String,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// What changed.
    pub change: OrderChangeKind,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
