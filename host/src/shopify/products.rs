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
    /// Where its variants go on when the answer held only their first page (productSet answers
    /// with 100): read the rest with [`with_all_variants`].
    pub more_variants: Option<String>,
    /// Its media ids, in display order.
    pub media: Vec<String>,
}

/// How a product is named in a write or a read: its id, or the handle it is (or will be) under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductKey<'a> {
    /// `gid://shopify/Product/N`: the product stays under whatever handle it has.
    Id(&'a str),
    /// A handle: `productSet` creates the product under it when there is none.
    Handle(&'a str),
}

impl ProductKey<'_> {
    /// The `identifier` argument of `productSet` and `productByIdentifier`.
    fn identifier(self) -> serde_json::Value {
        match self {
            ProductKey::Id(id) => json!({"id": id}),
            ProductKey::Handle(handle) => json!({"handle": handle}),
        }
    }
}

/// Creates or updates the product with `handle`.
pub async fn product_set(client: &ShopifyClient, handle: &str, input: &ProductInput) -> Result<ProductRef, WriteError> {
    let input_json = serde_json::to_value(input).map_err(|e| ShopifyError::Decode(e.to_string()))?;
    product_set_json(client, ProductKey::Handle(handle), input_json).await
}

/// Creates or updates the product named by `key` from a raw `ProductSetInput` (for callers that
/// choose field by field what to send). By handle, the handle is also set in the input.
pub async fn product_set_json(
    client: &ShopifyClient,
    key: ProductKey<'_>,
    input_json: serde_json::Value,
) -> Result<ProductRef, WriteError> {
    let vars = product_set_variables(key, input_json);
    let data = client.execute(&queries::PRODUCT_SET, vars, Priority::Catalog).await?.data;
    Ok(with_all_variants(client, product_ref(&data["productSet"])?).await?)
}

/// `product` with every variant: the pages past the one its answer held are read.
pub async fn with_all_variants(client: &ShopifyClient, mut product: ProductRef) -> Result<ProductRef, ShopifyError> {
    if let Some(after) = product.more_variants.take() {
        let rest = variant_nodes_after(client, &product.id, after).await?;
        product.variants.extend(rest.iter().map(variant_ref));
    }
    Ok(product)
}

/// The cursor after a page of variants when the product has more.
fn next_page(variants: &serde_json::Value) -> Option<String> {
    let page = &variants["pageInfo"];
    if page["hasNextPage"] == true {
        page["endCursor"].as_str().map(str::to_owned)
    } else {
        None
    }
}

/// The variants (as read by `ProductVariants`) of the product `id` after `after`, 250 a call.
async fn variant_nodes_after(
    client: &ShopifyClient,
    id: &str,
    mut after: String,
) -> Result<Vec<serde_json::Value>, ShopifyError> {
    let mut nodes = Vec::new();
    loop {
        let vars = json!({"id": id, "after": after});
        let data = client.execute(&queries::PRODUCT_VARIANTS, vars, Priority::Catalog).await?.data;
        let variants = &data["product"]["variants"];
        nodes.extend(variants["nodes"].as_array().into_iter().flatten().cloned());
        match next_page(variants) {
            Some(next) => after = next,
            None => return Ok(nodes),
        }
    }
}

/// The variables of `productSet` (a call or a line of a bulk mutation) for the product named by
/// `key`; by handle, the handle is also set in the input.
pub fn product_set_variables(key: ProductKey<'_>, mut input_json: serde_json::Value) -> serde_json::Value {
    if let ProductKey::Handle(handle) = key {
        input_json["handle"] = json!(handle);
    }
    json!({"input": input_json, "identifier": key.identifier()})
}

/// The product of a `productSet` payload, or its first user error.
pub fn product_ref(payload: &serde_json::Value) -> Result<ProductRef, WriteError> {
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        return Err(e.into());
    }
    let product = &payload["product"];
    let id = product["id"].as_str().ok_or_else(|| ShopifyError::Decode("productSet returned no product".into()))?;
    Ok(ProductRef {
        id: id.to_string(),
        handle: product["handle"].as_str().unwrap_or_default().to_string(),
        variants: product["variants"]["nodes"].as_array().into_iter().flatten().map(variant_ref).collect(),
        more_variants: next_page(&product["variants"]),
        media: media_ids(&product["media"]),
    })
}

/// The media ids of product `id` in display order (a product has at most 250).
pub async fn product_media(client: &ShopifyClient, id: &str) -> Result<Vec<String>, ShopifyError> {
    let data = client.execute(&queries::PRODUCT_MEDIA, json!({"id": id}), Priority::Catalog).await?.data;
    Ok(media_ids(&data["product"]["media"]))
}

/// Delete the files `ids` from the shop (media no product shows any more).
pub async fn delete_files(client: &ShopifyClient, ids: &[String]) -> Result<(), WriteError> {
    let data = client.execute(&queries::FILE_DELETE, json!({"fileIds": ids}), Priority::Catalog).await?.data;
    match RecordError::list(&data["fileDelete"]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The ids of a `media(first:) { nodes { id } }` selection, in order.
fn media_ids(media: &serde_json::Value) -> Vec<String> {
    media["nodes"].as_array().into_iter().flatten().filter_map(|m| m["id"].as_str().map(str::to_owned)).collect()
}

fn variant_ref(v: &serde_json::Value) -> VariantRef {
    VariantRef {
        id: v["id"].as_str().unwrap_or("").to_string(),
        sku: v["sku"].as_str().unwrap_or("").to_string(),
        inventory_item_id: v["inventoryItem"]["id"].as_str().unwrap_or("").to_string(),
    }
}

/// A variant Shopify has, with its option values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVariant {
    pub variant: VariantRef,
    /// (option name, value) pairs.
    pub options: Vec<(String, String)>,
}

/// A product as Shopify stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProduct {
    /// Its gid.
    pub id: String,
    /// Its handle.
    pub handle: String,
    /// The fields a catalog flow writes, by the key it writes them under (`title`,
    /// `descriptionHtml`, `vendor`, `productType`, `status`, `tags`) and each variant's price as
    /// `price[SKU]`; plus `id`.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Its variants with their option values.
    pub variants: Vec<StoredVariant>,
}

/// The product named by `key` with all its variants (one query, and one more per 250 variants
/// past the first 250), or `None` when there is no such product.
pub async fn product_by(client: &ShopifyClient, key: ProductKey<'_>) -> Result<Option<StoredProduct>, ShopifyError> {
    let vars = json!({"identifier": key.identifier()});
    let data = client.execute(&queries::PRODUCT_BY_IDENTIFIER, vars, Priority::Catalog).await?.data;
    let product = &data["productByIdentifier"];
    let Some(id) = product["id"].as_str() else { return Ok(None) };
    let mut nodes = product["variants"]["nodes"].as_array().cloned().unwrap_or_default();
    if let Some(after) = next_page(&product["variants"]) {
        nodes.extend(variant_nodes_after(client, id, after).await?);
    }
    let mut fields = serde_json::Map::new();
    for key in ["id", "title", "descriptionHtml", "vendor", "productType", "status", "tags"] {
        fields.insert(key.to_owned(), product[key].clone());
    }
    for v in &nodes {
        if let Some(sku) = v["sku"].as_str().filter(|s| !s.is_empty()) {
            fields.insert(format!("price[{sku}]"), v["price"].clone());
        }
    }
    let variants = nodes
        .iter()
        .map(|node| StoredVariant {
            variant: variant_ref(node),
            options: node["selectedOptions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| (o["name"].as_str().unwrap_or("").to_string(), o["value"].as_str().unwrap_or("").to_string()))
                .collect(),
        })
        .collect();
    let handle = product["handle"].as_str().unwrap_or_default().to_string();
    Ok(Some(StoredProduct { id: id.to_string(), handle, fields, variants }))
}

/// The fields of the product named by `key` (see [`StoredProduct::fields`]); `None` when there
/// is no such product.
pub async fn product_fields(
    client: &ShopifyClient,
    key: ProductKey<'_>,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, ShopifyError> {
    Ok(product_by(client, key).await?.map(|p| p.fields))
}

/// A variant of the shop found by one of an ERP product's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedVariant {
    /// The key it carries (its SKU or barcode).
    pub key: String,
    /// Its gid.
    pub variant: String,
    /// Its product's gid.
    pub product: String,
}

/// Where an ERP product stands in the shop before weft links it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShopMatch {
    /// The shop's variants carrying one of its keys (a key on two variants appears twice).
    pub variants: Vec<KeyedVariant>,
    /// The product that has the handle weft would create it under, if any.
    pub handle_taken_by: Option<String>,
}

/// The variants whose `field` (`sku` or `barcode`; none: no search) is one of `keys`, and the
/// product under `handle`: one query per 50 keys.
pub async fn product_match(
    client: &ShopifyClient,
    field: Option<&str>,
    keys: &[String],
    handle: &str,
) -> Result<ShopMatch, ShopifyError> {
    let mut out = ShopMatch::default();
    let Some(field) = field.filter(|_| !keys.is_empty()) else {
        out.handle_taken_by = product_by(client, ProductKey::Handle(handle)).await?.map(|p| p.id);
        return Ok(out);
    };
    for chunk in keys.chunks(50) {
        // Two per key: enough to see a key that two variants carry.
        let first = (chunk.len() * 2).clamp(1, 250);
        let vars = json!({"keys": super::search::any_of(field, chunk), "first": first, "handle": {"handle": handle}});
        let data = client.execute(&queries::PRODUCT_MATCH, vars, Priority::Catalog).await?.data;
        out.handle_taken_by = data["productByIdentifier"]["id"].as_str().map(str::to_owned);
        for v in data["productVariants"]["nodes"].as_array().into_iter().flatten() {
            let key = v[field].as_str().unwrap_or_default();
            if let (Some(variant), Some(product)) = (v["id"].as_str(), v["product"]["id"].as_str()) {
                if chunk.iter().any(|k| k == key) {
                    out.variants.push(KeyedVariant {
                        key: key.into(),
                        variant: variant.into(),
                        product: product.into(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A variant's ids and prices, found by SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantPrice {
    pub id: String,
    pub product_id: String,
    pub sku: String,
    pub price: String,
    pub compare_at_price: Option<String>,
}

/// The variants carrying `skus` (at most 50 per call).
pub async fn variants_by_sku(client: &ShopifyClient, skus: &[String]) -> Result<Vec<VariantPrice>, ShopifyError> {
    let mut out = Vec::new();
    for chunk in skus.chunks(50) {
        let query = super::search::any_sku(chunk);
        let data = client
            .execute(&queries::VARIANT_PRICES_BY_SKU, json!({"query": query, "first": 250}), Priority::Catalog)
            .await?
            .data;
        for v in data["productVariants"]["nodes"].as_array().into_iter().flatten() {
            out.push(VariantPrice {
                id: v["id"].as_str().unwrap_or("").to_string(),
                product_id: v["product"]["id"].as_str().unwrap_or("").to_string(),
                sku: v["sku"].as_str().unwrap_or("").to_string(),
                price: v["price"].as_str().unwrap_or("").to_string(),
                compare_at_price: v["compareAtPrice"].as_str().map(str::to_string),
            });
        }
    }
    Ok(out)
}

/// Sets price (and compare-at price, `None` clears it) of variants of one product.
pub async fn set_prices(
    client: &ShopifyClient,
    product_id: &str,
    prices: &[(String, String, Option<String>)],
) -> Result<(), WriteError> {
    let variants: Vec<serde_json::Value> =
        prices.iter().map(|(id, price, cmp)| json!({"id": id, "price": price, "compareAtPrice": cmp})).collect();
    let data = client
        .execute(
            &queries::PRODUCT_VARIANTS_BULK_UPDATE,
            json!({"productId": product_id, "variants": variants}),
            Priority::Catalog,
        )
        .await?
        .data;
    match RecordError::list(&data["productVariantsBulkUpdate"]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
