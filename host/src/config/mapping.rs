//! A flow's mapping from its keys: what it writes into for each object and direction, and the
//! checks that make a mapping applied or refused, never ignored.

use super::flow::{FlowConfig, ObjectKind};
use super::ownership::{owned_field, unmappable};
use crate::domain::functions::Lookups;
use crate::domain::mapping::shape::{self, Shape};
use crate::domain::mapping::{Mapping, MappingError};
use crate::domain::ownership::Owner;
use crate::model::{
    Address, Customer, Fulfillment, FulfillmentLine, InventoryLevel, Order, OrderLine, Price, Product, ShippingLine,
    Tracking, Variant,
};
use serde::Serialize;
use std::sync::Arc;

impl ObjectKind {
    /// What a mapping of a flow of this object writes into: the Shopify mutation's input for a
    /// flow into Shopify, else the canonical record the destination (an ERP) receives. `Err`
    /// says why the object takes no mapping.
    pub fn mapping_shape(self, to_shopify: bool) -> Result<Shape, &'static str> {
        fn json<T: Serialize + Default>() -> serde_json::Value {
            serde_json::to_value(T::default()).unwrap_or_default()
        }
        Ok(match (self, to_shopify) {
            (ObjectKind::Product, true) => Shape::Shopify(shape::PRODUCT_SET),
            (ObjectKind::Inventory, true) => {
                return Err("an inventory flow into Shopify writes quantities, computed by `available`, `buffer`, \
                            `channels` and `location_overrides`; it takes no mapping, `rules` or `skip_if`")
            }
            (ObjectKind::Order, true) => Shape::Shopify(shape::ORDER_CREATE),
            (ObjectKind::Customer, true) => Shape::Shopify(shape::CUSTOMER_SET),
            (ObjectKind::Price, true) => Shape::Shopify(shape::VARIANT_PRICES),
            (ObjectKind::Fulfillment, true) => Shape::Shopify(shape::FULFILLMENT_CREATE),
            (ObjectKind::Product, false) => {
                Shape::canonical("product", json::<Product>(), vec![(shape::VARIANTS, json::<Variant>())])
            }
            (ObjectKind::Inventory, false) => Shape::canonical("inventory level", json::<InventoryLevel>(), Vec::new()),
            (ObjectKind::Order, false) => Shape::canonical(
                "order",
                json::<Order>(),
                vec![(shape::LINES, json::<OrderLine>()), (shape::SHIPPING_LINES, json::<ShippingLine>())],
            ),
            (ObjectKind::Customer, false) => {
                Shape::canonical("customer", json::<Customer>(), vec![(shape::ADDRESSES, json::<Address>())])
            }
            (ObjectKind::Price, false) => Shape::canonical("price", json::<Price>(), Vec::new()),
            (ObjectKind::Fulfillment, false) => Shape::canonical(
                "fulfillment",
                json::<Fulfillment>(),
                vec![(shape::FULFILLMENT_LINES, json::<FulfillmentLine>()), (shape::TRACKING, json::<Tracking>())],
            ),
        })
    }
}

impl FlowConfig {
    /// The compiled mapping (`mapping`, `skip_if`, `rules`) from the flow's source into what its
    /// destination receives, reading `lookups`; the error names the key under the flow. A
    /// mapping is applied or refused here, never ignored: an object that takes none, a target the
    /// destination owns (so the value would never be sent), an unknown target, variable or lookup
    /// table are errors.
    pub fn mapping(&self, lookups: &Arc<Lookups>) -> Result<Mapping, MappingError> {
        let source = if self.from.is_shopify() { "shopify" } else { "erp" };
        let shape = match self.object.mapping_shape(self.to.is_shopify()) {
            Ok(shape) => shape,
            Err(why) => {
                let configured = self.mapping.keys().map(|t| format!("mapping.{t}")).next();
                let configured = configured
                    .or_else(|| self.skip_if.as_ref().map(|_| "skip_if".to_owned()))
                    .or_else(|| (!self.rules.is_empty()).then(|| "rules".to_owned()));
                return match configured {
                    Some(key) => Err(MappingError::at(key, why)),
                    None => Ok(Mapping::none(source)),
                };
            }
        };
        let to_shopify = self.to.is_shopify();
        let mapping =
            Mapping::new(&self.mapping, self.skip_if.as_deref(), &self.rules, shape, source, lookups.clone())?;
        let owners = self.ownership();
        let destination = if to_shopify { Owner::Shopify } else { Owner::Erp };
        for (key, target) in mapping.targets() {
            let Some(field) = owned_field(self.object, to_shopify, &target) else { continue };
            if let Some(why) = unmappable(field).filter(|_| to_shopify) {
                return Err(MappingError::at(key, format!("`{target}` is not mapped: {why}")));
            }
            if owners.owner(field) == destination {
                let (owner, other) = if to_shopify { ("Shopify", "erp") } else { ("the ERP", "shopify") };
                return Err(MappingError::at(
                    key,
                    format!(
                        "`{target}` is {owner}'s on this flow, so a mapped value would never be sent; \
                         give it to the source with ownership.{name} = \"{other}\"",
                        name = field.name()
                    ),
                ));
            }
        }
        Ok(mapping)
    }
}
