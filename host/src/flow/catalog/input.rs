//! The `productSet` input of one ERP product: mapped fields filtered by ownership, variants by
//! their identity keys, the variants a write creates stocked at the inventory flows' locations,
//! and the variants Shopify has and the ERP did not send kept. The write path and the mapping
//! preview both build their input here.

use crate::config::{Config, FlowConfig, ObjectKind};
use crate::domain::identity::IdentityKey;
use crate::domain::mapping::shape::VARIANTS;
use crate::domain::mapping::{source_json, Applied, Mapping};
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Product, ProductStatus, Variant};
use crate::shopify::products::StoredVariant;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

/// Where each catalog field is in Shopify's `productSet` input: product fields by key, variant
/// fields by their path under each variant (`variants[].price`). SEO, collections and metafields
/// are Shopify's by default: sent only when a mapping sets them and the flow gives them to the
/// ERP.
pub const SHOPIFY_TARGETS: &[(Field, &str)] = &[
    (Field::Title, "title"),
    (Field::Description, "descriptionHtml"),
    (Field::Vendor, "vendor"),
    (Field::ProductType, "productType"),
    (Field::Status, "status"),
    (Field::Tags, "tags"),
    (Field::Seo, "seo"),
    (Field::Collections, "collections"),
    (Field::Metafields, "metafields"),
    (Field::Sku, "variants[].sku"),
    (Field::Price, "variants[].price"),
    (Field::CompareAtPrice, "variants[].compareAtPrice"),
    (Field::Barcode, "variants[].barcode"),
    (Field::Cost, "variants[].inventoryItem.cost"),
    (Field::Weight, "variants[].inventoryItem.measurement"),
];

/// What a product flow would send for one ERP product.
pub struct ProductWrite {
    /// The variants' identity keys.
    pub keys: Vec<String>,
    /// The `productSet` input: ERP-owned fields only.
    pub input: Json,
    /// Fields the ERP record has a value for but Shopify owns, so not sent.
    pub dropped: Vec<&'static str>,
    /// What the mapping did (the rule that matched, the targets it set, why it skips).
    pub applied: Applied,
}

/// The `productSet` input of `p`: every field the ERP has, completed by the mapping (its rules,
/// `skip_if`; variant targets per variant), without the fields Shopify owns, with the variants'
/// identity keys. The write path and the mapping preview both build their input here;
/// `applied.skipped` says when it is not written.
pub fn product_write(
    flow_name: &str,
    flow: &FlowConfig,
    mapping: &Mapping,
    owners: &Ownership,
    p: &Product,
) -> Result<ProductWrite, PluginError> {
    let keys = flow.identity.keys(&p.variants).map_err(|e| PluginError::invalid(flow.identity.name(), e))?;
    let mut input = full_input(p);
    let source = source_json(&serde_json::to_value(p).unwrap_or(Json::Null), &[VARIANTS]);
    let applied = mapping.apply(&source, &mut input).map_err(|e| PluginError::invalid("mapping", e))?;
    if applied.skipped.is_some() {
        return Ok(ProductWrite { keys, input: Json::Null, dropped: Vec::new(), applied });
    }
    if input["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
        return Err(PluginError::invalid("title", "title is empty"));
    }
    let mut dropped = Vec::new();
    let who = p.external_id.as_str();
    if let Some(fields) = input.as_object_mut() {
        // No value: not sent, Shopify's is kept. But tags the ERP owns are the ERP's list even
        // empty: an empty list clears them (a rule that tagged the product no longer applies).
        let erp_tags = owners.owner(Field::Tags) == Owner::Erp;
        fields.retain(|k, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty) && !(erp_tags && k == "tags")));
        for (field, key) in SHOPIFY_TARGETS.iter().filter(|(_, k)| !k.starts_with("variants[].")) {
            if fields.contains_key(*key) && !owners.erp_may_write(*field, flow_name, who) {
                fields.remove(*key);
                dropped.push(field.name());
            }
        }
    }
    for (variant, key) in input["variants"].as_array_mut().into_iter().flatten().zip(&keys) {
        for (field, path) in SHOPIFY_TARGETS.iter().filter_map(|(f, k)| Some((f, k.strip_prefix("variants[].")?))) {
            if take(variant, path, || !owners.erp_may_write(*field, flow_name, key)) {
                dropped.push(field.name());
            }
        }
        if variant.get("inventoryItem").is_some_and(|i| i.as_object().is_some_and(|o| o.is_empty())) {
            variant.as_object_mut().map(|v| v.remove("inventoryItem"));
        }
    }
    dropped.sort_unstable();
    dropped.dedup();
    Ok(ProductWrite { keys, input, dropped, applied })
}

/// Remove the value at `path` (dots) under `value` when it is there and `drop` says so; whether
/// it was removed.
fn take(value: &mut Json, path: &str, drop: impl FnOnce() -> bool) -> bool {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (parent.split('.').try_fold(&mut *value, |v, p| v.get_mut(p)), last),
        None => (Some(value), path),
    };
    let Some(map) = parent.and_then(Json::as_object_mut) else { return false };
    match map.get(last) {
        Some(v) if !v.is_null() && drop() => {
            map.remove(last);
            true
        }
        _ => false,
    }
}

/// Every field of `p` as `productSet` input, before the mapping and the ownership filter.
fn full_input(p: &Product) -> Json {
    let status = match p.status {
        ProductStatus::Active => "ACTIVE",
        ProductStatus::Archived => "ARCHIVED",
        ProductStatus::Draft => "DRAFT",
    };
    let (options, variants) = variants(p);
    json!({
        "title": p.title, "descriptionHtml": p.description, "vendor": p.vendor, "productType": p.product_type,
        "status": status, "tags": p.tags, "productOptions": options, "variants": variants,
    })
}

/// `productOptions` and `variants` of the input, in the order of the ERP's variants.
fn variants(p: &Product) -> (Json, Vec<Json>) {
    let names: Vec<String> = if p.options.is_empty() { vec!["Title".into()] } else { p.options.clone() };
    let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut out = Vec::new();
    for v in &p.variants {
        let chosen: Vec<String> =
            if p.options.is_empty() { vec!["Default Title".into()] } else { v.option_values.clone() };
        let mut option_values = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let value = chosen.get(i).cloned().unwrap_or_default();
            if !values[i].contains(&value) {
                values[i].push(value.clone());
            }
            option_values.push(json!({"optionName": name, "name": value}));
        }
        out.push(variant_input(v, option_values));
    }
    let options = names
        .iter()
        .zip(values)
        .map(|(n, vs)| json!({"name": n, "values": vs.iter().map(|v| json!({"name": v})).collect::<Vec<_>>()}))
        .collect();
    (Json::Array(options), out)
}

/// One variant's input: the fields it has values for.
fn variant_input(v: &Variant, option_values: Vec<Json>) -> Json {
    let mut input = serde_json::Map::new();
    input.insert("optionValues".into(), Json::Array(option_values));
    let mut put = |key: &str, value: Option<Json>| {
        if let Some(value) = value {
            input.insert(key.to_owned(), value);
        }
    };
    put("sku", v.sku.clone().map(Json::from));
    put("price", v.price.as_ref().map(|m| json!(m.amount)));
    put("compareAtPrice", v.compare_at_price.as_ref().map(|m| json!(m.amount)));
    put("barcode", v.barcode.clone().map(Json::from));
    let mut item = serde_json::Map::new();
    if let Some(cost) = &v.cost {
        item.insert("cost".into(), json!(cost.amount));
    }
    if let Some(grams) = v.weight_grams {
        item.insert("measurement".into(), json!({"weight": {"unit": "GRAMS", "value": grams}}));
    }
    input.insert("inventoryItem".into(), Json::Object(item));
    Json::Object(input)
}

/// The Shopify locations the config's inventory flows write to.
pub(super) fn stock_locations(config: &Config) -> BTreeSet<String> {
    config
        .flows
        .values()
        .filter(|f| f.object == ObjectKind::Inventory && f.to.is_shopify())
        .flat_map(|f| f.locations.values().cloned())
        .collect()
}

/// Stock the variants this write creates at `locations` with 0 available (`inventoryQuantities`
/// in the same productSet, at no extra cost), so the inventory flow sets their levels in batches
/// of 250 instead of activating each level with a call of its own. A variant Shopify already has
/// (same SKU or same option values) gets none: productSet would overwrite its stock.
pub(super) fn stock_new_variants(locations: &BTreeSet<String>, stored: &[StoredVariant], input: &mut Json) {
    if locations.is_empty() {
        return;
    }
    let quantities: Vec<Json> =
        locations.iter().map(|l| json!({"locationId": l, "name": "available", "quantity": 0})).collect();
    for v in input["variants"].as_array_mut().into_iter().flatten() {
        let sku = v["sku"].as_str().unwrap_or("");
        let known =
            stored.iter().any(|s| (!sku.is_empty() && s.variant.sku == sku) || option_values(s) == v["optionValues"]);
        if !known && v.get("id").is_none() {
            v["inventoryQuantities"] = Json::Array(quantities.clone());
        }
    }
}

/// A stored variant's option values as a productSet variant input writes them.
fn option_values(s: &StoredVariant) -> Json {
    s.options.iter().map(|(n, v)| json!({"optionName": n, "name": v})).collect()
}

/// Add the variants Shopify has (`stored`) and the ERP did not send (by id, with their option
/// values), so productSet's list replacement does not delete them.
pub(super) fn keep_unsent(
    ctx: &ShopifyContext<'_>,
    handle: &str,
    keys: &[String],
    stored: &[StoredVariant],
    input: &mut Json,
) {
    let sent: Vec<Json> = input["variants"].as_array().cloned().unwrap_or_default();
    let taken: Vec<Json> = sent.iter().map(|v| v["optionValues"].clone()).collect();
    for s in stored {
        let key = s.variant.sku.clone();
        if keys.contains(&key) || key.is_empty() && ctx.flow.identity != IdentityKey::Sku {
            continue;
        }
        let option_values = option_values(s);
        if taken.contains(&option_values) {
            tracing::warn!(flow = ctx.flow_name, handle, sku = %key, "a variant Shopify has shares its options with one the ERP sent; it is replaced");
            continue;
        }
        for (name, value) in &s.options {
            if let Some(opt) =
                input["productOptions"].as_array_mut().and_then(|o| o.iter_mut().find(|o| o["name"] == json!(name)))
            {
                let vals = opt["values"].as_array_mut();
                if let Some(vals) = vals.filter(|vals| !vals.contains(&json!({"name": value}))) {
                    vals.push(json!({"name": value}));
                }
            }
        }
        tracing::info!(flow = ctx.flow_name, handle, sku = %key, "kept a variant Shopify has and the ERP did not send");
        if let Some(list) = input["variants"].as_array_mut() {
            list.push(json!({"id": s.variant.id, "optionValues": option_values}));
        }
    }
}
