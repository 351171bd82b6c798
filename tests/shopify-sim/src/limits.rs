//! Shopify's documented input limits, checked before a mutation writes anything, with the
//! userErrors (field path, message, code) Shopify gives. Sources:
//! - text fields of 255 characters (product title, handle, vendor, product type, tags, variant SKU
//!   and barcode; customer names and e-mail): the store migration data dictionary
//!   (<https://help.shopify.com/en/partners/building-stores-for-merchants/data-dictionary>, `varchar(255)`),
//!   the schema (`CustomerInput.tags`: "up to 250 tags. Each tag can have up to 255 characters";
//!   barcode "must be 255 characters or less"), <https://matrixify.app/documentation/shopify-limits/>;
//! - input arrays of at most 250 elements (<https://shopify.dev/docs/api/usage/limits>), except
//!   `productSet` variants: 2048 per product
//!   (<https://shopify.dev/changelog/the-product-variant-limit-is-now-2048-for-all-merchants>);
//! - 3 product options (`ProductSetInput.productOptions`: "maximum of 3 per product");
//! - inventory quantities: set within ±1,000,000,000, adjust by at most ±2,000,000,000 (schema:
//!   `InventorySetQuantitiesUserErrorCode`, `InventoryAdjustQuantitiesUserErrorCode`);
//! - money: not negative, below 10^18 (Shopify: "Price must be less than 1000000000000000000"), and no
//!   more decimals than the currency's minor unit (ISO 4217: USD 2, JPY 0, KWD 3). Shopify stores
//!   amounts in minor units; the simulator refuses a finer amount instead of rounding it silently.

use crate::store::model::UserError;
use serde_json::Value as Json;

/// Longest text in the fields named above.
pub const MAX_TEXT: usize = 255;

/// Longest input array (most mutations).
pub const MAX_INPUT_ARRAY: usize = 250;

/// Most variants a product has, and so `productSet` takes.
pub const MAX_VARIANTS: usize = 2048;

/// Most options a product has.
pub const MAX_OPTIONS: usize = 3;

/// Bound of an absolute quantity (`inventorySetQuantities`, `productSet` inventory quantities).
pub const SET_QUANTITY_LIMIT: i64 = 1_000_000_000;

/// Bound of a quantity change (`inventoryAdjustQuantities`).
pub const ADJUST_QUANTITY_LIMIT: i64 = 2_000_000_000;

/// Currencies without minor units (ISO 4217 exponent 0).
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
    "XPF",
];

/// Currencies with three decimals (ISO 4217 exponent 3).
const THREE_DECIMAL: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// The largest input array at `path` of mutation `mutation`.
pub fn input_array_limit(mutation: &str, path: &[String]) -> usize {
    match (mutation, path) {
        ("productSet", [input, variants]) if input == "input" && variants == "variants" => MAX_VARIANTS,
        _ => MAX_INPUT_ARRAY,
    }
}

/// Decimals a currency's amounts carry.
fn minor_units(currency: &str) -> usize {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else if THREE_DECIMAL.contains(&currency) {
        3
    } else {
        2
    }
}

/// A money amount as text (`Money`/`Decimal` inputs arrive as strings or numbers).
pub fn amount_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What is wrong with a money amount labelled `label` in `currency`, if anything.
pub fn money_problem(label: &str, amount: &str, currency: &str) -> Option<String> {
    let unsigned = amount.strip_prefix('-').unwrap_or(amount);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Some(format!("{label} is not a number"));
    }
    if amount.starts_with('-')
        && (!whole.trim_start_matches('0').is_empty() || !fraction.trim_end_matches('0').is_empty())
    {
        return Some(format!("{label} must be greater than or equal to 0"));
    }
    // 10^18 is the smallest whole part of 19 significant digits.
    if whole.trim_start_matches('0').len() >= 19 {
        return Some(format!("{label} must be less than 1000000000000000000"));
    }
    let scale = minor_units(currency);
    (fraction.trim_end_matches('0').len() > scale)
        .then(|| format!("{label} must have at most {scale} decimal places in {currency}"))
}

/// `"{label} is too long (maximum is 255 characters)"` when `value` is longer than 255 characters.
pub fn too_long(label: &str, value: &str) -> Option<String> {
    (value.chars().count() > MAX_TEXT).then(|| format!("{label} is too long (maximum is {MAX_TEXT} characters)"))
}

fn text<'a>(input: &'a Json, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Json::as_str)
}

fn path(prefix: &[&str], rest: &[&str]) -> Vec<String> {
    prefix.iter().chain(rest).map(|s| s.to_string()).collect()
}

fn error(field: Vec<String>, message: String, code: Option<&str>) -> UserError {
    UserError { field: Some(field), message, code: code.map(str::to_string) }
}

/// Problems with the price fields, SKU, barcode and option value names of one variant input at `at`.
fn variant_problems(v: &Json, at: &[&str], currency: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for (key, label) in [("price", "Price"), ("compareAtPrice", "Compare at price")] {
        if let Some(problem) = v.get(key).and_then(amount_text).and_then(|a| money_problem(label, &a, currency)) {
            out.push((path(at, &[key]), problem));
        }
    }
    let sku = text(v, "sku").map(|s| (path(at, &["sku"]), s)).or_else(|| {
        v.get("inventoryItem").and_then(|i| text(i, "sku")).map(|s| (path(at, &["inventoryItem", "sku"]), s))
    });
    if let Some((field, problem)) = sku.and_then(|(field, s)| too_long("SKU", s).map(|p| (field, p))) {
        out.push((field, problem));
    }
    if let Some(problem) = text(v, "barcode").and_then(|b| too_long("Barcode", b)) {
        out.push((path(at, &["barcode"]), problem));
    }
    for (j, ov) in v.get("optionValues").and_then(Json::as_array).into_iter().flatten().enumerate() {
        if text(ov, "name").is_some_and(|n| n.chars().count() > MAX_TEXT) {
            out.push((
                path(at, &["optionValues", &j.to_string(), "name"]),
                "Option value name is too long".to_string(),
            ));
        }
    }
    out
}

/// `productSet(input:)` limits: product text fields and tags (code null, as Shopify reports
/// product validation), and per variant (`INVALID_VARIANT`) prices, SKU, barcode, option values and
/// inventory quantities.
pub fn product_set(input: &Json, currency: &str) -> Vec<UserError> {
    let mut errors = Vec::new();
    for (key, label) in
        [("title", "Title"), ("handle", "Handle"), ("vendor", "Vendor"), ("productType", "Product type")]
    {
        if let Some(problem) = text(input, key).and_then(|v| too_long(label, v)) {
            errors.push(error(path(&["input"], &[key]), problem, None));
        }
    }
    if input
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .any(|t| t.trim().chars().count() > MAX_TEXT)
    {
        errors.push(error(path(&["input"], &["tags"]), "Product tags is invalid".to_string(), None));
    }
    for (i, v) in input.get("variants").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let idx = i.to_string();
        let at = ["input", "variants", idx.as_str()];
        errors.extend(
            variant_problems(v, &at, currency)
                .into_iter()
                .map(|(field, message)| error(field, message, Some("INVALID_VARIANT"))),
        );
        for (j, q) in v.get("inventoryQuantities").and_then(Json::as_array).into_iter().flatten().enumerate() {
            let quantity = q.get("quantity").and_then(Json::as_i64).unwrap_or(0);
            if quantity.abs() > SET_QUANTITY_LIMIT {
                let message = if quantity > 0 {
                    "The quantity can't be higher than 1,000,000,000."
                } else {
                    "The quantity can't be lower than -1,000,000,000."
                };
                errors.push(error(
                    path(&at, &["inventoryQuantities", &j.to_string(), "quantity"]),
                    message.to_string(),
                    Some("INVALID_VARIANT"),
                ));
            }
        }
    }
    errors
}

/// `productVariantsBulkUpdate(variants:)` limits, with that mutation's codes.
pub fn variants_bulk(inputs: &[Json], currency: &str) -> Vec<UserError> {
    let mut errors = Vec::new();
    for (i, v) in inputs.iter().enumerate() {
        let idx = i.to_string();
        for (field, message) in variant_problems(v, &["variants", idx.as_str()], currency) {
            let code = if message.contains("greater than or equal to 0") {
                "NEGATIVE_PRICE_VALUE"
            } else if message.contains("too long") {
                "TOO_LONG"
            } else {
                "INVALID_INPUT"
            };
            errors.push(error(field, message, Some(code)));
        }
    }
    errors
}

/// `orderCreate(order:)` limits: amounts in their currency's minor units, tags of 255 characters.
pub fn order_create(order: &Json) -> Vec<UserError> {
    let mut errors = Vec::new();
    let mut check = |bag: Option<&Json>, at: Vec<String>| {
        let money = bag.and_then(|b| b.get("shopMoney"));
        let currency = money.and_then(|m| text(m, "currencyCode")).unwrap_or("USD");
        if let Some(problem) = money
            .and_then(|m| m.get("amount"))
            .and_then(amount_text)
            .and_then(|a| money_problem("Amount", &a, currency))
        {
            errors.push(error(
                at.into_iter().chain(["shopMoney".to_string(), "amount".to_string()]).collect(),
                problem,
                Some("INVALID"),
            ));
        }
    };
    for (i, line) in order.get("lineItems").and_then(Json::as_array).into_iter().flatten().enumerate() {
        check(line.get("priceSet"), path(&["order", "lineItems", &i.to_string()], &["priceSet"]));
    }
    for (i, tx) in order.get("transactions").and_then(Json::as_array).into_iter().flatten().enumerate() {
        check(tx.get("amountSet"), path(&["order", "transactions", &i.to_string()], &["amountSet"]));
    }
    if order
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .any(|t| t.chars().count() > MAX_TEXT)
    {
        errors.push(error(
            path(&["order"], &["tags"]),
            "Tags is too long (maximum is 255 characters)".to_string(),
            Some("INVALID"),
        ));
    }
    errors
}

/// `customerSet` / `customerCreate` limits on the input at `prefix` (`TOO_LONG`; `code` None for
/// `customerCreate`, whose UserError has no code).
pub fn customer(input: &Json, prefix: &[&str], coded: bool) -> Vec<UserError> {
    let code = coded.then_some("TOO_LONG");
    let mut errors = Vec::new();
    for (key, label) in [("firstName", "First name"), ("lastName", "Last name"), ("email", "Email")] {
        if let Some(problem) = text(input, key).and_then(|v| too_long(label, v)) {
            errors.push(error(path(prefix, &[key]), problem, code));
        }
    }
    if input
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .any(|t| t.chars().count() > MAX_TEXT)
    {
        errors.push(error(path(prefix, &["tags"]), "Tags is too long (maximum is 255 characters)".to_string(), code));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_follows_the_currency_minor_unit() {
        assert_eq!(money_problem("Price", "19.99", "USD"), None);
        assert_eq!(money_problem("Price", "19.990", "USD"), None);
        assert!(money_problem("Price", "19.9999", "USD").is_some_and(|p| p.contains("at most 2 decimal places")));
        assert_eq!(money_problem("Price", "1500", "JPY"), None);
        assert!(money_problem("Price", "1500.5", "JPY").is_some());
        assert_eq!(money_problem("Price", "1.125", "KWD"), None);
        assert_eq!(money_problem("Price", "-1", "USD").as_deref(), Some("Price must be greater than or equal to 0"));
        assert_eq!(money_problem("Price", "abc", "USD").as_deref(), Some("Price is not a number"));
        assert!(money_problem("Price", "1000000000000000000", "USD").is_some());
        assert_eq!(money_problem("Price", "999999999999999999", "USD"), None);
    }
}
