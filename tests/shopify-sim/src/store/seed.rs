//! Seed files: a JSON description of a shop's starting state. Loading the same seed into a
//! fresh store always yields the same ids, so runs are reproducible.

use super::model::*;
use super::{now, Store};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A shop's starting state.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub locations: Vec<SeedLocation>,
    #[serde(default)]
    pub products: Vec<SeedProduct>,
    #[serde(default)]
    pub customers: Vec<SeedCustomer>,
    /// Number of the first order placed (default 1001), so that runs against a persistent
    /// ERP can use order names no earlier run used.
    #[serde(default)]
    pub first_order_number: Option<u64>,
    /// Access scopes the token holds (default: the configured ones).
    #[serde(default)]
    pub access_scopes: Option<Vec<String>>,
    #[serde(default)]
    pub metafield_definitions: Vec<super::seed_platform::SeedMetafieldDefinition>,
    #[serde(default)]
    pub collections: Vec<super::seed_platform::SeedCollection>,
    #[serde(default)]
    pub webhook_subscriptions: Vec<super::seed_platform::SeedSubscription>,
    /// Units of a currency per unit of the shop currency, e.g. `{"EUR": "0.92"}` (default 1).
    #[serde(default)]
    pub exchange_rates: BTreeMap<String, serde_json::Value>,
    /// Markets, B2B companies and catalogs with price lists (see [`super::seed_pricing`]).
    #[serde(default)]
    pub markets: Vec<super::seed_pricing::SeedMarket>,
    #[serde(default)]
    pub companies: Vec<super::seed_pricing::SeedCompany>,
    #[serde(default)]
    pub catalogs: Vec<super::seed_pricing::SeedCatalog>,
}

/// A location by name.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLocation {
    pub name: String,
}

/// A product and its variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    pub title: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub variants: Vec<SeedVariant>,
    #[serde(default)]
    pub metafields: Vec<super::seed_platform::SeedMetafield>,
}

/// A variant; `inventory` maps a location name to its `available` quantity.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVariant {
    pub sku: String,
    #[serde(default = "default_price")]
    pub price: String,
    /// Value of the product's single "Title" option; defaults to the SKU.
    #[serde(default)]
    pub option: Option<String>,
    #[serde(default)]
    pub inventory: BTreeMap<String, i64>,
}

/// A customer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCustomer {
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

fn default_price() -> String {
    "10.00".to_string()
}

/// Makes a URL handle from a title, like Shopify (`"Blue Shirt!"` -> `blue-shirt`).
pub fn handleize(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

impl Store {
    /// Replaces the whole state with `seed`, for a shop selling in `shop_currency`.
    pub fn load_seed(&mut self, seed: &Seed, shop_currency: &str) -> Result<(), String> {
        *self = Store::default();
        self.pricing.shop_currency = shop_currency.to_string();
        if let Some(n) = seed.first_order_number {
            self.next_order_number = n;
        }
        self.access_scopes = seed.access_scopes.clone();
        for l in &seed.locations {
            let id = self.next_id();
            let t = now();
            self.locations
                .insert(id, Location { id, name: l.name.clone(), is_active: true, created_at: t, updated_at: t });
        }
        for p in &seed.products {
            let t = now();
            let pid = self.next_id();
            let option_id = self.next_id();
            let values: Vec<String> =
                p.variants.iter().map(|v| v.option.clone().unwrap_or_else(|| v.sku.clone())).collect();
            self.products.insert(
                pid,
                Product {
                    id: pid,
                    title: p.title.clone(),
                    handle: p.handle.clone().unwrap_or_else(|| handleize(&p.title)),
                    status: "ACTIVE".to_string(),
                    vendor: p.vendor.clone().unwrap_or_default(),
                    product_type: String::new(),
                    description_html: String::new(),
                    tags: p.tags.clone(),
                    options: vec![ProductOption { id: option_id, name: "Title".to_string(), values: values.clone() }],
                    variant_ids: Vec::new(),
                    created_at: t,
                    updated_at: t,
                },
            );
            for (v, value) in p.variants.iter().zip(values) {
                let vid = self.insert_variant(pid, &v.sku, &v.price, vec![("Title".to_string(), value)]);
                let item_id = self.variants[&vid].inventory_item_id;
                for (loc_name, qty) in &v.inventory {
                    let loc = self
                        .locations
                        .values()
                        .find(|l| &l.name == loc_name)
                        .map(|l| l.id)
                        .ok_or_else(|| format!("seed: variant {} names unknown location {loc_name:?}", v.sku))?;
                    self.activate(item_id, loc);
                    self.set_quantity(item_id, loc, "available", *qty);
                }
            }
        }
        for c in &seed.customers {
            let id = self.next_id();
            let t = now();
            self.customers.insert(
                id,
                Customer {
                    id,
                    email: Some(c.email.clone()),
                    phone: None,
                    first_name: c.first_name.clone(),
                    last_name: c.last_name.clone(),
                    note: None,
                    tags: Vec::new(),
                    tax_exempt: false,
                    created_at: t,
                    updated_at: t,
                },
            );
        }
        self.load_pricing_seed(seed)?;
        self.load_platform_seed(seed)?;
        for ((item, location), level) in &self.levels {
            self.level_history.baseline(*item, *location, level.quantity("available"));
        }
        Ok(())
    }

    /// Adds a variant (and its inventory item) to a product; returns the variant id.
    pub fn insert_variant(
        &mut self,
        product_id: u64,
        sku: &str,
        price: &str,
        option_values: Vec<(String, String)>,
    ) -> u64 {
        let t = now();
        let vid = self.next_id();
        let item_id = self.next_id();
        self.inventory_items.insert(
            item_id,
            InventoryItem {
                id: item_id,
                variant_id: vid,
                sku: sku.to_string(),
                tracked: true,
                requires_shipping: true,
                unit_cost: None,
                created_at: t,
                updated_at: t,
            },
        );
        self.variants.insert(
            vid,
            Variant {
                id: vid,
                product_id,
                sku: sku.to_string(),
                barcode: None,
                price: price.to_string(),
                compare_at_price: None,
                inventory_policy: "DENY".to_string(),
                option_values,
                inventory_item_id: item_id,
                taxable: true,
                created_at: t,
                updated_at: t,
            },
        );
        if let Some(p) = self.products.get_mut(&product_id) {
            p.variant_ids.push(vid);
        }
        vid
    }
}
