//! Product and variant media (images attached in order): `productCreateMedia`,
//! `productDeleteMedia`, `productReorderMedia`, `productVariantAppendMedia` / `DetachMedia`, the
//! `files` of `productSet` (full replacement; a variant's `file` names one of them), and `media`,
//! `featuredMedia`, `mediaCount` on products and variants.

use super::connection::{paginate, Item};
use super::files::{file_id, file_node, insert_file, new_file};
use super::{id_arg, rel, Ctx};
use crate::store::files::{FileRecord, MAX_PRODUCT_MEDIA};
use crate::store::model::UserError;
use crate::store::{gid, parse_gid, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// A `MediaUserError` as JSON.
fn media_error(field: &[String], message: impl Into<String>, code: &str) -> Json {
    json!({"field": field, "message": message.into(), "code": code})
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Emits `products/update` for a product whose media changed.
fn touched(store: &mut Store, product: u64) {
    if let Some(p) = store.products.get_mut(&product) {
        p.updated_at = crate::store::now();
    }
    if let Some(p) = store.products.get(&product) {
        let body = super::products::product_payload(store, p);
        store.emit("products/update", body);
    }
}

/// A deprecated `userErrors` list mirroring `mediaUserErrors` without codes.
fn without_codes(errors: &[Json]) -> Vec<Json> {
    errors.iter().map(|e| json!({"field": e["field"], "message": e["message"]})).collect()
}

/// `productCreateMedia(productId:, media:)` (deprecated in 2026-04, still served): images appended in order.
pub fn create_media(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail = |errors: Vec<Json>| json!({"media": null, "product": null, "mediaUserErrors": errors, "userErrors": without_codes(&errors)});
    let Some(product) = id_arg(a, "productId", "Product").filter(|p| store.products.contains_key(p)) else {
        return fail(vec![media_error(&path(&["productId"]), "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]);
    };
    let inputs = a.get("media").and_then(Json::as_array).cloned().unwrap_or_default();
    if store.product_media.get(&product).map_or(0, Vec::len) + inputs.len() > MAX_PRODUCT_MEDIA {
        return fail(vec![media_error(
            &path(&["media"]),
            format!("Products can have at most {MAX_PRODUCT_MEDIA} media."),
            "PRODUCT_MEDIA_LIMIT_EXCEEDED",
        )]);
    }
    let mut made = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let kind = input.get("mediaContentType").and_then(Json::as_str).unwrap_or("");
        if kind != "IMAGE" {
            errors.push(media_error(
                &path(&["media", &i.to_string(), "mediaContentType"]),
                format!("shopify-sim does not support {kind} media (IMAGE only)."),
                "INVALID_MEDIA_TYPE",
            ));
            continue;
        }
        match new_file(store, ctx.base_url, input, Some("IMAGE")) {
            Ok(file) => made.push(file),
            Err((rest, message, _)) => {
                errors.push(media_error(&[path(&["media", &i.to_string()]), rest].concat(), message, "INVALID"))
            }
        }
    }
    if !errors.is_empty() {
        return fail(errors);
    }
    let ids: Vec<u64> = made.into_iter().map(|f| insert_file(store, f, false)).collect();
    store.product_media.entry(product).or_default().extend(&ids);
    touched(store, product);
    let media: Vec<Json> = ids.iter().map(|id| rel("MediaImage", *id)).collect();
    json!({"media": media, "product": rel("Product", product), "mediaUserErrors": [], "userErrors": []})
}

/// The media ids of `ids` (gids) that are attached to `product`, or the error for the first that is not.
fn media_of_product(store: &Store, product: u64, ids: &[&str], at: &str) -> Result<Vec<u64>, Json> {
    ids.iter()
        .enumerate()
        .map(|(i, raw)| {
            let id = file_id(store, raw).ok_or_else(|| {
                media_error(&path(&[at, &i.to_string()]), "Media does not exist", "MEDIA_DOES_NOT_EXIST")
            })?;
            if store.product_media.get(&product).is_some_and(|m| m.contains(&id)) {
                Ok(id)
            } else {
                Err(media_error(
                    &path(&[at, &i.to_string()]),
                    "Media does not exist on the given product",
                    "MEDIA_DOES_NOT_EXIST_ON_PRODUCT",
                ))
            }
        })
        .collect()
}

/// `productDeleteMedia(productId:, mediaIds:)`: the media are deleted.
pub fn delete_media(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail = |e: Json| json!({"deletedMediaIds": null, "deletedProductImageIds": null, "product": null, "mediaUserErrors": [e], "userErrors": without_codes(std::slice::from_ref(&e))});
    let Some(product) = id_arg(a, "productId", "Product").filter(|p| store.products.contains_key(p)) else {
        return fail(media_error(&path(&["productId"]), "Product does not exist", "PRODUCT_DOES_NOT_EXIST"));
    };
    let raw: Vec<&str> =
        a.get("mediaIds").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
    let ids = match media_of_product(store, product, &raw, "mediaIds") {
        Ok(ids) => ids,
        Err(e) => return fail(e),
    };
    for id in &ids {
        store.delete_file(*id);
    }
    touched(store, product);
    let images: Vec<String> = ids.iter().map(|id| gid("ProductImage", *id)).collect();
    json!({"deletedMediaIds": raw, "deletedProductImageIds": images, "product": rel("Product", product), "mediaUserErrors": [], "userErrors": []})
}

/// `productReorderMedia(id:, moves:)`: each move puts a media at a zero-based position.
pub fn reorder_media(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail =
        |e: Json| json!({"job": null, "mediaUserErrors": [e], "userErrors": without_codes(std::slice::from_ref(&e))});
    let Some(product) = id_arg(a, "id", "Product").filter(|p| store.products.contains_key(p)) else {
        return fail(media_error(&path(&["id"]), "Product does not exist", "PRODUCT_DOES_NOT_EXIST"));
    };
    let moves = a.get("moves").and_then(Json::as_array).cloned().unwrap_or_default();
    let raw: Vec<&str> = moves.iter().map(|m| m.get("id").and_then(Json::as_str).unwrap_or("")).collect();
    let ids = match media_of_product(store, product, &raw, "moves") {
        Ok(ids) => ids,
        Err(e) => return fail(e),
    };
    let media = store.product_media.entry(product).or_default();
    for (id, m) in ids.iter().zip(&moves) {
        let to = m
            .get("newPosition")
            .and_then(|p| p.as_u64().or_else(|| p.as_str().and_then(|s| s.parse().ok())))
            .unwrap_or(0) as usize;
        media.retain(|x| x != id);
        media.insert(to.min(media.len()), *id);
    }
    touched(store, product);
    json!({"job": {"id": gid("Job", product), "done": true}, "mediaUserErrors": [], "userErrors": []})
}

/// `productVariantAppendMedia` (`append`) / `productVariantDetachMedia`: one image per variant.
pub fn variant_media(store: &mut Store, a: &Map<String, Json>, append: bool) -> Json {
    let fail = |e: Json| json!({"product": null, "productVariants": null, "userErrors": [e]});
    let Some(product) = id_arg(a, "productId", "Product").filter(|p| store.products.contains_key(p)) else {
        return fail(media_error(&path(&["productId"]), "Product does not exist", "PRODUCT_DOES_NOT_EXIST"));
    };
    let pairs = a.get("variantMedia").and_then(Json::as_array).cloned().unwrap_or_default();
    let mut planned = Vec::new();
    for (i, pair) in pairs.iter().enumerate() {
        let at = |f: &str| path(&["variantMedia", &i.to_string(), f]);
        let variant = pair
            .get("variantId")
            .and_then(Json::as_str)
            .and_then(|v| parse_gid("ProductVariant", v))
            .filter(|v| store.variants.get(v).is_some_and(|x| x.product_id == product));
        let Some(variant) = variant else {
            return fail(media_error(
                &at("variantId"),
                "Variant does not exist on the given product",
                "PRODUCT_VARIANT_DOES_NOT_EXIST_ON_PRODUCT",
            ));
        };
        let raw: Vec<&str> =
            pair.get("mediaIds").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
        if append && raw.len() > 1 {
            return fail(media_error(
                &at("mediaIds"),
                "Only one mediaId is allowed per variant-media input pair",
                "TOO_MANY_MEDIA_PER_INPUT_PAIR",
            ));
        }
        let ids = match media_of_product(store, product, &raw, "mediaIds") {
            Ok(ids) => ids,
            Err(e) => return fail(e),
        };
        let current = store.variant_media.get(&variant).cloned().unwrap_or_default();
        for id in &ids {
            if append && store.files.get(id).is_some_and(|f| f.status != "READY") {
                return fail(media_error(&at("mediaIds"), "Media is not ready to be attached", "NON_READY_MEDIA"));
            }
            if append && !current.is_empty() {
                return fail(media_error(
                    &at("variantId"),
                    "The variant already has attached media",
                    "PRODUCT_VARIANT_ALREADY_HAS_MEDIA",
                ));
            }
            if !append && !current.contains(id) {
                return fail(media_error(
                    &at("mediaIds"),
                    "Media is not attached to the variant",
                    "MEDIA_IS_NOT_ATTACHED_TO_VARIANT",
                ));
            }
        }
        planned.push((variant, ids));
    }
    for (variant, ids) in &planned {
        let media = store.variant_media.entry(*variant).or_default();
        if append {
            media.extend(ids);
        } else {
            media.retain(|m| !ids.contains(m));
        }
    }
    let variants: Vec<Json> = planned.iter().map(|(v, _)| rel("ProductVariant", *v)).collect();
    json!({"product": rel("Product", product), "productVariants": variants, "userErrors": []})
}

/// One entry of `productSet`'s `files`: a file already in the shop, or a new one.
pub enum SetFile {
    Existing { id: u64, alt: Option<Option<String>> },
    New(Box<FileRecord>),
}

/// Checks `productSet`'s `files` (None when absent) before anything is written.
pub fn check_set_files(store: &Store, base_url: &str, input: &Json) -> Result<Option<Vec<SetFile>>, UserError> {
    let Some(list) = input.get("files").and_then(Json::as_array) else {
        return Ok(None);
    };
    if list.len() > MAX_PRODUCT_MEDIA {
        return Err(UserError::new(
            &["input", "files"],
            format!("Products can have at most {MAX_PRODUCT_MEDIA} media."),
            Some("INVALID_INPUT"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, f)| match f.get("id").and_then(Json::as_str) {
            Some(raw) => file_id(store, raw)
                .map(|id| SetFile::Existing { id, alt: f.get("alt").map(|a| a.as_str().map(str::to_string)) })
                .ok_or_else(|| {
                    UserError::new(
                        &["input", "files", &i.to_string(), "id"],
                        "File does not exist",
                        Some("INVALID_INPUT"),
                    )
                }),
            None => new_file(store, base_url, f, f.get("contentType").and_then(Json::as_str))
                .map(|f| SetFile::New(Box::new(f)))
                .map_err(|(rest, message, _)| UserError {
                    field: Some([path(&["input", "files", &i.to_string()]), rest].concat()),
                    message,
                    code: Some("INVALID_INPUT".into()),
                }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Makes `files` the product's media, in order, and links each variant whose input names a `file`
/// (by id, source or filename) to that media.
pub fn apply_set_files(store: &mut Store, product: u64, files: Vec<SetFile>, input: &Json) {
    let ids: Vec<u64> = files
        .into_iter()
        .map(|f| match f {
            SetFile::Existing { id, alt } => {
                if let (Some(alt), Some(file)) = (alt, store.files.get_mut(&id)) {
                    file.alt = alt;
                }
                id
            }
            SetFile::New(file) => insert_file(store, *file, false),
        })
        .collect();
    let variant_ids = store.products.get(&product).map(|p| p.variant_ids.clone()).unwrap_or_default();
    for vid in &variant_ids {
        if let Some(media) = store.variant_media.get_mut(vid) {
            media.retain(|m| ids.contains(m));
        }
    }
    let inputs = input.get("variants").and_then(Json::as_array).cloned().unwrap_or_default();
    for (vid, v) in variant_ids.iter().zip(&inputs) {
        let Some(want) = v.get("file") else { continue };
        let named = |f: &&u64| {
            let Some(file) = store.files.get(f) else {
                return false;
            };
            want.get("id").and_then(Json::as_str).is_some_and(|raw| file_id(store, raw) == Some(**f))
                || want.get("originalSource").and_then(Json::as_str) == Some(file.original_source.as_str())
                || want.get("filename").and_then(Json::as_str) == Some(file.filename.as_str())
        };
        if let Some(id) = ids.iter().find(named).copied() {
            store.variant_media.insert(*vid, vec![id]);
        }
    }
    store.product_media.insert(product, ids);
}

/// `media`, `featuredMedia` and `mediaCount` of a product; `media` of a variant.
pub fn owner_field<'a>(
    ctx: &'a Ctx<'a>,
    kind: &str,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let store = ctx.store();
    let media = if kind == "Product" { store.product_media.get(&id) } else { store.variant_media.get(&id) }
        .cloned()
        .unwrap_or_default();
    match info.field_name() {
        "featuredMedia" => Ok(Some(
            media
                .first()
                .and_then(|f| store.files.get(f))
                .map_or(ResolvedValue::null(), |f| ResolvedValue::object(file_node(ctx, f))),
        )),
        "mediaCount" => Ok(Some(super::json_value(ctx, "Count", &json!({"count": media.len(), "precision": "EXACT"})))),
        "media" => {
            let items: Vec<Item> = media
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    store.files.get(f).map(|f| Item { key: format!("{i:08}"), node: file_node(ctx, f) })
                })
                .collect();
            drop(store);
            paginate(ctx, info, &super::args(info), items).map(Some)
        }
        _ => Ok(None),
    }
}
