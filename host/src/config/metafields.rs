//! `[flows.NAME.metafields."namespace.key"]`: the metafields the ERP owns on a flow into Shopify
//! (its **managed keys**). Only these are ever written; every other metafield of the shop is
//! Shopify's and survives every sync. `ownership.metafields = "erp"` says nothing more than the
//! keys do, so on its own (no keys listed) it is refused as having no effect.

use super::flow::{FlowConfig, ObjectKind};
use crate::domain::ownership::{Field, Owner};
use serde::Deserialize;

/// One managed key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedMetafield {
    /// Shopify's metafield type (`single_line_text_field`, `number_integer`, ...): the type the
    /// value is written as when the shop has no definition of the key (a definition's type wins).
    #[serde(rename = "type")]
    pub type_name: String,
    /// What carries it: `product` (default on product flows) or `variant`; `customer` and
    /// `order` on those flows.
    pub owner: Option<MetafieldOwner>,
    /// Create the shop's definition of the key (as `type`) when it has none (default false).
    #[serde(default)]
    pub definition: bool,
}

/// The Shopify object a metafield is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetafieldOwner {
    Product,
    Variant,
    Customer,
    Order,
}

impl MetafieldOwner {
    /// Its `MetafieldOwnerType`.
    pub fn owner_type(self) -> &'static str {
        match self {
            MetafieldOwner::Product => "PRODUCT",
            MetafieldOwner::Variant => "PRODUCTVARIANT",
            MetafieldOwner::Customer => "CUSTOMER",
            MetafieldOwner::Order => "ORDER",
        }
    }

    /// Its name in the config.
    pub fn name(self) -> &'static str {
        match self {
            MetafieldOwner::Product => "product",
            MetafieldOwner::Variant => "variant",
            MetafieldOwner::Customer => "customer",
            MetafieldOwner::Order => "order",
        }
    }

    /// The owners a flow of `object` writes (the first is the default).
    fn of(object: ObjectKind) -> &'static [MetafieldOwner] {
        match object {
            ObjectKind::Product => &[MetafieldOwner::Product, MetafieldOwner::Variant],
            ObjectKind::Customer => &[MetafieldOwner::Customer],
            ObjectKind::Order => &[MetafieldOwner::Order],
            ObjectKind::Inventory | ObjectKind::Price | ObjectKind::Fulfillment => &[],
        }
    }
}

/// A managed key, parsed: where it goes and as what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    pub namespace: String,
    pub key: String,
    pub owner: MetafieldOwner,
    /// The configured type.
    pub type_name: String,
    /// Whether weft creates the shop's definition when it lacks one.
    pub definition: bool,
}

/// Shopify's metafield types (<https://shopify.dev/docs/apps/build/metafields/list-of-data-types>).
const TYPES: &[&str] = &[
    "boolean",
    "color",
    "date",
    "date_time",
    "dimension",
    "id",
    "json",
    "link",
    "money",
    "multi_line_text_field",
    "number_decimal",
    "number_integer",
    "rating",
    "rich_text_field",
    "single_line_text_field",
    "url",
    "volume",
    "weight",
    "collection_reference",
    "company_reference",
    "customer_reference",
    "file_reference",
    "metaobject_reference",
    "mixed_reference",
    "page_reference",
    "product_reference",
    "product_taxonomy_value_reference",
    "variant_reference",
];

/// Types that have no `list.` form.
const NOT_LISTABLE: &[&str] = &["boolean", "json", "money", "multi_line_text_field", "rich_text_field"];

/// Namespaces Shopify reserves.
const RESERVED: &[&str] = &["shopify_standard", "protected", "shopify-l10n-fields"];

/// Whether `type_name` is a Shopify metafield type.
pub fn known_type(type_name: &str) -> bool {
    match type_name.strip_prefix("list.") {
        Some(inner) => TYPES.contains(&inner) && !NOT_LISTABLE.contains(&inner),
        None => TYPES.contains(&type_name),
    }
}

/// `namespace.key` split, or why it is not one (Shopify's lengths and characters).
fn split(name: &str) -> Result<(&str, &str), String> {
    let Some((namespace, key)) = name.split_once('.') else {
        return Err(format!("`{name}` is not `namespace.key`"));
    };
    let ok = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !(3..=255).contains(&namespace.chars().count()) || !ok(namespace) {
        return Err(format!("`{name}`: the namespace must be 3-255 letters, digits, `-` or `_`"));
    }
    if !(2..=64).contains(&key.chars().count()) || !ok(key) {
        return Err(format!("`{name}`: the key must be 2-64 letters, digits, `-` or `_`"));
    }
    if RESERVED.contains(&namespace) {
        return Err(format!("`{name}`: Shopify reserves the namespace `{namespace}`"));
    }
    Ok((namespace, key))
}

impl FlowConfig {
    /// The managed keys; malformed ones (the config check refuses them) are left out.
    pub fn managed_metafields(&self) -> Vec<Managed> {
        let owners = MetafieldOwner::of(self.object);
        self.metafields
            .iter()
            .filter_map(|(name, m)| {
                let (namespace, key) = split(name).ok()?;
                let owner = m.owner.or_else(|| owners.first().copied())?;
                Some(Managed {
                    namespace: namespace.to_owned(),
                    key: key.to_owned(),
                    owner,
                    type_name: m.type_name.clone(),
                    definition: m.definition,
                })
            })
            .collect()
    }

    /// What is wrong with the flow's managed keys, as (key under the flow, reason).
    pub(super) fn metafield_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let into_shopify = self.to.is_shopify() && !self.from.is_shopify();
        let owners = MetafieldOwner::of(self.object);
        if self.ownership.get(Field::Metafields.name()) == Some(&Owner::Erp) && self.metafields.is_empty() {
            out.push((
                "ownership.metafields".to_owned(),
                "has no effect: the ERP owns the metafields listed under [flows.NAME.metafields.\"namespace.key\"] \
                 (with their type), and no others"
                    .to_owned(),
            ));
        }
        for (name, m) in &self.metafields {
            let at = format!("metafields.\"{name}\"");
            if !into_shopify || owners.is_empty() {
                out.push((
                    at,
                    format!(
                        "`{name}` cannot take effect: metafields are written by product, customer and order flows \
                         from an ERP into Shopify, and this is a{} {} flow {}",
                        if self.object == ObjectKind::Inventory || self.object == ObjectKind::Order { "n" } else { "" },
                        self.object.name(),
                        if into_shopify { "into Shopify" } else { "out of Shopify" }
                    ),
                ));
                continue;
            }
            if let Err(why) = split(name) {
                out.push((at, why));
                continue;
            }
            if !known_type(&m.type_name) {
                out.push((
                    format!("{at}.type"),
                    format!(
                        "`{}` is not a Shopify metafield type (known: {}, and `list.` of most)",
                        m.type_name,
                        TYPES.join(", ")
                    ),
                ));
            }
            if let Some(owner) = m.owner.filter(|o| !owners.contains(o)) {
                let can: Vec<&str> = owners.iter().map(|o| o.name()).collect();
                out.push((
                    format!("{at}.owner"),
                    format!(
                        "`{}` cannot take effect on a {} flow (it writes metafields on: {})",
                        owner.name(),
                        self.object.name(),
                        can.join(", ")
                    ),
                ));
            }
        }
        out
    }
}
