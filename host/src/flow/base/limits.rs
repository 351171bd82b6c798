//! Shopify's input limits ([`crate::domain::limits`]) checked on a mutation's input before it is
//! sent. Each mutation has a table of (field path, kind); `*` stands for every element of a list.
//! The first value past a limit is the record's invalid-input error, naming the field
//! (`variants[2].price`), so the record is dead-lettered with the reason instead of being sent
//! as it is (or silently changed by Shopify).

use crate::domain::limits;
use crate::model::PluginError;
use serde_json::Value;

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text of at most 255 characters.
    Text,
    /// An amount in the currency the caller names.
    Money,
    /// A `MoneyBag`: `shopMoney { amount currencyCode }`.
    MoneyBag,
    /// An absolute inventory quantity.
    Quantity,
}

/// A mutation's checked fields.
pub type Rules = &'static [(&'static str, Kind)];

/// `productSet(input:)`.
pub const PRODUCT_SET: Rules = &[
    ("title", Kind::Text),
    ("handle", Kind::Text),
    ("vendor", Kind::Text),
    ("productType", Kind::Text),
    ("tags.*", Kind::Text),
    ("variants.*.sku", Kind::Text),
    ("variants.*.inventoryItem.sku", Kind::Text),
    ("variants.*.barcode", Kind::Text),
    ("variants.*.optionValues.*.name", Kind::Text),
    ("variants.*.price", Kind::Money),
    ("variants.*.compareAtPrice", Kind::Money),
    ("variants.*.inventoryQuantities.*.quantity", Kind::Quantity),
];

/// `orderCreate(order:)`.
pub const ORDER_CREATE: Rules = &[
    ("name", Kind::Text),
    ("tags.*", Kind::Text),
    ("lineItems.*.priceSet", Kind::MoneyBag),
    ("transactions.*.amountSet", Kind::MoneyBag),
];

/// `customerSet(input:)`.
pub const CUSTOMER_SET: Rules =
    &[("firstName", Kind::Text), ("lastName", Kind::Text), ("email", Kind::Text), ("tags.*", Kind::Text)];

/// Check `input` against `rules`; `currency` is that of [`Kind::Money`] fields.
pub fn check(input: &Value, rules: Rules, currency: &str) -> Result<(), PluginError> {
    for (path, kind) in rules {
        let segments: Vec<&str> = path.split('.').collect();
        let mut found = Vec::new();
        collect(input, &segments, String::new(), &mut found);
        for (field, value) in found {
            if let Some(problem) = judge(value, *kind, currency) {
                return Err(PluginError::invalid(&field, format!("{field} {problem}")));
            }
        }
    }
    Ok(())
}

/// One amount in `currency`, named `field`.
pub fn check_money(field: &str, amount: &str, currency: &str) -> Result<(), PluginError> {
    limits::money(amount, currency)
        .map_or(Ok(()), |problem| Err(PluginError::invalid(field, format!("{field} {problem}"))))
}

/// One inventory quantity, named `field`.
pub fn check_quantity(field: &str, n: i64) -> Result<(), PluginError> {
    limits::quantity(n).map_or(Ok(()), |problem| Err(PluginError::invalid(field, format!("{field} {problem}"))))
}

/// Every value at `segments` under `value`, with its field path.
fn collect<'a>(value: &'a Value, segments: &[&str], at: String, out: &mut Vec<(String, &'a Value)>) {
    let Some((first, rest)) = segments.split_first() else {
        if !value.is_null() {
            out.push((at, value));
        }
        return;
    };
    if *first == "*" {
        for (i, item) in value.as_array().into_iter().flatten().enumerate() {
            collect(item, rest, format!("{at}[{i}]"), out);
        }
    } else if let Some(next) = value.get(*first) {
        let at = if at.is_empty() { (*first).to_owned() } else { format!("{at}.{first}") };
        collect(next, rest, at, out);
    }
}

fn amount(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn judge(value: &Value, kind: Kind, currency: &str) -> Option<String> {
    match kind {
        Kind::Text => value.as_str().and_then(limits::text),
        Kind::Money => amount(value).and_then(|a| limits::money(&a, currency)),
        Kind::MoneyBag => {
            let money = &value["shopMoney"];
            let currency = money["currencyCode"].as_str().unwrap_or_default();
            amount(&money["amount"]).and_then(|a| limits::money(&a, currency))
        }
        Kind::Quantity => value.as_i64().and_then(limits::quantity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_value_past_a_limit_names_its_field() {
        let ok = json!({"title": "Mug", "tags": ["a"], "variants": [{"sku": "M-1", "price": "9.90"}]});
        assert_eq!(check(&ok, PRODUCT_SET, "EUR"), Ok(()));
        let long = json!({"title": "t".repeat(5000), "variants": []});
        let Err(PluginError::InvalidInput(e)) = check(&long, PRODUCT_SET, "EUR") else { panic!("refused") };
        assert_eq!(e.field, "title");
        let price = json!({"title": "Mug", "variants": [{"price": "1"}, {"price": "9.9999"}]});
        let Err(PluginError::InvalidInput(e)) = check(&price, PRODUCT_SET, "EUR") else { panic!("refused") };
        assert_eq!(e.field, "variants[1].price");
        assert!(e.message.contains("at most 2"), "{}", e.message);
        let tag = json!({"tags": ["ok", "x".repeat(256)]});
        assert!(matches!(check(&tag, PRODUCT_SET, "EUR"), Err(PluginError::InvalidInput(e)) if e.field == "tags[1]"));
        let order = json!({"lineItems": [{"priceSet": {"shopMoney": {"amount": "100.5", "currencyCode": "JPY"}}}]});
        let Err(PluginError::InvalidInput(e)) = check(&order, ORDER_CREATE, "") else { panic!("refused") };
        assert_eq!(e.field, "lineItems[0].priceSet");
        assert!(check_quantity("quantity", 2_000_000_000).is_err());
    }
}
