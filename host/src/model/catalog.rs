//! Catalog records: products with their variants, prices, and stock levels.

use serde::{Deserialize, Serialize};

/// An amount of money: a decimal string (`"19.90"`, never a float) and its ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Decimal amount, `.` as separator, no thousands separator.
    pub amount: String,
    /// ISO 4217 code (`"EUR"`).
    pub currency: String,
}

/// One sellable variant of a product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Id of the variant in the source system.
    pub external_id: String,
    /// Stock keeping unit: the default key shared by the ERP and Shopify.
    pub sku: Option<String>,
    /// Barcode (EAN, UPC, GTIN).
    pub barcode: Option<String>,
    /// Values of the product's options, in the order of `Product::options`.
    pub option_values: Vec<String>,
    /// Selling price.
    pub price: Option<Money>,
    /// "Compare at" (was) price.
    pub compare_at_price: Option<Money>,
    /// Unit cost.
    pub cost: Option<Money>,
    /// Weight in grams.
    pub weight_grams: Option<u32>,
    /// Last change in the source system (RFC 3339).
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// Product status as Shopify models it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductStatus {
    /// Sellable and visible where published.
    #[default]
    Active,
    /// Kept but not sellable.
    Archived,
    /// Not yet ready.
    Draft,
}

/// A product with its options and variants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Id of the product in the source system.
    pub external_id: String,
    /// The product-level SKU or code when the source has one (a template code).
    pub sku: Option<String>,
    /// Display name.
    pub title: String,
    /// Description (HTML allowed).
    pub description: Option<String>,
    /// Brand or manufacturer.
    pub vendor: Option<String>,
    /// Category or product type.
    pub product_type: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Status.
    pub status: ProductStatus,
    /// Option names (`["Size", "Color"]`); empty for a single-variant product.
    pub options: Vec<String>,
    /// Variants; a product without options has exactly one.
    pub variants: Vec<Variant>,
    /// True when the source deleted the product.
    pub deleted: bool,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}

/// Stock of one SKU at one ERP location, as the ERP sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// A price of one SKU, optionally for one sales channel or price list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Id of the price in the source system.
    pub external_id: String,
    /// The SKU priced.
    pub sku: Option<String>,
    /// Channel or price list code; none for the default price.
    pub channel: Option<String>,
    /// Selling price.
    pub price: Money,
    /// "Compare at" price.
    pub compare_at_price: Option<Money>,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
