//! Which fields each flow decides the owner of, and the check of its `ownership` overrides: an
//! override that cannot take effect on its flow (a field the flow never writes, a field the
//! ERP's records never carry and no mapping sets, a price another flow writes) is refused naming
//! the key, never accepted silently.

use super::flow::{FlowConfig, ObjectKind};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::{Field, Owner};

/// Where each owned field is in what a flow of `object` writes (Shopify's mutation input when
/// `to_shopify`, else the canonical record the ERP receives), by target prefix: the fields whose
/// owner the flow's `ownership` decides. An object and direction without fields has none to
/// decide (inventory levels follow the flow's direction, or `hybrid`).
pub fn field_targets(object: ObjectKind, to_shopify: bool) -> &'static [(&'static str, Field)] {
    match (object, to_shopify) {
        (ObjectKind::Product, true) => &[
            ("title", Field::Title),
            ("descriptionHtml", Field::Description),
            ("vendor", Field::Vendor),
            ("productType", Field::ProductType),
            ("status", Field::Status),
            ("tags", Field::Tags),
            ("seo", Field::Seo),
            ("collections", Field::Collections),
            ("metafields", Field::Metafields),
            ("files", Field::Media),
            ("variants.sku", Field::Sku),
            ("variants.price", Field::Price),
            ("variants.compareAtPrice", Field::CompareAtPrice),
            ("variants.barcode", Field::Barcode),
            ("variants.inventoryItem.cost", Field::Cost),
            ("variants.inventoryItem.measurement", Field::Weight),
        ],
        (ObjectKind::Price, true) => &[("price", Field::Price), ("compareAtPrice", Field::CompareAtPrice)],
        (ObjectKind::Customer, true) => &[
            ("firstName", Field::FirstName),
            ("lastName", Field::LastName),
            ("phone", Field::Phone),
            ("addresses", Field::Addresses),
            ("tags", Field::CustomerTags),
            ("metafields", Field::Metafields),
        ],
        (ObjectKind::Customer, false) => &[
            ("first_name", Field::FirstName),
            ("last_name", Field::LastName),
            ("phone", Field::Phone),
            ("addresses", Field::Addresses),
            ("tags", Field::CustomerTags),
        ],
        (ObjectKind::Order, false) => &[
            ("customer.first_name", Field::FirstName),
            ("customer.last_name", Field::LastName),
            ("customer.phone", Field::Phone),
            ("customer.addresses", Field::Addresses),
            ("customer.tags", Field::CustomerTags),
        ],
        (ObjectKind::Order, true) => &[
            ("tags", Field::OrderTags),
            ("note", Field::Note),
            ("customAttributes", Field::Attributes),
            ("metafields", Field::Metafields),
        ],
        (ObjectKind::Fulfillment, true) => &[("trackingInfo", Field::Tracking)],
        _ => &[],
    }
}

/// The owned field a mapping target (as resolved, `variants.price`) writes, if any.
pub fn owned_field(object: ObjectKind, to_shopify: bool, target: &str) -> Option<Field> {
    let head = |prefix: &str| target == prefix || target.starts_with(&format!("{prefix}."));
    field_targets(object, to_shopify).iter().find(|(prefix, _)| head(prefix)).map(|(_, f)| *f)
}

/// Fields the ERP's records do not carry, with a mapping key that sets one: given to the ERP,
/// they are sent only as a mapping sets them.
const MAPPED_ONLY: &[(Field, &str)] = &[(Field::Seo, "\"seo.title\"")];

/// Why a mapping may not target `field` in a flow's Shopify input, if it may not: weft writes it
/// from the records on its own, and the mutation's list would replace the whole of Shopify's.
pub fn unmappable(field: Field) -> Option<&'static str> {
    match field {
        Field::Collections => Some(
            "a product's collections come from the ERP's categories (`collections` on its records) when \
             ownership.collections = \"erp\"; productSet's list would replace every collection the product is in",
        ),
        Field::Metafields => Some(
            "metafields are written for the keys under [flows.NAME.metafields] only; a list here would \
             replace or bypass them",
        ),
        Field::Media => Some(
            "a product's images come from the `media` of the ERP's records; productSet's `files` would \
             replace every image the product has",
        ),
        _ => None,
    }
}

impl FlowConfig {
    /// Every `ownership` override of the flow that cannot take effect, as (key under the flow,
    /// reason); `mapping` is the flow's compiled mapping (`None`: it did not compile, reported
    /// on its own).
    pub(super) fn ownership_problems(&self, mapping: Option<&Mapping>) -> Vec<(String, String)> {
        let to_shopify = self.to.is_shopify();
        let written = field_targets(self.object, to_shopify);
        let object = format!("{:?}", self.object).to_lowercase();
        let destination = if to_shopify { "Shopify" } else { "the ERP" };
        let mapped = |field: Field| {
            mapping
                .is_none_or(|m| m.targets().iter().any(|(_, t)| owned_field(self.object, to_shopify, t) == Some(field)))
        };
        let mut out = Vec::new();
        for (name, owner) in &self.ownership {
            let at = format!("ownership.{name}");
            let field = match Field::parse(name) {
                Ok(field) => field,
                Err(reason) => {
                    out.push((at, reason));
                    continue;
                }
            };
            if written.is_empty() {
                out.push((
                    at,
                    format!(
                        "a {object} flow into {destination} has no fields whose owner can be set{}",
                        if self.object == ObjectKind::Inventory {
                            ": its levels follow the flow's direction (or `hybrid`)"
                        } else {
                            ""
                        }
                    ),
                ));
            } else if !written.iter().any(|(_, f)| *f == field) {
                let names: Vec<&str> = written.iter().map(|(_, f)| f.name()).collect();
                out.push((
                    at,
                    format!(
                        "a {object} flow into {destination} never writes `{name}`, so its owner changes nothing here; \
                         the fields it writes: {}",
                        names.join(", ")
                    ),
                ));
            } else if let Some((_, example)) =
                MAPPED_ONLY.iter().find(|(f, _)| *f == field && to_shopify && *owner == Owner::Erp && !mapped(field))
            {
                out.push((
                    at,
                    format!(
                        "the ERP's records carry no `{name}`: given to the ERP it is sent only as a mapping sets it \
                         (mapping.{example} = ...), and this flow's mapping does not"
                    ),
                ));
            } else if self.object == ObjectKind::Product
                && !self.base_price
                && *owner == Owner::Erp
                && matches!(field, Field::Price | Field::CompareAtPrice)
            {
                out.push((
                    at,
                    format!(
                        "this flow has base_price = false: a price flow writes the variants' `{name}`, this one never does"
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    /// The ownership problems of a config with `flows` (TOML) as (key, reason).
    fn problems(flows: &str) -> Vec<(String, String)> {
        let text = format!(
            "[connections.erp]\nplugin = \"file-feed\"\n[shopify]\nshop = \"x.myshopify.com\"\n\
             access_token = {{ env = \"T\" }}\nwebhook_secret = {{ env = \"S\" }}\n{flows}"
        );
        let config = Config::parse_unchecked(&text, Path::new("weft.toml")).unwrap();
        config.problems().into_iter().filter(|(k, _)| k.contains(".ownership.")).collect()
    }

    fn flow(object: &str, extra: &str) -> String {
        format!("[flows.f]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"{object}\"\n{extra}\n")
    }

    #[test]
    fn overrides_take_effect_only_where_the_flow_writes_the_field() {
        let p =
            problems(&flow("product", "base_price = false\nownership = { price = \"erp\", barcode = \"shopify\" }"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "flows.f.ownership.price");
        assert!(p[0].1.contains("base_price = false"), "{p:?}");

        let p =
            problems(&flow("order", "ownership = { note = \"shopify\", attributes = \"erp\", tracking = \"erp\" }"));
        assert_eq!(p.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["flows.f.ownership.tracking"], "{p:?}");
        let p = problems(&flow("fulfillment", "ownership = { tracking = \"shopify\" }"));
        assert!(p.is_empty(), "{p:?}");
        let p = problems(&flow("price", "ownership = { title = \"shopify\" }"));
        assert!(p[0].1.contains("price, compare_at_price"), "{p:?}");
    }
}
