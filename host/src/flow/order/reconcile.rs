//! Order reconciliation: order counts and totals per day on both sides. Shopify's side is the
//! orders of one bulk export that belong to the flow (weft's external orders carry
//! `sourceIdentifier` = `{connection}:{id}`).

use crate::config::FlowConfig;
use crate::model::Record;
use crate::store::{FlowReconcile, OrderDay};
use serde_json::Value;
use std::collections::BTreeMap;

/// The bulk query of Shopify's side.
pub const SHOPIFY_QUERY: &str =
    "{ orders { edges { node { id processedAt sourceIdentifier totalPriceSet { shopMoney { amount } } } } } }";

/// The exported orders that belong to `flow`: for a flow into the ERP, the shop's own orders;
/// for a flow from the ERP, the ones weft created from its connection.
pub fn shopify_side<'a>(flow: &FlowConfig, erp: &str, exported: &'a [Value]) -> Vec<&'a Value> {
    let from_erp = |o: &Value| o["sourceIdentifier"].as_str().is_some_and(|s| s.starts_with(&format!("{erp}:")));
    exported.iter().filter(|o| if flow.from.is_shopify() { !from_erp(o) } else { from_erp(o) }).collect()
}

/// Orders per day (count, total) of Shopify's side and the ERP's records.
pub fn compare(name: &str, shopify: &[&Value], erp: &[Record]) -> FlowReconcile {
    let mut days: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for o in shopify {
        // The business date: an imported order's `processedAt` is the ERP's date.
        let d = days.entry(day(o["processedAt"].as_str().unwrap_or(""))).or_default();
        d[1] += 1;
        d[3] += cents(o["totalPriceSet"]["shopMoney"]["amount"].as_str().unwrap_or("0"));
    }
    for r in erp {
        if let Record::Order(o) = r {
            let d = days.entry(day(&o.created_at)).or_default();
            d[0] += 1;
            d[2] += cents(&o.total.amount);
        }
    }
    let order_days = days
        .into_iter()
        .map(|(day, [ec, sc, et, st])| OrderDay {
            day,
            erp_count: ec as usize,
            shopify_count: sc as usize,
            erp_total: money(et),
            shopify_total: money(st),
        })
        .collect();
    FlowReconcile { flow: name.to_owned(), object: "order".into(), order_days, ..Default::default() }
}

/// Amount in cents of a decimal string (`"12.5"` → 1250); unreadable amounts count as 0.
fn cents(amount: &str) -> i64 {
    let (whole, frac) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap_or(0);
    let frac: i64 = format!("{:0<2}", &frac[..frac.len().min(2)]).parse().unwrap_or(0);
    let value = whole * 100 + frac;
    if negative {
        -value
    } else {
        value
    }
}

fn money(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_sum_in_cents() {
        assert_eq!(cents("12.5"), 1250);
        assert_eq!(cents("12.345"), 1234);
        assert_eq!(cents("-3.07"), -307);
        assert_eq!(cents("7"), 700);
        assert_eq!(money(cents("0.1") + cents("0.2")), "0.30");
    }
}
