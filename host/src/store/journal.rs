//! The journals: the undo log of writes made (for `weft runs revert`) and the intents of writes a
//! shadow-mode flow would have made (for `weft shadow diff`).

use crate::model::Entity;
use serde::{Deserialize, Serialize};

/// What a journal entry (undo or intent) is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalObject {
    /// A product's fields (Shopify), or a product record (an ERP).
    Product,
    /// A variant's price and compare-at price in Shopify.
    VariantPrice,
    /// A variant's fixed price, quantity breaks and rule on a Shopify price list.
    ListPrice,
    /// The available quantity of an inventory item at a Shopify location, or a level record.
    InventoryLevel,
    /// An order.
    Order,
    /// A customer.
    Customer,
    /// A price record (an ERP).
    Price,
    /// A shipment.
    Fulfillment,
    /// A change to an order (an ERP).
    OrderChange,
    /// A change of stock made in Shopify (an ERP).
    InventoryAdjustment,
}

impl JournalObject {
    /// Its name in the journals and the API (`variant_price`).
    pub fn name(self) -> &'static str {
        match self {
            JournalObject::Product => "product",
            JournalObject::VariantPrice => "variant_price",
            JournalObject::ListPrice => "list_price",
            JournalObject::InventoryLevel => "inventory_level",
            JournalObject::Order => "order",
            JournalObject::Customer => "customer",
            JournalObject::Price => "price",
            JournalObject::Fulfillment => "fulfillment",
            JournalObject::OrderChange => "order_change",
            JournalObject::InventoryAdjustment => "inventory_adjustment",
        }
    }
}

impl std::fmt::Display for JournalObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Entity> for JournalObject {
    fn from(entity: Entity) -> JournalObject {
        match entity {
            Entity::Product => JournalObject::Product,
            Entity::InventoryLevel => JournalObject::InventoryLevel,
            Entity::Order => JournalObject::Order,
            Entity::Customer => JournalObject::Customer,
            Entity::Price => JournalObject::Price,
            Entity::Fulfillment => JournalObject::Fulfillment,
            Entity::OrderChange => JournalObject::OrderChange,
            Entity::InventoryAdjustment => JournalObject::InventoryAdjustment,
        }
    }
}

/// One field a run changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoEntry {
    /// Flow.
    pub flow: String,
    /// What kind of object.
    pub object: JournalObject,
    /// The object's key for people and lookups (SKU, handle).
    pub key: String,
    /// The destination's id (inventory item GID, variant GID, product GID).
    pub target_id: String,
    /// Where, for levels: the Shopify location GID.
    pub location: Option<String>,
    /// Field (`available`, `price`, `compare_at_price`, `title`...).
    pub field: String,
    /// The value before the write (null: there was none).
    pub before: serde_json::Value,
    /// The value written.
    pub after: serde_json::Value,
    /// When (ms since the epoch).
    pub at_ms: u64,
}

/// A write a shadow-mode flow would have made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Flow.
    pub flow: String,
    /// Key within the flow (`SKU@location`, product handle, record id).
    pub key: String,
    /// What would be written.
    pub object: JournalObject,
    /// The destination's id of the object, when known.
    pub target_id: Option<String>,
    /// The intended values by field (e.g. `sku`, `location`, `available`).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// The run that made it.
    pub run_id: u64,
    /// When (ms since the epoch).
    pub at_ms: u64,
}
