//! The `QueryRoot` object: checks access scopes and dispatches root query fields to the object
//! families (catalog depth through [`super::catalog`], prices per market and B2B through
//! [`super::pricing`]).

use super::{
    args, bulk, customers, field_error, id_arg, inventory, json_value, orders, pricing, products, rel, subscriptions,
    Ctx, Resolved,
};
use apollo_compiler::resolvers::{ObjectValue, ResolveInfo, ResolvedValue};
use serde_json::Value as Json;

/// The root query object.
pub struct QueryRoot<'c> {
    pub ctx: &'c Ctx<'c>,
}

impl QueryRoot<'_> {
    /// Resolves `{kind}(id:)` by reference to the store.
    fn by_id<'a>(&'a self, info: &ResolveInfo<'_>, kind: &str) -> Resolved<'a> {
        let a = args(info);
        match id_arg(&a, "id", kind) {
            Some(id) => Ok(json_value(self.ctx, kind, &rel(kind, id))),
            None => Ok(ResolvedValue::null()),
        }
    }
}

impl ObjectValue for QueryRoot<'_> {
    fn type_name(&self) -> &str {
        "QueryRoot"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        let ctx = self.ctx;
        let a = args(info);
        crate::scopes::check(ctx, info, &a)?;
        match info.field_name() {
            "products" => products::products(ctx, info, &a),
            "product" => self.by_id(info, "Product"),
            "productByIdentifier" => {
                let ident = a.get("identifier").cloned().unwrap_or(Json::Null);
                let store = ctx.store();
                let found = match (ident.get("id").and_then(Json::as_str), ident.get("handle").and_then(Json::as_str)) {
                    (Some(id), _) => {
                        crate::store::parse_gid("Product", id).filter(|id| store.products.contains_key(id))
                    }
                    (None, Some(handle)) => store.products.values().find(|p| p.handle == handle).map(|p| p.id),
                    _ => None,
                };
                drop(store);
                Ok(found.map_or(ResolvedValue::null(), |id| json_value(ctx, "Product", &rel("Product", id))))
            }
            "productVariants" => products::product_variants(ctx, info, &a),
            "productVariant" => self.by_id(info, "ProductVariant"),
            "inventoryItems" => inventory::inventory_items(ctx, info, &a),
            "inventoryItem" => self.by_id(info, "InventoryItem"),
            "inventoryLevel" => Ok(inventory::inventory_level(ctx, &a)),
            "locations" => inventory::locations(ctx, info, &a),
            "location" => match id_arg(&a, "id", "Location") {
                Some(id) => Ok(json_value(ctx, "Location", &rel("Location", id))),
                None => {
                    let first = ctx.store().locations.keys().next().copied();
                    Ok(first.map_or(ResolvedValue::null(), |id| json_value(ctx, "Location", &rel("Location", id))))
                }
            },
            "orders" => orders::orders(ctx, info, &a),
            "order" => self.by_id(info, "Order"),
            "refund" => self.by_id(info, "Refund"),
            "return" => self.by_id(info, "Return"),
            "fulfillment" => self.by_id(info, "Fulfillment"),
            "fulfillmentOrder" => self.by_id(info, "FulfillmentOrder"),
            "customers" => customers::customers(ctx, info, &a),
            "customer" => self.by_id(info, "Customer"),
            "webhookSubscriptions" => subscriptions::subscriptions(ctx, info, &a),
            "webhookSubscription" => Ok(json_value(ctx, "WebhookSubscription", &subscriptions::subscription(ctx, &a))),
            "webhookSubscriptionsCount" => {
                let count = subscriptions::count(&ctx.store(), &a);
                Ok(json_value(ctx, "Count", &count))
            }
            "bulkOperation" => self.by_id(info, "BulkOperation"),
            "currentBulkOperation" => {
                let current = bulk::current(&ctx.store(), &a);
                Ok(json_value(ctx, "BulkOperation", &current))
            }
            "bulkOperations" => bulk::operations(ctx, info, &a),
            "shop" => Ok(json_value(ctx, "Shop", &super::shop::shop_json(ctx.config))),
            "currentAppInstallation" => Ok(json_value(ctx, "AppInstallation", &crate::scopes::app_installation(ctx))),
            other => super::catalog::query(ctx, info, &a)
                .or_else(|| pricing::query(ctx, info, &a))
                .unwrap_or_else(|| Err(field_error(format!("shopify-sim does not implement QueryRoot.{other}")))),
        }
    }
}
