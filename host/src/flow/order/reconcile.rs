//! Order reconciliation, per order and per day: each order's amounts (subtotal, shipping, tax,
//! discounts, refunds, total — as they stand now, after refunds and edits) compared to the cent
//! between Shopify and the ERP, and the orders one side lacks; per day, order counts and totals.
//! Shopify's side is one bulk export; a flow into the ERP compares the shop's own orders placed
//! since the flow's reach (its start, or an earlier backfill), a flow from the ERP the orders
//! weft created from its connection (`sourceIdentifier` = `{connection}:{id}`).

use super::totals::number;
use crate::config::FlowConfig;
use crate::domain::decimal::{self, Decimal};
use crate::model::{Money, Order, Record};
use crate::store::{FlowReconcile, OrderDay, OrderDrift};
use serde_json::Value;
use std::collections::BTreeMap;

/// The bulk query of Shopify's side.
pub const SHOPIFY_QUERY: &str = "{ orders { edges { node { id name createdAt processedAt sourceIdentifier \
     currentSubtotalPriceSet { ...B } currentShippingPriceSet { ...B } currentTotalTaxSet { ...B } \
     currentTotalDiscountsSet { ...B } totalRefundedSet { ...B } currentTotalPriceSet { ...B } } } } } \
     fragment B on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }";

/// The amounts compared, with Shopify's field for each.
const FIELDS: [(&str, &str); 6] = [
    ("subtotal", "currentSubtotalPriceSet"),
    ("shipping", "currentShippingPriceSet"),
    ("tax", "currentTotalTaxSet"),
    ("discount", "currentTotalDiscountsSet"),
    ("refunded", "totalRefundedSet"),
    ("total", "currentTotalPriceSet"),
];

/// The exported orders that belong to `flow`: for a flow into the ERP, the shop's own orders
/// placed at or after `reach`; for a flow from the ERP, the ones weft created from its connection.
pub fn shopify_side<'a>(flow: &FlowConfig, erp: &str, reach: Option<&str>, exported: &'a [Value]) -> Vec<&'a Value> {
    let from_erp = |o: &Value| o["sourceIdentifier"].as_str().is_some_and(|s| s.starts_with(&format!("{erp}:")));
    let placed = |o: &Value| reach.is_none_or(|r| o["createdAt"].as_str().is_some_and(|c| later_or_equal(c, r)));
    exported.iter().filter(|o| if flow.from.is_shopify() { !from_erp(o) && placed(o) } else { from_erp(o) }).collect()
}

fn later_or_equal(a: &str, b: &str) -> bool {
    match (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a >= b,
        _ => a >= b,
    }
}

/// The ERP's amounts of an order, by field, in its currency. `refunded` only when the record
/// says (its `extra.refunded`); `discount` only when it carries discounts.
fn erp_amounts(o: &Order) -> BTreeMap<&'static str, Decimal> {
    let mut out = BTreeMap::from([
        ("subtotal", number(&o.subtotal.shop)),
        ("shipping", number(&o.shipping.shop)),
        ("tax", number(&o.tax.shop)),
        ("total", number(&o.total.shop)),
    ]);
    if !o.discounts.is_empty() || !number(&o.discount.shop).is_zero() {
        out.insert("discount", number(&o.discount.shop));
    }
    let extra: Value = serde_json::from_str(&o.extra).unwrap_or_default();
    if let Some(refunded) = extra["refunded"].as_str().and_then(|r| decimal::parse(r).ok()) {
        out.insert("refunded", refunded);
    }
    out
}

/// One of Shopify's `MoneyBag`s in `currency` (its shop or presentment side), if it has it.
fn side(bag: &Value, currency: &str) -> Option<Decimal> {
    ["shopMoney", "presentmentMoney"].into_iter().map(|k| &bag[k]).find(|m| m["currencyCode"] == currency).map(|m| {
        let amount = Money::new(m["amount"].as_str().unwrap_or("0"), currency);
        number(&amount)
    })
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

/// Compare Shopify's orders with the ERP's: `pairs` are (Shopify order, ERP order) matched by
/// id, either side missing when the other lacks it.
pub fn compare(name: &str, pairs: &[(Option<&Value>, Option<&Order>)]) -> FlowReconcile {
    let mut days: BTreeMap<String, (usize, usize, Decimal, Decimal)> = BTreeMap::new();
    let mut drift = Vec::new();
    for (shop, erp) in pairs {
        let order_day = match (shop, erp) {
            (Some(s), _) => day(s["processedAt"].as_str().unwrap_or_default()),
            (None, Some(e)) => day(&e.created_at),
            (None, None) => continue,
        };
        let currency = erp.map(|e| e.currency.clone()).unwrap_or_else(|| {
            shop.and_then(|s| s["currentTotalPriceSet"]["shopMoney"]["currencyCode"].as_str()).unwrap_or("").to_owned()
        });
        let d = days.entry(order_day.clone()).or_default();
        if let Some(s) = shop {
            d.1 += 1;
            d.3 += side(&s["currentTotalPriceSet"], &currency).unwrap_or_default();
        }
        let mut fields = Vec::new();
        if let Some(e) = erp {
            d.0 += 1;
            d.2 += number(&e.total.shop);
            if let Some(s) = shop {
                for (field, erp_value) in erp_amounts(e) {
                    let key = FIELDS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k).unwrap_or_default();
                    let shopify_value = side(&s[key], &currency);
                    if shopify_value != Some(erp_value) {
                        let shown = shopify_value.map(decimal::text).unwrap_or_else(|| format!("none in {currency}"));
                        fields.push((field.to_owned(), decimal::text(erp_value), shown));
                    }
                }
            }
        }
        if shop.is_none() || erp.is_none() || !fields.is_empty() {
            drift.push(OrderDrift {
                order: shop
                    .and_then(|s| s["name"].as_str().map(str::to_owned))
                    .or(erp.map(|e| e.name.clone()))
                    .unwrap_or_default(),
                day: order_day,
                shopify_id: shop.and_then(|s| s["id"].as_str().map(str::to_owned)),
                erp_id: erp.map(|e| e.external_id.clone()),
                currency,
                fields,
            });
        }
    }
    let order_days = days
        .into_iter()
        .map(|(day, (erp_count, shopify_count, erp_total, shopify_total))| OrderDay {
            day,
            erp_count,
            shopify_count,
            erp_total: decimal::text(erp_total.round_dp(2)),
            shopify_total: decimal::text(shopify_total.round_dp(2)),
        })
        .collect();
    FlowReconcile {
        flow: name.to_owned(),
        object: "order".into(),
        compared: pairs.iter().filter(|(s, e)| s.is_some() && e.is_some()).count(),
        order_days,
        order_drift: drift,
        ..Default::default()
    }
}

/// The ERP's orders among `records`.
pub fn orders(records: &[Record]) -> impl Iterator<Item = &Order> {
    records.iter().filter_map(|r| match r {
        Record::Order(o) => Some(&**o),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Amount;
    use serde_json::json;

    fn bag(amount: &str) -> Value {
        json!({"shopMoney": {"amount": amount, "currencyCode": "USD"}, "presentmentMoney": {"amount": amount, "currencyCode": "USD"}})
    }

    #[test]
    fn each_order_is_compared_to_the_cent_and_listed_when_it_differs() {
        let shop = json!({"id": "gid://shopify/Order/1", "name": "#1", "processedAt": "2026-11-02T10:00:00Z",
            "currentSubtotalPriceSet": bag("10.00"), "currentShippingPriceSet": bag("4.90"), "currentTotalTaxSet": bag("1.49"),
            "currentTotalDiscountsSet": bag("0.00"), "totalRefundedSet": bag("0.00"), "currentTotalPriceSet": bag("16.39")});
        let usd = |a: &str| Amount::shop(Money::new(a, "USD"));
        let erp = Order {
            external_id: "7".into(),
            name: "#1".into(),
            currency: "USD".into(),
            subtotal: usd("10.00"),
            shipping: usd("4.9"),
            tax: usd("1.49"),
            total: usd("16.39"),
            created_at: "2026-11-02T10:00:00Z".into(),
            extra: "{}".into(),
            ..Order::default()
        };
        let same = compare("orders", &[(Some(&shop), Some(&erp))]);
        assert!(same.order_drift.is_empty(), "{:?}", same.order_drift);
        assert_eq!(same.order_days[0].shopify_total, "16.39");
        let mut less = erp.clone();
        less.tax = usd("1.48");
        let other = compare("orders", &[(Some(&shop), Some(&less)), (Some(&shop), None)]);
        assert_eq!(other.order_drift.len(), 2);
        assert_eq!(other.order_drift[0].fields, vec![("tax".to_owned(), "1.48".to_owned(), "1.49".to_owned())]);
        assert_eq!(other.order_drift[1].erp_id, None);
    }
}
