//! Catalog records: products with their variants, media and custom fields, and stock levels.

use super::money::Money;
use serde::{Deserialize, Serialize};

/// A custom field, typed as Shopify types metafields (`single_line_text_field`,
/// `number_integer`, `json`, ...). The host writes only the keys the operator manages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metafield {
    /// Namespace (`"erp"`).
    pub namespace: String,
    /// Key within the namespace.
    pub key: String,
    /// Shopify's metafield type name.
    pub r#type: String,
    /// The value as Shopify's API takes it (lists and objects as JSON text).
    pub value: String,
}

/// An image (or other media) of a product or variant, in display order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Where the host fetches it: an `https://` URL, or `file:` + a path in the granted directory.
    pub source: String,
    /// Alternative text.
    pub alt: Option<String>,
    /// SHA-256 (hex) of the file when the source knows it.
    pub content_hash: Option<String>,
}

/// One sellable variant of a product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The variant's own media.
    #[serde(default)]
    pub media: Vec<Media>,
    /// Custom fields.
    #[serde(default)]
    pub metafields: Vec<Metafield>,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Media, in display order.
    #[serde(default)]
    pub media: Vec<Media>,
    /// The categories (collections) the product belongs to, by the source's code or name.
    #[serde(default)]
    pub collections: Vec<String>,
    /// Custom fields.
    #[serde(default)]
    pub metafields: Vec<Metafield>,
    /// True when the source deleted the product.
    pub deleted: bool,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
