//! Shopify's documented input limits, on plain values: text of at most 255 characters (product
//! title, handle, vendor, type, tags; variant SKU and barcode; customer names, e-mail and tags),
//! money not negative, below 10^18 and with no more decimals than its currency's minor unit
//! (ISO 4217: USD 2, JPY 0, KWD 3 — Shopify keeps amounts in minor units and would round a finer
//! one), and quantities within ±1,000,000,000. Sources are listed in `tests/shopify-sim/README.md`
//! (the simulator refuses the same inputs).

use iso_currency::Currency;

/// Longest text Shopify keeps in the fields named above.
pub const MAX_TEXT: usize = 255;
/// Bound of an absolute inventory quantity.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// Why a text is refused, if it is.
pub fn text(value: &str) -> Option<String> {
    let n = value.chars().count();
    (n > MAX_TEXT).then(|| format!("is {n} characters long; Shopify keeps at most {MAX_TEXT}"))
}

/// Why an amount in `currency` is refused, if it is.
pub fn money(amount: &str, currency: &str) -> Option<String> {
    let Some(scale) = Currency::from_code(&currency.to_ascii_uppercase()).and_then(|c| c.exponent()) else {
        return Some(format!("currency {currency:?} is not an ISO 4217 currency with minor units"));
    };
    let amount = amount.trim();
    let unsigned = amount.strip_prefix('-').unwrap_or(amount);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Some(format!("{amount:?} is not a decimal amount"));
    }
    let significant = fraction.trim_end_matches('0');
    if amount.starts_with('-') && (whole.bytes().any(|b| b != b'0') || !significant.is_empty()) {
        return Some(format!("{amount} is negative"));
    }
    if whole.trim_start_matches('0').len() > 18 {
        return Some(format!("{amount} is not below 10^18"));
    }
    (significant.len() > usize::from(scale))
        .then(|| format!("{amount} has {} decimals; {currency} amounts have at most {scale}", significant.len()))
}

/// Why a quantity is refused, if it is.
pub fn quantity(n: i64) -> Option<String> {
    (n.abs() > MAX_QUANTITY).then(|| format!("{n} is beyond ±{MAX_QUANTITY}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_refuses_just_past_it() {
        assert_eq!(text(&"é".repeat(255)), None, "characters, not bytes");
        assert!(text(&"a".repeat(256)).is_some());
        assert_eq!(money("19.90", "EUR"), None);
        assert_eq!(money("19.900", "usd"), None, "trailing zeros are not decimals");
        assert!(money("19.9999", "USD").is_some_and(|m| m.contains("at most 2")));
        assert_eq!(money("1500", "JPY"), None);
        assert!(money("1500.5", "JPY").is_some());
        assert_eq!(money("1.125", "KWD"), None);
        assert!(money("-0.01", "USD").is_some());
        assert_eq!(money("-0.00", "USD"), None);
        assert!(money("1e3", "USD").is_some() && money("", "USD").is_some() && money(".5", "USD").is_some());
        assert_eq!(money("999999999999999999.99", "USD"), None);
        assert!(money("1000000000000000000", "USD").is_some());
        assert!(money("1", "XYZ").is_some(), "an unknown currency");
        assert_eq!(quantity(-1_000_000_000), None);
        assert!(quantity(1_000_000_001).is_some());
    }
}
