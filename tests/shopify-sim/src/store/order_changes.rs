//! What happens to an order after it is placed: refunds, returns and order edits (the
//! calculated-order sessions before they are committed). Plain data.

use super::money::Bag;
use super::order_detail::TaxLine;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One refunded line: `subtotal` is its price after discounts, `taxes` its refunded taxes.
#[derive(Clone, Debug, Serialize)]
pub struct RefundLine {
    pub id: u64,
    pub line_item_id: u64,
    pub quantity: i64,
    /// `RETURN`, `CANCEL`, `LEGACY_RESTOCK` or `NO_RESTOCK`.
    pub restock_type: String,
    pub location_id: Option<u64>,
    pub restocked: bool,
    pub subtotal: Bag,
    pub taxes: Vec<TaxLine>,
}

impl RefundLine {
    /// The refunded tax of the line.
    pub fn tax(&self) -> Bag {
        self.taxes.iter().map(|t| t.price).sum()
    }
}

/// Shipping refunded from one shipping line.
#[derive(Clone, Debug, Serialize)]
pub struct RefundShipping {
    pub id: u64,
    pub shipping_line_id: u64,
    pub subtotal: Bag,
    pub tax: Bag,
}

/// A refund on an order. Its money transactions are on the order, linked by id.
#[derive(Clone, Debug, Serialize)]
pub struct Refund {
    pub id: u64,
    pub note: Option<String>,
    pub lines: Vec<RefundLine>,
    pub shipping: Vec<RefundShipping>,
    pub transaction_ids: Vec<u64>,
    /// Money refunded minus the value of what was refunded (an order adjustment when not zero).
    pub discrepancy: Bag,
    pub created_at: DateTime<Utc>,
    pub processed_at: DateTime<Utc>,
}

impl Refund {
    /// The value of the refunded lines and shipping, taxes included.
    pub fn value(&self) -> Bag {
        self.lines.iter().map(|l| l.subtotal + l.tax()).sum::<Bag>()
            + self.shipping.iter().map(|s| s.subtotal + s.tax).sum()
    }
}

/// One returned line: units of a fulfillment line item.
#[derive(Clone, Debug, Serialize)]
pub struct ReturnLine {
    pub id: u64,
    pub fulfillment_line_item_id: u64,
    pub line_item_id: u64,
    pub quantity: i64,
    pub reason_note: String,
    pub customer_note: Option<String>,
}

/// A return (`REQUESTED`, `OPEN`, `DECLINED`, `CLOSED` or `CANCELED`).
#[derive(Clone, Debug, Serialize)]
pub struct Return {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub lines: Vec<ReturnLine>,
    pub shipping_fee: Option<Bag>,
    /// Decline reason and note.
    pub decline: Option<(String, Option<String>)>,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Return {
    /// True while the return still claims its units (not declined or canceled).
    pub fn counts(&self) -> bool {
        self.status != "DECLINED" && self.status != "CANCELED"
    }
}

/// A change staged in an order edit.
#[derive(Clone, Debug, Serialize)]
pub enum StagedChange {
    /// A new line for a variant (its calculated line item id is `line_id`).
    AddVariant { line_id: u64, variant_id: u64, quantity: i64, location_id: Option<u64> },
    /// A new quantity for an existing line.
    SetQuantity { line_item_id: u64, quantity: i64, restock: bool },
}

/// An order edit session (`CalculatedOrder` / `OrderEditSession`, same id).
#[derive(Clone, Debug, Serialize)]
pub struct OrderEdit {
    pub id: u64,
    pub order_id: u64,
    pub changes: Vec<StagedChange>,
    pub committed: bool,
    pub created_at: DateTime<Utc>,
}
