//! The `productSet` input of one ERP product: mapped fields filtered by ownership, variants by
//! their identity keys, the variants a write creates stocked at the inventory flows' locations,
//! and the variants Shopify has and the ERP did not send kept. The write path and the mapping
//! preview both build their input here.

use crate::config::{Config, FlowConfig, ObjectKind};
use crate::domain::identity::IdentityKey;
use crate::domain::mapping::Mapping;
use crate::domain::ownership::{Field, Ownership};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Product};
use crate::shopify::products::StoredVariant;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

/// Where each catalog field goes in Shopify's `productSet` input (SEO, collections and
/// metafields are Shopify's and never sent).
pub const SHOPIFY_TARGETS: &[(Field, &str)] = &[
    (Field::Title, "title"),
    (Field::Description, "descriptionHtml"),
    (Field::Vendor, "vendor"),
    (Field::ProductType, "productType"),
    (Field::Status, "status"),
    (Field::Tags, "tags"),
    (Field::Sku, "variants[].sku"),
    (Field::Price, "variants[].price"),
    (Field::CompareAtPrice, "variants[].compareAtPrice"),
    (Field::Barcode, "variants[].barcode"),
    (Field::Cost, "variants[].inventoryItem.cost"),
    (Field::Weight, "variants[].inventoryItem.measurement.weight"),
];

/// What a product flow would send for one ERP product.
pub struct ProductWrite {
    /// The variants' identity keys.
    pub keys: Vec<String>,
    /// The `productSet` input: ERP-owned fields only.
    pub input: Json,
    /// Fields the ERP record has a value for but Shopify owns, so not sent.
    pub dropped: Vec<&'static str>,
}

/// The `productSet` input of `p` (mapping, `skip_if`, identity keys, ownership), `None` when
/// `skip_if` holds. The write path and the mapping preview both build their input here.
pub fn product_write(
    flow_name: &str,
    flow: &FlowConfig,
    mapping: &Mapping,
    owners: &Ownership,
    p: &Product,
) -> Result<Option<ProductWrite>, PluginError> {
    let Some(fields) = mapping.apply(p).map_err(|e| PluginError::invalid("mapping", e))? else { return Ok(None) };
    let keys = flow.identity.keys(&p.variants).map_err(|e| PluginError::invalid(flow.identity.name(), e))?;
    let who = p.external_id.as_str();
    let mut dropped = Vec::new();
    let mut input = serde_json::Map::new();
    let mut put = |f: Field, value: Json| {
        let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
        let key = SHOPIFY_TARGETS.iter().find(|(t, _)| *t == f).map(|(_, k)| *k);
        match key {
            Some(key) if !empty && owners.erp_may_write(f, flow_name, who) => {
                input.insert(key.to_owned(), value);
            }
            Some(_) if !empty => dropped.push(f.name()),
            _ => {}
        }
    };
    put(Field::Title, json!(fields.title));
    put(Field::Description, json!(fields.description));
    put(Field::Vendor, json!(fields.vendor));
    put(Field::ProductType, json!(fields.product_type));
    put(Field::Status, json!(fields.status));
    put(Field::Tags, json!(fields.tags));
    let (options, variants) = variants(p, &keys, owners, flow_name, &mut dropped);
    input.insert("productOptions".into(), options);
    input.insert("variants".into(), Json::Array(variants));
    dropped.sort_unstable();
    dropped.dedup();
    Ok(Some(ProductWrite { keys, input: Json::Object(input), dropped }))
}

/// `productOptions` and `variants` of the input, with only the ERP-owned variant fields; the
/// names of fields left out because Shopify owns them go to `dropped`.
fn variants(
    p: &Product,
    keys: &[String],
    owners: &Ownership,
    flow: &str,
    dropped: &mut Vec<&'static str>,
) -> (Json, Vec<Json>) {
    let names: Vec<String> = if p.options.is_empty() { vec!["Title".into()] } else { p.options.clone() };
    let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut out = Vec::new();
    for (v, key) in p.variants.iter().zip(keys) {
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
        let mut input = serde_json::Map::new();
        input.insert("optionValues".into(), Json::Array(option_values));
        let mut may = |f: Field| {
            let ok = owners.erp_may_write(f, flow, key);
            if !ok {
                dropped.push(f.name());
            }
            ok
        };
        if let Some(sku) = v.sku.as_ref().filter(|_| may(Field::Sku)) {
            input.insert("sku".into(), json!(sku));
        }
        if let Some(price) = v.price.as_ref().filter(|_| may(Field::Price)) {
            input.insert("price".into(), json!(price.amount));
        }
        if let Some(cmp) = v.compare_at_price.as_ref().filter(|_| may(Field::CompareAtPrice)) {
            input.insert("compareAtPrice".into(), json!(cmp.amount));
        }
        if let Some(barcode) = v.barcode.as_ref().filter(|_| may(Field::Barcode)) {
            input.insert("barcode".into(), json!(barcode));
        }
        let mut item = serde_json::Map::new();
        if let Some(cost) = v.cost.as_ref().filter(|_| may(Field::Cost)) {
            item.insert("cost".into(), json!(cost.amount));
        }
        if let Some(grams) = v.weight_grams.filter(|_| may(Field::Weight)) {
            item.insert("measurement".into(), json!({"weight": {"unit": "GRAMS", "value": grams}}));
        }
        if !item.is_empty() {
            input.insert("inventoryItem".into(), Json::Object(item));
        }
        out.push(Json::Object(input));
    }
    let options = names
        .iter()
        .zip(values)
        .map(|(n, vs)| json!({"name": n, "values": vs.iter().map(|v| json!({"name": v})).collect::<Vec<_>>()}))
        .collect();
    (Json::Array(options), out)
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
