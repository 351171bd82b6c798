//! In-memory store state: every record of the simulated shop, ids, pending webhook events and
//! the idempotency ledger. Reproducible: ids come from a counter, so the same seed gives the same ids.

pub mod catalog;
pub mod collections;
pub mod files;
pub mod level_history;
pub mod metafields;
pub mod model;
pub mod money;
pub mod order_changes;
pub mod order_detail;
pub mod order_pricing;
pub mod order_totals;
pub mod pricing;
pub mod seed;
pub mod seed_platform;
pub mod seed_pricing;
pub mod uploads;

use chrono::{DateTime, SubsecRound, Utc};
use model::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// First id handed out after a reset; ids then count up by one.
const FIRST_ID: u64 = 1_000_001;

/// A webhook event raised by a change, waiting to be delivered.
#[derive(Clone, Debug)]
pub struct Event {
    /// REST-style topic, e.g. `orders/create`.
    pub topic: &'static str,
    pub payload: serde_json::Value,
}

/// What an idempotency key remembers: the request fingerprint and the first result.
#[derive(Clone, Debug)]
pub struct IdempotentEntry {
    pub fingerprint: String,
    pub result: serde_json::Value,
}

/// Everything the simulated shop holds.
#[derive(Debug, Serialize)]
pub struct Store {
    next_id: u64,
    next_order_number: u64,
    pub products: BTreeMap<u64, Product>,
    pub variants: BTreeMap<u64, Variant>,
    pub inventory_items: BTreeMap<u64, InventoryItem>,
    /// Keyed by (inventory item id, location id); serialized as a list.
    #[serde(serialize_with = "values_only")]
    pub levels: BTreeMap<(u64, u64), InventoryLevel>,
    pub locations: BTreeMap<u64, Location>,
    pub orders: BTreeMap<u64, Order>,
    pub customers: BTreeMap<u64, Customer>,
    pub subscriptions: BTreeMap<u64, Subscription>,
    /// Subscriptions Shopify deleted, oldest first.
    pub subscription_removals: Vec<SubscriptionRemoval>,
    pub bulk_operations: BTreeMap<u64, BulkOperation>,
    pub adjustment_groups: BTreeMap<u64, AdjustmentGroup>,
    pub collections: BTreeMap<u64, collections::Collection>,
    pub files: BTreeMap<u64, files::FileRecord>,
    /// Media of each product: file ids in position order.
    pub product_media: BTreeMap<u64, Vec<u64>>,
    /// Media of each variant: file ids.
    pub variant_media: BTreeMap<u64, Vec<u64>>,
    pub metafields: BTreeMap<u64, metafields::Metafield>,
    pub metafield_definitions: BTreeMap<u64, metafields::MetafieldDefinition>,
    /// Staged upload targets and their files, by storage key.
    pub uploads: BTreeMap<String, uploads::StagedUpload>,
    /// Scopes the token holds, when a seed or the control API replaced the configured ones.
    pub access_scopes: Option<Vec<String>>,
    /// Open and committed order edit sessions.
    pub order_edits: BTreeMap<u64, order_changes::OrderEdit>,
    /// Markets, B2B companies, catalogs and price lists.
    pub pricing: pricing::Pricing,
    /// Every `inventory_levels/update` raised, with its cause.
    pub level_history: level_history::LevelHistory,
    #[serde(skip)]
    pub idempotency: HashMap<(String, String), IdempotentEntry>,
    #[serde(skip)]
    pub events: Vec<Event>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            next_id: FIRST_ID,
            next_order_number: 1001,
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            inventory_items: BTreeMap::new(),
            levels: BTreeMap::new(),
            locations: BTreeMap::new(),
            orders: BTreeMap::new(),
            customers: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            subscription_removals: Vec::new(),
            bulk_operations: BTreeMap::new(),
            adjustment_groups: BTreeMap::new(),
            collections: BTreeMap::new(),
            files: BTreeMap::new(),
            product_media: BTreeMap::new(),
            variant_media: BTreeMap::new(),
            metafields: BTreeMap::new(),
            metafield_definitions: BTreeMap::new(),
            uploads: BTreeMap::new(),
            access_scopes: None,
            order_edits: BTreeMap::new(),
            pricing: pricing::Pricing::default(),
            level_history: level_history::LevelHistory::default(),
            idempotency: HashMap::new(),
            events: Vec::new(),
        }
    }
}

/// Serializes a map with non-string keys as the list of its values.
fn values_only<S: serde::Serializer, K, V: Serialize>(map: &BTreeMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(map.values())
}

/// The current time at second precision, as Shopify reports timestamps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// Formats a time the way Shopify does (`2026-04-01T12:00:00Z`).
pub fn ts(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Builds a Shopify global id.
pub fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// Parses `gid://shopify/{kind}/{id}` (ignoring any query string); `None` if it is not one.
pub fn parse_gid(kind: &str, value: &str) -> Option<u64> {
    let rest = value.strip_prefix("gid://shopify/")?.strip_prefix(kind)?.strip_prefix('/')?;
    let digits = rest.split('?').next()?;
    digits.parse().ok()
}

impl Store {
    /// Hands out the next id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Hands out the next order number (#1001, #1002, ...).
    pub fn next_order_number(&mut self) -> u64 {
        let n = self.next_order_number;
        self.next_order_number += 1;
        n
    }

    /// Queues a webhook event.
    pub fn emit(&mut self, topic: &'static str, payload: serde_json::Value) {
        self.events.push(Event { topic, payload });
    }

    /// Finds the variant carrying `sku`.
    pub fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        self.variants.values().find(|v| v.sku == sku)
    }

    /// Creates an empty inventory level (item activated at a location) if it does not exist.
    pub fn activate(&mut self, item_id: u64, location_id: u64) {
        let t = now();
        self.levels.entry((item_id, location_id)).or_insert_with(|| InventoryLevel {
            item_id,
            location_id,
            quantities: BTreeMap::new(),
            created_at: t,
            updated_at: t,
        });
    }

    /// Sets the named quantity of a level (`available` or `on_hand`), returning the delta.
    /// Changing `on_hand` moves `available` by the same delta, as in Shopify.
    pub fn set_quantity(&mut self, item_id: u64, location_id: u64, name: &str, value: i64) -> Option<i64> {
        let level = self.levels.get_mut(&(item_id, location_id))?;
        let delta = value - level.quantity(name);
        let target = if name == "on_hand" { "available" } else { name };
        *level.quantities.entry(target.to_string()).or_insert(0) += delta;
        level.updated_at = now();
        Some(delta)
    }

    /// Payload of an `inventory_levels/update` webhook for one level.
    pub fn emit_level_update(&mut self, item_id: u64, location_id: u64) {
        if let Some(level) = self.levels.get(&(item_id, location_id)) {
            let payload = serde_json::json!({
                "inventory_item_id": item_id,
                "location_id": location_id,
                "available": level.quantity("available"),
                "updated_at": ts(&level.updated_at),
                "admin_graphql_api_id": format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"),
            });
            self.level_history.record(item_id, location_id, level.quantity("available"), level.updated_at);
            self.emit("inventory_levels/update", payload);
        }
    }

    /// Removes a product with its variants, inventory items and levels.
    pub fn delete_product(&mut self, product_id: u64) -> Option<Product> {
        let product = self.products.remove(&product_id)?;
        for vid in &product.variant_ids {
            self.delete_variant(*vid);
        }
        self.forget_owner("Product", product_id);
        Some(product)
    }

    /// Removes one variant with its inventory item and levels.
    pub fn delete_variant(&mut self, variant_id: u64) {
        if let Some(v) = self.variants.remove(&variant_id) {
            self.forget_owner("ProductVariant", variant_id);
            self.inventory_items.remove(&v.inventory_item_id);
            self.levels.retain(|(item, _), _| *item != v.inventory_item_id);
        }
    }
}
