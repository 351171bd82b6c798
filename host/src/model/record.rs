//! Any canonical record, tagged with its entity, and the keys it is known by.

use super::catalog::Product;
use super::changes::OrderChange;
use super::fulfillment::Fulfillment;
use super::orders::{Customer, Order};
use super::price::Price;
use super::stock::{InventoryAdjustment, InventoryLevel};
use serde::{Deserialize, Serialize};

/// The kinds of object weft syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Entity {
    /// Products with their variants.
    Product,
    /// Stock per SKU and location.
    InventoryLevel,
    /// Orders.
    Order,
    /// Customers.
    Customer,
    /// Prices.
    Price,
    /// Shipments of orders.
    Fulfillment,
    /// Changes to orders after import (cancellation, refund, return, edit).
    OrderChange,
    /// Changes of stock made in Shopify, for the ERP to book.
    InventoryAdjustment,
}

/// Any canonical record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// A product.
    Product(Product),
    /// A stock level.
    InventoryLevel(InventoryLevel),
    /// An order (boxed: it is by far the largest record, and records move in batches).
    Order(Box<Order>),
    /// A customer.
    Customer(Customer),
    /// A price.
    Price(Price),
    /// A shipment.
    Fulfillment(Fulfillment),
    /// A change to an order (boxed: a refund with its lines is large).
    OrderChange(Box<OrderChange>),
    /// A change of stock made in Shopify.
    InventoryAdjustment(InventoryAdjustment),
}

impl Record {
    /// The entity this record is.
    pub fn entity(&self) -> Entity {
        match self {
            Record::Product(_) => Entity::Product,
            Record::InventoryLevel(_) => Entity::InventoryLevel,
            Record::Order(_) => Entity::Order,
            Record::Customer(_) => Entity::Customer,
            Record::Price(_) => Entity::Price,
            Record::Fulfillment(_) => Entity::Fulfillment,
            Record::OrderChange(_) => Entity::OrderChange,
            Record::InventoryAdjustment(_) => Entity::InventoryAdjustment,
        }
    }

    /// The keys a person looks the record up by: its source id, and the SKUs (a product's and
    /// its variants') or the order id and name it carries.
    pub fn lookup_keys(&self) -> Vec<String> {
        let mut keys = vec![self.external_id().to_owned()];
        match self {
            Record::Product(p) => {
                keys.extend(p.sku.iter().chain(p.variants.iter().filter_map(|v| v.sku.as_ref())).cloned())
            }
            Record::InventoryLevel(l) => keys.extend(l.sku.clone()),
            Record::Price(p) => keys.extend(p.sku.clone()),
            Record::Order(o) => keys.push(o.name.clone()),
            Record::Fulfillment(f) => keys.extend([f.order_external_id.clone(), f.order_name.clone()]),
            Record::OrderChange(c) => keys.extend([c.order_external_id.clone(), c.order_name.clone()]),
            Record::InventoryAdjustment(a) => keys.push(a.sku.clone()),
            Record::Customer(_) => {}
        }
        keys.retain(|k| !k.is_empty());
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The record's id in its source system.
    pub fn external_id(&self) -> &str {
        match self {
            Record::Product(r) => &r.external_id,
            Record::InventoryLevel(r) => &r.external_id,
            Record::Order(r) => &r.external_id,
            Record::Customer(r) => &r.external_id,
            Record::Price(r) => &r.external_id,
            Record::Fulfillment(r) => &r.external_id,
            Record::OrderChange(r) => &r.external_id,
            Record::InventoryAdjustment(r) => &r.external_id,
        }
    }
}

impl Entity {
    /// The entity's name in keys, logs, config and the id map (`inventory_level`).
    pub fn name(self) -> &'static str {
        match self {
            Entity::Product => "product",
            Entity::InventoryLevel => "inventory_level",
            Entity::Order => "order",
            Entity::Customer => "customer",
            Entity::Price => "price",
            Entity::Fulfillment => "fulfillment",
            Entity::OrderChange => "order_change",
            Entity::InventoryAdjustment => "inventory_adjustment",
        }
    }
}
