//! Conveniences on the canonical records of the WIT contract, shared by the flows and the
//! conformance suite.

use super::bindings::types::{Entity, Record};

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
        }
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
        }
    }
}
