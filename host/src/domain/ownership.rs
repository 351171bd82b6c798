//! Field-level ownership: which side's value wins for each field. A write path sends only the
//! fields its destination does not own; an attempt to send another is dropped and logged.
//! Catalog fields have fixed defaults (the ERP owns core data, Shopify the storefront fields);
//! customer fields belong to the flow's source unless configured (the e-mail is the match key on
//! both sides and always sent).

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
    Media,
    Metafields,
    Price,
    CompareAtPrice,
    Cost,
    Sku,
    Barcode,
    Weight,
    FirstName,
    LastName,
    Phone,
    Addresses,
    CustomerTags,
    OrderTags,
    Note,
    Attributes,
    Tracking,
}

/// Every field with its config name and default owner (`None`: the flow's source side).
const ALL: &[(&str, Field, Option<Owner>)] = &[
    ("title", Field::Title, Some(Owner::Erp)),
    ("description", Field::Description, Some(Owner::Erp)),
    ("vendor", Field::Vendor, Some(Owner::Erp)),
    ("product_type", Field::ProductType, Some(Owner::Erp)),
    ("status", Field::Status, Some(Owner::Erp)),
    ("tags", Field::Tags, Some(Owner::Shopify)),
    ("seo", Field::Seo, Some(Owner::Shopify)),
    ("collections", Field::Collections, Some(Owner::Shopify)),
    ("media", Field::Media, Some(Owner::Shopify)),
    ("metafields", Field::Metafields, Some(Owner::Shopify)),
    ("price", Field::Price, Some(Owner::Erp)),
    ("compare_at_price", Field::CompareAtPrice, Some(Owner::Erp)),
    ("cost", Field::Cost, Some(Owner::Erp)),
    ("sku", Field::Sku, Some(Owner::Erp)),
    ("barcode", Field::Barcode, Some(Owner::Erp)),
    ("weight", Field::Weight, Some(Owner::Erp)),
    ("first_name", Field::FirstName, None),
    ("last_name", Field::LastName, None),
    ("phone", Field::Phone, None),
    ("addresses", Field::Addresses, None),
    ("customer_tags", Field::CustomerTags, None),
    ("order_tags", Field::OrderTags, Some(Owner::Erp)),
    ("note", Field::Note, Some(Owner::Erp)),
    ("attributes", Field::Attributes, Some(Owner::Erp)),
    ("tracking", Field::Tracking, Some(Owner::Erp)),
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
    /// compare-at price, cost, SKU, barcode and weight, the tags, note and attributes of the
    /// orders it sends and the tracking of its shipments; Shopify owns tags (they drive
    /// collections), SEO, collections, media (weft adds the ERP's images but removes none it did
    /// not create) and metafields; customer fields have none (the source's).
    pub fn default_owner(self) -> Option<Owner> {
        ALL.iter().find(|(_, f, _)| *f == self).and_then(|(_, _, o)| *o)
    }
}

/// The owners of one flow's fields.
#[derive(Debug, Clone)]
pub struct Ownership {
    overrides: BTreeMap<Field, Owner>,
    source: Owner,
}

impl Ownership {
    /// The defaults with `overrides` (names already validated), for a flow reading from
    /// `source` (the owner of the fields without a default).
    pub fn new(overrides: &BTreeMap<String, Owner>, source: Owner) -> Ownership {
        Ownership {
            overrides: overrides.iter().filter_map(|(k, v)| Field::parse(k).ok().map(|f| (f, *v))).collect(),
            source,
        }
    }

    /// Who owns `field`.
    pub fn owner(&self, field: Field) -> Owner {
        self.overrides.get(&field).copied().or_else(|| field.default_owner()).unwrap_or(self.source)
    }

    /// Whether a write to `destination` may carry `field` (the destination does not own it);
    /// when not, the attempt is logged (and the field dropped by the caller).
    pub fn may_write_to(&self, destination: Owner, field: Field, flow: &str, key: &str) -> bool {
        let ok = self.owner(field) != destination;
        if !ok {
            tracing::info!(flow, key, field = field.name(), "not sent: the destination owns the field");
        }
        ok
    }

    /// Whether the ERP may write `field` to Shopify (see [`Ownership::may_write_to`]).
    pub fn erp_may_write(&self, field: Field, flow: &str, key: &str) -> bool {
        self.may_write_to(Owner::Shopify, field, flow, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let o = Ownership::new(&BTreeMap::new(), Owner::Erp);
        assert_eq!(o.owner(Field::Title), Owner::Erp);
        assert_eq!(o.owner(Field::Seo), Owner::Shopify);
        assert_eq!(o.owner(Field::Tags), Owner::Shopify);
        let o = Ownership::new(
            &[("tags".to_owned(), Owner::Erp), ("title".to_owned(), Owner::Shopify)].into_iter().collect(),
            Owner::Erp,
        );
        assert!(o.erp_may_write(Field::Tags, "f", "k"));
        assert!(!o.erp_may_write(Field::Title, "f", "k"));
        assert!(Field::parse("colour").unwrap_err().contains("unknown field"));
        // Customer fields belong to the source unless configured.
        let from_shopify = Ownership::new(&[("phone".to_owned(), Owner::Erp)].into_iter().collect(), Owner::Shopify);
        assert_eq!(from_shopify.owner(Field::LastName), Owner::Shopify);
        assert!(!from_shopify.may_write_to(Owner::Erp, Field::Phone, "f", "k"), "the ERP owns the phone");
        assert!(from_shopify.may_write_to(Owner::Erp, Field::FirstName, "f", "k"));
    }
}
