//! Field-level ownership: which side's value wins for each catalog field. The write path to
//! Shopify only sends fields the ERP owns; an attempt to send another is dropped and logged.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The side that owns a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// The ERP's value is written to Shopify.
    Erp,
    /// Shopify's value is kept; weft never writes it.
    Shopify,
}

/// A catalog field weft knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Title,
    Description,
    Vendor,
    ProductType,
    Status,
    Tags,
    Seo,
    Collections,
    Metafields,
    Price,
    CompareAtPrice,
    Cost,
    Sku,
    Barcode,
    Weight,
}

const ALL: &[(&str, Field, Owner)] = &[
    ("title", Field::Title, Owner::Erp),
    ("description", Field::Description, Owner::Erp),
    ("vendor", Field::Vendor, Owner::Erp),
    ("product_type", Field::ProductType, Owner::Erp),
    ("status", Field::Status, Owner::Erp),
    ("tags", Field::Tags, Owner::Shopify),
    ("seo", Field::Seo, Owner::Shopify),
    ("collections", Field::Collections, Owner::Shopify),
    ("metafields", Field::Metafields, Owner::Shopify),
    ("price", Field::Price, Owner::Erp),
    ("compare_at_price", Field::CompareAtPrice, Owner::Erp),
    ("cost", Field::Cost, Owner::Erp),
    ("sku", Field::Sku, Owner::Erp),
    ("barcode", Field::Barcode, Owner::Erp),
    ("weight", Field::Weight, Owner::Erp),
];

impl Field {
    /// The field named `name` in config keys.
    pub fn parse(name: &str) -> Result<Field, String> {
        ALL.iter().find(|(n, _, _)| *n == name).map(|(_, f, _)| *f).ok_or_else(|| {
            let known: Vec<&str> = ALL.iter().map(|(n, _, _)| *n).collect();
            format!("unknown field `{name}` (known: {})", known.join(", "))
        })
    }

    /// The config name.
    pub fn name(self) -> &'static str {
        ALL.iter().find(|(_, f, _)| *f == self).map_or("?", |(n, _, _)| n)
    }

    /// The default owner: the ERP owns title, description, vendor, type, status, price,
    /// compare-at price, cost, SKU, barcode and weight; Shopify owns tags (they drive
    /// collections), SEO, collections and metafields.
    pub fn default_owner(self) -> Owner {
        ALL.iter().find(|(_, f, _)| *f == self).map_or(Owner::Shopify, |(_, _, o)| *o)
    }
}

/// The owners of one flow's fields.
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    overrides: BTreeMap<Field, Owner>,
}

impl Ownership {
    /// Defaults with the flow's `ownership` overrides (names already validated).
    pub fn new(overrides: &BTreeMap<String, Owner>) -> Ownership {
        Ownership { overrides: overrides.iter().filter_map(|(k, v)| Field::parse(k).ok().map(|f| (f, *v))).collect() }
    }

    /// Who owns `field`.
    pub fn owner(&self, field: Field) -> Owner {
        self.overrides.get(&field).copied().unwrap_or_else(|| field.default_owner())
    }

    /// Whether the ERP may write `field`; when not, the attempt is logged (and the field dropped
    /// by the caller).
    pub fn erp_may_write(&self, field: Field, flow: &str, key: &str) -> bool {
        let ok = self.owner(field) == Owner::Erp;
        if !ok {
            tracing::info!(flow, key, field = field.name(), "not sent: the field is owned by Shopify");
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let o = Ownership::default();
        assert_eq!(o.owner(Field::Title), Owner::Erp);
        assert_eq!(o.owner(Field::Seo), Owner::Shopify);
        assert_eq!(o.owner(Field::Tags), Owner::Shopify);
        let o = Ownership::new(&[("tags".to_owned(), Owner::Erp), ("title".to_owned(), Owner::Shopify)].into_iter().collect());
        assert!(o.erp_may_write(Field::Tags, "f", "k"));
        assert!(!o.erp_may_write(Field::Title, "f", "k"));
        assert!(Field::parse("colour").unwrap_err().contains("unknown field"));
    }
}
