//! Conveniences on the canonical records.

use crate::{Entity, PluginInfo, Record};

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

    /// The record's own SKU field, if it has one.
    pub fn sku_mut(&mut self) -> Option<&mut String> {
        match self {
            Record::Product(r) => r.sku.as_mut(),
            Record::InventoryLevel(r) => r.sku.as_mut(),
            Record::Order(r) => r.sku.as_mut(),
            Record::Customer(r) => r.sku.as_mut(),
            Record::Price(r) => r.sku.as_mut(),
            Record::Fulfillment(r) => r.sku.as_mut(),
        }
    }

    /// Every SKU the record carries: its own, its variants', its order lines'.
    pub fn skus_mut(&mut self) -> Vec<&mut String> {
        let mut out = Vec::new();
        match self {
            Record::Product(p) => {
                out.extend(p.sku.as_mut());
                out.extend(p.variants.iter_mut().filter_map(|v| v.sku.as_mut()));
            }
            Record::Order(o) => {
                out.extend(o.sku.as_mut());
                out.extend(o.lines.iter_mut().filter_map(|l| l.sku.as_mut()));
            }
            Record::Fulfillment(f) => {
                out.extend(f.sku.as_mut());
                out.extend(f.lines.iter_mut().map(|(sku, _)| sku));
            }
            other => out.extend(other.sku_mut()),
        }
        out
    }
}

impl PluginInfo {
    /// Info with no entities, config keys or secrets yet.
    pub fn new(id: &str, version: &str, description: &str) -> PluginInfo {
        PluginInfo {
            id: id.to_owned(),
            version: version.to_owned(),
            description: description.to_owned(),
            entities: Vec::new(),
            config_keys: Vec::new(),
            secrets: Vec::new(),
        }
    }
}
