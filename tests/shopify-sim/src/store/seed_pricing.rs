//! Seed file sections for prices per market and B2B: `markets`, `companies` (with locations),
//! `catalogs` (for a market or a company location, optionally with a price list holding fixed
//! prices, quantity breaks and rules) and `exchange_rates`.

use super::money::{parse_cents, parse_rate};
use super::pricing::{
    Catalog, CatalogContext, Company, CompanyLocation, FixedPrice, Market, PriceBreak, PriceList, QuantityRule,
};
use super::seed::{handleize, Seed};
use super::{now, Store};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// A market: `{"name": "EU", "currency": "EUR", "countries": ["DE", "FR"]}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMarket {
    pub name: String,
    #[serde(default)]
    pub handle: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub countries: Vec<String>,
}

/// A B2B company with its locations.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCompany {
    pub name: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub locations: Vec<SeedCompanyLocation>,
}

/// A company location; its currency defaults to the shop currency.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCompanyLocation {
    pub name: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A catalog for one market or one company location (by name), optionally with a price list.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCatalog {
    pub title: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub market: Option<String>,
    #[serde(default)]
    pub company_location: Option<String>,
    #[serde(default)]
    pub price_list: Option<SeedPriceList>,
}

/// A price list; its currency defaults to the market's or company location's.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPriceList {
    pub name: String,
    #[serde(default)]
    pub currency: Option<String>,
    /// Percentage taken off base prices for variants without a fixed price (negative: added).
    #[serde(default)]
    pub adjustment_percent: Option<Json>,
    #[serde(default)]
    pub prices: Vec<SeedPrice>,
    #[serde(default)]
    pub quantity_rules: Vec<SeedQuantityRule>,
}

/// A fixed price for a SKU, with optional quantity breaks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPrice {
    pub sku: String,
    pub price: Json,
    #[serde(default)]
    pub compare_at: Option<Json>,
    #[serde(default)]
    pub breaks: Vec<SeedBreak>,
}

/// From `minimum` units, `price` per unit.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBreak {
    pub minimum: i64,
    pub price: Json,
}

/// A quantity rule for a SKU.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedQuantityRule {
    pub sku: String,
    pub minimum: i64,
    #[serde(default)]
    pub maximum: Option<i64>,
    #[serde(default = "one")]
    pub increment: i64,
}

fn one() -> i64 {
    1
}

fn cents(value: &Json, what: &str) -> Result<i64, String> {
    parse_cents(value).ok_or_else(|| format!("seed: {what} {value} is not a decimal amount"))
}

impl Store {
    /// Loads the pricing sections of a seed (after products, whose SKUs they name).
    pub fn load_pricing_seed(&mut self, seed: &Seed) -> Result<(), String> {
        for (currency, rate) in &seed.exchange_rates {
            let rate = parse_rate(rate)
                .filter(|r| *r > 0)
                .ok_or_else(|| format!("seed: exchange rate for {currency} ({rate}) is not a positive decimal"))?;
            self.pricing.exchange_rates.insert(currency.clone(), rate);
        }
        let t = now();
        for m in &seed.markets {
            let id = self.next_id();
            let handle = m.handle.clone().unwrap_or_else(|| handleize(&m.name));
            self.pricing.markets.insert(
                id,
                Market {
                    id,
                    name: m.name.clone(),
                    handle,
                    currency: m.currency.clone(),
                    countries: m.countries.clone(),
                    created_at: t,
                },
            );
        }
        for c in &seed.companies {
            let company_id = self.next_id();
            self.pricing.companies.insert(
                company_id,
                Company { id: company_id, name: c.name.clone(), external_id: c.external_id.clone(), created_at: t },
            );
            for l in &c.locations {
                let id = self.next_id();
                let currency = l.currency.clone().unwrap_or_else(|| self.pricing.shop_currency.clone());
                self.pricing.company_locations.insert(
                    id,
                    CompanyLocation {
                        id,
                        company_id,
                        name: l.name.clone(),
                        external_id: l.external_id.clone(),
                        currency,
                        created_at: t,
                    },
                );
            }
        }
        for c in &seed.catalogs {
            self.load_catalog(c)?;
        }
        Ok(())
    }

    fn load_catalog(&mut self, c: &SeedCatalog) -> Result<(), String> {
        let (context, currency) = match (&c.market, &c.company_location) {
            (Some(name), None) => {
                let m = self
                    .pricing
                    .markets
                    .values()
                    .find(|m| &m.name == name)
                    .ok_or_else(|| format!("seed: catalog {:?} names unknown market {name:?}", c.title))?;
                (CatalogContext::Markets(vec![m.id]), m.currency.clone())
            }
            (None, Some(name)) => {
                let l =
                    self.pricing.company_locations.values().find(|l| &l.name == name).ok_or_else(|| {
                        format!("seed: catalog {:?} names unknown company location {name:?}", c.title)
                    })?;
                (CatalogContext::CompanyLocations(vec![l.id]), l.currency.clone())
            }
            _ => return Err(format!("seed: catalog {:?} needs exactly one of market or company_location", c.title)),
        };
        let catalog_id = self.next_id();
        let price_list_id = match &c.price_list {
            Some(p) => Some(self.load_price_list(p, currency, catalog_id)?),
            None => None,
        };
        let status = c.status.clone().unwrap_or_else(|| "ACTIVE".to_string());
        self.pricing
            .catalogs
            .insert(catalog_id, Catalog { id: catalog_id, title: c.title.clone(), status, context, price_list_id });
        Ok(())
    }

    fn load_price_list(&mut self, p: &SeedPriceList, context_currency: String, catalog_id: u64) -> Result<u64, String> {
        let variant = |store: &Store, sku: &str| {
            store
                .variant_by_sku(sku)
                .map(|v| v.id)
                .ok_or_else(|| format!("seed: price list {:?} names unknown SKU {sku:?}", p.name))
        };
        let mut fixed = BTreeMap::new();
        for price in &p.prices {
            let vid = variant(self, &price.sku)?;
            let mut breaks = Vec::new();
            for b in &price.breaks {
                breaks.push(PriceBreak {
                    id: self.next_id(),
                    minimum: b.minimum,
                    price: cents(&b.price, "break price")?,
                });
            }
            let compare_at = price.compare_at.as_ref().map(|c| cents(c, "compare_at")).transpose()?;
            fixed.insert(vid, FixedPrice { price: cents(&price.price, "price")?, compare_at, breaks });
        }
        let mut rules = BTreeMap::new();
        for r in &p.quantity_rules {
            rules.insert(
                variant(self, &r.sku)?,
                QuantityRule { minimum: r.minimum, maximum: r.maximum, increment: r.increment },
            );
        }
        let percent = match &p.adjustment_percent {
            Some(v) => parse_rate(v)
                .ok_or_else(|| format!("seed: price list {:?} adjustment_percent {v} is not a decimal", p.name))?,
            None => 0,
        };
        let id = self.next_id();
        let list = PriceList {
            id,
            name: p.name.clone(),
            currency: p.currency.clone().unwrap_or(context_currency),
            adjustment_type: if percent < 0 { "PERCENTAGE_INCREASE" } else { "PERCENTAGE_DECREASE" }.to_string(),
            adjustment_value: percent.abs(),
            compare_at_mode: "ADJUSTED".to_string(),
            catalog_id: Some(catalog_id),
            fixed,
            rules,
        };
        self.pricing.price_lists.insert(id, list);
        Ok(id)
    }
}
