//! Writing products and variants to Shopify with `productSet` by handle: mapped fields
//! ([`crate::domain::mapping`]) filtered by ownership, variants keyed by the identity key
//! (duplicates, empty or malformed keys fail the record), variants Shopify has and the ERP did
//! not send kept unless configured (productSet replaces the list), a content hash of what would be
//! sent so an unchanged product costs nothing, archive on ERP delete, and the variants it
//! creates stocked at the inventory flows' locations.

mod journal;
mod prices;

pub use prices::PRICE_OBJECT;

use super::inventory::{request_error, ITEM_LINK};
use super::shopify_out::{block_on, ShopifyContext};
use crate::config::flow::SHOPIFY;
use crate::config::{Config, FlowConfig, ObjectKind};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::{Field, Ownership};
use crate::plugin::bindings::types::{FieldError, KeyedRecord, PluginError, Product, Pushed, Record};
use crate::shopify::products::{product_by_handle, StoredVariant};
use crate::store::IdLink;
use futures::StreamExt;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The kv namespace holding the hash of the last input sent per product.
const HASHES: &str = "weft:catalog";
/// The id-map object linking an ERP product to its Shopify product.
const PRODUCT_LINK: &str = "product";
/// The id-map object linking a variant key to the ERP product that owns it.
const KEY_LINK: &str = "variant_key";
/// The object name of a product's fields in intents and the undo log.
pub const PRODUCT_OBJECT: &str = "product";

fn invalid(field: &str, message: String) -> PluginError {
    PluginError::InvalidInput(FieldError { field: field.to_owned(), message })
}

/// Write records to Shopify; one outcome per record.
pub fn push(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Pushed, PluginError>> {
    if ctx.flow.object == crate::config::ObjectKind::Price {
        return prices::push(ctx, records);
    }
    let mapping = match Mapping::new(ctx.flow) {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(PluginError::Permanent(format!("flows.{}: {e}", ctx.flow_name)))).collect(),
    };
    let ownership = Ownership::new(&ctx.flow.ownership);
    let mut out: Vec<Option<Result<Pushed, PluginError>>> = vec![None; records.len()];
    block_on(async {
        for wave in waves(records) {
            let writes = wave.into_iter().map(|i| {
                let (mapping, ownership) = (&mapping, &ownership);
                async move { (i, push_one(ctx, mapping, ownership, &records[i].record).await) }
            });
            let done: Vec<_> = futures::stream::iter(writes).buffer_unordered(ctx.flow.in_flight.max(1) as usize).collect().await;
            for (i, result) in done {
                out[i] = Some(result);
            }
        }
    });
    out.into_iter().map(|o| o.unwrap_or_else(|| Err(PluginError::Permanent("no outcome".into())))).collect()
}

/// Record indexes in waves that may be written at once: a record goes in the wave after the last
/// one holding a record that shares its product (id, handle) or one of its variants' SKUs or
/// barcodes. Two records of one product are never in flight together and keep their order, and
/// two products claiming one SKU are written one after the other, so the second is refused.
fn waves(records: &[KeyedRecord]) -> Vec<Vec<usize>> {
    let mut last: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, k) in records.iter().enumerate() {
        let mut keys = vec![k.record.external_id().to_owned()];
        if let Record::Product(p) = &k.record {
            keys.push(handle(p));
            keys.extend(p.variants.iter().flat_map(|v| [v.sku.clone(), v.barcode.clone()]).flatten().filter(|key| !key.is_empty()));
        }
        let n = keys.iter().filter_map(|key| last.get(key)).map(|w| w + 1).max().unwrap_or(0);
        if waves.len() <= n {
            waves.resize_with(n + 1, Vec::new);
        }
        waves[n].push(i);
        for key in keys {
            last.insert(key, n);
        }
    }
    waves
}

/// The handle of an ERP product in Shopify: the linked one, else derived from its code.
pub fn handle(p: &Product) -> String {
    let base = p.sku.clone().unwrap_or_else(|| p.external_id.clone());
    let slug: String = base.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let slug = slug.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    if slug.is_empty() { format!("erp-{}", hex::encode(&Sha256::digest(base.as_bytes())[..6])) } else { slug }
}

async fn push_one(ctx: &ShopifyContext<'_>, mapping: &Mapping, owners: &Ownership, record: &Record) -> Result<Pushed, PluginError> {
    let Record::Product(p) = record else {
        return Err(invalid("record", "a product flow takes product records".into()));
    };
    let handle = handle(p);
    let linked = ctx.store.id_link(PRODUCT_LINK, &p.external_id).ok().flatten().and_then(|l| l.shopify);
    if p.deleted {
        if !ctx.flow.archive_on_delete || linked.is_none() {
            return Ok(Pushed { external_id: linked.unwrap_or_default(), created: false });
        }
        // productSet upserts by handle: a product weft never linked may exist, so read it always.
        let stored = product_by_handle(ctx.client, &handle).await.map_err(|e| request_error(&e))?;
        let set = journal::set_product(ctx, &handle, json!({"status": "ARCHIVED"}), linked.as_deref(), stored.as_ref()).await?;
        return Ok(Pushed { external_id: set.map(|s| s.id).or(linked).unwrap_or_default(), created: false });
    }
    let Some(write) = product_write(ctx.flow_name, ctx.flow, mapping, owners, p)? else {
        tracing::info!(flow = ctx.flow_name, product = %p.external_id, "skipped by skip_if");
        return Ok(Pushed { external_id: "skipped".into(), created: false });
    };
    let ProductWrite { keys, mut input, .. } = write;
    for key in &keys {
        let owner = ctx.store.id_link(KEY_LINK, key).ok().flatten().and_then(|l| l.erp);
        if let Some(other) = owner.filter(|o| *o != p.external_id) {
            return Err(invalid(ctx.flow.identity.name(), format!("{} {key:?} already belongs to ERP product {other}; refusing to merge", ctx.flow.identity.name())));
        }
    }
    let hash = hex::encode(&Sha256::digest(format!("{handle}\n{input}").as_bytes())[..16]);
    let kv = ctx.store.plugin_kv(HASHES, u64::MAX);
    let hash_key = format!("{}\u{1f}{}", ctx.flow_name, p.external_id);
    if linked.is_some() && kv.get(&hash_key).ok().flatten().as_deref() == Some(hash.as_bytes()) {
        return Ok(Pushed { external_id: linked.unwrap_or_default(), created: false });
    }
    // One read of what Shopify has (productSet upserts by handle: a product weft never linked
    // may exist): the variants to keep, the variants this write creates, the values it replaces.
    let stored = product_by_handle(ctx.client, &handle).await.map_err(|e| request_error(&e))?;
    let variants = stored.as_ref().map(|p| p.variants.as_slice()).unwrap_or_default();
    stock_new_variants(&stock_locations(ctx.config), variants, &mut input);
    if ctx.flow.keep_unsent_variants {
        keep_unsent(ctx, &handle, &keys, variants, &mut input);
    }
    let Some(set) = journal::set_product(ctx, &handle, input, linked.as_deref(), stored.as_ref()).await? else {
        return Ok(Pushed { created: linked.is_none(), external_id: linked.unwrap_or_default() });
    };
    let _ = ctx.store.link_ids(PRODUCT_LINK, &p.external_id, &IdLink { shopify: Some(set.id.clone()), erp: Some(p.external_id.clone()) });
    for key in &keys {
        let _ = ctx.store.link_ids(KEY_LINK, key, &IdLink { shopify: None, erp: Some(p.external_id.clone()) });
    }
    for v in &set.variants {
        if !v.sku.is_empty() && !v.inventory_item_id.is_empty() {
            let _ = ctx.store.link_ids(ITEM_LINK, &v.sku, &IdLink { shopify: Some(v.inventory_item_id.clone()), erp: None });
        }
    }
    kv.set(&hash_key, hash.as_bytes()).map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(Pushed { external_id: set.id, created: linked.is_none() })
}

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
pub fn product_write(flow_name: &str, flow: &FlowConfig, mapping: &Mapping, owners: &Ownership, p: &Product) -> Result<Option<ProductWrite>, PluginError> {
    let Some(fields) = mapping.apply(p).map_err(|e| invalid("mapping", e))? else { return Ok(None) };
    let keys = flow.identity.keys(&p.variants).map_err(|e| invalid(flow.identity.name(), e))?;
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
fn variants(p: &Product, keys: &[String], owners: &Ownership, flow: &str, dropped: &mut Vec<&'static str>) -> (Json, Vec<Json>) {
    let names: Vec<String> = if p.options.is_empty() { vec!["Title".into()] } else { p.options.clone() };
    let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut out = Vec::new();
    for (v, key) in p.variants.iter().zip(keys) {
        let chosen: Vec<String> = if p.options.is_empty() { vec!["Default Title".into()] } else { v.option_values.clone() };
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
    let options = names.iter().zip(values).map(|(n, vs)| json!({"name": n, "values": vs.iter().map(|v| json!({"name": v})).collect::<Vec<_>>()})).collect();
    (Json::Array(options), out)
}

/// The Shopify locations the config's inventory flows write to.
fn stock_locations(config: &Config) -> BTreeSet<String> {
    config.flows.values().filter(|f| f.object == ObjectKind::Inventory && f.to == SHOPIFY).flat_map(|f| f.locations.values().cloned()).collect()
}

/// Stock the variants this write creates at `locations` with 0 available (`inventoryQuantities`
/// in the same productSet, at no extra cost), so the inventory flow sets their levels in batches
/// of 250 instead of activating each level with a call of its own. A variant Shopify already has
/// (same SKU or same option values) gets none: productSet would overwrite its stock.
fn stock_new_variants(locations: &BTreeSet<String>, stored: &[StoredVariant], input: &mut Json) {
    if locations.is_empty() {
        return;
    }
    let quantities: Vec<Json> = locations.iter().map(|l| json!({"locationId": l, "name": "available", "quantity": 0})).collect();
    for v in input["variants"].as_array_mut().into_iter().flatten() {
        let sku = v["sku"].as_str().unwrap_or("");
        let known = stored.iter().any(|s| (!sku.is_empty() && s.variant.sku == sku) || option_values(s) == v["optionValues"]);
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
fn keep_unsent(ctx: &ShopifyContext<'_>, handle: &str, keys: &[String], stored: &[StoredVariant], input: &mut Json) {
    let sent: Vec<Json> = input["variants"].as_array().cloned().unwrap_or_default();
    let taken: Vec<Json> = sent.iter().map(|v| v["optionValues"].clone()).collect();
    for s in stored {
        let key = s.variant.sku.clone();
        if keys.contains(&key) || key.is_empty() && ctx.flow.identity != crate::domain::identity::IdentityKey::Sku {
            continue;
        }
        let option_values = option_values(s);
        if taken.contains(&option_values) {
            tracing::warn!(flow = ctx.flow_name, handle, sku = %key, "a variant Shopify has shares its options with one the ERP sent; it is replaced");
            continue;
        }
        for (name, value) in &s.options {
            if let Some(opt) = input["productOptions"].as_array_mut().and_then(|o| o.iter_mut().find(|o| o["name"] == json!(name))) {
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
