//! Product writes: `productSet` (identifier upsert, list replacement), `productVariantsBulkUpdate`,
//! `productDelete`. Each returns its payload as JSON with record references (see [`super::rel`]).

use super::products::product_payload;
use super::{media, rel, Ctx};
use crate::limits;
use crate::store::model::{ProductOption, UserError};
use crate::store::seed::handleize;
use crate::store::{model::Product, now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};
use std::collections::{HashMap, HashSet};

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn payload(product: Option<u64>, errors: &[UserError]) -> Json {
    json!({"product": product.map(|id| rel("Product", id)), "productSetOperation": null, "userErrors": super::user_errors(errors)})
}

/// `productSet(input:, identifier:)`; prices are checked against the shop's currency.
pub fn product_set(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let identifier = a.get("identifier").cloned().unwrap_or(Json::Null);
    let existing = if let Some(id) = s(&identifier, "id") {
        match parse_gid("Product", id).filter(|id| store.products.contains_key(id)) {
            Some(id) => Some(id),
            None => {
                return payload(
                    None,
                    &[UserError::new(&["identifier", "id"], "Product does not exist", Some("PRODUCT_DOES_NOT_EXIST"))],
                )
            }
        }
    } else if let Some(handle) = s(&identifier, "handle") {
        store.products.values().find(|p| p.handle == handle).map(|p| p.id)
    } else if !identifier.get("customId").is_none_or(Json::is_null) {
        return payload(
            None,
            &[UserError::new(
                &["identifier", "customId"],
                "shopify-sim does not support customId identifiers",
                Some("INVALID_INPUT"),
            )],
        );
    } else {
        None
    };
    let limit_errors = limits::product_set(&input, &ctx.config.shop_currency);
    if !limit_errors.is_empty() {
        return payload(None, &limit_errors);
    }
    if let Err(e) = validate(&input) {
        return payload(None, &[e]);
    }
    let files = match media::check_set_files(store, ctx.base_url, &input) {
        Ok(files) => files,
        Err(e) => return payload(None, &[e]),
    };
    let created = existing.is_none();
    let id = match existing {
        Some(id) => id,
        None => {
            let Some(title) = s(&input, "title") else {
                return payload(
                    None,
                    &[UserError::new(&["input", "title"], "Title can't be blank", Some("MISSING_FIELD_REQUIRED"))],
                );
            };
            let handle = s(&input, "handle")
                .or(s(&identifier, "handle"))
                .map(str::to_string)
                .unwrap_or_else(|| handleize(title));
            if store.products.values().any(|p| p.handle == handle) {
                return payload(
                    None,
                    &[UserError::new(
                        &["input", "handle"],
                        format!("Handle '{handle}' already in use"),
                        Some("HANDLE_NOT_UNIQUE"),
                    )],
                );
            }
            let id = store.next_id();
            let t = now();
            store.products.insert(
                id,
                Product {
                    id,
                    title: title.to_string(),
                    handle,
                    status: "ACTIVE".to_string(),
                    vendor: String::new(),
                    product_type: String::new(),
                    description_html: String::new(),
                    tags: Vec::new(),
                    options: Vec::new(),
                    variant_ids: Vec::new(),
                    created_at: t,
                    updated_at: t,
                },
            );
            id
        }
    };
    apply_scalars(store, id, &input);
    if let Some(options) = input.get("productOptions").and_then(Json::as_array) {
        set_options(store, id, options);
    }
    if let Some(variants) = input.get("variants").and_then(Json::as_array) {
        if input.get("productOptions").is_none_or(Json::is_null) {
            let derived = derive_options(variants);
            set_options(store, id, &derived);
        }
        replace_variants(store, id, variants, created);
    }
    if let Some(files) = files {
        media::apply_set_files(store, id, files, &input);
    }
    if let Some(p) = store.products.get_mut(&id) {
        p.updated_at = now();
    }
    let body = product_payload(store, &store.products[&id]);
    store.emit(if created { "products/create" } else { "products/update" }, body);
    payload(Some(id), &[])
}

fn validate(input: &Json) -> Result<(), UserError> {
    let options = input.get("productOptions").and_then(Json::as_array).map_or(0, Vec::len);
    if options > limits::MAX_OPTIONS {
        return Err(UserError::new(
            &["input", "productOptions"],
            "Options count is over the allowed limit",
            Some("OPTIONS_OVER_LIMIT"),
        ));
    }
    let variants = input.get("variants").and_then(Json::as_array).cloned().unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    for (i, v) in variants.iter().enumerate() {
        if !seen.insert(option_values(v)) {
            return Err(UserError::new(
                &["input", "variants", &i.to_string()],
                "The variant option values must be unique",
                Some("INVALID_VARIANT"),
            ));
        }
    }
    Ok(())
}

fn apply_scalars(store: &mut Store, id: u64, input: &Json) {
    let Some(p) = store.products.get_mut(&id) else {
        return;
    };
    if let Some(v) = s(input, "title") {
        p.title = v.to_string();
    }
    if let Some(v) = s(input, "handle") {
        p.handle = v.to_string();
    }
    if let Some(v) = s(input, "vendor") {
        p.vendor = v.to_string();
    }
    if let Some(v) = s(input, "productType") {
        p.product_type = v.to_string();
    }
    if let Some(v) = s(input, "descriptionHtml") {
        p.description_html = v.to_string();
    }
    if let Some(v) = s(input, "status") {
        p.status = v.to_string();
    }
    if let Some(tags) = input.get("tags").and_then(Json::as_array) {
        p.tags = tags.iter().filter_map(Json::as_str).map(str::to_string).collect();
    }
}

/// The (option name, value) pairs of a variant input.
fn option_values(v: &Json) -> Vec<(String, String)> {
    v.get("optionValues")
        .and_then(Json::as_array)
        .map(|list| {
            list.iter()
                .map(|ov| (s(ov, "optionName").unwrap_or("Title").to_string(), s(ov, "name").unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Option inputs derived from variants when `productOptions` is absent.
fn derive_options(variants: &[Json]) -> Vec<Json> {
    let mut options: Vec<(String, Vec<String>)> = Vec::new();
    for v in variants {
        for (name, value) in option_values(v) {
            match options.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) if !values.contains(&value) => values.push(value),
                Some(_) => {}
                None => options.push((name, vec![value])),
            }
        }
    }
    options.into_iter().map(|(name, values)| json!({"name": name, "values": values.iter().map(|v| json!({"name": v})).collect::<Vec<_>>()})).collect()
}

fn set_options(store: &mut Store, id: u64, options: &[Json]) {
    let new: Vec<ProductOption> = options
        .iter()
        .map(|o| ProductOption {
            id: 0,
            name: s(o, "name").unwrap_or("Title").to_string(),
            values: o
                .get("values")
                .and_then(Json::as_array)
                .map(|vs| vs.iter().filter_map(|v| s(v, "name")).map(str::to_string).collect())
                .unwrap_or_default(),
        })
        .collect();
    let ids: Vec<u64> = new.iter().map(|_| store.next_id()).collect();
    if let Some(p) = store.products.get_mut(&id) {
        p.options = new.into_iter().zip(ids).map(|(o, id)| ProductOption { id, ..o }).collect();
    }
}

/// The first id of `candidates` (position order, last element first) not claimed yet.
fn take_unclaimed(candidates: Option<&mut Vec<u64>>, claimed: &HashSet<u64>) -> Option<u64> {
    let list = candidates?;
    while let Some(id) = list.pop() {
        if !claimed.contains(&id) {
            return Some(id);
        }
    }
    None
}

/// Full replacement of the variant list: matched variants (by id, then option values, then SKU)
/// are updated, others deleted, new ones created.
fn replace_variants(store: &mut Store, product_id: u64, inputs: &[Json], created: bool) {
    let old: Vec<u64> = store.products.get(&product_id).map(|p| p.variant_ids.clone()).unwrap_or_default();
    let old_set: HashSet<u64> = old.iter().copied().collect();
    // Unclaimed old variants by option values and by SKU, in position order.
    let mut by_values: HashMap<Vec<(String, String)>, Vec<u64>> = HashMap::new();
    let mut by_sku: HashMap<String, Vec<u64>> = HashMap::new();
    for id in old.iter().rev() {
        if let Some(v) = store.variants.get(id) {
            by_values.entry(v.option_values.clone()).or_default().push(*id);
            by_sku.entry(v.sku.clone()).or_default().push(*id);
        }
    }
    let mut kept = Vec::new();
    let mut claimed = HashSet::new();
    for input in inputs {
        let values = option_values(input);
        let sku = s(input, "sku").or_else(|| input.get("inventoryItem").and_then(|i| s(i, "sku")));
        let matched = s(input, "id")
            .and_then(|id| parse_gid("ProductVariant", id))
            .filter(|id| old_set.contains(id) && !claimed.contains(id))
            .or_else(|| take_unclaimed(by_values.get_mut(&values), &claimed))
            .or_else(|| sku.and_then(|sku| take_unclaimed(by_sku.get_mut(sku), &claimed)));
        let is_new = matched.is_none();
        let vid = matched.unwrap_or_else(|| {
            let vid = store.insert_variant(product_id, sku.unwrap_or(""), "0.00", values.clone());
            if let Some(p) = store.products.get_mut(&product_id) {
                p.variant_ids.retain(|x| *x != vid);
            }
            vid
        });
        claimed.insert(vid);
        update_variant(store, vid, input, values);
        set_inventory(store, vid, input, is_new || created);
        kept.push(vid);
    }
    for id in old.iter().filter(|id| !claimed.contains(id)) {
        store.delete_variant(*id);
    }
    if let Some(p) = store.products.get_mut(&product_id) {
        p.variant_ids = kept;
    }
}

/// Applies the scalar fields of a variant input (productSet or bulk update shape).
pub fn update_variant(store: &mut Store, vid: u64, input: &Json, values: Vec<(String, String)>) {
    let item_input = input.get("inventoryItem").cloned().unwrap_or(Json::Null);
    let sku = s(input, "sku").or_else(|| s(&item_input, "sku")).map(str::to_string);
    let Some(v) = store.variants.get_mut(&vid) else {
        return;
    };
    if !values.is_empty() {
        v.option_values = values;
    }
    if let Some(price) = s(input, "price") {
        v.price = price.to_string();
    }
    if let Some(c) = input.get("compareAtPrice") {
        v.compare_at_price = c.as_str().map(str::to_string);
    }
    if let Some(b) = input.get("barcode") {
        v.barcode = b.as_str().map(str::to_string);
    }
    if let Some(p) = s(input, "inventoryPolicy") {
        v.inventory_policy = p.to_string();
    }
    if let Some(t) = input.get("taxable").and_then(Json::as_bool) {
        v.taxable = t;
    }
    if let Some(sku) = &sku {
        v.sku = sku.clone();
    }
    v.updated_at = now();
    let item_id = v.inventory_item_id;
    if let Some(item) = store.inventory_items.get_mut(&item_id) {
        if let Some(sku) = sku {
            item.sku = sku;
        }
        if let Some(t) = item_input.get("tracked").and_then(Json::as_bool) {
            item.tracked = t;
        }
        if let Some(c) = item_input.get("cost") {
            item.unit_cost = c.as_str().map(str::to_string).or_else(|| c.as_f64().map(|f| format!("{f:.2}")));
        }
        item.updated_at = now();
    }
}

/// `inventoryQuantities` of a variant: a new one is activated at each location and its quantity
/// set; an existing one has its quantities set where it is already stocked (as Shopify does).
fn set_inventory(store: &mut Store, vid: u64, input: &Json, new: bool) {
    let Some(item_id) = store.variants.get(&vid).map(|v| v.inventory_item_id) else {
        return;
    };
    for q in input.get("inventoryQuantities").and_then(Json::as_array).into_iter().flatten() {
        let Some(loc) =
            s(q, "locationId").and_then(|l| parse_gid("Location", l)).filter(|l| store.locations.contains_key(l))
        else {
            continue;
        };
        if new {
            store.activate(item_id, loc);
        }
        let name = s(q, "name").unwrap_or("available");
        store.set_quantity(item_id, loc, name, q.get("quantity").and_then(Json::as_i64).unwrap_or(0));
    }
}

/// `productVariantsBulkUpdate(productId:, variants:, allowPartialUpdates:)`; prices in the shop's currency.
pub fn variants_bulk_update(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let pid = a
        .get("productId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("Product", s))
        .filter(|id| store.products.contains_key(id));
    let Some(pid) = pid else {
        let e = UserError::new(&["productId"], "Product does not exist", Some("PRODUCT_DOES_NOT_EXIST"));
        return json!({"product": null, "productVariants": null, "userErrors": super::user_errors(&[e])});
    };
    let inputs = a.get("variants").and_then(Json::as_array).cloned().unwrap_or_default();
    let partial = a.get("allowPartialUpdates").and_then(Json::as_bool).unwrap_or(false);
    let mut errors = limits::variants_bulk(&inputs, &ctx.config.shop_currency);
    let refused: HashSet<String> =
        errors.iter().filter_map(|e| e.field.as_ref().and_then(|f| f.get(1)).cloned()).collect();
    let mut ok = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let idx = i.to_string();
        if refused.contains(&idx) {
            continue;
        }
        let vid = s(input, "id").and_then(|id| parse_gid("ProductVariant", id));
        let err = match vid.and_then(|id| store.variants.get(&id)) {
            None if vid.is_none() => Some(UserError::new(&["variants", &idx, "id"], "Product variant is missing ID attribute", Some("PRODUCT_VARIANT_ID_MISSING"))),
            None => Some(UserError::new(&["variants", &idx, "id"], "Product variant does not exist", Some("PRODUCT_VARIANT_DOES_NOT_EXIST"))),
            Some(v) if v.product_id != pid => Some(UserError::new(&["variants", &idx, "id"], "Product variant must be for this product", Some("MUST_BE_FOR_THIS_PRODUCT"))),
            Some(_) if !input.get("inventoryQuantities").is_none_or(Json::is_null) => Some(UserError::new(
                &["variants", &idx, "inventoryQuantities"],
                "Inventory quantities can only be provided during create. To update inventory for existing variants, use inventoryAdjustQuantities.",
                Some("NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE"),
            )),
            Some(v) => {
                ok.push((v.id, input.clone()));
                None
            }
        };
        errors.extend(err);
    }
    if !errors.is_empty() && !partial {
        return json!({"product": rel("Product", pid), "productVariants": null, "userErrors": super::user_errors(&errors)});
    }
    for (vid, input) in &ok {
        update_variant(store, *vid, input, option_values(input));
    }
    if let Some(p) = store.products.get_mut(&pid) {
        p.updated_at = now();
    }
    let body = product_payload(store, &store.products[&pid]);
    store.emit("products/update", body);
    let variants: Vec<Json> = ok.iter().map(|(id, _)| rel("ProductVariant", *id)).collect();
    json!({"product": rel("Product", pid), "productVariants": variants, "userErrors": super::user_errors(&errors)})
}

/// `productDelete(input: {id})`.
pub fn product_delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let raw = a.get("input").and_then(|i| s(i, "id")).unwrap_or("").to_string();
    match parse_gid("Product", &raw).and_then(|id| store.delete_product(id)) {
        Some(p) => {
            store.emit("products/delete", json!({"id": p.id}));
            json!({"deletedProductId": raw, "productDeleteOperation": null, "userErrors": []})
        }
        None => {
            let e = UserError::new(&["id"], "Product does not exist", None);
            json!({"deletedProductId": null, "productDeleteOperation": null, "userErrors": super::user_errors(&[e])})
        }
    }
}
