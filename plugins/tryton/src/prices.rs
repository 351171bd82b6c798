//! Price lists (`product.price_list` with its lines, module `product_price_list`) as scoped
//! price records. The operator maps each list by name to a scope (`price_lists = { "EU retail"
//! = "market:EU", "Acme" = "company_location:ACME-BER" }`); the list's currency is its
//! company's. Per list and product (`product.product`, code = SKU), the lines in Tryton's order
//! (sequence) give: the first line without a quantity (or with at most 1) is the unit price;
//! lines with a quantity of 2 or more *before* it are quantity breaks from that many units
//! (Tryton applies the first matching line, so one after the unit price's line never applies).
//! Formulas: a number (`19.90`, `Decimal('19.90')`), or `unit_price`, `list_price` or
//! `cost_price`, alone or times / plus / minus a number; amounts are rounded to cents. A line
//! whose formula is anything else, or for a category, is left out (logged). Each pull reads
//! every mapped list (records the host has already written are unchanged without a call),
//! paged by `(list id, product id)`.

use crate::rpc::Client;
use crate::values::{decimal, updated_at};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use weft_sdk::{config, log, Money, Page, PluginError, Price, PriceScope, QuantityBreak, Record};

/// A scope as the operator writes it: `market:EU`, `catalog:Acme`, `company_location:L-1`,
/// `channel:WEB` or `base`.
pub fn parse_scope(text: &str) -> Result<PriceScope, String> {
    let (kind, name) = text.split_once(':').map_or((text, ""), |(k, n)| (k, n.trim()));
    let named = |f: fn(String) -> PriceScope| {
        if name.is_empty() {
            Err(format!("`{text}`: name the {kind} after a colon"))
        } else {
            Ok(f(name.to_owned()))
        }
    };
    match kind.trim() {
        "base" => Ok(PriceScope::Base),
        "channel" => named(PriceScope::Channel),
        "market" => named(PriceScope::Market),
        "catalog" => named(PriceScope::Catalog),
        "company_location" => named(PriceScope::CompanyLocation),
        other => Err(format!("`{other}`: use market:NAME, catalog:TITLE, company_location:ID, channel:CODE or base")),
    }
}

/// The value of a formula for a product whose prices are `vars` (`None`: not a formula this
/// connector evaluates).
pub fn evaluate(formula: &str, vars: &BTreeMap<&str, Decimal>) -> Option<Decimal> {
    let number = |t: &str| {
        let t = t.trim();
        let inner = t.strip_prefix("Decimal(").and_then(|r| r.strip_suffix(')')).unwrap_or(t);
        Decimal::from_str(inner.trim().trim_matches(['\'', '"'])).ok()
    };
    let operand = |t: &str| vars.get(t.trim()).copied().or_else(|| number(t));
    let f = formula.trim();
    if let Some(v) = operand(f) {
        return Some(v);
    }
    for (op, apply) in [
        ('*', (|a: Decimal, b: Decimal| a * b) as fn(Decimal, Decimal) -> Decimal),
        ('+', |a, b| a + b),
        ('-', |a, b| a - b),
    ] {
        if let Some((l, r)) = f.split_once(op) {
            return Some(apply(operand(l)?, operand(r)?));
        }
    }
    None
}

fn cents(d: Decimal) -> String {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero).to_string()
}

fn rpc(client: &Client, model: &str, method: &str, params: Vec<Value>) -> Result<Vec<Value>, PluginError> {
    let rows = client.model(model, method, params, json!({})).map_err(|e| e.into_plugin_error("price"))?;
    Ok(rows.as_array().cloned().unwrap_or_default())
}

fn id(row: &Value, key: &str) -> Option<i64> {
    row.get(key).and_then(Value::as_i64)
}

/// One page of price records after `cursor` (`list/product`; empty: from the start).
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let mapping = config::json::<BTreeMap<String, String>>("price_lists")?.ok_or_else(|| {
        PluginError::invalid(
            "price_lists",
            "map Tryton price lists to scopes to pull prices, e.g. {\"EU\" = \"market:EU\"}",
        )
    })?;
    let mut scopes = BTreeMap::new();
    for (name, scope) in &mapping {
        scopes.insert(
            name.clone(),
            parse_scope(scope).map_err(|e| PluginError::invalid("price_lists", &format!("{name}: {e}")))?,
        );
    }
    let after: Option<(i64, i64)> = cursor.filter(|c| !c.is_empty()).map(|c| {
        let (l, p) = c.split_once('/').unwrap_or((c, "0"));
        (l.parse().unwrap_or(0), p.parse().unwrap_or(0))
    });
    let names: Vec<&String> = mapping.keys().collect();
    let lists = rpc(
        client,
        "product.price_list",
        "search_read",
        vec![
            json!([["name", "in", names]]),
            json!(0),
            Value::Null,
            json!([["id", "ASC"]]),
            json!(["name", "company", "price"]),
        ],
    )?;
    let companies: Vec<i64> = lists.iter().filter_map(|l| id(l, "company")).collect();
    let currencies: BTreeMap<i64, String> =
        rpc(client, "company.company", "read", vec![json!(companies), json!(["currency.code"])])?
            .iter()
            .filter_map(|c| Some((id(c, "id")?, c.get("currency.")?.get("code")?.as_str()?.to_owned())))
            .collect();
    let list_ids: Vec<i64> = lists.iter().filter_map(|l| id(l, "id")).collect();
    let lines = rpc(
        client,
        "product.price_list.line",
        "search_read",
        vec![
            json!([["price_list", "in", list_ids]]),
            json!(0),
            Value::Null,
            json!([["price_list", "ASC"], ["sequence", "ASC"], ["id", "ASC"]]),
            json!(["price_list", "product", "category", "quantity", "formula", "last_modified_at"]),
        ],
    )?;
    let product_ids: Vec<i64> = {
        let mut ids: Vec<i64> = lines.iter().filter_map(|l| id(l, "product")).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let products: BTreeMap<i64, Value> = rpc(
        client,
        "product.product",
        "read",
        vec![json!(product_ids), json!(["code", "list_price_used", "cost_price"])],
    )?
    .into_iter()
    .filter_map(|p| Some((id(&p, "id")?, p)))
    .collect();
    let mut records = Vec::new();
    for list in &lists {
        let (Some(list_id), Some(name)) = (id(list, "id"), list.get("name").and_then(Value::as_str)) else { continue };
        let Some(scope) = scopes.get(name) else { continue };
        let Some(currency) = id(list, "company").and_then(|c| currencies.get(&c)) else { continue };
        let mine: Vec<&Value> = lines.iter().filter(|l| id(l, "price_list") == Some(list_id)).collect();
        for (product_id, product) in &products {
            if after.is_some_and(|a| (list_id, *product_id) <= a) {
                continue;
            }
            let of_product: Vec<&Value> =
                mine.iter().copied().filter(|l| id(l, "product") == Some(*product_id)).collect();
            if let Some(p) = price(list_id, name, scope, currency, list, product, *product_id, &of_product) {
                records.push(((list_id, *product_id), p));
            }
        }
    }
    for l in lines.iter().filter(|l| id(l, "product").is_none()) {
        log::warn(&format!("price list line {:?} is for a category, not a product: left out", id(l, "id")));
    }
    let has_more = records.len() > limit as usize;
    records.truncate(limit as usize);
    let next = match records.last() {
        Some(((l, p), _)) if has_more => format!("{l}/{p}"),
        _ => String::new(),
    };
    Ok(Page {
        records: records.into_iter().map(|(_, r)| Record::Price(r)).collect(),
        next_cursor: Some(next),
        has_more,
    })
}

/// The price record of one product on one list, from its lines in Tryton's order.
#[allow(clippy::too_many_arguments)]
fn price(
    list_id: i64,
    name: &str,
    scope: &PriceScope,
    currency: &str,
    list: &Value,
    product: &Value,
    product_id: i64,
    lines: &[&Value],
) -> Option<Price> {
    let sku = product.get("code").and_then(Value::as_str).filter(|c| !c.is_empty())?;
    let dec = |k: &str| product.get(k).and_then(decimal).and_then(|d| Decimal::from_str(&d).ok());
    let mut vars = BTreeMap::new();
    for (k, v) in [("list_price", dec("list_price_used")), ("cost_price", dec("cost_price"))] {
        if let Some(v) = v {
            vars.insert(k, v);
        }
    }
    let unit = match list.get("price").and_then(Value::as_str) {
        Some("list_price") => vars.get("list_price").copied(),
        Some("cost_price") => vars.get("cost_price").copied(),
        _ => None,
    };
    if let Some(u) = unit {
        vars.insert("unit_price", u);
    }
    let money = |d: Decimal| Money { amount: cents(d), currency: currency.to_owned() };
    let mut breaks: Vec<QuantityBreak> = Vec::new();
    let mut unit_price = None;
    let mut updated: Option<String> = None;
    for line in lines {
        let formula = line.get("formula").and_then(Value::as_str).unwrap_or("");
        let Some(value) = evaluate(formula, &vars) else {
            log::warn(&format!(
                "price list {name}: formula `{formula}` of line {:?} is not evaluated here: left out",
                id(line, "id")
            ));
            continue;
        };
        let stamp = updated_at(line);
        if stamp > updated {
            updated = stamp;
        }
        let quantity = line.get("quantity").and_then(Value::as_f64).unwrap_or(0.0);
        if quantity <= 1.0 {
            unit_price = Some(value);
            break;
        }
        let minimum = quantity.ceil() as u32;
        if !breaks.iter().any(|b| b.minimum == minimum) {
            breaks.push(QuantityBreak { minimum, price: money(value) });
        }
    }
    let unit_price = unit_price?;
    breaks.sort_by_key(|b| b.minimum);
    Some(Price {
        external_id: format!("{list_id}/{product_id}"),
        sku: Some(sku.to_owned()),
        scope: scope.clone(),
        price: money(unit_price),
        compare_at_price: None,
        quantity_breaks: breaks,
        quantity_rule: None,
        updated_at: updated,
        extra: json!({"price_list": name, "price_list_id": list_id}).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_and_scopes() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let vars: BTreeMap<&str, Decimal> = [("list_price", d("20")), ("unit_price", d("20"))].into_iter().collect();
        assert_eq!(evaluate("19.90", &vars), Some(d("19.90")));
        assert_eq!(evaluate("Decimal('18.5')", &vars), Some(d("18.5")));
        assert_eq!(evaluate("unit_price * 0.9", &vars), Some(d("18.0")));
        assert_eq!(evaluate("list_price - 2", &vars), Some(d("18")));
        assert_eq!(evaluate("cost_price * 2", &vars), None, "no cost price known");
        assert_eq!(evaluate("max(unit_price, 3)", &vars), None);
        assert_eq!(parse_scope("market:EU"), Ok(PriceScope::Market("EU".into())));
        assert_eq!(parse_scope("company_location: ACME-BER"), Ok(PriceScope::CompanyLocation("ACME-BER".into())));
        assert!(parse_scope("market:").is_err() && parse_scope("region:EU").is_err());
    }
}
