//! Metafield types: which the simulator knows, how each validates a value (Shopify's messages), the
//! `jsonValue` of a value, and definition validations (`min`, `max`, `choices`). Formats and limits:
//! <https://shopify.dev/docs/apps/build/metafields/list-of-data-types>,
//! <https://shopify.dev/docs/apps/build/metafields/metafield-limits> (lists of at most 128 items;
//! 65k characters per value, `url` 2,048, `json` 2m).

use serde_json::Value as Json;

/// Types with a value of their own.
const SCALAR_TYPES: &[&str] = &[
    "single_line_text_field",
    "multi_line_text_field",
    "number_integer",
    "number_decimal",
    "boolean",
    "json",
    "date",
    "date_time",
    "url",
    "color",
    "weight",
    "dimension",
    "volume",
    "money",
    "rating",
    "product_reference",
    "variant_reference",
    "collection_reference",
    "file_reference",
    "customer_reference",
];

/// Types that also exist as `list.` types.
const LISTABLE: &[&str] = &[
    "single_line_text_field",
    "number_integer",
    "number_decimal",
    "date",
    "date_time",
    "url",
    "color",
    "weight",
    "dimension",
    "volume",
    "rating",
    "product_reference",
    "variant_reference",
    "collection_reference",
    "file_reference",
    "customer_reference",
];

/// Most items in a list value.
const MAX_LIST_ITEMS: usize = 128;

/// Units per measurement type: Shopify's abbreviations and unit names.
fn units(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "weight" => &["g", "kg", "oz", "lb", "GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"],
        "dimension" => {
            &["mm", "cm", "m", "in", "ft", "yd", "MILLIMETERS", "CENTIMETERS", "METERS", "INCHES", "FEET", "YARDS"]
        }
        "volume" => &[
            "ml",
            "cl",
            "l",
            "m3",
            "us_fl_oz",
            "us_pt",
            "us_qt",
            "us_gal",
            "imp_fl_oz",
            "imp_pt",
            "imp_qt",
            "imp_gal",
            "MILLILITERS",
            "CENTILITERS",
            "LITERS",
            "CUBIC_METERS",
            "FLUID_OUNCES",
            "PINTS",
            "QUARTS",
            "GALLONS",
            "IMPERIAL_FLUID_OUNCES",
            "IMPERIAL_PINTS",
            "IMPERIAL_QUARTS",
            "IMPERIAL_GALLONS",
        ],
        _ => &[],
    }
}

/// True for a type the simulator validates.
pub fn supported(type_name: &str) -> bool {
    match type_name.strip_prefix("list.") {
        Some(inner) => LISTABLE.contains(&inner),
        None => SCALAR_TYPES.contains(&type_name),
    }
}

/// The gid type a reference type points to.
pub fn reference_kind(type_name: &str) -> Option<&'static str> {
    match type_name {
        "product_reference" => Some("Product"),
        "variant_reference" => Some("ProductVariant"),
        "collection_reference" => Some("Collection"),
        "file_reference" => Some("MediaImage"),
        "customer_reference" => Some("Customer"),
        _ => None,
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

fn valid_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) {
        return rest.split(['/', '?', '#']).next().is_some_and(|host| !host.is_empty());
    }
    ["mailto:", "sms:", "tel:"].iter().any(|scheme| {
        lower.strip_prefix(scheme).is_some_and(|rest| !rest.trim().is_empty() && !rest.contains(char::is_whitespace))
    })
}

/// What is wrong with a measurement (`{"value": 2.5, "unit": "kg"}`), if anything.
fn measurement_problem(type_name: &str, v: &Json) -> Option<String> {
    let Some(map) = v.as_object() else {
        return Some("Value must contain unit and value.".into());
    };
    let (Some(amount), Some(unit)) = (map.get("value"), map.get("unit").and_then(Json::as_str)) else {
        return Some("Value must contain unit and value.".into());
    };
    if !number(amount).is_some_and(|n| n.is_finite() && n >= 0.0) {
        return Some("Value must be a non-negative number.".into());
    }
    (!units(type_name).contains(&unit)).then(|| "Value must be a supported unit.".into())
}

/// What is wrong with a rating (`{"value": "3.5", "scale_min": "1.0", "scale_max": "5.0"}`), if anything.
fn rating_problem(v: &Json) -> Option<String> {
    let get = |k: &str| v.get(k).and_then(number);
    let (Some(value), Some(min), Some(max)) = (get("value"), get("scale_min"), get("scale_max")) else {
        return Some("Value must be a rating.".into());
    };
    if min >= max {
        Some("Value must be a rating.".into())
    } else if value < min {
        Some(format!("Value has a minimum of {min}."))
    } else if value > max {
        Some(format!("Value has a maximum of {max}."))
    } else {
        None
    }
}

/// What is wrong with one value (a list item arrives as JSON) of a scalar type, if anything;
/// `exists(gid)` tells whether a referenced record exists.
fn item_problem(type_name: &str, v: &Json, currency: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let text = match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let parsed = || match v {
        Json::String(s) => serde_json::from_str::<Json>(s).ok(),
        other => Some(other.clone()),
    };
    match type_name {
        "single_line_text_field" if text.trim().is_empty() => Some("Value can't be blank.".into()),
        "single_line_text_field" if text.contains(['\n', '\r']) => Some("Value must be a single line text string.".into()),
        "multi_line_text_field" if text.trim().is_empty() => Some("Value can't be blank.".into()),
        // Shopify's integer range is JavaScript's safe integer range.
        "number_integer" => (!text.trim().parse::<i64>().is_ok_and(|n| n.abs() <= 9_007_199_254_740_991)).then(|| "Value must be an integer.".into()),
        "number_decimal" if !is_decimal(text.trim()) => Some("Value must be a decimal.".into()),
        "number_decimal" if text.trim().trim_start_matches('-').split('.').next().is_some_and(|w| w.trim_start_matches('0').len() > 13) => Some("Value can't exceed 9999999999999.".into()),
        "boolean" => (!matches!(text.as_str(), "true" | "false")).then(|| "Value must be true or false.".into()),
        "json" => serde_json::from_str::<Json>(&text).is_err().then(|| "Value is invalid JSON.".into()),
        "date" => chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_err().then(|| "Value must be in YYYY-MM-DD format.".into()),
        "date_time" => (chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S").is_err() && chrono::DateTime::parse_from_rfc3339(&text).is_err())
            .then(|| "Value must be in YYYY-MM-DDTHH:MM:SS format.".into()),
        "url" => (!valid_url(&text)).then(|| "Value cannot have an empty scheme (protocol), must include one of the following URL schemes: [\"http\", \"https\", \"mailto\", \"sms\", \"tel\"].".into()),
        "color" => (!(text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit()))).then(|| "Value must be a hex color code.".into()),
        "weight" | "dimension" | "volume" => match parsed() {
            Some(p) => measurement_problem(type_name, &p),
            None => Some("Value must contain unit and value.".into()),
        },
        "money" => {
            let ok = parsed().is_some_and(|p| {
                let amount = p.get("amount").map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string));
                amount.is_some_and(|a| is_decimal(&a) && !a.starts_with('-')) && p.get("currency_code").and_then(Json::as_str) == Some(currency)
            });
            (!ok).then(|| "Value must be a stringified JSON object with amount (numeric) and currency_code (string matching the shop's currency) fields.".into())
        }
        "rating" => match parsed() {
            Some(p) => rating_problem(&p),
            None => Some("Value must be a rating.".into()),
        },
        _ if reference_kind(type_name).is_some() => {
            let kind = text.strip_prefix("gid://shopify/").and_then(|rest| rest.split('/').next()).unwrap_or("");
            let kind_ok = Some(kind) == reference_kind(type_name) || (type_name == "file_reference" && kind == "GenericFile");
            (!(kind_ok && exists(&text))).then(|| format!("Value references non-existent resource {text}."))
        }
        _ => None,
    }
}

/// Longest value of a type, in characters.
fn max_chars(type_name: &str) -> usize {
    match type_name {
        "url" => 2_048,
        "json" => 2_000_000,
        _ => 65_536,
    }
}

/// Every problem with `value` for `type_name`: (index of the offending list item, message).
pub fn problems(
    type_name: &str,
    value: &str,
    currency: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<(Option<usize>, String)> {
    if value.chars().count()
        > max_chars(type_name.trim_start_matches("list."))
            * if type_name.starts_with("list.") { MAX_LIST_ITEMS } else { 1 }
    {
        return vec![(None, "Value is too long.".into())];
    }
    let Some(inner) = type_name.strip_prefix("list.") else {
        return item_problem(type_name, &Json::String(value.to_string()), currency, exists)
            .map(|m| (None, m))
            .into_iter()
            .collect();
    };
    let Ok(Json::Array(items)) = serde_json::from_str::<Json>(value) else {
        return vec![(None, "Value must be a JSON array.".into())];
    };
    if items.len() > MAX_LIST_ITEMS {
        return vec![(None, format!("Value has more than {MAX_LIST_ITEMS} elements."))];
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| item_problem(inner, item, currency, exists).map(|m| (Some(i), m)))
        .collect()
}

/// Problems with `value` against a definition's `min`, `max` and `choices` validations (others
/// are kept but not enforced).
pub fn validation_problems(type_name: &str, value: &str, validations: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let numeric = matches!(type_name, "number_integer" | "number_decimal");
    let size = |v: &str| {
        if numeric {
            v.trim().parse::<f64>().ok()
        } else {
            Some(v.chars().count() as f64)
        }
    };
    for (name, limit) in validations {
        let bound = limit.trim().parse::<f64>().ok();
        match (name.as_str(), size(value), bound) {
            ("min", Some(n), Some(b)) if n < b => out.push(if numeric {
                format!("Value must be greater than or equal to {limit}.")
            } else {
                "Value is too short.".into()
            }),
            ("max", Some(n), Some(b)) if n > b => out.push(if numeric {
                format!("Value must be less than or equal to {limit}.")
            } else {
                "Value is too long.".into()
            }),
            ("choices", _, _) => {
                let choices: Vec<String> = serde_json::from_str(limit).unwrap_or_default();
                if !choices.iter().any(|c| c == value) {
                    out.push(format!("Value does not exist in provided choices: {choices:?}."));
                }
            }
            _ => {}
        }
    }
    out
}

/// `Metafield.jsonValue`: numbers and booleans typed, structured types parsed, text as a string.
pub fn json_value(type_name: &str, value: &str) -> Json {
    match type_name {
        "number_integer" => value.trim().parse::<i64>().map(Json::from).unwrap_or(Json::Null),
        "boolean" => Json::Bool(value == "true"),
        "json" | "weight" | "dimension" | "volume" | "money" | "rating" => {
            serde_json::from_str(value).unwrap_or(Json::Null)
        }
        t if t.starts_with("list.") => serde_json::from_str(value).unwrap_or(Json::Null),
        _ => Json::String(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(t: &str, v: &str) -> Vec<(Option<usize>, String)> {
        problems(t, v, "USD", &|id| id == "gid://shopify/Product/1")
    }

    #[test]
    fn values_validate_by_type() {
        for (t, good, bad) in [
            ("single_line_text_field", "Blue", "two\nlines"),
            ("number_integer", "-42", "4.2"),
            ("number_decimal", "4.25", "four"),
            ("boolean", "true", "yes"),
            ("json", "{\"a\":[1]}", "{a}"),
            ("date", "2026-02-28", "2026-02-30"),
            ("date_time", "2026-02-28T10:00:00", "2026-02-28"),
            ("url", "https://example.com/x", "example.com"),
            ("color", "#A1b2C3", "blue"),
            ("weight", "{\"value\": 2.5, \"unit\": \"kg\"}", "{\"value\": 2.5, \"unit\": \"stone\"}"),
            ("dimension", "{\"value\": 10, \"unit\": \"CENTIMETERS\"}", "{\"value\": -1, \"unit\": \"cm\"}"),
            ("volume", "{\"value\": 500, \"unit\": \"ml\"}", "500 ml"),
            (
                "money",
                "{\"amount\": \"5.99\", \"currency_code\": \"USD\"}",
                "{\"amount\": \"5.99\", \"currency_code\": \"EUR\"}",
            ),
            (
                "rating",
                "{\"value\": \"4.5\", \"scale_min\": \"1\", \"scale_max\": \"5\"}",
                "{\"value\": \"6\", \"scale_min\": \"1\", \"scale_max\": \"5\"}",
            ),
            ("product_reference", "gid://shopify/Product/1", "gid://shopify/Product/2"),
            ("list.number_integer", "[1, \"2\", 3]", "[1, \"two\"]"),
        ] {
            assert_eq!(check(t, good), vec![], "{t}: {good}");
            assert!(!check(t, bad).is_empty(), "{t}: {bad}");
        }
        assert_eq!(
            check("list.number_integer", "[1, \"x\", 3, \"y\"]").iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            [Some(1), Some(3)]
        );
        assert!(supported("list.weight") && !supported("list.json") && !supported("nonsense"));
        assert_eq!(json_value("list.number_integer", "[1,2]"), serde_json::json!([1, 2]));
    }
}
