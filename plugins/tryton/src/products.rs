//! Products: a template is a product, its `product.product` rows are the variants (code = SKU).
//!
//! Incremental by the template's `(last_modified_at, id)`: a price or name change touches the
//! template. Inactive templates are pulled too, as `deleted`.

use crate::rpc::Client;
use crate::values::{decimal, decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, updated_at, Mark};
use serde_json::{json, Value};
use weft_sdk::{Money, Page, PluginError, Product, ProductStatus, Record, Variant};

const TEMPLATE_FIELDS: [&str; 7] = ["code", "name", "list_price", "active", "salable", "last_modified_at", "type"];
const VARIANT_FIELDS: [&str; 7] =
    ["code", "suffix_code", "cost_price", "template", "active", "last_modified_at", "description"];

/// One page of products changed after `cursor`.
pub fn pull(client: &Client, currency: &str, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let start: Option<Mark> = cursor.map(decode_cursor).transpose()?;
    let domain = domain_after(start.as_ref(), vec![json!(["active", "in", [true, false]])]);
    let templates = client
        .model(
            "product.template",
            "search_read",
            vec![domain, json!(0), json!(limit), order_by_mark(), json!(TEMPLATE_FIELDS)],
            json!({}),
        )
        .map_err(|e| e.into_plugin_error("product"))?;
    let templates = templates.as_array().cloned().unwrap_or_default();
    let records = build(client, currency, &templates)?;
    let full = templates.len() as u32 >= limit;
    let next = next_mark(start, templates.last().and_then(Mark::of), full, client.settings().overlap_seconds);
    Ok(Page { records, next_cursor: next.map(|m| encode_cursor(&m)), has_more: full })
}

/// Products by template id; none for ids that do not exist.
pub fn fetch(client: &Client, currency: &str, ids: &[i64]) -> Result<Vec<Option<Record>>, PluginError> {
    let templates = client
        .model(
            "product.template",
            "search_read",
            vec![
                json!([["id", "in", ids], ["active", "in", [true, false]]]),
                json!(0),
                Value::Null,
                Value::Null,
                json!(TEMPLATE_FIELDS),
            ],
            json!({}),
        )
        .map_err(|e| e.into_plugin_error("product"))?;
    let records = build(client, currency, templates.as_array().map(Vec::as_slice).unwrap_or_default())?;
    Ok(ids.iter().map(|id| records.iter().find(|r| r.external_id() == id.to_string()).cloned()).collect())
}

/// Read the variants of `templates` and assemble products.
fn build(client: &Client, currency: &str, templates: &[Value]) -> Result<Vec<Record>, PluginError> {
    let ids: Vec<i64> = templates.iter().filter_map(|t| t.get("id").and_then(Value::as_i64)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let variants = client
        .model(
            "product.product",
            "search_read",
            vec![
                json!([["template", "in", ids], ["active", "in", [true, false]]]),
                json!(0),
                Value::Null,
                json!([["id", "ASC"]]),
                json!(VARIANT_FIELDS),
            ],
            json!({}),
        )
        .map_err(|e| e.into_plugin_error("product"))?;
    let variants = variants.as_array().cloned().unwrap_or_default();
    Ok(templates.iter().map(|t| Record::Product(product(t, &variants, currency))).collect())
}

fn product(t: &Value, variants: &[Value], currency: &str) -> Product {
    let id = t.get("id").and_then(Value::as_i64).unwrap_or_default();
    let money = |v: &Value| decimal(v).map(|amount| Money { amount, currency: currency.to_owned() });
    let price = t.get("list_price").and_then(money);
    let mine: Vec<&Value> = variants.iter().filter(|v| v.get("template").and_then(Value::as_i64) == Some(id)).collect();
    let with_options = mine.len() > 1;
    let active = t.get("active").and_then(Value::as_bool).unwrap_or(true);
    Product {
        external_id: id.to_string(),
        sku: str_field(t, "code"),
        title: str_field(t, "name").unwrap_or_default(),
        description: None,
        vendor: None,
        product_type: str_field(t, "type"),
        tags: Vec::new(),
        status: if !active {
            ProductStatus::Archived
        } else if t.get("salable").and_then(Value::as_bool) == Some(false) {
            ProductStatus::Draft
        } else {
            ProductStatus::Active
        },
        options: if with_options { vec!["Variant".into()] } else { Vec::new() },
        variants: mine
            .iter()
            .map(|v| Variant {
                external_id: v.get("id").and_then(Value::as_i64).unwrap_or_default().to_string(),
                sku: str_field(v, "code"),
                barcode: None,
                option_values: if with_options {
                    vec![str_field(v, "suffix_code").unwrap_or_default().trim_start_matches(['-', '_', ' ']).to_owned()]
                } else {
                    Vec::new()
                },
                price: price.clone(),
                compare_at_price: None,
                cost: v.get("cost_price").and_then(money),
                weight_grams: None,
                media: Vec::new(),
                metafields: Vec::new(),
                updated_at: updated_at(v),
                extra: json!({"active": v.get("active")}).to_string(),
            })
            .collect(),
        media: Vec::new(),
        collections: Vec::new(),
        metafields: Vec::new(),
        deleted: !active,
        updated_at: updated_at(t),
        extra: json!({"template_id": id}).to_string(),
    }
}

/// A non-empty string field.
pub fn str_field(row: &Value, key: &str) -> Option<String> {
    row.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}
