//! What a price record asks of its price list for one variant (fixed price, compare-at price,
//! quantity breaks, quantity rule), compared with what the list holds, and its JSON in the undo
//! log and the intent journal.

use crate::model::Price;
use crate::shopify::price_lists::{Break, FixedPrice, Held, Rule};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

/// A variant's wanted state on a price list (amounts in the list's currency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPrice {
    pub price: String,
    pub compare_at: Option<String>,
    /// Sorted by minimum.
    pub breaks: Vec<Break>,
    pub rule: Option<Rule>,
}

/// What `p` asks of its list.
pub fn desired(p: &Price) -> ListPrice {
    let mut breaks: Vec<Break> =
        p.quantity_breaks.iter().map(|b| Break { minimum: b.minimum, price: b.price.amount.clone() }).collect();
    breaks.sort();
    ListPrice {
        price: p.price.amount.clone(),
        compare_at: p.compare_at_price.as_ref().map(|m| m.amount.clone()),
        breaks,
        rule: p.quantity_rule.as_ref().map(|r| Rule { minimum: r.minimum, maximum: r.maximum, increment: r.increment }),
    }
}

/// Two amounts are the same number (`19.0` is `19.00`).
fn same(a: &str, b: &str) -> bool {
    match (Decimal::from_str(a.trim()), Decimal::from_str(b.trim())) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

fn same_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

impl ListPrice {
    /// Whether the list already holds this (rules only compared on B2B lists, which have them).
    pub fn matches(&self, held: &Held, b2b: bool) -> bool {
        held.price.as_deref().is_some_and(|p| same(p, &self.price))
            && same_opt(held.compare_at.as_deref(), self.compare_at.as_deref())
            && held.breaks.len() == self.breaks.len()
            && held.breaks.iter().zip(&self.breaks).all(|(h, w)| h.minimum == w.minimum && same(&h.price, &w.price))
            && (!b2b || held.rule == self.rule)
    }

    /// Its fixed price for `variant`.
    pub fn fixed(&self, variant: &str) -> FixedPrice {
        FixedPrice { variant: variant.to_owned(), price: self.price.clone(), compare_at: self.compare_at.clone() }
    }

    /// As journalled: `{price, compare_at_price, quantity_breaks: [{minimum, price}], quantity_rule}`.
    pub fn to_json(&self) -> Value {
        json!({
            "price": self.price,
            "compare_at_price": self.compare_at,
            "quantity_breaks": self.breaks.iter().map(|b| json!({"minimum": b.minimum, "price": b.price})).collect::<Vec<_>>(),
            "quantity_rule": self.rule.map(|r| json!({"minimum": r.minimum, "maximum": r.maximum, "increment": r.increment})),
        })
    }

    /// What a list held, as journalled (null: no fixed price).
    pub fn held_json(held: &Held) -> Value {
        match Self::from_held(held) {
            Some(p) => p.to_json(),
            None => Value::Null,
        }
    }

    /// What a list holds as a wanted state (`None`: no fixed price).
    pub fn from_held(held: &Held) -> Option<ListPrice> {
        Some(ListPrice {
            price: held.price.clone()?,
            compare_at: held.compare_at.clone(),
            breaks: held.breaks.clone(),
            rule: held.rule,
        })
    }

    /// Back from its journalled JSON (`None` for null or another shape).
    pub fn from_json(v: &Value) -> Option<ListPrice> {
        let n = |v: &Value| v.as_u64().map(|n| n as u32);
        let mut breaks: Vec<Break> = v["quantity_breaks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some(Break { minimum: n(&b["minimum"])?, price: b["price"].as_str()?.to_owned() }))
            .collect();
        breaks.sort();
        let r = &v["quantity_rule"];
        Some(ListPrice {
            price: v["price"].as_str()?.to_owned(),
            compare_at: v["compare_at_price"].as_str().map(str::to_owned),
            breaks,
            rule: n(&r["minimum"]).map(|minimum| Rule {
                minimum,
                maximum: n(&r["maximum"]),
                increment: n(&r["increment"]).unwrap_or(1),
            }),
        })
    }
}
