//! Shadow diff and revert of price-list prices: what a list holds now for the variants a run
//! (or a shadow-mode flow) touched, compared with the intents, or put back where it is still as
//! the run left it.

use super::list_state::ListPrice;
use crate::flow::base::block_on;
use crate::flow::base::revert::RevertReport;
use crate::flow::base::shadow::{missing, Difference};
use crate::shopify::price_lists::{self, FixedPrice, Held, QuantityPricing};
use crate::shopify::ShopifyClient;
use crate::store::{Intent, UndoEntry};
use serde_json::Value;
use std::collections::BTreeMap;

/// What each list holds for the variants of `items` (list gid, variant gid).
async fn read(client: &ShopifyClient, items: &[(String, String)]) -> Result<BTreeMap<(String, String), Held>, String> {
    let mut by_list: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (list, variant) in items {
        by_list.entry(list).or_default().push(variant.clone());
    }
    let mut out = BTreeMap::new();
    for (list, variants) in by_list {
        let held = price_lists::held(client, list, &variants, true).await.map_err(|e| format!("Shopify: {e}"))?;
        for v in variants {
            out.insert((list.to_owned(), v.clone()), held.get(&v).cloned().unwrap_or_default());
        }
    }
    Ok(out)
}

/// `now` as JSON, spelled like `before` or `after` when it is the same state.
fn now_json(now: &Held, before: &Value, after: &Value) -> Value {
    let same = |v: &Value| match (ListPrice::from_json(v), ListPrice::from_held(now)) {
        (Some(want), Some(_)) => want.matches(now, true),
        (None, None) => v.is_null(),
        _ => false,
    };
    if same(after) {
        after.clone()
    } else if same(before) {
        before.clone()
    } else {
        ListPrice::held_json(now)
    }
}

/// The journalled fields of a list price.
const FIELDS: [&str; 4] = ["price", "compare_at_price", "quantity_breaks", "quantity_rule"];

/// Each intended list price field that differs from what its list holds.
pub fn compare(client: &ShopifyClient, intents: &[&Intent]) -> Result<Vec<Difference>, String> {
    let key = |i: &Intent| {
        let list = i.values.get("price_list").and_then(Value::as_str).unwrap_or("").to_owned();
        (list, i.target_id.clone().unwrap_or_default())
    };
    let items: Vec<(String, String)> = intents.iter().map(|i| key(i)).collect();
    let held = block_on(read(client, &items))?;
    let mut out = Vec::new();
    for i in intents {
        let now = held.get(&key(i)).and_then(ListPrice::from_held);
        let want = ListPrice::from_json(&Value::Object(i.values.clone()));
        let (Some(now), Some(want)) = (now, want) else {
            out.push(missing(i));
            continue;
        };
        let actual = now.to_json();
        for field in FIELDS.into_iter().filter(|f| !field_eq(f, &want, &now)) {
            out.push(Difference {
                key: i.key.clone(),
                object: i.object,
                field: field.to_owned(),
                intended: i.values.get(field).cloned().unwrap_or(Value::Null),
                actual: actual[field].clone(),
            });
        }
    }
    Ok(out)
}

/// Whether `a` and `b` agree on `field` (amounts as numbers).
fn field_eq(field: &str, a: &ListPrice, b: &ListPrice) -> bool {
    let mut x = b.clone();
    match field {
        "price" => x.price = a.price.clone(),
        "compare_at_price" => x.compare_at = a.compare_at.clone(),
        "quantity_breaks" => x.breaks = a.breaks.clone(),
        _ => x.rule = a.rule,
    }
    // `x` is `b` with `a`'s field: it matches `b` exactly when the field agrees.
    let held =
        Held { price: Some(b.price.clone()), compare_at: b.compare_at.clone(), breaks: b.breaks.clone(), rule: b.rule };
    x.matches(&held, true)
}

/// Put back the list prices of `entries` still as the run wrote them (dry run: only report). A
/// fixed price the run created is deleted; one it changed gets its price, breaks and rule back.
pub fn revert(client: &ShopifyClient, entries: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let key = |e: &UndoEntry| (e.location.clone().unwrap_or_default(), e.target_id.clone());
    let items: Vec<(String, String)> = entries.iter().map(|e| key(e)).collect();
    let held = block_on(read(client, &items))?;
    let todo =
        report.triage(entries, |e| now_json(&held.get(&key(e)).cloned().unwrap_or_default(), &e.before, &e.after));
    let mut by_list: BTreeMap<String, Vec<(&UndoEntry, crate::flow::base::revert::Change)>> = BTreeMap::new();
    for (e, c) in todo {
        by_list.entry(e.location.clone().unwrap_or_default()).or_default().push((e, c));
    }
    for (list, todo) in by_list {
        let result = if report.dry_run { Ok(()) } else { block_on(restore(client, &list, &todo, &held)) };
        report.settle(todo, &result);
    }
    Ok(())
}

async fn restore(
    client: &ShopifyClient,
    list: &str,
    todo: &[(&UndoEntry, crate::flow::base::revert::Change)],
    held: &BTreeMap<(String, String), Held>,
) -> Result<(), String> {
    let Some(currency) = price_lists::currency(client, list).await.map_err(|e| format!("Shopify: {e}"))? else {
        return Err(format!("price list {list} no longer exists"));
    };
    let mut delete = Vec::new();
    let mut items = Vec::new();
    for (e, _) in todo {
        let now = held.get(&(list.to_owned(), e.target_id.clone())).cloned().unwrap_or_default();
        match ListPrice::from_json(&e.before) {
            None => delete.push(e.target_id.clone()),
            Some(before) => items.push(QuantityPricing {
                price: FixedPrice { variant: e.target_id.clone(), price: before.price, compare_at: before.compare_at },
                breaks: before.breaks,
                rule: before.rule,
                had_rule: now.rule.is_some(),
                had_breaks: !now.breaks.is_empty(),
            }),
        }
    }
    for chunk in delete.chunks(price_lists::MAX_PER_CALL) {
        price_lists::update_fixed(client, list, &currency, &[], chunk).await.map_err(|e| e.to_string())?;
    }
    for chunk in items.chunks(price_lists::MAX_PER_CALL / 10) {
        price_lists::quantity_pricing(client, list, &currency, chunk).await.map_err(|(_, e)| e.to_string())?;
    }
    Ok(())
}
