//! The helper functions of weft's CEL expressions (mappings, rule conditions, inventory
//! formulas), and the lookup tables `lookup(...)` reads. [`HELPERS`] documents each with an
//! example; the README's table is generated from it and every example is run by a test.

use super::expr::to_cel;
use cel::extractors::Arguments;
use cel::{Context, ExecutionError, FunctionContext, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Lookup tables from the config (`[lookups.NAME]`): table → key → value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookups(BTreeMap<String, BTreeMap<String, Json>>);

impl Lookups {
    /// Tables by name.
    pub fn new(tables: BTreeMap<String, BTreeMap<String, Json>>) -> Lookups {
        Lookups(tables)
    }

    /// Whether a table named `name` exists.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The value of `key` in table `table`.
    fn get(&self, table: &str, key: &str) -> Result<Option<&Json>, String> {
        let t = self.0.get(table).ok_or_else(|| format!("no lookup table `{table}` ({})", self.describe_tables()))?;
        Ok(t.get(key))
    }

    /// The tables there are, for messages (`tables: carriers, markets`).
    pub fn describe_tables(&self) -> String {
        let names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        if names.is_empty() {
            "there are no lookup tables; add [lookups.NAME] to the config".to_owned()
        } else {
            format!("tables: {}", names.join(", "))
        }
    }

    fn keys(&self, table: &str) -> Vec<&str> {
        self.0.get(table).map(|t| t.keys().map(String::as_str).collect()).unwrap_or_default()
    }
}

/// One helper function: its call shape, what it does, and an example with its result.
#[derive(Debug, Clone, Copy)]
pub struct Helper {
    /// Name as called.
    pub name: &'static str,
    /// Call shape (`join(list, separator)`).
    pub signature: &'static str,
    /// What it does.
    pub does: &'static str,
    /// An expression using it, over the example record [`EXAMPLE_RECORD`] bound as `erp` and
    /// the lookup table `carriers` of [`example_lookups`].
    pub example: &'static str,
    /// The example's result, as JSON.
    pub gives: &'static str,
}

/// The record the examples of [`HELPERS`] read, bound as `erp`.
pub const EXAMPLE_RECORD: &str = r#"{"title": "  Big Mug ", "vendor": "Acme", "product_type": null, "tags": ["kitchen", "", "gift"], "carrier": "DHL Express", "price": {"amount": "19.999", "currency": "EUR"}, "created_at": "2026-03-01T14:30:00Z"}"#;

/// The lookup tables the examples of [`HELPERS`] read.
pub fn example_lookups() -> Lookups {
    let carriers = [("DHL Express", "DHL"), ("UPS Standard", "UPS")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Json::String(v.to_owned())))
        .collect();
    Lookups::new([("carriers".to_owned(), carriers)].into_iter().collect())
}

/// Every helper function.
pub const HELPERS: &[Helper] = &[
    Helper {
        name: "join",
        signature: "join(list, separator)",
        does: "the list's values as text, nulls and empty strings left out, joined by the separator",
        example: "join(erp.tags, ', ')",
        gives: r#""kitchen, gift""#,
    },
    Helper {
        name: "split",
        signature: "split(text, separator)",
        does: "the pieces of the text, each trimmed, empty pieces left out; null gives []",
        example: "split('a; b;;c', ';')",
        gives: r#"["a", "b", "c"]"#,
    },
    Helper {
        name: "trim",
        signature: "trim(text)",
        does: "the text without leading and trailing white space; null stays null",
        example: "trim(erp.title)",
        gives: r#""Big Mug""#,
    },
    Helper {
        name: "lower",
        signature: "lower(text)",
        does: "the text in lower case; null stays null",
        example: "lower(erp.vendor)",
        gives: r#""acme""#,
    },
    Helper {
        name: "upper",
        signature: "upper(text)",
        does: "the text in upper case; null stays null",
        example: "upper(erp.vendor)",
        gives: r#""ACME""#,
    },
    Helper {
        name: "replace",
        signature: "replace(text, from, to)",
        does: "the text with every `from` replaced by `to`",
        example: "replace(erp.carrier, ' ', '-')",
        gives: r#""DHL-Express""#,
    },
    Helper {
        name: "default",
        signature: "default(value, fallback)",
        does: "the value, or the fallback when it is null, an empty string or an empty list",
        example: "default(erp.product_type, 'Uncategorised')",
        gives: r#""Uncategorised""#,
    },
    Helper {
        name: "coalesce",
        signature: "coalesce(a, b, ...)",
        does: "the first value that is not null, an empty string or an empty list (null if none)",
        example: "coalesce(erp.product_type, '', erp.vendor)",
        gives: r#""Acme""#,
    },
    Helper {
        name: "round_money",
        signature: "round_money(amount, currency)",
        does: "a decimal amount (text or number) rounded half away from zero to the currency's minor units (JPY 0, KWD 3, most 2), as text",
        example: "round_money(erp.price.amount, erp.price.currency)",
        gives: r#""20.00""#,
    },
    Helper {
        name: "format_date",
        signature: "format_date(date, format)",
        does: "an RFC 3339 time or YYYY-MM-DD date in a strftime format (`%d.%m.%Y`, `%Y-%m-%dT%H:%M:%SZ`), in UTC",
        example: "format_date(erp.created_at, '%d.%m.%Y')",
        gives: r#""01.03.2026""#,
    },
    Helper {
        name: "lookup",
        signature: "lookup(table, key) / lookup(table, key, default)",
        does: "the value of the key in a `[lookups.TABLE]` of the config; a missing key is an error naming the keys there are, unless a default is given",
        example: "lookup('carriers', erp.carrier)",
        gives: r#""DHL""#,
    },
];

/// Whether `name` is one of the helper functions.
pub fn is_known(name: &str) -> bool {
    HELPERS.iter().any(|h| h.name == name)
}

/// A helper's implementation.
type HelperFn = fn(&FunctionContext, &[Value]) -> Result<Value, ExecutionError>;

/// Install every helper into `context`, `lookup` reading `lookups`.
pub fn install(context: &mut Context<'_, '_>, lookups: Arc<Lookups>) {
    let simple: [(&str, HelperFn); 10] = [
        ("join", join),
        ("split", split),
        ("trim", |f, a| text_map(f, a, |s| s.trim().to_owned())),
        ("lower", |f, a| text_map(f, a, str::to_lowercase)),
        ("upper", |f, a| text_map(f, a, str::to_uppercase)),
        ("replace", replace),
        ("default", default),
        ("coalesce", |_, a| Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Value::Null))),
        ("round_money", round_money),
        ("format_date", format_date),
    ];
    for (name, f) in simple {
        // The names are not the standard library's (checked by a test), so this cannot fail.
        let _ = context.add_function(name, move |ftx: &FunctionContext, Arguments(args): Arguments| f(ftx, &args));
    }
    let _ = context
        .add_function("lookup", move |ftx: &FunctionContext, Arguments(args): Arguments| lookup(ftx, &args, &lookups));
}

fn arity(ftx: &FunctionContext, args: &[Value], min: usize, max: usize) -> Result<(), ExecutionError> {
    if args.len() < min || args.len() > max {
        let want = if min == max { min.to_string() } else { format!("{min} to {max}") };
        return Err(ftx.error(format!("takes {want} arguments, got {}", args.len())));
    }
    Ok(())
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        _ => false,
    }
}

/// A scalar as text (strings as they are, numbers and booleans printed); `None` for null.
fn as_text(ftx: &FunctionContext, v: &Value) -> Result<Option<String>, ExecutionError> {
    Ok(match v {
        Value::Null => None,
        Value::String(s) => Some(s.to_string()),
        Value::Int(n) => Some(n.to_string()),
        Value::UInt(n) => Some(n.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => return Err(ftx.error(format!("expected text, got {other:?}"))),
    })
}

fn text_map(ftx: &FunctionContext, args: &[Value], f: impl Fn(&str) -> String) -> Result<Value, ExecutionError> {
    arity(ftx, args, 1, 1)?;
    Ok(as_text(ftx, &args[0])?.map_or(Value::Null, |s| Value::String(f(&s).into())))
}

fn join(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    arity(ftx, args, 1, 2)?;
    let separator = match args.get(1) {
        Some(s) => as_text(ftx, s)?.unwrap_or_default(),
        None => String::new(),
    };
    let items: Vec<String> = match &args[0] {
        Value::Null => Vec::new(),
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                if let Some(t) = as_text(ftx, item)?.filter(|t| !t.is_empty()) {
                    out.push(t);
                }
            }
            out
        }
        other => return Err(ftx.error(format!("expected a list, got {other:?}"))),
    };
    Ok(Value::String(items.join(&separator).into()))
}

fn split(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    arity(ftx, args, 2, 2)?;
    let Some(text) = as_text(ftx, &args[0])? else { return Ok(Value::List(Vec::new().into())) };
    let separator = as_text(ftx, &args[1])?.unwrap_or_default();
    if separator.is_empty() {
        return Err(ftx.error("the separator is empty"));
    }
    let parts: Vec<Value> = text
        .split(separator.as_str())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Value::String(p.to_owned().into()))
        .collect();
    Ok(Value::List(parts.into()))
}

fn replace(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    arity(ftx, args, 3, 3)?;
    let Some(text) = as_text(ftx, &args[0])? else { return Ok(Value::Null) };
    let from = as_text(ftx, &args[1])?.unwrap_or_default();
    if from.is_empty() {
        return Err(ftx.error("`from` is empty"));
    }
    let to = as_text(ftx, &args[2])?.unwrap_or_default();
    Ok(Value::String(text.replace(&from, &to).into()))
}

fn default(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    arity(ftx, args, 2, 2)?;
    Ok(if is_empty(&args[0]) { args[1].clone() } else { args[0].clone() })
}

/// Digits after the decimal point of `currency` (ISO 4217 minor units).
pub fn minor_units(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount` (a decimal) rounded half away from zero to `places` digits, as text.
pub fn round_decimal(amount: &str, places: u32) -> Result<String, String> {
    let text = amount.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let valid =
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    if !valid || whole.len() > 30 {
        return Err(format!("`{amount}` is not a decimal amount"));
    }
    let places = places as usize;
    let kept: String = frac.chars().chain(std::iter::repeat('0')).take(places).collect();
    let mut units: u128 = format!("{whole}{kept}").parse().map_err(|_| format!("`{amount}` is too large"))?;
    if frac.as_bytes().get(places).is_some_and(|d| *d >= b'5') {
        units += 1;
    }
    let text = units.to_string();
    let text = format!("{text:0>width$}", width = places + 1);
    let (int_part, frac_part) = text.split_at(text.len() - places);
    let sign = if negative && units != 0 { "-" } else { "" };
    Ok(if places == 0 { format!("{sign}{int_part}") } else { format!("{sign}{int_part}.{frac_part}") })
}

fn round_money(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    arity(ftx, args, 2, 2)?;
    let amount = match &args[0] {
        Value::Float(f) if f.is_finite() => format!("{f:.10}"),
        other => as_text(ftx, other)?.ok_or_else(|| ftx.error("the amount is null"))?,
    };
    let currency = as_text(ftx, &args[1])?.ok_or_else(|| ftx.error("the currency is null"))?;
    round_decimal(&amount, minor_units(&currency)).map(|s| Value::String(s.into())).map_err(|e| ftx.error(e))
}

fn format_date(ftx: &FunctionContext, args: &[Value]) -> Result<Value, ExecutionError> {
    use chrono::format::{Item, StrftimeItems};
    arity(ftx, args, 2, 2)?;
    let Some(text) = as_text(ftx, &args[0])? else { return Ok(Value::Null) };
    let format = as_text(ftx, &args[1])?.unwrap_or_default();
    if StrftimeItems::new(&format).any(|i| matches!(i, Item::Error)) {
        return Err(ftx.error(format!("`{format}` is not a strftime format")));
    }
    let time = chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| ftx.error(format!("`{text}` is neither an RFC 3339 time nor a YYYY-MM-DD date")))?;
    Ok(Value::String(time.format(&format).to_string().into()))
}

fn lookup(ftx: &FunctionContext, args: &[Value], lookups: &Lookups) -> Result<Value, ExecutionError> {
    arity(ftx, args, 2, 3)?;
    let table = as_text(ftx, &args[0])?.ok_or_else(|| ftx.error("the table name is null"))?;
    let key = as_text(ftx, &args[1])?;
    let found = match &key {
        Some(key) => lookups.get(&table, key).map_err(|e| ftx.error(e))?,
        None => None,
    };
    match (found, args.get(2)) {
        (Some(value), _) => Ok(to_cel(value)),
        (None, Some(fallback)) => Ok(fallback.clone()),
        (None, None) => {
            let keys = lookups.keys(&table);
            let shown: Vec<&str> = keys.iter().take(10).copied().collect();
            let more = if keys.len() > shown.len() {
                format!(" and {} more", keys.len() - shown.len())
            } else {
                String::new()
            };
            Err(ftx.error(format!(
                "table `{table}` has no key {} (it has: {}{more}); give a default as the third argument",
                key.map_or("null".to_owned(), |k| format!("`{k}`")),
                shown.join(", ")
            )))
        }
    }
}

/// The README table of the helpers (between its markers), generated from [`HELPERS`].
pub fn markdown_table() -> String {
    let mut out = String::from("| function | what it gives | example | result |\n|---|---|---|---|\n");
    for h in HELPERS {
        out.push_str(&format!("| `{}` | {} | `{}` | `{}` |\n", h.signature, h.does, h.example, h.gives));
    }
    out
}

/// Evaluate an example of [`HELPERS`] over [`EXAMPLE_RECORD`] and [`example_lookups`].
pub fn run_example(helper: &Helper) -> Result<Json, String> {
    let record: Json = serde_json::from_str(EXAMPLE_RECORD).map_err(|e| e.to_string())?;
    let lookups = Arc::new(example_lookups());
    let bindings = super::expr::Bindings::new(&[("erp", &record)], &lookups);
    super::expr::Expr::compile(helper.example)?.eval_json(&bindings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_helper_example_gives_its_documented_result() {
        for h in HELPERS {
            let want: Json = serde_json::from_str(h.gives).unwrap();
            assert_eq!(run_example(h).unwrap_or_else(|e| panic!("{}: {e}", h.name)), want, "{}", h.example);
        }
    }

    #[test]
    fn helpers_do_not_shadow_the_standard_library() {
        let standard = [
            "size",
            "contains",
            "startsWith",
            "endsWith",
            "matches",
            "string",
            "int",
            "uint",
            "double",
            "bytes",
            "bool",
            "duration",
            "timestamp",
            "has",
            "max",
            "min",
            "exists",
            "exists_one",
            "all",
            "map",
            "filter",
            "dyn",
            "type",
        ];
        for h in HELPERS {
            assert!(!standard.contains(&h.name), "{} is a standard function", h.name);
        }
        // And a standard function still works beside them.
        let record = serde_json::json!({"tags": ["a", "b"]});
        let b = super::super::expr::Bindings::new(&[("erp", &record)], &Arc::default());
        let e = super::super::expr::Expr::compile("size(erp.tags) == 2 && join(erp.tags, '') == 'ab'").unwrap();
        assert!(e.eval_bool(&b).unwrap());
    }

    #[test]
    fn the_readme_documents_every_helper_with_its_tested_example() {
        let readme = include_str!("../../../README.md");
        let start = "<!-- helpers: generated from host/src/domain/functions.rs (HELPERS) -->\n";
        let table = readme
            .split_once(start)
            .and_then(|(_, rest)| rest.split_once("<!-- /helpers -->"))
            .map(|(table, _)| table)
            .expect("the README has the helpers table");
        assert_eq!(table, markdown_table(), "README.md's helper table differs from HELPERS: paste markdown_table()");
        assert!(readme.contains(EXAMPLE_RECORD), "the README shows the record the examples read");
    }

    #[test]
    fn money_rounds_per_currency_and_half_away_from_zero() {
        assert_eq!(round_decimal("19.995", 2).unwrap(), "20.00");
        assert_eq!(round_decimal("-0.005", 2).unwrap(), "-0.01");
        assert_eq!(round_decimal("-0.004", 2).unwrap(), "0.00");
        assert_eq!(round_decimal("1234.5", 0).unwrap(), "1235");
        assert_eq!(round_decimal("7", 3).unwrap(), "7.000");
        assert!(round_decimal("12,50", 2).is_err());
        assert_eq!(minor_units("jpy"), 0);
        assert_eq!(minor_units("KWD"), 3);
    }

    #[test]
    fn a_missing_lookup_key_names_the_keys_there_are() {
        let record = serde_json::json!({"carrier": "Hermes"});
        let lookups = Arc::new(example_lookups());
        let b = super::super::expr::Bindings::new(&[("erp", &record)], &lookups);
        let err =
            super::super::expr::Expr::compile("lookup('carriers', erp.carrier)").unwrap().eval_json(&b).unwrap_err();
        assert!(err.contains("no key `Hermes` (it has: DHL Express, UPS Standard)"), "{err}");
        let ok = super::super::expr::Expr::compile("lookup('carriers', erp.carrier, 'OTHER')").unwrap().eval_json(&b);
        assert_eq!(ok.unwrap(), serde_json::json!("OTHER"));
        let err = super::super::expr::Expr::compile("lookup('nope', 'x')").unwrap().eval_json(&b).unwrap_err();
        assert!(err.contains("no lookup table `nope` (tables: carriers)"), "{err}");
    }
}
