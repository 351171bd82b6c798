//! Products and variants: read model, queries and webhook payloads.

use super::connection::{id_key, paginate, Item};
use super::{args, inventory, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{Product, Variant};
use crate::store::{gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// The plain fields of a product.
pub fn product_json(store: &Store, p: &Product) -> Json {
    let total: i64 = p
        .variant_ids
        .iter()
        .filter_map(|v| store.variants.get(v))
        .map(|v| inventory::available_total(store, v.inventory_item_id))
        .sum();
    let options: Vec<Json> = p
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!({
                "id": gid("ProductOption", o.id), "name": o.name, "position": i + 1, "values": o.values,
                "optionValues": o.values.iter().map(|v| json!({"id": gid("ProductOptionValue", o.id * 1000 + 1), "name": v, "hasVariants": true})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": gid("Product", p.id), "legacyResourceId": p.id.to_string(), "title": p.title, "handle": p.handle,
        "status": p.status, "vendor": p.vendor, "productType": p.product_type, "descriptionHtml": p.description_html,
        "description": p.description_html, "tags": p.tags, "createdAt": ts(&p.created_at), "updatedAt": ts(&p.updated_at),
        "totalInventory": total, "tracksInventory": true, "hasOnlyDefaultVariant": p.variant_ids.len() <= 1,
        "options": options, "variantsCount": {"count": p.variant_ids.len(), "precision": "EXACT"},
    })
}

/// The plain fields of a variant.
pub fn variant_json(store: &Store, v: &Variant) -> Json {
    let position =
        store.products.get(&v.product_id).and_then(|p| p.variant_ids.iter().position(|x| *x == v.id)).unwrap_or(0) + 1;
    let product_title = store.products.get(&v.product_id).map(|p| p.title.clone()).unwrap_or_default();
    let available = inventory::available_total(store, v.inventory_item_id);
    json!({
        "id": gid("ProductVariant", v.id), "legacyResourceId": v.id.to_string(), "title": v.title(),
        "displayName": format!("{product_title} - {}", v.title()), "sku": v.sku, "barcode": v.barcode, "price": v.price,
        "compareAtPrice": v.compare_at_price, "inventoryPolicy": v.inventory_policy, "inventoryQuantity": available,
        "position": position, "taxable": v.taxable, "availableForSale": available > 0 || v.inventory_policy == "CONTINUE",
        "selectedOptions": v.option_values.iter().map(|(n, val)| json!({"name": n, "value": val})).collect::<Vec<_>>(),
        "createdAt": ts(&v.created_at), "updatedAt": ts(&v.updated_at),
    })
}

/// A product node.
pub fn product_node<'c>(ctx: &'c Ctx<'c>, store: &Store, p: &Product) -> Node<'c> {
    Node::new(ctx, "Product", product_json(store, p), Rel::Product(p.id))
}

/// A variant node.
pub fn variant_node<'c>(ctx: &'c Ctx<'c>, store: &Store, v: &Variant) -> Node<'c> {
    Node::new(ctx, "ProductVariant", variant_json(store, v), Rel::Variant(v.id))
}

/// Relational fields of `Product`.
pub fn product_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    if info.field_name() != "variants" {
        return Ok(None);
    }
    let store = ctx.store();
    let Some(p) = store.products.get(&id) else {
        return Ok(Some(ResolvedValue::null()));
    };
    let items = p
        .variant_ids
        .iter()
        .enumerate()
        .filter_map(|(i, vid)| {
            store.variants.get(vid).map(|v| Item { key: format!("{i:08}"), node: variant_node(ctx, &store, v) })
        })
        .collect();
    drop(store);
    paginate(ctx, info, &args(info), items).map(Some)
}

/// Relational fields of `ProductVariant`.
pub fn variant_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let store = ctx.store();
    let Some(v) = store.variants.get(&id) else {
        return Ok(Some(ResolvedValue::null()));
    };
    Ok(match info.field_name() {
        "product" => store.products.get(&v.product_id).map(|p| ResolvedValue::object(product_node(ctx, &store, p))),
        "inventoryItem" => store
            .inventory_items
            .get(&v.inventory_item_id)
            .map(|i| ResolvedValue::object(inventory::item_node(ctx, &store, i))),
        "contextualPricing" => {
            drop(store);
            Some(super::pricing::contextual_pricing(ctx, id, info))
        }
        _ => None,
    })
}

fn product_lookup(store: &Store, p: &Product, field: &str) -> Option<Vec<String>> {
    let variants = || p.variant_ids.iter().filter_map(|v| store.variants.get(v));
    Some(match field {
        "title" => vec![p.title.clone()],
        "handle" => vec![p.handle.clone()],
        "status" => vec![p.status.clone()],
        "vendor" => vec![p.vendor.clone()],
        "product_type" => vec![p.product_type.clone()],
        "tag" | "tags" => p.tags.clone(),
        "sku" => variants().map(|v| v.sku.clone()).collect(),
        "barcode" => variants().filter_map(|v| v.barcode.clone()).collect(),
        "id" => vec![p.id.to_string()],
        "created_at" => vec![ts(&p.created_at)],
        "updated_at" => vec![ts(&p.updated_at)],
        _ => return None,
    })
}

fn variant_lookup(store: &Store, v: &Variant, field: &str) -> Option<Vec<String>> {
    Some(match field {
        "sku" => vec![v.sku.clone()],
        "barcode" => v.barcode.clone().into_iter().collect(),
        "title" => vec![v.title()],
        "product_id" => vec![v.product_id.to_string()],
        "id" => vec![v.id.to_string()],
        "inventory_item_id" => vec![v.inventory_item_id.to_string()],
        "product_status" => store.products.get(&v.product_id).map(|p| p.status.clone()).into_iter().collect(),
        "created_at" => vec![ts(&v.created_at)],
        "updated_at" => vec![ts(&v.updated_at)],
        _ => return None,
    })
}

/// A sort key for `sortKey` values carrying a timestamp, else by id.
pub fn sort_key(
    sort: Option<&str>,
    updated: &chrono::DateTime<chrono::Utc>,
    created: &chrono::DateTime<chrono::Utc>,
    id: u64,
) -> String {
    match sort {
        Some("UPDATED_AT") => format!("{}{}", ts(updated), id_key(id)),
        Some("CREATED_AT") => format!("{}{}", ts(created), id_key(id)),
        _ => id_key(id),
    }
}

/// `Query.products`.
pub fn products<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let sort = a.get("sortKey").and_then(Json::as_str);
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .products
        .values()
        .filter(|p| query.matches("title", |f| product_lookup(&store, p, f)))
        .map(|p| Item { key: sort_key(sort, &p.updated_at, &p.created_at, p.id), node: product_node(ctx, &store, p) })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}

/// `Query.productVariants`.
pub fn product_variants<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let store = ctx.store();
    let items: Vec<Item> = store
        .variants
        .values()
        .filter(|v| query.matches("title", |f| variant_lookup(&store, v, f)))
        .map(|v| Item { key: id_key(v.id), node: variant_node(ctx, &store, v) })
        .collect();
    drop(store);
    paginate(ctx, info, a, items)
}

/// The REST-shaped product for `products/*` webhooks (first 100 variants, like Shopify).
pub fn product_payload(store: &Store, p: &Product) -> Json {
    let variants: Vec<Json> = p
        .variant_ids
        .iter()
        .take(100)
        .filter_map(|v| store.variants.get(v))
        .map(|v| {
            json!({
                "id": v.id, "product_id": p.id, "sku": v.sku, "price": v.price, "title": v.title(),
                "inventory_item_id": v.inventory_item_id, "inventory_quantity": inventory::available_total(store, v.inventory_item_id),
                "admin_graphql_api_id": gid("ProductVariant", v.id), "updated_at": ts(&v.updated_at),
            })
        })
        .collect();
    json!({
        "id": p.id, "admin_graphql_api_id": gid("Product", p.id), "title": p.title, "handle": p.handle,
        "status": p.status.to_lowercase(), "vendor": p.vendor, "tags": p.tags.join(", "), "body_html": p.description_html,
        "created_at": ts(&p.created_at), "updated_at": ts(&p.updated_at), "variants": variants,
    })
}
