//! The money and buyer detail of orders and their lines: addresses, shipping lines, tax lines,
//! discount applications and allocations, presentment currency, and the quantities that
//! refunds and edits take off a line. Plain data plus the line arithmetic built on it.

use super::model::LineItem;
use super::money::Bag;
use serde::{Deserialize, Serialize};

/// A postal address (`MailingAddressInput`'s fields; snake_case in the control API).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Address {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub province_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
}

/// A tax on a line or a shipping line: `price` is the tax amount for the whole line.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TaxLine {
    pub title: String,
    /// Parts per million (`0.19` is 190,000).
    pub rate: i64,
    pub price: Bag,
    pub channel_liable: bool,
}

/// What a discount application is (its GraphQL type).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub enum DiscountKind {
    /// `DiscountCodeApplication`.
    Code { code: String },
    /// `AutomaticDiscountApplication`.
    Automatic { title: String },
    /// `ManualDiscountApplication`.
    Manual { title: String, description: Option<String> },
}

/// A discount's value: a fixed amount or a percentage (parts per million of the price).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub enum DiscountValue {
    Fixed(Bag),
    Percentage(i64),
}

/// A discount applied to the order (`DiscountApplication`); its index is its position.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DiscountApplication {
    pub kind: DiscountKind,
    pub value: DiscountValue,
    /// `ACROSS` or `EACH`.
    pub allocation_method: String,
    /// `ALL` (order level), `ENTITLED` or `EXPLICIT` (line level).
    pub target_selection: String,
    /// `LINE_ITEM` or `SHIPPING_LINE`.
    pub target_type: String,
}

impl DiscountApplication {
    /// True for discounts on the whole order (cart discounts), false for line-level ones.
    pub fn order_level(&self) -> bool {
        self.target_selection == "ALL"
    }

    /// True for discount codes (left out of `discountedTotalSet` unless `withCodeDiscounts`).
    pub fn is_code(&self) -> bool {
        matches!(self.kind, DiscountKind::Code { .. })
    }
}

/// The part of a discount application that falls on one line or shipping line.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DiscountAllocation {
    /// Index into the order's discount applications.
    pub application: usize,
    pub amount: Bag,
}

/// A shipping method charged on the order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ShippingLine {
    pub id: u64,
    pub title: String,
    pub code: Option<String>,
    pub source: Option<String>,
    pub price: Bag,
    pub tax_lines: Vec<TaxLine>,
    pub discount_allocations: Vec<DiscountAllocation>,
}

impl ShippingLine {
    /// The price after its discounts.
    pub fn discounted(&self) -> Bag {
        self.price - self.discount_allocations.iter().map(|a| a.amount).sum()
    }

    /// The sum of its taxes.
    pub fn tax(&self) -> Bag {
        self.tax_lines.iter().map(|t| t.price).sum()
    }
}

/// An order's detail beyond lines and payments.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrderDetail {
    /// The currency the buyer saw (equal to the order currency for single-currency orders).
    pub presentment_currency: String,
    /// Whether line and shipping prices include their taxes.
    pub taxes_included: bool,
    pub phone: Option<String>,
    pub po_number: Option<String>,
    pub shipping_address: Option<Address>,
    pub billing_address: Option<Address>,
    /// `customAttributes` (REST `note_attributes`): (key, value).
    pub custom_attributes: Vec<(String, String)>,
    pub shipping_lines: Vec<ShippingLine>,
    pub discount_applications: Vec<DiscountApplication>,
    /// The B2B company location that bought, if any.
    pub company_location_id: Option<u64>,
    /// The POS location a point-of-sale order was placed at.
    pub retail_location_id: Option<u64>,
    /// Whether an order edit was committed.
    pub edited: bool,
    /// The total when the order was placed (`originalTotalPriceSet`).
    pub original_total: Bag,
}

/// A line's detail beyond its unit price and quantities.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LineDetail {
    /// The unit price in the presentment currency, in cents (the shop price is `unit_price`).
    pub unit_presentment: i64,
    pub variant_title: Option<String>,
    pub vendor: Option<String>,
    pub taxable: bool,
    pub requires_shipping: bool,
    pub tax_lines: Vec<TaxLine>,
    pub discount_allocations: Vec<DiscountAllocation>,
    /// Line properties: (name, value).
    pub properties: Vec<(String, String)>,
    /// The location the line's stock was claimed (committed) at, if it was.
    pub location_id: Option<u64>,
    /// Units taken off by order edits.
    pub removed_quantity: i64,
    /// Units refunded.
    pub refunded_quantity: i64,
    /// Refunded units that had been fulfilled (returned goods).
    pub refunded_fulfilled_quantity: i64,
    /// Units that will no longer be fulfilled (removed, or refunded before fulfilment).
    pub unfulfillable_quantity: i64,
}

impl LineItem {
    /// The unit price in both currencies.
    pub fn unit(&self) -> Bag {
        Bag { shop: super::model::money_cents(&self.unit_price), presentment: self.detail.unit_presentment }
    }

    /// Unit price × quantity, before discounts.
    pub fn original_total(&self) -> Bag {
        self.unit() * self.quantity
    }

    /// Every discount allocated to the line (line-level and order-level).
    pub fn all_discounts(&self) -> Bag {
        self.detail.discount_allocations.iter().map(|a| a.amount).sum()
    }

    /// The line's price after every discount, for the whole original quantity.
    pub fn net_total(&self) -> Bag {
        self.original_total() - self.all_discounts()
    }

    /// The sum of the line's taxes, for the whole original quantity.
    pub fn tax_total(&self) -> Bag {
        self.detail.tax_lines.iter().map(|t| t.price).sum()
    }

    /// Units ordered minus units removed and refunded.
    pub fn current_quantity(&self) -> i64 {
        self.quantity - self.detail.removed_quantity - self.detail.refunded_quantity
    }

    /// Units that no longer count (removed or refunded).
    pub fn gone_quantity(&self) -> i64 {
        self.detail.removed_quantity + self.detail.refunded_quantity
    }

    /// Units still to be fulfilled.
    pub fn remaining_quantity(&self) -> i64 {
        (self.quantity - self.fulfilled_quantity - self.detail.unfulfillable_quantity).max(0)
    }

    /// Fulfilled units that have not been refunded (could still be returned).
    pub fn kept_fulfilled_quantity(&self) -> i64 {
        self.fulfilled_quantity - self.detail.refunded_fulfilled_quantity
    }

    /// The share of `total` that `units` of the line carry, rounded so that shares of
    /// consecutive units add up exactly (`share(a + b) = share(a) + (share(a + b) - share(a))`).
    pub fn share(&self, total: Bag, units: i64) -> Bag {
        if self.quantity == 0 {
            return Bag::default();
        }
        total.scale(units, self.quantity)
    }

    /// The net price of `units` more units after `done` units already left the line.
    pub fn net_of(&self, done: i64, units: i64) -> Bag {
        self.share(self.net_total(), done + units) - self.share(self.net_total(), done)
    }

    /// Each tax line's amount for `units` more units after `done` units already left.
    pub fn taxes_of(&self, done: i64, units: i64) -> Vec<TaxLine> {
        self.detail
            .tax_lines
            .iter()
            .map(|t| TaxLine { price: self.share(t.price, done + units) - self.share(t.price, done), ..t.clone() })
            .collect()
    }

    /// The line's price after discounts for the units it still has.
    pub fn current_net(&self) -> Bag {
        self.net_total() - self.share(self.net_total(), self.gone_quantity())
    }

    /// The line's taxes for the units it still has.
    pub fn current_taxes(&self) -> Vec<TaxLine> {
        self.taxes_of(self.gone_quantity(), self.current_quantity())
    }
}
