//! Prices: one SKU's price in one scope (the variant's own, a channel's list, a market, a B2B
//! catalog or company location), with quantity breaks and rules.

use super::money::Money;
use serde::{Deserialize, Serialize};

/// Where a price applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceScope {
    /// The variant's own price (no list).
    #[default]
    Base,
    /// A price list of the ERP fed to a channel (the list's code).
    Channel(String),
    /// A Shopify market (its handle or name).
    Market(String),
    /// A B2B catalog (its title).
    Catalog(String),
    /// A B2B company location (its external id).
    CompanyLocation(String),
}

impl PriceScope {
    /// A price list scope as operators write it (`market:EU`, `catalog:Acme`,
    /// `company_location:L-1`); `None` for the variant's own price and channel lists.
    pub fn parse_list(text: &str) -> Option<PriceScope> {
        let (kind, name) = text.split_once(':')?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return None;
        }
        match kind.trim() {
            "market" => Some(PriceScope::Market(name)),
            "catalog" => Some(PriceScope::Catalog(name)),
            "company_location" => Some(PriceScope::CompanyLocation(name)),
            _ => None,
        }
    }
}

/// A lower unit price from a quantity on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityBreak {
    /// From this many units.
    pub minimum: u32,
    /// Unit price.
    pub price: Money,
}

/// How many units a B2B buyer may order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityRule {
    /// At least.
    pub minimum: u32,
    /// At most.
    pub maximum: Option<u32>,
    /// In steps of.
    pub increment: u32,
}

/// A price of one SKU in one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Id of the price in the source system.
    pub external_id: String,
    /// The SKU priced.
    pub sku: Option<String>,
    /// Where it applies.
    #[serde(default)]
    pub scope: PriceScope,
    /// Selling price, in the currency of its scope.
    pub price: Money,
    /// "Compare at" price.
    pub compare_at_price: Option<Money>,
    /// Lower unit prices by quantity.
    #[serde(default)]
    pub quantity_breaks: Vec<QuantityBreak>,
    /// Quantity limits (B2B).
    #[serde(default)]
    pub quantity_rule: Option<QuantityRule>,
    /// Last change in the source system.
    pub updated_at: Option<String>,
    /// System-specific fields as a JSON object string.
    pub extra: String,
}
