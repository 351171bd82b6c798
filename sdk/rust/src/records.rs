//! Conveniences on the canonical records.

use crate::{Amount, Entity, Money, PluginInfo, Pushed, Record, WriteOutcome};

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

    /// The record's own SKU field, if it has one.
    pub fn sku_mut(&mut self) -> Option<&mut String> {
        match self {
            Record::Product(r) => r.sku.as_mut(),
            Record::InventoryLevel(r) => r.sku.as_mut(),
            Record::Customer(r) => r.sku.as_mut(),
            Record::Price(r) => r.sku.as_mut(),
            Record::InventoryAdjustment(r) => Some(&mut r.sku),
            Record::Order(_) | Record::Fulfillment(_) | Record::OrderChange(_) => None,
        }
    }

    /// Every SKU the record carries: its own, its variants', its order, shipment, refund,
    /// return or edit lines'.
    pub fn skus_mut(&mut self) -> Vec<&mut String> {
        use crate::OrderChangeKind;
        let mut out = Vec::new();
        match self {
            Record::Product(p) => {
                out.extend(p.sku.as_mut());
                out.extend(p.variants.iter_mut().filter_map(|v| v.sku.as_mut()));
            }
            Record::Order(o) => out.extend(o.lines.iter_mut().filter_map(|l| l.sku.as_mut())),
            Record::Fulfillment(f) => out.extend(f.lines.iter_mut().filter_map(|l| l.sku.as_mut())),
            Record::OrderChange(c) => match &mut c.change {
                OrderChangeKind::Refund(r) => out.extend(r.lines.iter_mut().filter_map(|l| l.sku.as_mut())),
                OrderChangeKind::Return(r) => out.extend(r.lines.iter_mut().filter_map(|l| l.sku.as_mut())),
                OrderChangeKind::Edit(edits) => out.extend(edits.iter_mut().filter_map(|l| l.sku.as_mut())),
                OrderChangeKind::Cancellation(_) => {}
            },
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

impl Money {
    /// `amount` in `currency`.
    pub fn new(amount: &str, currency: &str) -> Money {
        Money { amount: amount.to_owned(), currency: currency.to_owned() }
    }
}

impl Amount {
    /// An amount in the shop's currency only.
    pub fn shop(money: Money) -> Amount {
        Amount { shop: money, presentment: None }
    }

    /// The amount in the buyer's currency: the presentment side when there is one.
    pub fn buyer(&self) -> &Money {
        self.presentment.as_ref().unwrap_or(&self.shop)
    }
}

impl Pushed {
    /// A push that made a new object with this id.
    pub fn created(external_id: impl Into<String>) -> Pushed {
        Pushed { external_id: external_id.into(), outcome: WriteOutcome::Created }
    }

    /// A push that changed the existing object with this id.
    pub fn updated(external_id: impl Into<String>) -> Pushed {
        Pushed { external_id: external_id.into(), outcome: WriteOutcome::Updated }
    }

    /// A push that found the object with this id already as the record says.
    pub fn unchanged(external_id: impl Into<String>) -> Pushed {
        Pushed { external_id: external_id.into(), outcome: WriteOutcome::Unchanged }
    }

    /// A push that deliberately wrote nothing, and why.
    pub fn skipped(external_id: impl Into<String>, reason: impl Into<String>) -> Pushed {
        Pushed { external_id: external_id.into(), outcome: WriteOutcome::Skipped(reason.into()) }
    }
}
