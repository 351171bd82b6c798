//! REST-shaped webhook payloads (Shopify's webhooks are REST JSON, not GraphQL).

use serde_json::Value;

/// A non-empty string or number field as text.
pub fn rest_text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}
