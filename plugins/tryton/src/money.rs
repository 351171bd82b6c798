//! Order money as Tryton takes it: exact decimals, the buyer's side of an amount (a sale is in
//! the currency the buyer paid), net unit prices after discounts (and, for prices that include
//! tax, after taxes), and Shopify's tax lines mapped to Tryton taxes.

use crate::rpc::Client;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use weft_sdk::{config, Amount, PluginError, TaxLine};

/// A decimal string as a number (unreadable: refused, naming the field).
pub fn number(field: &str, text: &str) -> Result<Decimal, PluginError> {
    let plain = text.trim_start_matches('-').split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (plain && text.matches('.').count() <= 1)
        .then(|| Decimal::from_str(text).ok())
        .flatten()
        .ok_or_else(|| PluginError::invalid(field, &format!("`{text}` is not a decimal amount")))
}

/// What the buyer paid of `amount`: the presentment side when there is one.
pub fn buyer(field: &str, amount: &Amount) -> Result<Decimal, PluginError> {
    number(field, &amount.presentment.as_ref().unwrap_or(&amount.shop).amount)
}

/// A number as Tryton's tagged Decimal, at most 4 places (Tryton's price digits).
pub fn tryton(d: Decimal) -> Value {
    json!({"__class__": "Decimal", "decimal": d.round_dp(4).normalize().to_string()})
}

/// The unit price Tryton gets for `quantity` units whose lines total `gross` after discounts
/// and carry `taxes` (taken off when prices include tax).
pub fn unit_price(gross: Decimal, taxes: Decimal, taxes_included: bool, quantity: u32) -> Decimal {
    let net = if taxes_included { gross - taxes } else { gross };
    if quantity == 0 {
        return net;
    }
    net / Decimal::from(quantity)
}

/// Tryton taxes for Shopify tax lines: the operator's `taxes` map (title → `account.tax` id),
/// else the one percentage tax of that rate. Found ids are kept for the call.
pub struct Taxes<'a> {
    client: &'a Client,
    configured: BTreeMap<String, i64>,
    found: BTreeMap<String, i64>,
}

impl<'a> Taxes<'a> {
    /// The mapping for one push.
    pub fn new(client: &'a Client) -> Result<Taxes<'a>, PluginError> {
        let configured = config::json::<BTreeMap<String, i64>>("taxes")?.unwrap_or_default();
        Ok(Taxes { client, configured, found: BTreeMap::new() })
    }

    /// The Tryton tax ids of `lines`; `field` names them in errors.
    pub fn ids(&mut self, field: &str, lines: &[TaxLine]) -> Result<Vec<i64>, PluginError> {
        lines.iter().map(|t| self.id(field, t)).collect()
    }

    fn id(&mut self, field: &str, t: &TaxLine) -> Result<i64, PluginError> {
        if let Some(id) = self.configured.get(&t.title) {
            return Ok(*id);
        }
        let rate = number(&format!("{field}.rate"), &t.rate)?;
        let key = rate.normalize().to_string();
        if let Some(id) = self.found.get(&key) {
            return Ok(*id);
        }
        let domain = json!([["type", "=", "percentage"], ["rate", "=", tryton(rate)], ["parent", "=", null]]);
        let found = self
            .client
            .model("account.tax", "search", vec![domain, json!(0), json!(2), json!([["id", "ASC"]])], json!({}))
            .map_err(|e| e.into_plugin_error(field))?;
        let ids: Vec<i64> = found.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
        match ids.as_slice() {
            [id] => {
                self.found.insert(key, *id);
                Ok(*id)
            }
            [] => Err(PluginError::invalid(
                field,
                &format!(
                    "no Tryton tax for `{}` at rate {}: create it, or map it in the `taxes` config key",
                    t.title, t.rate
                ),
            )),
            _ => Err(PluginError::invalid(
                field,
                &format!(
                    "several Tryton taxes have rate {}: map `{}` to one in the `taxes` config key",
                    t.rate, t.title
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_prices_are_net_of_discounts_and_included_taxes() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(unit_price(d("36.00"), d("5.75"), false, 2), d("18"));
        assert_eq!(unit_price(d("35.70"), d("5.70"), true, 3), d("10"));
        assert!(number("x", "1,5").is_err() && number("x", "1e3").is_err());
    }
}
