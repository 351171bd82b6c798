//! Price rows to price records: consecutive rows with the same `price_id` are one price of one
//! SKU in one scope. The row without `min_quantity` (or with 1) carries the price, compare-at
//! price and quantity rule; each row with `min_quantity` of 2 or more is a quantity break at its
//! `price`. The scope is `scope` (`base`, `channel`, `market`, `catalog`, `company_location`;
//! default `base`) with `scope_name` (the channel's list code, the market's handle or name, the
//! catalog's title, the company location's external id); amounts are in `currency` (default the
//! feed's).

use crate::records::{int, money, required, text, Bad};
use crate::rows::Row;
use weft_sdk::{Price, PriceScope, QuantityBreak, QuantityRule};

fn scope(row: &Row) -> Result<PriceScope, Bad> {
    let name = || {
        text(row, "scope_name").ok_or_else(|| {
            (row.line, "`scope_name` is required for a channel, market, catalog or company_location price".to_owned())
        })
    };
    Ok(match row.get("scope").unwrap_or("base") {
        "base" => PriceScope::Base,
        "channel" => PriceScope::Channel(name()?),
        "market" => PriceScope::Market(name()?),
        "catalog" => PriceScope::Catalog(name()?),
        "company_location" => PriceScope::CompanyLocation(name()?),
        other => {
            return Err((
                row.line,
                format!("`scope` = `{other}`: use base, channel, market, catalog or company_location"),
            ))
        }
    })
}

/// The price of one group of rows.
pub fn price(group: &[Row], feed_currency: &str) -> Result<Price, Bad> {
    let first = &group[0];
    let currency = first.get("currency").unwrap_or(feed_currency).to_owned();
    let sku = required(first, "sku")?;
    let scope = scope(first)?;
    let mut main: Option<&Row> = None;
    let mut breaks = Vec::new();
    for row in group {
        if row.get("sku") != Some(sku)
            || scope_of(row) != scope_of(first)
            || row.get("currency").unwrap_or(feed_currency) != currency
        {
            return Err((
                row.line,
                format!("rows of price {} differ in sku, scope or currency", first.get("price_id").unwrap_or("")),
            ));
        }
        match int::<u32>(row, "min_quantity")? {
            None | Some(0 | 1) if main.is_none() => main = Some(row),
            None | Some(0 | 1) => return Err((row.line, "a price has one row without `min_quantity`".to_owned())),
            Some(minimum) => breaks.push(QuantityBreak {
                minimum,
                price: money(row, "price", &currency)?.ok_or_else(|| (row.line, "`price` is required".to_owned()))?,
            }),
        }
    }
    let main =
        main.ok_or_else(|| (first.line, "a price needs a row without `min_quantity` (its unit price)".to_owned()))?;
    let rule = match int::<u32>(main, "rule_minimum")? {
        None => None,
        Some(minimum) => Some(QuantityRule {
            minimum,
            maximum: int(main, "rule_maximum")?,
            increment: int(main, "rule_increment")?.unwrap_or(1),
        }),
    };
    Ok(Price {
        external_id: required(first, "price_id")?.to_owned(),
        sku: Some(sku.to_owned()),
        scope,
        price: money(main, "price", &currency)?.ok_or_else(|| (main.line, "`price` is required".to_owned()))?,
        compare_at_price: money(main, "compare_at_price", &currency)?,
        quantity_breaks: breaks,
        quantity_rule: rule,
        updated_at: text(main, "updated_at"),
        extra: "{}".into(),
    })
}

fn scope_of(row: &Row) -> (Option<&str>, Option<&str>) {
    (row.get("scope"), row.get("scope_name"))
}
