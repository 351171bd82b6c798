//! The simulator's records: plain data, no behaviour beyond small helpers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A product with its options; variants live in [`super::Store::variants`].
#[derive(Clone, Debug, Serialize)]
pub struct Product {
    pub id: u64,
    pub title: String,
    pub handle: String,
    pub status: String,
    pub vendor: String,
    pub product_type: String,
    pub description_html: String,
    pub tags: Vec<String>,
    /// Option name and its values, in position order (max 3).
    pub options: Vec<ProductOption>,
    /// Variant ids in position order.
    pub variant_ids: Vec<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One product option ("Size": ["S", "M"]).
#[derive(Clone, Debug, Serialize)]
pub struct ProductOption {
    pub id: u64,
    pub name: String,
    pub values: Vec<String>,
}

/// A sellable variant; its SKU lives on the inventory item, mirrored here.
#[derive(Clone, Debug, Serialize)]
pub struct Variant {
    pub id: u64,
    pub product_id: u64,
    pub sku: String,
    pub barcode: Option<String>,
    pub price: String,
    pub compare_at_price: Option<String>,
    pub inventory_policy: String,
    /// (option name, value) pairs.
    pub option_values: Vec<(String, String)>,
    pub inventory_item_id: u64,
    pub taxable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Variant {
    /// Shopify's variant title: option values joined by " / ".
    pub fn title(&self) -> String {
        if self.option_values.is_empty() {
            "Default Title".to_string()
        } else {
            let values: Vec<&str> = self.option_values.iter().map(|(_, v)| v.as_str()).collect();
            values.join(" / ")
        }
    }
}

/// The stock-keeping record behind a variant.
#[derive(Clone, Debug, Serialize)]
pub struct InventoryItem {
    pub id: u64,
    pub variant_id: u64,
    pub sku: String,
    pub tracked: bool,
    pub requires_shipping: bool,
    pub unit_cost: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Quantities of one inventory item at one location, by quantity name.
#[derive(Clone, Debug, Serialize)]
pub struct InventoryLevel {
    pub item_id: u64,
    pub location_id: u64,
    pub quantities: BTreeMap<String, i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InventoryLevel {
    /// The quantity for `name`; `on_hand` is derived like Shopify does.
    pub fn quantity(&self, name: &str) -> i64 {
        match name {
            "on_hand" => {
                self.get("available")
                    + self.get("committed")
                    + self.get("reserved")
                    + self.get("damaged")
                    + self.get("quality_control")
                    + self.get("safety_stock")
            }
            other => self.get(other),
        }
    }

    fn get(&self, name: &str) -> i64 {
        self.quantities.get(name).copied().unwrap_or(0)
    }
}

/// A stock location.
#[derive(Clone, Debug, Serialize)]
pub struct Location {
    pub id: u64,
    pub name: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A customer.
#[derive(Clone, Debug, Serialize)]
pub struct Customer {
    pub id: u64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub tax_exempt: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An order line.
#[derive(Clone, Debug, Serialize)]
pub struct LineItem {
    pub id: u64,
    pub variant_id: Option<u64>,
    pub product_id: Option<u64>,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: i64,
    pub fulfilled_quantity: i64,
    pub unit_price: String,
    /// Presentment price, taxes, discounts, and units refunded or removed.
    pub detail: super::order_detail::LineDetail,
}

/// A payment transaction on an order.
#[derive(Clone, Debug, Serialize)]
pub struct Transaction {
    pub id: u64,
    pub kind: String,
    pub status: String,
    pub amount: String,
    /// The amount in the order's presentment currency.
    pub amount_presentment: String,
    /// The transaction a refund or capture refers to.
    pub parent_id: Option<u64>,
    pub gateway: String,
    pub processed_at: DateTime<Utc>,
}

/// A fulfillment (shipment) of some order lines.
#[derive(Clone, Debug, Serialize)]
pub struct Fulfillment {
    pub id: u64,
    pub status: String,
    pub tracking_number: Option<String>,
    pub tracking_company: Option<String>,
    pub tracking_url: Option<String>,
    /// (line item id, quantity).
    pub lines: Vec<(u64, i64)>,
    /// The `FulfillmentLineItem` id of each entry of `lines`.
    pub line_ids: Vec<u64>,
    pub notify_customer: bool,
    pub location_id: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// An order.
#[derive(Clone, Debug, Serialize)]
pub struct Order {
    pub id: u64,
    pub number: u64,
    pub name: String,
    pub email: Option<String>,
    pub source_name: String,
    pub source_identifier: Option<String>,
    pub currency: String,
    pub financial_status: String,
    pub line_items: Vec<LineItem>,
    pub transactions: Vec<Transaction>,
    pub fulfillments: Vec<Fulfillment>,
    /// One fulfillment order per order: its id.
    pub fulfillment_order_id: u64,
    /// Addresses, shipping, taxes, discounts, currency and the rest of the order's detail.
    pub detail: super::order_detail::OrderDetail,
    pub refunds: Vec<super::order_changes::Refund>,
    pub returns: Vec<super::order_changes::Return>,
    pub customer_id: Option<u64>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub test: bool,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub processed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// The order total (after discounts, shipping and taxes, before refunds) as a decimal string.
    pub fn total_price(&self) -> String {
        cents_to_money(super::order_totals::totals(self).total.shop)
    }

    /// Shopify's display fulfillment status derived from the lines still on the order.
    pub fn fulfillment_status(&self) -> &'static str {
        let open: i64 = self.line_items.iter().map(|l| l.remaining_quantity()).sum();
        let done: i64 = self.line_items.iter().map(|l| l.fulfilled_quantity).sum();
        if done == 0 {
            "UNFULFILLED"
        } else if open > 0 {
            "PARTIALLY_FULFILLED"
        } else {
            "FULFILLED"
        }
    }
}

/// A webhook subscription.
#[derive(Clone, Debug, Serialize)]
pub struct Subscription {
    pub id: u64,
    /// GraphQL enum value, e.g. `ORDERS_CREATE`.
    pub topic: String,
    pub uri: String,
    pub format: String,
    pub name: Option<String>,
    pub include_fields: Vec<String>,
    /// Search-syntax filter, kept and reported (deliveries are not filtered by it).
    pub filter: Option<String>,
    /// Another app installed on the shop that owns it; None for the simulator's API client.
    pub foreign_app: Option<ForeignApp>,
    pub consecutive_failures: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Another app's identity: its subscriptions are invisible to this app's token and signed with its secret.
#[derive(Clone, Debug, Serialize)]
pub struct ForeignApp {
    pub name: String,
    pub webhook_secret: String,
}

/// A subscription Shopify deleted (8 consecutive failed deliveries, or the control API), with why.
#[derive(Clone, Debug, Serialize)]
pub struct SubscriptionRemoval {
    pub subscription: Subscription,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A bulk operation: a query (export) or a mutation run once per line of a staged JSONL file.
#[derive(Clone, Debug, Serialize)]
pub struct BulkOperation {
    pub id: u64,
    /// `QUERY` or `MUTATION`.
    pub kind: String,
    pub status: String,
    /// The query, or the mutation run for each line.
    pub query: String,
    /// The API version of the request that started it (its lines run under it).
    pub api_version: String,
    /// The staged upload key of a mutation's variables file.
    pub staged_upload_path: Option<String>,
    pub client_identifier: Option<String>,
    pub error_code: Option<String>,
    pub object_count: u64,
    pub root_object_count: u64,
    /// The JSONL result once completed (or the lines done when it failed or was canceled).
    #[serde(skip)]
    pub result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The outcome of an inventory mutation, kept so an idempotent replay returns it unchanged.
#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentGroup {
    pub id: u64,
    pub reason: String,
    pub reference_document_uri: Option<String>,
    pub changes: Vec<InventoryChange>,
    pub created_at: DateTime<Utc>,
}

/// One quantity change inside an adjustment group.
#[derive(Clone, Debug, Serialize)]
pub struct InventoryChange {
    pub name: String,
    pub delta: i64,
    pub quantity_after_change: i64,
    pub item_id: u64,
    pub location_id: u64,
}

/// A Shopify user error (`field`, `message`, optional `code`).
#[derive(Clone, Debug, Serialize)]
pub struct UserError {
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: Option<String>,
}

impl UserError {
    /// A user error at `field` with a typed code.
    pub fn new(field: &[&str], message: impl Into<String>, code: Option<&str>) -> Self {
        UserError {
            field: Some(field.iter().map(|s| s.to_string()).collect()),
            message: message.into(),
            code: code.map(str::to_string),
        }
    }
}

/// Parses a decimal money string into cents (bad input counts as 0).
pub fn money_cents(amount: &str) -> i64 {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, "0"));
    let whole: i64 = whole.trim().parse().unwrap_or(0);
    let mut frac = frac.trim().to_string();
    frac.truncate(2);
    while frac.len() < 2 {
        frac.push('0');
    }
    let frac: i64 = frac.parse().unwrap_or(0);
    if whole < 0 || amount.trim_start().starts_with('-') {
        whole * 100 - frac
    } else {
        whole * 100 + frac
    }
}

/// Formats cents as a decimal string with two places.
pub fn cents_to_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}
