//! Exact money: amounts in cents in the shop and the presentment currency ([`Bag`]), decimal
//! parsing without floats, rates, and splitting an amount across parts to the cent.

use super::model::cents_to_money;
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// Parts per million: the scale of rates (`0.19` is 190,000).
pub const RATE_SCALE: i64 = 1_000_000;

/// An amount in the shop currency and in the presentment currency, in cents (a `MoneyBag`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bag {
    pub shop: i64,
    pub presentment: i64,
}

impl Bag {
    /// The same amount in both currencies (shop currency = presentment currency).
    pub fn same(cents: i64) -> Bag {
        Bag { shop: cents, presentment: cents }
    }

    /// Applies `f` to each currency's amount.
    pub fn map(self, f: impl Fn(i64) -> i64) -> Bag {
        Bag { shop: f(self.shop), presentment: f(self.presentment) }
    }

    /// Both amounts times `numerator / denominator`, rounded half away from zero.
    pub fn scale(self, numerator: i64, denominator: i64) -> Bag {
        self.map(|c| div_round(c as i128 * numerator as i128, denominator as i128))
    }

    /// The `MoneyBag` GraphQL value.
    pub fn json(self, currency: &str, presentment_currency: &str) -> Json {
        json!({"shopMoney": money_json(self.shop, currency), "presentmentMoney": money_json(self.presentment, presentment_currency)})
    }

    /// The REST `*_set` value (`shop_money` / `presentment_money`).
    pub fn rest_json(self, currency: &str, presentment_currency: &str) -> Json {
        json!({
            "shop_money": {"amount": cents_to_money(self.shop), "currency_code": currency},
            "presentment_money": {"amount": cents_to_money(self.presentment), "currency_code": presentment_currency},
        })
    }

    /// True when both amounts are zero.
    pub fn is_zero(self) -> bool {
        self.shop == 0 && self.presentment == 0
    }
}

impl Add for Bag {
    type Output = Bag;
    fn add(self, o: Bag) -> Bag {
        Bag { shop: self.shop + o.shop, presentment: self.presentment + o.presentment }
    }
}

impl Sub for Bag {
    type Output = Bag;
    fn sub(self, o: Bag) -> Bag {
        Bag { shop: self.shop - o.shop, presentment: self.presentment - o.presentment }
    }
}

impl Neg for Bag {
    type Output = Bag;
    fn neg(self) -> Bag {
        self.map(|c| -c)
    }
}

impl Mul<i64> for Bag {
    type Output = Bag;
    fn mul(self, n: i64) -> Bag {
        self.map(|c| c * n)
    }
}

impl AddAssign for Bag {
    fn add_assign(&mut self, o: Bag) {
        *self = *self + o;
    }
}

impl SubAssign for Bag {
    fn sub_assign(&mut self, o: Bag) {
        *self = *self - o;
    }
}

impl std::iter::Sum for Bag {
    fn sum<I: Iterator<Item = Bag>>(iter: I) -> Bag {
        iter.fold(Bag::default(), |a, b| a + b)
    }
}

/// `numerator / denominator` rounded half away from zero.
pub fn div_round(numerator: i128, denominator: i128) -> i64 {
    if denominator == 0 {
        return 0;
    }
    let q = numerator / denominator;
    let r = numerator % denominator;
    let up = (r.abs() * 2 >= denominator.abs()) as i128;
    let sign = if (numerator < 0) != (denominator < 0) { -1 } else { 1 };
    (q + sign * up) as i64
}

/// A `MoneyV2` GraphQL value.
pub fn money_json(cents: i64, currency: &str) -> Json {
    json!({"amount": cents_to_money(cents), "currencyCode": currency})
}

/// Parses a decimal (`"12.5"`, `12.5`, `"-3"`) scaled by `10^places`, rounding half away from
/// zero past that; `None` if it is not a decimal number.
pub fn parse_scaled(value: &Json, places: u32) -> Option<i64> {
    let text = match value {
        Json::String(s) => s.trim().to_string(),
        Json::Number(n) => n.to_string(),
        _ => return None,
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty() || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut scaled: i128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut frac_digits = frac.chars();
    for _ in 0..places {
        scaled = scaled * 10 + frac_digits.next().map_or(0, |c| c as i128 - '0' as i128);
    }
    if frac_digits.next().is_some_and(|c| c >= '5') {
        scaled += 1;
    }
    let scaled = i64::try_from(scaled).ok()?;
    Some(if negative { -scaled } else { scaled })
}

/// Parses a decimal money amount into cents.
pub fn parse_cents(value: &Json) -> Option<i64> {
    parse_scaled(value, 2)
}

/// Parses a decimal rate (`0.19`) into parts per million.
pub fn parse_rate(value: &Json) -> Option<i64> {
    parse_scaled(value, 6)
}

/// A rate in parts per million as a JSON number (`0.19`).
pub fn rate_json(rate: i64) -> Json {
    json!(rate as f64 / RATE_SCALE as f64)
}

/// Splits `total` across parts in proportion to `weights`, so that the parts add up to
/// `total` exactly (largest remainder; ties go to the earlier part).
pub fn split(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| *w as i128).sum();
    if sum == 0 {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let mut parts: Vec<i64> = weights.iter().map(|w| (total as i128 * *w as i128 / sum) as i64).collect();
    let mut remainders: Vec<(i128, usize)> =
        weights.iter().enumerate().map(|(i, w)| ((total as i128 * *w as i128 % sum).abs(), i)).collect();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - parts.iter().sum::<i64>();
    let step = left.signum();
    for (_, i) in remainders.iter().cycle().take(weights.len() * 2) {
        if left == 0 {
            break;
        }
        parts[*i] += step;
        left -= step;
    }
    parts
}

/// Splits a bag across parts in proportion to `weights` (each currency on its own).
pub fn split_bag(total: Bag, weights: &[Bag]) -> Vec<Bag> {
    let shop = split(total.shop, &weights.iter().map(|w| w.shop).collect::<Vec<_>>());
    let presentment = split(total.presentment, &weights.iter().map(|w| w.presentment).collect::<Vec<_>>());
    shop.into_iter().zip(presentment).map(|(shop, presentment)| Bag { shop, presentment }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(parse_cents(&json!("12.5")), Some(1250));
        assert_eq!(parse_cents(&json!(74.99)), Some(7499));
        assert_eq!(parse_cents(&json!("-0.015")), Some(-2));
        assert_eq!(parse_cents(&json!("1.004")), Some(100));
        assert_eq!(parse_cents(&json!("abc")), None);
        assert_eq!(parse_rate(&json!("0.19")), Some(190_000));
    }

    #[test]
    fn splits_add_up_to_the_cent() {
        assert_eq!(split(1000, &[1, 1, 1]), vec![334, 333, 333]);
        assert_eq!(split(-1000, &[1, 1, 1]).iter().sum::<i64>(), -1000);
        assert_eq!(split(5, &[0, 0]), vec![5, 0]);
        assert_eq!(div_round(-5, 2), -3);
    }
}
