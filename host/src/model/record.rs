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
    /// Every entity, in the WIT's order.
    pub const ALL: [Entity; 8] = [
        Entity::Product,
        Entity::InventoryLevel,
        Entity::Order,
        Entity::Customer,
        Entity::Price,
        Entity::Fulfillment,
        Entity::OrderChange,
        Entity::InventoryAdjustment,
    ];

    /// The entity named in any spelling the product uses: the WIT's (`inventory-level`), keys'
    /// and logs' (`inventory_level`), the record tag (`InventoryLevel`), a flow's `object`
    /// (`inventory`), in any case and singular or plural. An unknown name is an error listing
    /// the valid ones.
    pub fn parse(name: &str) -> Result<Entity, String> {
        let folded: String =
            name.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).flat_map(char::to_lowercase).collect();
        let singular = folded.strip_suffix('s').filter(|s| !s.is_empty()).unwrap_or(&folded);
        let found = [folded.as_str(), singular].iter().find_map(|n| match *n {
            "product" => Some(Entity::Product),
            "inventorylevel" | "inventory" | "stock" => Some(Entity::InventoryLevel),
            "order" => Some(Entity::Order),
            "customer" => Some(Entity::Customer),
            "price" => Some(Entity::Price),
            "fulfillment" | "shipment" => Some(Entity::Fulfillment),
            "orderchange" => Some(Entity::OrderChange),
            "inventoryadjustment" => Some(Entity::InventoryAdjustment),
            _ => None,
        });
        found.ok_or_else(|| {
            format!(
                "unknown entity `{name}`: valid are {} (`inventory-level` is also `inventory`, `inventory_level` or `InventoryLevel`; any spelling of these works)",
                Entity::ALL.iter().map(|e| e.wit_name()).collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// The entity's name in the WIT contract (`inventory-level`).
    pub fn wit_name(self) -> &'static str {
        match self {
            Entity::Product => "product",
            Entity::InventoryLevel => "inventory-level",
            Entity::Order => "order",
            Entity::Customer => "customer",
            Entity::Price => "price",
            Entity::Fulfillment => "fulfillment",
            Entity::OrderChange => "order-change",
            Entity::InventoryAdjustment => "inventory-adjustment",
        }
    }

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

#[cfg(test)]
mod tests {
    use super::Entity;

    #[test]
    fn entities_parse_in_every_spelling_the_product_uses() {
        for name in ["inventory", "inventory-level", "inventory_level", "InventoryLevel", "inventory levels", "STOCK"] {
            assert_eq!(Entity::parse(name), Ok(Entity::InventoryLevel), "{name}");
        }
        for e in Entity::ALL {
            assert_eq!(Entity::parse(e.wit_name()), Ok(e));
            assert_eq!(Entity::parse(e.name()), Ok(e));
            assert_eq!(Entity::parse(&format!("{e:?}")), Ok(e));
        }
        assert_eq!(Entity::parse("orders"), Ok(Entity::Order));
        let err = Entity::parse("invetory").unwrap_err();
        assert!(err.contains("unknown entity `invetory`: valid are product, inventory-level, order, customer, price, fulfillment, order-change, inventory-adjustment"), "{err}");
    }
}
