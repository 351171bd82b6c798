//! Price lists of markets and B2B catalogs: which list a market, catalog or company location
//! uses, the fixed prices, quantity price breaks and quantity rules a list holds for some
//! variants, and the writes (`priceListFixedPricesAdd` / `Update` / `Delete`,
//! `quantityPricingByVariantUpdate`), each at most [`MAX_PER_CALL`] entries per input list.

use super::error::{RecordError, ShopifyError, WriteError};
use super::queries;
use super::throttle::Priority;
use super::ShopifyClient;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// Shopify takes at most 250 elements in one input list.
pub const MAX_PER_CALL: usize = 250;

/// Variants per `prices(first: 25, query:)` read (the query names each; 25 prices with their
/// breaks stay within the cost limit of one query).
const VARIANTS_PER_READ: usize = 25;

/// A catalog's price list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRef {
    /// `gid://shopify/PriceList/N`.
    pub id: String,
    /// Its currency (ISO code).
    pub currency: String,
    /// The catalog's title.
    pub catalog: String,
}

/// Whom a catalog is for, by the names a price scope uses.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Catalogs with a price list, by title.
    pub catalogs: BTreeMap<String, ListRef>,
    /// Market handle and name → the price list of its catalog.
    pub markets: BTreeMap<String, ListRef>,
    /// Company location external id and name → the price list of its catalog.
    pub company_locations: BTreeMap<String, ListRef>,
    /// Catalogs without a price list, by title (a scope naming one gets a clear error).
    pub without_list: Vec<String>,
}

/// Every catalog's price list and whom it is for, read a page at a time (a catalog's first 25
/// markets and 50 company locations; a scope naming the catalog reaches it whatever its size). An
/// archived catalog prices nobody and is left out.
pub async fn targets(client: &ShopifyClient) -> Result<Targets, ShopifyError> {
    let mut out = Targets::default();
    let mut after: Option<String> = None;
    loop {
        let data = client.execute(&queries::PRICE_LIST_TARGETS, json!({"after": after}), Priority::Catalog).await?.data;
        let page = &data["catalogs"];
        for c in page["nodes"].as_array().into_iter().flatten() {
            let title = c["title"].as_str().unwrap_or("").to_owned();
            if c["status"] == "ARCHIVED" {
                continue;
            }
            let Some(id) = c["priceList"]["id"].as_str() else {
                out.without_list.push(title);
                continue;
            };
            let list = ListRef {
                id: id.to_owned(),
                currency: c["priceList"]["currency"].as_str().unwrap_or("").to_owned(),
                catalog: title.clone(),
            };
            for m in c["markets"]["nodes"].as_array().into_iter().flatten() {
                for key in [&m["handle"], &m["name"]].into_iter().filter_map(Json::as_str) {
                    out.markets.entry(key.to_owned()).or_insert_with(|| list.clone());
                }
            }
            for l in c["companyLocations"]["nodes"].as_array().into_iter().flatten() {
                for key in [&l["externalId"], &l["name"]].into_iter().filter_map(Json::as_str) {
                    out.company_locations.entry(key.to_owned()).or_insert_with(|| list.clone());
                }
            }
            out.catalogs.entry(title).or_insert(list);
        }
        match page["pageInfo"]["endCursor"].as_str().filter(|_| page["pageInfo"]["hasNextPage"] == true) {
            Some(next) => after = Some(next.to_owned()),
            None => return Ok(out),
        }
    }
}

/// A quantity price break: from `minimum` units, `price` a unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Break {
    pub minimum: u32,
    pub price: String,
}

/// A quantity rule (B2B).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub minimum: u32,
    pub maximum: Option<u32>,
    pub increment: u32,
}

/// What a list holds for one variant: its fixed price (with compare-at price and breaks, in the
/// list's currency) and quantity rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// Fixed price amount (`None`: the variant has no fixed price here).
    pub price: Option<String>,
    pub compare_at: Option<String>,
    /// Sorted by minimum.
    pub breaks: Vec<Break>,
    pub rule: Option<Rule>,
}

fn numeric_id(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap_or(gid)
}

/// What list `list` holds for `variants` (gids); variants without a fixed price or rule are
/// absent. Quantity rules are read only when `with_rules` (B2B lists: markets have none).
pub async fn held(
    client: &ShopifyClient,
    list: &str,
    variants: &[String],
    with_rules: bool,
) -> Result<BTreeMap<String, Held>, ShopifyError> {
    let mut out: BTreeMap<String, Held> = BTreeMap::new();
    for chunk in variants.chunks(VARIANTS_PER_READ) {
        let query = chunk.iter().map(|v| format!("variant_id:{}", numeric_id(v))).collect::<Vec<_>>().join(" OR ");
        let mut after: Option<String> = None;
        loop {
            let vars = json!({"id": list, "query": query, "after": after});
            let data = client.execute(&queries::PRICE_LIST_PRICES, vars, Priority::Catalog).await?.data;
            let page = &data["priceList"]["prices"];
            for p in page["nodes"].as_array().into_iter().flatten() {
                let Some(variant) = p["variant"]["id"].as_str() else { continue };
                let mut breaks: Vec<Break> = p["quantityPriceBreaks"]["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| Break {
                        minimum: b["minimumQuantity"].as_u64().unwrap_or(0) as u32,
                        price: b["price"]["amount"].as_str().unwrap_or("").to_owned(),
                    })
                    .collect();
                breaks.sort();
                let h = out.entry(variant.to_owned()).or_default();
                h.price = p["price"]["amount"].as_str().map(str::to_owned);
                h.compare_at = p["compareAtPrice"]["amount"].as_str().map(str::to_owned);
                h.breaks = breaks;
            }
            match page["pageInfo"]["endCursor"].as_str().filter(|_| page["pageInfo"]["hasNextPage"] == true) {
                Some(next) => after = Some(next.to_owned()),
                None => break,
            }
        }
    }
    if with_rules {
        let wanted: std::collections::BTreeSet<&str> = variants.iter().map(String::as_str).collect();
        let mut after: Option<String> = None;
        loop {
            let vars = json!({"id": list, "after": after});
            let data = client.execute(&queries::PRICE_LIST_QUANTITY_RULES, vars, Priority::Catalog).await?.data;
            let page = &data["priceList"]["quantityRules"];
            for r in page["nodes"].as_array().into_iter().flatten() {
                let Some(variant) = r["productVariant"]["id"].as_str().filter(|v| wanted.contains(v)) else {
                    continue;
                };
                let n = |k: &str| r[k].as_u64().map(|n| n as u32);
                out.entry(variant.to_owned()).or_default().rule = Some(Rule {
                    minimum: n("minimum").unwrap_or(1),
                    maximum: n("maximum"),
                    increment: n("increment").unwrap_or(1),
                });
            }
            match page["pageInfo"]["endCursor"].as_str().filter(|_| page["pageInfo"]["hasNextPage"] == true) {
                Some(next) => after = Some(next.to_owned()),
                None => break,
            }
        }
    }
    Ok(out)
}

/// The currency of price list `list` (`None`: no such list).
pub async fn currency(client: &ShopifyClient, list: &str) -> Result<Option<String>, ShopifyError> {
    let data = client.execute(&queries::PRICE_LIST_CURRENCY, json!({"id": list}), Priority::Catalog).await?.data;
    Ok(data["priceList"]["currency"].as_str().map(str::to_owned))
}

/// A fixed price to set: variant gid, amount, compare-at amount, in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedPrice {
    pub variant: String,
    pub price: String,
    pub compare_at: Option<String>,
}

impl FixedPrice {
    fn input(&self, currency: &str) -> Json {
        let money = |a: &str| json!({"amount": a, "currencyCode": currency});
        json!({"variantId": self.variant, "price": money(&self.price), "compareAtPrice": self.compare_at.as_deref().map(money)})
    }
}

fn refused(data: &Json, root: &str) -> Result<(), WriteError> {
    match RecordError::list(&data[root]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `priceListFixedPricesAdd` (at most [`MAX_PER_CALL`] prices).
pub async fn add_fixed(
    client: &ShopifyClient,
    list: &str,
    currency: &str,
    prices: &[FixedPrice],
) -> Result<(), WriteError> {
    let prices: Vec<Json> = prices.iter().map(|p| p.input(currency)).collect();
    let vars = json!({"priceListId": list, "prices": prices});
    let data = client.execute(&queries::PRICE_LIST_FIXED_PRICES_ADD, vars, Priority::Catalog).await?.data;
    refused(&data, "priceListFixedPricesAdd")
}

/// `priceListFixedPricesUpdate`: set `add` and remove the fixed prices of `delete` in one call
/// (at most [`MAX_PER_CALL`] of each); only deletions go through `priceListFixedPricesDelete`.
pub async fn update_fixed(
    client: &ShopifyClient,
    list: &str,
    currency: &str,
    add: &[FixedPrice],
    delete: &[String],
) -> Result<(), WriteError> {
    if add.is_empty() {
        let vars = json!({"priceListId": list, "variantIds": delete});
        let data = client.execute(&queries::PRICE_LIST_FIXED_PRICES_DELETE, vars, Priority::Catalog).await?.data;
        return refused(&data, "priceListFixedPricesDelete");
    }
    let prices: Vec<Json> = add.iter().map(|p| p.input(currency)).collect();
    let vars = json!({"priceListId": list, "pricesToAdd": prices, "variantIdsToDelete": delete});
    let data = client.execute(&queries::PRICE_LIST_FIXED_PRICES_UPDATE, vars, Priority::Catalog).await?.data;
    refused(&data, "priceListFixedPricesUpdate")
}

/// Everything one variant gets in a `quantityPricingByVariantUpdate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityPricing {
    pub price: FixedPrice,
    /// Replace the variant's breaks with these.
    pub breaks: Vec<Break>,
    /// Its rule; `None` removes one it has (`had_rule`).
    pub rule: Option<Rule>,
    pub had_rule: bool,
    pub had_breaks: bool,
}

impl QuantityPricing {
    /// How many elements it adds to the input's longest list.
    pub fn weight(&self) -> usize {
        self.breaks.len().max(1)
    }
}

/// `quantityPricingByVariantUpdate`: the fixed prices, breaks and rules of `items`, all or
/// nothing. A refusal names the variant it is about when Shopify's field path points into a list.
pub async fn quantity_pricing(
    client: &ShopifyClient,
    list: &str,
    currency: &str,
    items: &[QuantityPricing],
) -> Result<(), (Option<String>, WriteError)> {
    let money = |a: &str| json!({"amount": a, "currencyCode": currency});
    let mut input = json!({"pricesToAdd": [], "pricesToDeleteByVariantId": [], "quantityRulesToAdd": [],
        "quantityRulesToDeleteByVariantId": [], "quantityPriceBreaksToAdd": [], "quantityPriceBreaksToDelete": [],
        "quantityPriceBreaksToDeleteByVariantId": []});
    // Which variant each element of each list is about, to name the one Shopify refuses.
    let mut owners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut push = |key: &'static str, value: Json, variant: &str| {
        if let Some(l) = input[key].as_array_mut() {
            l.push(value);
        }
        owners.entry(key).or_default().push(variant.to_owned());
    };
    for q in items {
        let v = q.price.variant.as_str();
        push("pricesToAdd", q.price.input(currency), v);
        if q.had_breaks {
            push("quantityPriceBreaksToDeleteByVariantId", json!(v), v);
        }
        for b in &q.breaks {
            push(
                "quantityPriceBreaksToAdd",
                json!({"variantId": v, "minimumQuantity": b.minimum, "price": money(&b.price)}),
                v,
            );
        }
        if q.had_rule {
            push("quantityRulesToDeleteByVariantId", json!(v), v);
        }
        if let Some(r) = q.rule {
            push(
                "quantityRulesToAdd",
                json!({"variantId": v, "minimum": r.minimum, "maximum": r.maximum, "increment": r.increment}),
                v,
            );
        }
    }
    let vars = json!({"priceListId": list, "input": input});
    let data = client
        .execute(&queries::QUANTITY_PRICING_BY_VARIANT_UPDATE, vars, Priority::Catalog)
        .await
        .map_err(|e| (None, WriteError::from(e)))?
        .data;
    match RecordError::list(&data["quantityPricingByVariantUpdate"]["userErrors"]).into_iter().next() {
        None => Ok(()),
        Some(e) => {
            let variant = owners.iter().find_map(|(key, vs)| e.index_in(key).and_then(|i| vs.get(i).cloned()));
            Err((variant, e.into()))
        }
    }
}
