//! Order records: orders with every cent of them (lines, shipping, taxes, discounts, both
//! currencies), customers with their addresses, and the B2B buyer.

use super::catalog::Metafield;
use super::money::Amount;
use serde::{Deserialize, Serialize};

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Custom fields.
    #[serde(default)]
    pub metafields: Vec<Metafield>,
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

/// A tax charged on a line, a shipping line or the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    /// Name of the tax (`"VAT 19%"`).
    pub title: String,
    /// Rate as a decimal fraction (`"0.19"`).
    pub rate: String,
    /// The tax charged.
    pub amount: Amount,
}

/// How a discount's value is expressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscountValueType {
    /// `value` is a percentage (`"10"` = 10 %).
    #[default]
    Percentage,
    /// `value` is an amount in the order's currency.
    FixedAmount,
}

/// Where a discount came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscountKind {
    /// A code the buyer entered.
    Code,
    /// An automatic discount.
    Automatic,
    /// Added by staff or the selling system.
    #[default]
    Manual,
}

/// A discount applied to the order; allocations on lines and shipping lines say how much of it
/// each one got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountApplication {
    /// How it came about.
    pub kind: DiscountKind,
    /// The code, for code discounts.
    pub code: Option<String>,
    /// Title shown to the buyer.
    pub title: Option<String>,
    /// Percentage or fixed amount.
    pub value_type: DiscountValueType,
    /// The value (`"10"`, `"5.00"`).
    pub value: String,
}

/// The part of a discount application taken off one line or shipping line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountAllocation {
    /// Index of the application in `Order::discounts`.
    pub application: u32,
    /// The amount taken off.
    pub amount: Amount,
}

/// One line of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Id of the line in the source system.
    pub external_id: String,
    /// SKU of the ordered variant; lines resolve to variants by SKU.
    pub sku: Option<String>,
    /// Line title as shown to the buyer.
    pub title: String,
    /// Units ordered, as the order stands after its edits (refunds do not lower it).
    pub quantity: u32,
    /// Units left after edits and refunds.
    pub current_quantity: u32,
    /// Price of one unit before discounts.
    pub unit_price: Amount,
    /// Discounts on the whole line, by application.
    pub discount_allocations: Vec<DiscountAllocation>,
    /// Taxes on the whole line.
    pub tax_lines: Vec<TaxLine>,
    /// Whether the line needs shipping.
    pub requires_shipping: bool,
    /// Custom fields of the line (`properties`), as (name, value).
    pub custom_attributes: Vec<(String, String)>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// A shipping charge of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingLine {
    /// Id of the shipping line in the source system.
    pub external_id: String,
    /// Title shown to the buyer (`"Standard"`).
    pub title: String,
    /// The carrier's or the shop's code of the rate.
    pub code: Option<String>,
    /// Price before discounts.
    pub price: Amount,
    /// Discounts on it, by application.
    pub discount_allocations: Vec<DiscountAllocation>,
    /// Taxes on it.
    pub tax_lines: Vec<TaxLine>,
}

/// A B2B order's buyer: a company location (Shopify B2B).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyLocation {
    /// The company's id in the order's source system.
    pub company_id: String,
    /// The company's name.
    pub company_name: String,
    /// The company location's id.
    pub location_id: String,
    /// The company location's name.
    pub location_name: String,
}

/// Whether importing an order must move stock in the destination (an orders flow's
/// `stock_counted_by`, see `config::hybrid`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockEffect {
    /// Importing the order moves its stock (the ERP ships it from stock).
    #[default]
    MoveStock,
    /// A hybrid inventory flow already booked the sale's stock as an adjustment in the same
    /// destination: the order is imported without moving stock.
    AlreadyCounted,
}

/// An order: from Shopify to the ERP, or an external order from the ERP into Shopify. Its amounts
/// add up to the cent: `subtotal` (lines after their discounts) + `shipping` (after its
/// discounts) + `tax` (unless `taxes_included`) = `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Id of the order in the source system.
    pub external_id: String,
    /// Human order name or number (`"#1001"`, `"AMZ-123"`).
    pub name: String,
    /// Channel the order came from (`"web"`, `"pos"`, `"amazon"`, `"b2b"`).
    pub source: String,
    /// Buyer e-mail.
    pub email: Option<String>,
    /// Buyer phone.
    pub phone: Option<String>,
    /// The buyer, when known (a guest checkout has only an e-mail).
    pub customer: Option<Customer>,
    /// The B2B company location that bought, if any.
    pub company_location: Option<CompanyLocation>,
    /// The shop's currency (ISO 4217): the `shop` side of every amount.
    pub currency: String,
    /// The buyer's currency when it differs: the `presentment` side of every amount.
    pub presentment_currency: Option<String>,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Shipping charges.
    pub shipping_lines: Vec<ShippingLine>,
    /// Discount applications; lines and shipping lines allocate them.
    pub discounts: Vec<DiscountApplication>,
    /// Taxes of the whole order, summed by title and rate.
    pub tax_lines: Vec<TaxLine>,
    /// Whether prices include tax.
    pub taxes_included: bool,
    /// Sum of the lines after their discounts.
    pub subtotal: Amount,
    /// Shipping charged after its discounts.
    pub shipping: Amount,
    /// Total tax.
    pub tax: Amount,
    /// Total of every discount.
    pub discount: Amount,
    /// Grand total.
    pub total: Amount,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// True once cancelled.
    pub cancelled: bool,
    /// Whether importing the order must move stock; set by the orders flow from Shopify.
    #[serde(default)]
    pub stock_effect: StockEffect,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// Tags.
    pub tags: Vec<String>,
    /// The buyer's or staff's note.
    pub note: Option<String>,
    /// Custom attributes of the order (`note_attributes`), as (name, value).
    pub custom_attributes: Vec<(String, String)>,
    /// The buyer's purchase order number.
    pub po_number: Option<String>,
    /// Custom fields.
    pub metafields: Vec<Metafield>,
    /// When the order was placed (RFC 3339).
    pub created_at: String,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
