//! Prices per market and B2B: markets, companies and their locations, catalogs for either, and
//! price lists with fixed prices, quantity price breaks and quantity rules; plus the currencies
//! the shop takes and how a variant's price resolves in a buyer's context.

use super::money::{div_round, RATE_SCALE};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A market: a region selling in one currency.
#[derive(Clone, Debug, Serialize)]
pub struct Market {
    pub id: u64,
    pub name: String,
    pub handle: String,
    pub currency: String,
    /// ISO country codes.
    pub countries: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A B2B company.
#[derive(Clone, Debug, Serialize)]
pub struct Company {
    pub id: u64,
    pub name: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A location (branch) of a B2B company; orders can be placed for it.
#[derive(Clone, Debug, Serialize)]
pub struct CompanyLocation {
    pub id: u64,
    pub company_id: u64,
    pub name: String,
    pub external_id: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

/// Who a catalog is for: markets, or company locations.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub enum CatalogContext {
    Markets(Vec<u64>),
    CompanyLocations(Vec<u64>),
}

/// A catalog (`MarketCatalog` or `CompanyLocationCatalog`).
#[derive(Clone, Debug, Serialize)]
pub struct Catalog {
    pub id: u64,
    pub title: String,
    /// `ACTIVE`, `DRAFT` or `ARCHIVED`.
    pub status: String,
    pub context: CatalogContext,
    pub price_list_id: Option<u64>,
}

/// A quantity price break: from `minimum` units, the unit price is `price` (cents).
#[derive(Clone, Debug, Serialize)]
pub struct PriceBreak {
    pub id: u64,
    pub minimum: i64,
    pub price: i64,
}

/// A variant's fixed price on a price list (cents in the list's currency).
#[derive(Clone, Debug, Serialize)]
pub struct FixedPrice {
    pub price: i64,
    pub compare_at: Option<i64>,
    pub breaks: Vec<PriceBreak>,
}

/// How many units of a variant a B2B buyer may order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct QuantityRule {
    pub minimum: i64,
    pub maximum: Option<i64>,
    pub increment: i64,
}

/// A price list: fixed prices per variant, relative prices for the others.
#[derive(Clone, Debug, Serialize)]
pub struct PriceList {
    pub id: u64,
    pub name: String,
    pub currency: String,
    /// `PERCENTAGE_DECREASE` or `PERCENTAGE_INCREASE`.
    pub adjustment_type: String,
    /// The adjustment's percentage in parts per million of one percent point (`10.5` is 10,500,000).
    pub adjustment_value: i64,
    /// `ADJUSTED` or `NULLIFY`.
    pub compare_at_mode: String,
    pub catalog_id: Option<u64>,
    /// Fixed prices by variant id.
    pub fixed: BTreeMap<u64, FixedPrice>,
    /// Quantity rules by variant id.
    pub rules: BTreeMap<u64, QuantityRule>,
}

impl PriceList {
    /// A base price (cents in the list's currency) with the list's relative adjustment applied.
    pub fn adjust(&self, cents: i64) -> i64 {
        let percent = self.adjustment_value as i128;
        let hundred = 100 * RATE_SCALE as i128;
        let factor = if self.adjustment_type == "PERCENTAGE_INCREASE" { hundred + percent } else { hundred - percent };
        div_round(cents as i128 * factor, hundred)
    }
}

/// Markets, B2B companies, catalogs and price lists, with the shop's currency and exchange rates.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Pricing {
    /// The shop's own currency ([`crate::SimConfig::shop_currency`]).
    pub shop_currency: String,
    pub markets: BTreeMap<u64, Market>,
    pub companies: BTreeMap<u64, Company>,
    pub company_locations: BTreeMap<u64, CompanyLocation>,
    pub catalogs: BTreeMap<u64, Catalog>,
    pub price_lists: BTreeMap<u64, PriceList>,
    /// Units of a currency per unit of the shop currency, in parts per million.
    pub exchange_rates: BTreeMap<String, i64>,
}

/// Where a buyer is: a country, or a B2B company location.
#[derive(Clone, Debug, Default)]
pub struct BuyerContext {
    pub country: Option<String>,
    pub company_location_id: Option<u64>,
}

impl Pricing {
    /// Currencies orders may use: the shop currency, market and company-location currencies,
    /// and those with an exchange rate.
    pub fn currencies(&self) -> Vec<String> {
        let mut out = vec![self.shop_currency.clone()];
        let more = self
            .markets
            .values()
            .map(|m| &m.currency)
            .chain(self.company_locations.values().map(|l| &l.currency))
            .chain(self.exchange_rates.keys());
        for c in more {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }

    /// The exchange rate from the shop currency to `currency` (ppm; 1.0 when not configured).
    pub fn rate(&self, currency: &str) -> i64 {
        self.exchange_rates.get(currency).copied().unwrap_or(RATE_SCALE)
    }

    /// Converts shop-currency cents into `currency` at the shop's rate.
    pub fn convert(&self, cents: i64, currency: &str) -> i64 {
        div_round(cents as i128 * self.rate(currency) as i128, RATE_SCALE as i128)
    }

    /// The active catalogs that apply to a buyer: company-location catalogs for a company
    /// location, else the catalogs of the market selling to the country.
    pub fn catalogs_for(&self, context: &BuyerContext) -> Vec<&Catalog> {
        let active = self.catalogs.values().filter(|c| c.status == "ACTIVE");
        match (context.company_location_id, &context.country) {
            (Some(location), _) => active
                .filter(|c| matches!(&c.context, CatalogContext::CompanyLocations(ids) if ids.contains(&location)))
                .collect(),
            (None, Some(country)) => {
                let markets: Vec<u64> =
                    self.markets.values().filter(|m| m.countries.contains(country)).map(|m| m.id).collect();
                active.filter(|c| matches!(&c.context, CatalogContext::Markets(ids) if ids.iter().any(|id| markets.contains(id)))).collect()
            }
            (None, None) => Vec::new(),
        }
    }

    /// The price list that prices a buyer's context, if any.
    pub fn price_list_for(&self, context: &BuyerContext) -> Option<&PriceList> {
        self.catalogs_for(context).into_iter().find_map(|c| c.price_list_id.and_then(|id| self.price_lists.get(&id)))
    }

    /// The currency a buyer's context sells in (market or company-location currency).
    pub fn currency_for(&self, context: &BuyerContext) -> String {
        if let Some(l) = context.company_location_id.and_then(|id| self.company_locations.get(&id)) {
            return l.currency.clone();
        }
        let market = context.country.as_ref().and_then(|c| self.markets.values().find(|m| m.countries.contains(c)));
        market.map_or_else(|| self.shop_currency.clone(), |m| m.currency.clone())
    }
}
