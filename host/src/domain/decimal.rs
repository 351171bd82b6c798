//! Money amounts as exact numbers ([`rust_decimal::Decimal`]): read from the decimal strings of
//! the records (`"19.90"`; no exponent, no thousands separator) and written back with at least
//! two decimals.

pub use rust_decimal::Decimal;
use std::str::FromStr;

/// The amount in `text` (`"12"`, `"19.9"`, `"-3.075"`).
pub fn parse(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !plain(whole) || !plain(frac) {
        return Err(format!("`{text}` is not a decimal amount"));
    }
    Decimal::from_str(t).map_err(|e| format!("`{text}`: {e}"))
}

/// `d` with at least two decimals (`"12.50"`, `"0.1875"`).
pub fn text(d: Decimal) -> String {
    let d = d.normalize();
    if d.scale() < 2 {
        format!("{d:.2}")
    } else {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_add_and_print_exactly() {
        let d = |s: &str| parse(s).unwrap();
        assert_eq!(text(d("0.1") + d("0.2")), "0.30");
        assert_eq!(text(d("12.5")), "12.50");
        assert_eq!(text(d("-3.075")), "-3.075");
        assert_eq!(text(d("7")), "7.00");
        assert_eq!(text(d("10.00") - d("12.34")), "-2.34");
        for bad in ["", "1,5", "1e3", "abc", "1.", ".5", "--1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
