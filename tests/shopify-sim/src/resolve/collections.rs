//! Collections (manual ones): `collectionCreate`, `collectionUpdate`, `collectionDelete`,
//! `collectionAddProducts`, `collectionRemoveProducts`, the `collections` / `collection` /
//! `collectionByHandle` / `collectionByIdentifier` queries, `products` and `hasProduct` on a
//! collection, `collections` and `inCollection` on a product. Smart collections (`ruleSet`) are
//! not simulated.

use super::connection::{id_key, paginate, Item};
use super::products::product_node;
use super::{id_arg, rel, user_errors, Ctx, Node, Rel};
use crate::limits::too_long;
use crate::search::Query;
use crate::store::collections::Collection;
use crate::store::model::UserError;
use crate::store::seed::handleize;
use crate::store::{gid, now, parse_gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// A collection node.
pub fn collection_node<'c>(ctx: &'c Ctx<'c>, c: &Collection) -> Node<'c> {
    let fields = json!({
        "id": gid("Collection", c.id), "legacyResourceId": c.id.to_string(), "title": c.title, "handle": c.handle,
        "descriptionHtml": c.description_html, "description": c.description_html, "sortOrder": c.sort_order,
        "templateSuffix": c.template_suffix, "updatedAt": ts(&c.updated_at), "seo": {"title": null, "description": null},
        "ruleSet": null, "image": null, "productsCount": {"count": c.product_ids.len(), "precision": "EXACT"},
    });
    Node::new(ctx, "Collection", fields, Rel::None)
}

/// A unique handle: the given one (None when taken) or one derived from the title with a numeric suffix.
fn unique_handle(store: &Store, given: Option<&str>, title: &str, except: Option<u64>) -> Option<String> {
    let taken = |h: &str| store.collections.values().any(|c| c.handle == h && Some(c.id) != except);
    if let Some(h) = given {
        return (!taken(h)).then(|| h.to_string());
    }
    let base = handleize(title);
    (0..).map(|n| if n == 0 { base.clone() } else { format!("{base}-{n}") }).find(|h| !taken(h))
}

/// The product ids named by `ids` (gids), or the error for the first that does not exist.
fn products(store: &Store, ids: &[Json], at: &str) -> Result<Vec<u64>, UserError> {
    ids.iter()
        .enumerate()
        .map(|(i, raw)| {
            raw.as_str()
                .and_then(|r| parse_gid("Product", r))
                .filter(|p| store.products.contains_key(p))
                .ok_or_else(|| UserError::new(&[at, &i.to_string()], "Product does not exist", None))
        })
        .collect()
}

/// Checks the scalar fields of a `CollectionInput` (`title` required on create).
fn check_input(input: &Json, create: bool) -> Option<UserError> {
    let title = input.get("title").and_then(Json::as_str);
    if input.get("ruleSet").is_some_and(|r| !r.is_null()) {
        return Some(UserError::new(&["ruleSet"], "shopify-sim does not implement smart collections (ruleSet).", None));
    }
    if (create && title.is_none()) || title.is_some_and(|t| t.trim().is_empty()) {
        return Some(UserError::new(&["title"], "Title can't be blank", None));
    }
    [("title", "Title"), ("handle", "Handle")].iter().find_map(|(k, label)| {
        input.get(*k).and_then(Json::as_str).and_then(|v| too_long(label, v)).map(|m| UserError::new(&[k], m, None))
    })
}

/// `collectionCreate(input:)`: a manual collection, optionally with its first products.
pub fn create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |e: UserError| json!({"collection": null, "userErrors": user_errors(&[e])});
    if let Some(e) = check_input(&input, true) {
        return fail(e);
    }
    let title = input.get("title").and_then(Json::as_str).unwrap_or("").to_string();
    let Some(handle) = unique_handle(store, input.get("handle").and_then(Json::as_str), &title, None) else {
        return fail(UserError::new(&["handle"], "Handle has already been taken", None));
    };
    let product_ids = match products(
        store,
        input.get("products").and_then(Json::as_array).map_or(&[][..], Vec::as_slice),
        "products",
    ) {
        Ok(ids) => ids,
        Err(e) => return fail(e),
    };
    let id = store.next_id();
    let t = now();
    let s = |k: &str| input.get(k).and_then(Json::as_str).map(str::to_string);
    let collection = Collection {
        id,
        title,
        handle,
        description_html: s("descriptionHtml").unwrap_or_default(),
        sort_order: s("sortOrder").unwrap_or_else(|| "BEST_SELLING".into()),
        template_suffix: s("templateSuffix"),
        product_ids,
        created_at: t,
        updated_at: t,
    };
    store.collections.insert(id, collection);
    json!({"collection": rel("Collection", id), "userErrors": []})
}

/// `collectionUpdate(input:)`: title, handle, description, sort order (members change with add/remove).
pub fn update(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |e: UserError| json!({"collection": null, "job": null, "userErrors": user_errors(&[e])});
    let Some(id) = id_arg(input.as_object().unwrap_or(&Map::new()), "id", "Collection")
        .filter(|id| store.collections.contains_key(id))
    else {
        return fail(UserError::new(&["id"], "Collection does not exist", None));
    };
    if let Some(e) = check_input(&input, false) {
        return fail(e);
    }
    if input.get("products").is_some_and(|p| !p.is_null()) {
        return fail(UserError::new(
            &["products"],
            "Use collectionAddProducts and collectionRemoveProducts to change a collection's products.",
            None,
        ));
    }
    let title =
        input.get("title").and_then(Json::as_str).map_or_else(|| store.collections[&id].title.clone(), str::to_string);
    let handle = match input.get("handle").and_then(Json::as_str) {
        Some(h) => match unique_handle(store, Some(h), &title, Some(id)) {
            Some(h) => h,
            None => return fail(UserError::new(&["handle"], "Handle has already been taken", None)),
        },
        None => store.collections[&id].handle.clone(),
    };
    let Some(c) = store.collections.get_mut(&id) else {
        return fail(UserError::new(&["id"], "Collection does not exist", None));
    };
    let s = |k: &str| input.get(k).and_then(Json::as_str).map(str::to_string);
    c.title = title;
    c.handle = handle;
    if let Some(d) = s("descriptionHtml") {
        c.description_html = d;
    }
    if let Some(o) = s("sortOrder") {
        c.sort_order = o;
    }
    c.updated_at = now();
    json!({"collection": rel("Collection", id), "job": null, "userErrors": []})
}

/// `collectionDelete(input: {id})`.
pub fn delete(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let shop = super::shop::shop_json(ctx.config);
    let raw = a.get("input").and_then(|i| i.get("id")).and_then(Json::as_str).unwrap_or("").to_string();
    match parse_gid("Collection", &raw).and_then(|id| store.collections.remove(&id)) {
        Some(c) => {
            store.forget_owner("Collection", c.id);
            json!({"deletedCollectionId": raw, "shop": shop, "userErrors": []})
        }
        None => {
            json!({"deletedCollectionId": null, "shop": shop, "userErrors": user_errors(&[UserError::new(&["id"], "Collection does not exist", None)])})
        }
    }
}

/// `collectionAddProducts(id:, productIds:)` (members already in stay once) and
/// `collectionRemoveProducts(id:, productIds:)` (answered with a finished job).
pub fn change_products(store: &mut Store, a: &Map<String, Json>, add: bool) -> Json {
    let fail = |e: UserError| {
        if add {
            json!({"collection": null, "userErrors": user_errors(&[e])})
        } else {
            json!({"job": null, "userErrors": user_errors(&[e])})
        }
    };
    let Some(id) = id_arg(a, "id", "Collection").filter(|id| store.collections.contains_key(id)) else {
        return fail(UserError::new(&["id"], "Collection does not exist", None));
    };
    let ids = match products(
        store,
        a.get("productIds").and_then(Json::as_array).map_or(&[][..], Vec::as_slice),
        "productIds",
    ) {
        Ok(ids) => ids,
        Err(e) => return fail(e),
    };
    let Some(c) = store.collections.get_mut(&id) else {
        return fail(UserError::new(&["id"], "Collection does not exist", None));
    };
    for p in ids {
        if !add {
            c.product_ids.retain(|x| *x != p);
        } else if !c.product_ids.contains(&p) {
            c.product_ids.push(p);
        }
    }
    c.updated_at = now();
    if add {
        json!({"collection": rel("Collection", id), "userErrors": []})
    } else {
        json!({"job": {"id": gid("Job", id), "done": true}, "userErrors": []})
    }
}

fn lookup(c: &Collection, field: &str) -> Option<Vec<String>> {
    Some(match field {
        "title" => vec![c.title.clone()],
        "handle" => vec![c.handle.clone()],
        "collection_type" => vec!["custom".into()],
        "id" => vec![c.id.to_string()],
        "updated_at" => vec![ts(&c.updated_at)],
        "product_id" => c.product_ids.iter().map(u64::to_string).collect(),
        _ => return None,
    })
}

/// `Query.collections(first:, query:, sortKey:)`.
pub fn collections<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let sort = a.get("sortKey").and_then(Json::as_str);
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .collections
        .values()
        .filter(|c| query.matches("title", |f| lookup(c, f)))
        .map(|c| {
            let key = match sort {
                Some("TITLE") => format!("{}{}", c.title.to_lowercase(), id_key(c.id)),
                Some("UPDATED_AT") => format!("{}{}", ts(&c.updated_at), id_key(c.id)),
                _ => id_key(c.id),
            };
            Item { key, node: collection_node(ctx, c) }
        })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}

/// `collection(id:)`, `collectionByHandle(handle:)`, `collectionByIdentifier(identifier: {id | handle})`.
pub fn find(store: &Store, a: &Map<String, Json>) -> Json {
    let by = a.get("identifier").and_then(Json::as_object).unwrap_or(a);
    let found = match (id_arg(by, "id", "Collection"), by.get("handle").and_then(Json::as_str)) {
        (Some(id), _) => store.collections.get(&id),
        (None, Some(handle)) => store.collections.values().find(|c| c.handle == handle),
        _ => None,
    };
    found.map_or(Json::Null, |c| rel("Collection", c.id))
}

/// `products` and `hasProduct(id:)` of a collection; `collections` and `inCollection(id:)` of a product.
pub fn owner_field<'a>(
    ctx: &'a Ctx<'a>,
    kind: &str,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let a = super::args(info);
    let store = ctx.store();
    match (kind, info.field_name()) {
        ("Collection", "products") => {
            let members = store.collections.get(&id).map(|c| c.product_ids.clone()).unwrap_or_default();
            let items: Vec<Item> = members
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    store.products.get(p).map(|p| Item { key: format!("{i:08}"), node: product_node(ctx, &store, p) })
                })
                .collect();
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        ("Collection", "hasProduct") => {
            let has = id_arg(&a, "id", "Product")
                .is_some_and(|p| store.collections.get(&id).is_some_and(|c| c.product_ids.contains(&p)));
            Ok(Some(ResolvedValue::leaf(has)))
        }
        ("Product", "collections") => {
            let query = Query::parse(a.get("query").and_then(Json::as_str));
            let items: Vec<Item> = store
                .collections
                .values()
                .filter(|c| c.product_ids.contains(&id) && query.matches("title", |f| lookup(c, f)))
                .map(|c| Item { key: id_key(c.id), node: collection_node(ctx, c) })
                .collect();
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        ("Product", "inCollection") => {
            let has = id_arg(&a, "id", "Collection")
                .is_some_and(|c| store.collections.get(&c).is_some_and(|c| c.product_ids.contains(&id)));
            Ok(Some(ResolvedValue::leaf(has)))
        }
        _ => Ok(None),
    }
}
