//! The vocabulary of `weft shadow diff`, shared by the objects' shadow roles: a field whose
//! intended value differs from what the destination holds.

use crate::store::{Intent, JournalObject};
use serde::Serialize;
use serde_json::{json, Value};

/// One field whose intended value differs from the destination's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The intent's key (`SKU@location`, SKU, handle, record id).
    pub key: String,
    /// The intent's object.
    pub object: JournalObject,
    /// Field (`available`, `price`, `title`, `exists`...).
    pub field: String,
    /// What the flow would have written.
    pub intended: Value,
    /// What the destination holds (null: nothing).
    pub actual: Value,
}

/// The intended value of `field` (absent: null).
pub fn intended(i: &Intent, field: &str) -> Value {
    i.values.get(field).cloned().unwrap_or(Value::Null)
}

/// The difference of `field`, when the destination's `actual` is not the intended value.
pub fn differs(i: &Intent, field: &str, actual: Value) -> Option<Difference> {
    let want = intended(i, field);
    (want != actual).then(|| Difference {
        key: i.key.clone(),
        object: i.object,
        field: field.to_owned(),
        intended: want,
        actual,
    })
}

/// The destination has no such object.
pub fn missing(i: &Intent) -> Difference {
    Difference {
        key: i.key.clone(),
        object: i.object,
        field: "exists".into(),
        intended: json!(true),
        actual: json!(false),
    }
}

/// The SKUs the intents name, sorted, once each.
pub fn skus(list: &[&Intent]) -> Vec<String> {
    let mut skus: Vec<String> =
        list.iter().filter_map(|i| i.values.get("sku").and_then(Value::as_str).map(str::to_owned)).collect();
    skus.sort();
    skus.dedup();
    skus
}
