//! Inventory read model: inventory items, levels (`quantities(names:)`), locations and
//! adjustment groups. Writes live in [`super::inventory_write`].

use super::connection::{id_key, paginate, Item};
use super::{args, id_arg, json_value, rel, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{AdjustmentGroup, InventoryItem, InventoryLevel, Location};
use crate::store::{gid, parse_gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// Sum of `available` over every location of an item.
pub fn available_total(store: &Store, item_id: u64) -> i64 {
    store.levels.range((item_id, 0)..=(item_id, u64::MAX)).map(|(_, l)| l.quantity("available")).sum()
}

/// The `InventoryLevel` gid (it carries the item as a query string, like Shopify's).
pub fn level_gid(item_id: u64, location_id: u64) -> String {
    format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}")
}

/// An inventory item node.
pub fn item_node<'c>(ctx: &'c Ctx<'c>, store: &Store, i: &InventoryItem) -> Node<'c> {
    let locations = store.levels.range((i.id, 0)..=(i.id, u64::MAX)).count();
    let fields = json!({
        "id": gid("InventoryItem", i.id), "legacyResourceId": i.id.to_string(), "sku": i.sku, "tracked": i.tracked,
        "requiresShipping": i.requires_shipping, "createdAt": ts(&i.created_at), "updatedAt": ts(&i.updated_at),
        "unitCost": i.unit_cost.as_ref().map(|c| json!({"amount": c, "currencyCode": "USD"})),
        "locationsCount": {"count": locations, "precision": "EXACT"},
        "variant": rel("ProductVariant", i.variant_id),
    });
    Node::new(ctx, "InventoryItem", fields, Rel::InventoryItem(i.id))
}

/// An inventory level node.
pub fn level_node<'c>(ctx: &'c Ctx<'c>, l: &InventoryLevel) -> Node<'c> {
    let fields = json!({
        "id": level_gid(l.item_id, l.location_id), "isActive": true, "canDeactivate": true, "deactivationAlert": null,
        "createdAt": ts(&l.created_at), "updatedAt": ts(&l.updated_at),
        "item": rel("InventoryItem", l.item_id), "location": rel("Location", l.location_id),
    });
    Node::new(ctx, "InventoryLevel", fields, Rel::InventoryLevel(l.item_id, l.location_id))
}

/// A location node.
pub fn location_node<'c>(ctx: &'c Ctx<'c>, l: &Location) -> Node<'c> {
    let fields = json!({
        "id": gid("Location", l.id), "legacyResourceId": l.id.to_string(), "name": l.name, "isActive": l.is_active,
        "activatable": !l.is_active, "deactivatable": l.is_active, "deletable": false, "fulfillsOnlineOrders": true,
        "hasActiveInventory": true, "shipsInventory": true, "isFulfillmentService": false, "isPrimary": false,
        "hasUnfulfilledOrders": false, "localPickupSettingsV2": null, "addressVerified": true,
        "address": {"formatted": [], "countryCode": "US", "country": "United States", "address1": null, "city": null, "zip": null, "province": null},
        "createdAt": ts(&l.created_at), "updatedAt": ts(&l.updated_at),
    });
    Node::new(ctx, "Location", fields, Rel::Location(l.id))
}

/// An adjustment group node.
pub fn group_node<'c>(ctx: &'c Ctx<'c>, g: &AdjustmentGroup) -> Node<'c> {
    let fields = json!({
        "id": gid("InventoryAdjustmentGroup", g.id), "createdAt": ts(&g.created_at), "reason": g.reason,
        "referenceDocumentUri": g.reference_document_uri, "app": null, "staffMember": null,
    });
    Node::new(ctx, "InventoryAdjustmentGroup", fields, Rel::AdjustmentGroup(g.id))
}

fn levels_of<'c, 's>(ctx: &'c Ctx<'c>, levels: impl Iterator<Item = &'s InventoryLevel>) -> Vec<Item<'c>> {
    levels
        .map(|l| Item { key: format!("{}{}", id_key(l.location_id), id_key(l.item_id)), node: level_node(ctx, l) })
        .collect()
}

/// Relational fields of `InventoryItem`.
pub fn item_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let a = args(info);
    let store = ctx.store();
    match info.field_name() {
        "inventoryLevels" => {
            // Levels are keyed (item, location): an item's are one range, as Shopify indexes them.
            let items = levels_of(ctx, store.levels.range((id, 0)..=(id, u64::MAX)).map(|(_, l)| l));
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        // Counted only when asked: a scan of every item, per item of a bulk export, was quadratic.
        "duplicateSkuCount" => {
            let sku = store.inventory_items.get(&id).map(|i| i.sku.clone()).unwrap_or_default();
            let duplicates =
                store.inventory_items.values().filter(|o| o.sku == sku && o.id != id && !sku.is_empty()).count();
            Ok(Some(ResolvedValue::leaf(super::leaf(json!(duplicates)))))
        }
        "inventoryLevel" => {
            let loc = id_arg(&a, "locationId", "Location").unwrap_or(0);
            Ok(Some(
                store
                    .levels
                    .get(&(id, loc))
                    .map_or(ResolvedValue::null(), |l| ResolvedValue::object(level_node(ctx, l))),
            ))
        }
        "variants" => {
            let items = store
                .variants
                .values()
                .filter(|v| v.inventory_item_id == id)
                .map(|v| Item { key: id_key(v.id), node: super::products::variant_node(ctx, &store, v) })
                .collect();
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        _ => Ok(None),
    }
}

/// Relational fields of `InventoryLevel`.
pub fn level_field<'a>(
    ctx: &'a Ctx<'a>,
    item: u64,
    loc: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    if info.field_name() != "quantities" {
        return Ok(None);
    }
    let names: Vec<String> = args(info)
        .get("names")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_string)
        .collect();
    let store = ctx.store();
    let Some(level) = store.levels.get(&(item, loc)) else {
        return Ok(Some(ResolvedValue::null()));
    };
    let list: Vec<Json> = names
        .iter()
        .map(|n| {
            json!({"id": format!("{}&name={n}", level_gid(item, loc)), "name": n, "quantity": level.quantity(n), "updatedAt": ts(&level.updated_at)})
        })
        .collect();
    drop(store);
    Ok(Some(json_value(ctx, "InventoryQuantity", &Json::Array(list))))
}

/// Relational fields of `Location`.
pub fn location_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let a = args(info);
    let store = ctx.store();
    match info.field_name() {
        "inventoryLevels" => {
            let items = levels_of(ctx, store.levels.values().filter(|l| l.location_id == id));
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        "inventoryLevel" => {
            let item = id_arg(&a, "inventoryItemId", "InventoryItem").unwrap_or(0);
            Ok(Some(
                store
                    .levels
                    .get(&(item, id))
                    .map_or(ResolvedValue::null(), |l| ResolvedValue::object(level_node(ctx, l))),
            ))
        }
        _ => Ok(None),
    }
}

/// Relational fields of `InventoryAdjustmentGroup` (`changes(...)` with its filters).
pub fn group_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    if info.field_name() != "changes" {
        return Ok(None);
    }
    let a = args(info);
    let wanted = |key: &str, kind: &str| -> Option<Vec<u64>> {
        a.get(key)
            .and_then(Json::as_array)
            .map(|l| l.iter().filter_map(Json::as_str).filter_map(|s| parse_gid(kind, s)).collect())
    };
    let items = wanted("inventoryItemIds", "InventoryItem");
    let locations = wanted("locationIds", "Location");
    let names: Option<Vec<String>> = a
        .get("quantityNames")
        .and_then(Json::as_array)
        .map(|l| l.iter().filter_map(Json::as_str).map(str::to_string).collect());
    let store = ctx.store();
    let Some(group) = store.adjustment_groups.get(&id) else {
        return Ok(Some(ResolvedValue::null()));
    };
    let list: Vec<Json> = group
        .changes
        .iter()
        .filter(|c| items.as_ref().is_none_or(|i| i.contains(&c.item_id)))
        .filter(|c| locations.as_ref().is_none_or(|l| l.contains(&c.location_id)))
        .filter(|c| names.as_ref().is_none_or(|n| n.contains(&c.name)))
        .map(|c| {
            json!({
                "name": c.name, "delta": c.delta, "quantityAfterChange": c.quantity_after_change, "ledgerDocumentUri": null,
                "item": rel("InventoryItem", c.item_id), "location": rel("Location", c.location_id),
            })
        })
        .collect();
    drop(store);
    Ok(Some(json_value(ctx, "InventoryChange", &Json::Array(list))))
}

/// `Query.inventoryItems`.
pub fn inventory_items<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let store = ctx.store();
    let items = store
        .inventory_items
        .values()
        .filter(|i| {
            query.matches("sku", |f| match f {
                "sku" => Some(vec![i.sku.clone()]),
                "id" => Some(vec![i.id.to_string()]),
                "created_at" => Some(vec![ts(&i.created_at)]),
                "updated_at" => Some(vec![ts(&i.updated_at)]),
                _ => None,
            })
        })
        .map(|i| Item { key: id_key(i.id), node: item_node(ctx, &store, i) })
        .collect();
    drop(store);
    paginate(ctx, info, a, items)
}

/// `Query.locations`.
pub fn locations<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let include_inactive = a.get("includeInactive").and_then(Json::as_bool).unwrap_or(false);
    let store = ctx.store();
    let items = store
        .locations
        .values()
        .filter(|l| include_inactive || l.is_active)
        .filter(|l| query.matches("name", |f| (f == "name").then(|| vec![l.name.clone()])))
        .map(|l| Item { key: format!("{}{}", l.name.to_lowercase(), id_key(l.id)), node: location_node(ctx, l) })
        .collect();
    drop(store);
    paginate(ctx, info, a, items)
}

/// `Query.inventoryLevel(id:)`, parsing the level gid with its query string.
pub fn inventory_level<'a>(ctx: &'a Ctx<'a>, a: &Map<String, Json>) -> ResolvedValue<'a> {
    let raw = a.get("id").and_then(Json::as_str).unwrap_or("");
    let loc = parse_gid("InventoryLevel", raw);
    let item = raw.split_once("inventory_item_id=").and_then(|(_, i)| i.parse::<u64>().ok());
    let store = ctx.store();
    match (item, loc) {
        (Some(i), Some(l)) => {
            store.levels.get(&(i, l)).map_or(ResolvedValue::null(), |lv| ResolvedValue::object(level_node(ctx, lv)))
        }
        _ => ResolvedValue::null(),
    }
}
