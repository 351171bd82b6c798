//! Catalog writes: `productSet` by handle (create or update; variants and options given replace
//! the stored lists). Naturally idempotent, so transient failures are simply retried.

use super::client::ShopifyClient;
use super::error::{RecordError, ShopifyError, WriteError};
use super::queries;
use super::throttle::Priority;
use serde::Serialize;
use serde_json::json;

/// A product as weft owns it (`ProductSetInput`).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductInput {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// `ACTIVE`, `DRAFT` or `ARCHIVED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub product_options: Vec<OptionInput>,
    pub variants: Vec<VariantInput>,
}

/// An option and its values (`OptionSetInput`).
#[derive(Clone, Debug, Serialize)]
pub struct OptionInput {
    pub name: String,
    pub values: Vec<Named>,
}

/// `{ "name": ... }`.
#[derive(Clone, Debug, Serialize)]
pub struct Named {
    pub name: String,
}

/// A variant (`ProductVariantSetInput`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantInput {
    pub sku: String,
    /// Decimal string, e.g. `"19.90"`.
    pub price: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    pub option_values: Vec<OptionValue>,
}

/// A variant's value for one option (`VariantOptionValueInput`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionValue {
    pub option_name: String,
    pub name: String,
}

/// A variant of the product Shopify stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantRef {
    pub id: String,
    pub sku: String,
    pub inventory_item_id: String,
}

/// The product Shopify stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRef {
    pub id: String,
    pub handle: String,
    pub variants: Vec<VariantRef>,
}

/// Creates or updates the product with `handle`.
pub async fn product_set(client: &ShopifyClient, handle: &str, input: &ProductInput) -> Result<ProductRef, WriteError> {
    let mut input_json = serde_json::to_value(input).map_err(|e| ShopifyError::Decode(e.to_string()))?;
    input_json["handle"] = json!(handle);
    let vars = json!({"input": input_json, "identifier": {"handle": handle}});
    let data = client.execute(&queries::PRODUCT_SET, vars, Priority::Catalog).await?.data;
    let payload = &data["productSet"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        return Err(e.into());
    }
    let product = &payload["product"];
    let id = product["id"].as_str().ok_or_else(|| ShopifyError::Decode("productSet returned no product".into()))?;
    let variants = product["variants"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| VariantRef {
            id: v["id"].as_str().unwrap_or("").to_string(),
            sku: v["sku"].as_str().unwrap_or("").to_string(),
            inventory_item_id: v["inventoryItem"]["id"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    Ok(ProductRef { id: id.to_string(), handle: product["handle"].as_str().unwrap_or(handle).to_string(), variants })
}
