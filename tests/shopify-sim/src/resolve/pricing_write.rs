//! Prices per market and B2B, write side: `priceListCreate`, `priceListDelete`,
//! `priceListFixedPricesAdd` / `Update` / `Delete`, `quantityPricingByVariantUpdate` (fixed
//! prices, quantity price breaks and quantity rules) and `catalogCreate`. Every mutation checks
//! all of its input first and writes nothing when anything is wrong.

use super::pricing::price_json;
use super::{rel, user_errors};
use crate::store::model::UserError;
use crate::store::money::{parse_cents, parse_rate};
use crate::store::pricing::{Catalog, CatalogContext, FixedPrice, PriceBreak, PriceList, QuantityRule};
use crate::store::{gid, parse_gid, Store};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn list<'a>(v: &'a Json, key: &str) -> Vec<&'a Json> {
    v.get(key).and_then(Json::as_array).map(|l| l.iter().collect()).unwrap_or_default()
}

fn err(field: &[&str], message: &str, code: &str) -> UserError {
    UserError::new(field, message, Some(code))
}

/// A `MoneyInput` in `currency`: Ok(cents), or Err(true) for a currency mismatch, Err(false) for a bad amount.
fn money(v: Option<&Json>, currency: &str) -> Result<i64, bool> {
    let v = v.ok_or(false)?;
    if s(v, "currencyCode") != Some(currency) {
        return Err(true);
    }
    parse_cents(v.get("amount").ok_or(false)?).ok_or(false)
}

/// `priceListCreate(input:)`.
fn create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |e: UserError| json!({"priceList": null, "userErrors": user_errors(&[e])});
    let name = s(&input, "name").unwrap_or("").trim().to_string();
    let currency = s(&input, "currency").unwrap_or("").to_string();
    let adjustment = input.get("parent").and_then(|p| p.get("adjustment")).cloned().unwrap_or(Json::Null);
    let kind = s(&adjustment, "type").unwrap_or("PERCENTAGE_DECREASE").to_string();
    let value = adjustment.get("value").and_then(parse_rate).unwrap_or(0);
    let catalog = s(&input, "catalogId")
        .map(|g| ["Catalog", "MarketCatalog", "CompanyLocationCatalog"].iter().find_map(|k| parse_gid(k, g)));
    let p = &store.pricing;
    if name.is_empty() {
        return fail(err(&["input", "name"], "The input value is blank.", "BLANK"));
    }
    if p.price_lists.values().any(|l| l.name == name) {
        return fail(err(&["input", "name"], "The input value is already taken.", "TAKEN"));
    }
    if !p.currencies().contains(&currency) {
        return fail(err(
            &["input", "currency"],
            "The price list currency is not supported by the shop's payment gateway.",
            "CURRENCY_NOT_SUPPORTED",
        ));
    }
    if value < 0 || (kind == "PERCENTAGE_DECREASE" && value > 100_000_000) {
        return fail(err(
            &["input", "parent", "adjustment", "value"],
            "The adjustment value must not be greater than 100% for `type` `PERCENTAGE_DECREASE`.",
            "INVALID_ADJUSTMENT_MIN_VALUE",
        ));
    }
    if kind == "PERCENTAGE_INCREASE" && value > 1_000_000_000 {
        return fail(err(
            &["input", "parent", "adjustment", "value"],
            "The adjustment value must not be greater than 1000% for `type` `PERCENTAGE_INCREASE`.",
            "INVALID_ADJUSTMENT_MAX_VALUE",
        ));
    }
    let catalog_id = match catalog {
        None => None,
        Some(found) => {
            let Some(c) = found.and_then(|id| p.catalogs.get(&id)) else {
                return fail(err(
                    &["input", "catalogId"],
                    "The specified catalog does not exist.",
                    "CATALOG_DOES_NOT_EXIST",
                ));
            };
            if c.price_list_id.is_some() {
                return fail(err(
                    &["input", "catalogId"],
                    "Catalog has a price list already assigned.",
                    "CATALOG_TAKEN",
                ));
            }
            if let CatalogContext::Markets(ids) = &c.context {
                if ids.iter().filter_map(|id| p.markets.get(id)).any(|m| m.currency != currency) {
                    return fail(err(
                        &["input", "currency"],
                        "The price list currency must match the market catalog currency.",
                        "CATALOG_MARKET_AND_PRICE_LIST_CURRENCY_MISMATCH",
                    ));
                }
            }
            Some(c.id)
        }
    };
    let id = store.next_id();
    let compare_at_mode = input
        .get("parent")
        .and_then(|p| p.get("settings"))
        .and_then(|x| s(x, "compareAtMode"))
        .unwrap_or("ADJUSTED")
        .to_string();
    let list = PriceList {
        id,
        name,
        currency,
        adjustment_type: kind,
        adjustment_value: value,
        compare_at_mode,
        catalog_id,
        fixed: BTreeMap::new(),
        rules: BTreeMap::new(),
    };
    store.pricing.price_lists.insert(id, list);
    if let Some(c) = catalog_id.and_then(|c| store.pricing.catalogs.get_mut(&c)) {
        c.price_list_id = Some(id);
    }
    json!({"priceList": rel("PriceList", id), "userErrors": []})
}

/// `priceListDelete(id:)`.
fn delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let raw = a.get("id").and_then(Json::as_str).unwrap_or("").to_string();
    match parse_gid("PriceList", &raw).and_then(|id| store.pricing.price_lists.remove(&id)) {
        Some(l) => {
            for c in store.pricing.catalogs.values_mut().filter(|c| c.price_list_id == Some(l.id)) {
                c.price_list_id = None;
            }
            json!({"deletedId": raw, "userErrors": []})
        }
        None => {
            json!({"deletedId": null, "userErrors": user_errors(&[err(&["id"], "The specified price list doesn't exist.", "PRICE_LIST_NOT_FOUND")])})
        }
    }
}

/// Checks `PriceListPriceInput`s against a list: the variant and its (fixed price, compare-at),
/// or the first user error (`not_found` and `mismatch` are the codes of the mutation at hand).
fn read_prices(
    store: &Store,
    p: &PriceList,
    prices: &[&Json],
    path: &[&str],
    not_found: &str,
    mismatch: &str,
) -> Result<Vec<(u64, i64, Option<i64>)>, UserError> {
    let mut out = Vec::new();
    for (i, price) in prices.iter().enumerate() {
        let idx = i.to_string();
        let at = |f: &str, message: &str, code: &str| {
            let field = path.iter().map(|x| x.to_string()).chain([idx.clone(), f.to_string()]).collect();
            UserError { field: Some(field), message: message.to_string(), code: Some(code.to_string()) }
        };
        let Some(variant) = variant_of(store, price) else {
            return Err(at("variantId", "The specified product variant doesn't exist.", not_found));
        };
        let amount = money(price.get("price"), &p.currency);
        let compare_at =
            price.get("compareAtPrice").filter(|c| !c.is_null()).map(|c| money(Some(c), &p.currency)).transpose();
        match (amount, compare_at) {
            (Ok(a), Ok(c)) => out.push((variant, a, c)),
            (Err(true), _) | (_, Err(true)) => {
                return Err(at("price", "The specified currency doesn't match the price list's currency.", mismatch))
            }
            _ => return Err(at("price", "The price is not a decimal amount.", "BLANK")),
        }
    }
    Ok(out)
}

fn set_prices(p: &mut PriceList, prices: &[(u64, i64, Option<i64>)]) {
    for (variant, price, compare_at) in prices {
        let breaks = p.fixed.remove(variant).map(|f| f.breaks).unwrap_or_default();
        p.fixed.insert(*variant, FixedPrice { price: *price, compare_at: *compare_at, breaks });
    }
}

fn price_list_of(store: &Store, a: &Map<String, Json>) -> Option<u64> {
    a.get("priceListId")
        .and_then(Json::as_str)
        .and_then(|g| parse_gid("PriceList", g))
        .filter(|id| store.pricing.price_lists.contains_key(id))
}

/// The variant ids of a list of gids; Err(index) for the first that is no variant.
fn variant_ids(store: &Store, raw: &[&Json]) -> Result<Vec<u64>, usize> {
    raw.iter()
        .enumerate()
        .map(|(i, g)| {
            g.as_str().and_then(|g| parse_gid("ProductVariant", g)).filter(|v| store.variants.contains_key(v)).ok_or(i)
        })
        .collect()
}

/// `priceListFixedPricesAdd`, `priceListFixedPricesUpdate` and `priceListFixedPricesDelete`.
fn fixed_prices(store: &mut Store, name: &str, a: &Map<String, Json>) -> Json {
    let args = Json::Object(a.clone());
    let (adds_key, deletes_key) = match name {
        "priceListFixedPricesAdd" => (Some("prices"), None),
        "priceListFixedPricesUpdate" => (Some("pricesToAdd"), Some("variantIdsToDelete")),
        _ => (None, Some("variantIds")),
    };
    let fail = |e: UserError| json!({"prices": null, "pricesAdded": null, "priceList": null, "deletedFixedPriceVariantIds": null, "userErrors": user_errors(&[e])});
    let Some(list_id) = price_list_of(store, a) else {
        return fail(err(&["priceListId"], "The price list doesn't exist.", "PRICE_LIST_NOT_FOUND"));
    };
    let p = &store.pricing.price_lists[&list_id];
    let adds = match adds_key
        .map(|k| read_prices(store, p, &list(&args, k), &[k], "VARIANT_NOT_FOUND", "PRICE_LIST_CURRENCY_MISMATCH"))
    {
        Some(Err(e)) => return fail(e),
        Some(Ok(adds)) => adds,
        None => Vec::new(),
    };
    let deletes = match deletes_key.map(|k| (k, variant_ids(store, &list(&args, k)))) {
        Some((k, Err(i))) => {
            return fail(err(
                &[k, &i.to_string()],
                "A fixed price for the specified product variant doesn't exist.",
                "VARIANT_NOT_FOUND",
            ))
        }
        Some((k, Ok(ids))) => match ids.iter().position(|v| !p.fixed.contains_key(v)) {
            Some(i) => return fail(err(&[k, &i.to_string()], "Only fixed prices can be deleted.", "PRICE_NOT_FIXED")),
            None => ids,
        },
        None => Vec::new(),
    };
    if let Some(p) = store.pricing.price_lists.get_mut(&list_id) {
        for v in &deletes {
            p.fixed.remove(v);
        }
        set_prices(p, &adds);
    }
    let p = &store.pricing.price_lists[&list_id];
    let added: Vec<Json> = adds.iter().filter_map(|(v, _, _)| price_json(store, p, *v)).collect();
    let deleted: Vec<String> = deletes.iter().map(|v| gid("ProductVariant", *v)).collect();
    match name {
        "priceListFixedPricesAdd" => json!({"prices": added, "userErrors": []}),
        "priceListFixedPricesUpdate" => {
            json!({"pricesAdded": added, "deletedFixedPriceVariantIds": deleted, "priceList": rel("PriceList", list_id), "userErrors": []})
        }
        _ => json!({"deletedFixedPriceVariantIds": deleted, "userErrors": []}),
    }
}

/// Checks a quantity rule; the error code of the first thing wrong.
fn rule_problem(r: &QuantityRule) -> Option<(&'static str, &'static str)> {
    let max = r.maximum.unwrap_or(r.minimum.max(r.increment));
    [
        (r.minimum < 1, ("minimum", "QUANTITY_RULE_ADD_MINIMUM_IS_LESS_THAN_ONE")),
        (r.increment < 1, ("increment", "QUANTITY_RULE_ADD_INCREMENT_IS_LESS_THAN_ONE")),
        (max < 1, ("maximum", "QUANTITY_RULE_ADD_MAXIMUM_IS_LESS_THAN_ONE")),
        (r.increment > r.minimum, ("increment", "QUANTITY_RULE_ADD_INCREMENT_IS_GREATER_THAN_MINIMUM")),
        (r.minimum > max, ("minimum", "QUANTITY_RULE_ADD_MINIMUM_GREATER_THAN_MAXIMUM")),
        (
            r.increment > 0 && r.minimum % r.increment != 0,
            ("minimum", "QUANTITY_RULE_ADD_MINIMUM_NOT_A_MULTIPLE_OF_INCREMENT"),
        ),
        (
            r.increment > 0 && max % r.increment != 0,
            ("maximum", "QUANTITY_RULE_ADD_MAXIMUM_NOT_A_MULTIPLE_OF_INCREMENT"),
        ),
    ]
    .into_iter()
    .find_map(|(bad, what)| bad.then_some(what))
}

/// The schema's description of a `QuantityPricingByVariantUserErrorCode`, used as its message.
fn quantity_pricing_message(code: &str) -> &'static str {
    match code {
        "PRICE_LIST_NOT_FOUND" => "Price List does not exist.",
        "PRICE_DELETE_VARIANT_NOT_FOUND" => "Fixed price's variant not found.",
        "PRICE_DELETE_PRICE_NOT_FIXED" => "Price is not fixed.",
        "PRICE_ADD_DUPLICATE_INPUT_FOR_VARIANT" => "Prices to add inputs must be unique by variant id.",
        "QUANTITY_RULE_DELETE_VARIANT_NOT_FOUND" => "Quantity rule variant not found.",
        "QUANTITY_RULE_DELETE_RULE_NOT_FOUND" => "Quantity rule not found.",
        "QUANTITY_PRICE_BREAK_DELETE_BY_VARIANT_ID_VARIANT_NOT_FOUND" => "Variant to delete by is not found.",
        "QUANTITY_PRICE_BREAK_DELETE_NOT_FOUND" => "Quantity price break not found.",
        "QUANTITY_RULE_ADD_VARIANT_NOT_FOUND" => "Quantity rule variant not found.",
        "QUANTITY_RULE_ADD_DUPLICATE_INPUT_FOR_VARIANT" => "Quantity rules to add inputs must be unique by variant id.",
        "QUANTITY_RULE_ADD_CATALOG_CONTEXT_NOT_SUPPORTED" => "Quantity rule catalog context not supported.",
        "QUANTITY_RULE_ADD_MINIMUM_IS_LESS_THAN_ONE" => "Quantity rule minimum is less than one.",
        "QUANTITY_RULE_ADD_INCREMENT_IS_LESS_THAN_ONE" => "Quantity rule increment is less than one.",
        "QUANTITY_RULE_ADD_MAXIMUM_IS_LESS_THAN_ONE" => "Quantity rule maximum is less than one.",
        "QUANTITY_RULE_ADD_INCREMENT_IS_GREATER_THAN_MINIMUM" => "Quantity rule increment is greater than minimum.",
        "QUANTITY_RULE_ADD_MINIMUM_GREATER_THAN_MAXIMUM" => "Quantity rule minimum is greater than maximum.",
        "QUANTITY_RULE_ADD_MINIMUM_NOT_A_MULTIPLE_OF_INCREMENT" => {
            "Quantity rule minimum is not a multiple of increment."
        }
        "QUANTITY_RULE_ADD_MAXIMUM_NOT_A_MULTIPLE_OF_INCREMENT" => {
            "Quantity rule maximum is not a multiple of increment."
        }
        "QUANTITY_PRICE_BREAK_ADD_VARIANT_NOT_FOUND" => "Quantity price break variant not found.",
        "QUANTITY_PRICE_BREAK_ADD_CURRENCY_MISMATCH" => "Price list and quantity price break currency mismatch.",
        "QUANTITY_PRICE_BREAK_ADD_DUPLICATE_INPUT_FOR_VARIANT_AND_MIN" => {
            "Quantity price breaks to add inputs must be unique by variant id and minimum quantity."
        }
        "QUANTITY_PRICE_BREAK_ADD_MIN_LOWER_THAN_QUANTITY_RULES_MIN" => {
            "Quantity price break miniumum is less than the quantity rule minimum."
        }
        "QUANTITY_PRICE_BREAK_ADD_MIN_HIGHER_THAN_QUANTITY_RULES_MAX" => {
            "Quantity price break miniumum is higher than the quantity rule maximum."
        }
        "QUANTITY_PRICE_BREAK_ADD_MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT" => {
            "Quantity price break miniumum is not multiple of the quantity rule increment."
        }
        "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND" => "Quantity price break's fixed price not found.",
        _ => "Invalid quantity price break.",
    }
}

fn variant_of(store: &Store, v: &Json) -> Option<u64> {
    s(v, "variantId").and_then(|g| parse_gid("ProductVariant", g)).filter(|v| store.variants.contains_key(v))
}

/// Applies the deletions and additions of a `QuantityPricingByVariantUpdateInput` to a copy of
/// the list; the changed variants, or the first problem as (field, code).
fn quantity_pricing_apply(
    store: &mut Store,
    p: &mut PriceList,
    input: &Json,
    b2b: bool,
) -> Result<Vec<u64>, (Vec<String>, String)> {
    let at = |key: &str, i: usize, f: Option<&str>| {
        ["input", key]
            .iter()
            .map(|x| x.to_string())
            .chain([i.to_string()])
            .chain(f.map(str::to_string))
            .collect::<Vec<_>>()
    };
    let fail = |field: Vec<String>, code: &str| Err((field, code.to_string()));
    let mut touched = Vec::new();
    let deletions = [
        ("pricesToDeleteByVariantId", "PRICE_DELETE_VARIANT_NOT_FOUND", Some("PRICE_DELETE_PRICE_NOT_FIXED")),
        (
            "quantityRulesToDeleteByVariantId",
            "QUANTITY_RULE_DELETE_VARIANT_NOT_FOUND",
            Some("QUANTITY_RULE_DELETE_RULE_NOT_FOUND"),
        ),
        ("quantityPriceBreaksToDeleteByVariantId", "QUANTITY_PRICE_BREAK_DELETE_BY_VARIANT_ID_VARIANT_NOT_FOUND", None),
    ];
    for (key, missing, absent) in deletions {
        let ids = match variant_ids(store, &list(input, key)) {
            Ok(ids) => ids,
            Err(i) => return fail(at(key, i, None), missing),
        };
        for (i, v) in ids.into_iter().enumerate() {
            let existed = match key {
                "pricesToDeleteByVariantId" => p.fixed.remove(&v).is_some(),
                "quantityRulesToDeleteByVariantId" => p.rules.remove(&v).is_some(),
                _ => {
                    if let Some(f) = p.fixed.get_mut(&v) {
                        f.breaks.clear();
                    }
                    true
                }
            };
            if let (false, Some(code)) = (existed, absent) {
                return fail(at(key, i, None), code);
            }
            touched.push(v);
        }
    }
    for (i, raw) in list(input, "quantityPriceBreaksToDelete").into_iter().enumerate() {
        let id = raw.as_str().and_then(|g| parse_gid("QuantityPriceBreak", g));
        match p.fixed.values_mut().find(|f| f.breaks.iter().any(|b| Some(b.id) == id)) {
            Some(f) => f.breaks.retain(|b| Some(b.id) != id),
            None => return fail(at("quantityPriceBreaksToDelete", i, None), "QUANTITY_PRICE_BREAK_DELETE_NOT_FOUND"),
        }
    }
    let adds = read_prices(
        store,
        p,
        &list(input, "pricesToAdd"),
        &["input", "pricesToAdd"],
        "PRICE_ADD_VARIANT_NOT_FOUND",
        "PRICE_ADD_CURRENCY_MISMATCH",
    )
    .map_err(|e| (e.field.unwrap_or_default(), e.code.unwrap_or_default()))?;
    for (i, (v, _, _)) in adds.iter().enumerate() {
        if adds[..i].iter().any(|(w, _, _)| w == v) {
            return fail(at("pricesToAdd", i, Some("variantId")), "PRICE_ADD_DUPLICATE_INPUT_FOR_VARIANT");
        }
        touched.push(*v);
    }
    set_prices(p, &adds);
    let mut ruled = Vec::new();
    for (i, r) in list(input, "quantityRulesToAdd").into_iter().enumerate() {
        let Some(v) = variant_of(store, r) else {
            return fail(at("quantityRulesToAdd", i, Some("variantId")), "QUANTITY_RULE_ADD_VARIANT_NOT_FOUND");
        };
        if ruled.contains(&v) {
            return fail(
                at("quantityRulesToAdd", i, Some("variantId")),
                "QUANTITY_RULE_ADD_DUPLICATE_INPUT_FOR_VARIANT",
            );
        }
        if !b2b {
            return fail(
                at("quantityRulesToAdd", i, Some("variantId")),
                "QUANTITY_RULE_ADD_CATALOG_CONTEXT_NOT_SUPPORTED",
            );
        }
        let int = |k: &str| r.get(k).and_then(Json::as_i64);
        let rule = QuantityRule {
            minimum: int("minimum").unwrap_or(0),
            maximum: int("maximum"),
            increment: int("increment").unwrap_or(0),
        };
        if let Some((field, code)) = rule_problem(&rule) {
            return fail(at("quantityRulesToAdd", i, Some(field)), code);
        }
        p.rules.insert(v, rule);
        ruled.push(v);
        touched.push(v);
    }
    let mut added_breaks: Vec<(u64, i64)> = Vec::new();
    for (i, b) in list(input, "quantityPriceBreaksToAdd").into_iter().enumerate() {
        let here = |f: &str| at("quantityPriceBreaksToAdd", i, Some(f));
        let Some(v) = variant_of(store, b) else {
            return fail(here("variantId"), "QUANTITY_PRICE_BREAK_ADD_VARIANT_NOT_FOUND");
        };
        let minimum = b.get("minimumQuantity").and_then(Json::as_i64).unwrap_or(0);
        let price = match money(b.get("price"), &p.currency) {
            Ok(c) => c,
            Err(true) => return fail(here("price"), "QUANTITY_PRICE_BREAK_ADD_CURRENCY_MISMATCH"),
            Err(false) => return fail(here("price"), "QUANTITY_PRICE_BREAK_ADD_INVALID"),
        };
        if minimum < 1 {
            return fail(here("minimumQuantity"), "QUANTITY_PRICE_BREAK_ADD_INVALID");
        }
        if added_breaks.contains(&(v, minimum)) {
            return fail(here("minimumQuantity"), "QUANTITY_PRICE_BREAK_ADD_DUPLICATE_INPUT_FOR_VARIANT_AND_MIN");
        }
        if let Some(r) = p.rules.get(&v) {
            let problems = [
                (minimum < r.minimum, "QUANTITY_PRICE_BREAK_ADD_MIN_LOWER_THAN_QUANTITY_RULES_MIN"),
                (r.maximum.is_some_and(|m| minimum > m), "QUANTITY_PRICE_BREAK_ADD_MIN_HIGHER_THAN_QUANTITY_RULES_MAX"),
                (
                    minimum % r.increment.max(1) != 0,
                    "QUANTITY_PRICE_BREAK_ADD_MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT",
                ),
            ];
            if let Some((_, code)) = problems.into_iter().find(|(bad, _)| *bad) {
                return fail(here("minimumQuantity"), code);
            }
        }
        let id = store.next_id();
        let Some(fixed) = p.fixed.get_mut(&v) else {
            return fail(here("variantId"), "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND");
        };
        fixed.breaks.retain(|x| x.minimum != minimum);
        fixed.breaks.push(PriceBreak { id, minimum, price });
        fixed.breaks.sort_by_key(|x| x.minimum);
        added_breaks.push((v, minimum));
        touched.push(v);
    }
    touched.sort();
    touched.dedup();
    Ok(touched)
}

/// `quantityPricingByVariantUpdate(priceListId:, input:)`: deletions, then fixed prices, quantity
/// rules and price breaks to add, checked as a whole against the list as it would be.
fn quantity_pricing(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |field: Vec<String>, code: String| {
        let e =
            UserError { field: Some(field), message: quantity_pricing_message(&code).to_string(), code: Some(code) };
        json!({"productVariants": null, "userErrors": user_errors(&[e])})
    };
    let Some(list_id) = price_list_of(store, a) else {
        return fail(vec!["priceListId".into()], "PRICE_LIST_NOT_FOUND".into());
    };
    let mut p = store.pricing.price_lists[&list_id].clone();
    let b2b = p
        .catalog_id
        .and_then(|c| store.pricing.catalogs.get(&c))
        .is_some_and(|c| matches!(c.context, CatalogContext::CompanyLocations(_)));
    match quantity_pricing_apply(store, &mut p, &input, b2b) {
        Ok(touched) => {
            store.pricing.price_lists.insert(list_id, p);
            json!({"productVariants": touched.iter().map(|v| rel("ProductVariant", *v)).collect::<Vec<_>>(), "userErrors": []})
        }
        Err((field, code)) => fail(field, code),
    }
}

/// `catalogCreate(input: {title, status, context, priceListId})`.
fn catalog_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let fail = |e: UserError| json!({"catalog": null, "userErrors": user_errors(&[e])});
    let context = input.get("context").cloned().unwrap_or(Json::Null);
    let ids = |key: &str, kind: &str| -> Option<Vec<Option<u64>>> {
        context
            .get(key)
            .and_then(Json::as_array)
            .map(|l| l.iter().map(|g| g.as_str().and_then(|g| parse_gid(kind, g))).collect())
    };
    let p = &store.pricing;
    let title = s(&input, "title").unwrap_or("").trim().to_string();
    if title.is_empty() {
        return fail(err(&["input", "title"], "The input value is blank.", "BLANK"));
    }
    let context = match (ids("marketIds", "Market"), ids("companyLocationIds", "CompanyLocation")) {
        (Some(m), None) if m.iter().all(|id| id.is_some_and(|id| p.markets.contains_key(&id))) => {
            CatalogContext::Markets(m.into_iter().flatten().collect())
        }
        (Some(_), None) => {
            return fail(err(&["input", "context", "marketIds"], "Market not found.", "MARKET_NOT_FOUND"))
        }
        (None, Some(l)) if l.iter().all(|id| id.is_some_and(|id| p.company_locations.contains_key(&id))) => {
            CatalogContext::CompanyLocations(l.into_iter().flatten().collect())
        }
        (None, Some(_)) => {
            return fail(err(
                &["input", "context", "companyLocationIds"],
                "The company location could not be found.",
                "COMPANY_LOCATION_NOT_FOUND",
            ))
        }
        _ => {
            return fail(err(
                &["input", "context"],
                "Must provide exactly one context type.",
                "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE",
            ))
        }
    };
    let price_list =
        match s(&input, "priceListId").map(|g| parse_gid("PriceList", g).and_then(|id| p.price_lists.get(&id))) {
            Some(None) => return fail(err(&["input", "priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND")),
            Some(Some(l)) => Some((l.id, l.currency.clone())),
            None => None,
        };
    if let (CatalogContext::Markets(ids), Some((_, currency))) = (&context, &price_list) {
        if ids.iter().filter_map(|id| p.markets.get(id)).any(|m| &m.currency != currency) {
            return fail(err(
                &["input", "priceListId"],
                "The catalog's market and price list currencies do not match.",
                "MARKET_AND_PRICE_LIST_CURRENCY_MISMATCH",
            ));
        }
    }
    let id = store.next_id();
    let status = s(&input, "status").unwrap_or("ACTIVE").to_string();
    let price_list_id = price_list.map(|(l, _)| l);
    store.pricing.catalogs.insert(id, Catalog { id, title, status, context, price_list_id });
    if let Some(l) = price_list_id.and_then(|l| store.pricing.price_lists.get_mut(&l)) {
        l.catalog_id = Some(id);
    }
    json!({"catalog": rel("Catalog", id), "userErrors": []})
}

/// The price-list and catalog mutations by root field name.
pub fn dispatch(store: &mut Store, name: &str, a: &Map<String, Json>) -> Option<Json> {
    Some(match name {
        "priceListCreate" => create(store, a),
        "priceListDelete" => delete(store, a),
        "priceListFixedPricesAdd" | "priceListFixedPricesUpdate" | "priceListFixedPricesDelete" => {
            fixed_prices(store, name, a)
        }
        "quantityPricingByVariantUpdate" => quantity_pricing(store, a),
        "catalogCreate" => catalog_create(store, a),
        _ => return None,
    })
}
