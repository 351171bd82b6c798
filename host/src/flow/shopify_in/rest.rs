//! REST-shaped webhook payloads (`customers/*`, the id of `orders/*`).

use crate::plugin::bindings::types::{Address, Customer};
use serde_json::Value;

/// A non-empty string or number field as text.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn address(v: &Value) -> Address {
    Address {
        first_name: text(v, "first_name"),
        last_name: text(v, "last_name"),
        company: text(v, "company"),
        address1: text(v, "address1"),
        address2: text(v, "address2"),
        city: text(v, "city"),
        province_code: text(v, "province_code"),
        zip: text(v, "zip"),
        country_code: text(v, "country_code"),
        phone: text(v, "phone"),
    }
}

/// The order's GraphQL id in an `orders/*` payload.
pub fn order_id(body: &Value) -> Option<String> {
    text(body, "admin_graphql_api_id").or_else(|| text(body, "id").map(|id| format!("gid://shopify/Order/{id}")))
}

/// A `customers/create|update` payload as a canonical customer.
pub fn customer(body: &Value) -> Result<Customer, String> {
    let id = text(body, "admin_graphql_api_id")
        .or_else(|| text(body, "id").map(|id| format!("gid://shopify/Customer/{id}")))
        .ok_or("customer payload has no id")?;
    let tags = text(body, "tags")
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let addresses = body.get("addresses").and_then(Value::as_array).map(|a| a.iter().map(address).collect()).unwrap_or_default();
    Ok(Customer {
        external_id: id,
        sku: None,
        email: text(body, "email").map(|e| e.to_ascii_lowercase()),
        first_name: text(body, "first_name"),
        last_name: text(body, "last_name"),
        phone: text(body, "phone"),
        company: body.get("default_address").and_then(|a| text(a, "company")),
        addresses,
        tags,
        updated_at: text(body, "updated_at"),
        extra: "{}".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn customer_payload_becomes_a_canonical_customer() {
        let body = json!({"id": 7, "email": "Ann@Example.com", "first_name": "Ann", "tags": "vip, b2b", "addresses": [{"city": "Oslo", "country_code": "NO"}]});
        let c = customer(&body).unwrap();
        assert_eq!(c.external_id, "gid://shopify/Customer/7");
        assert_eq!(c.email.as_deref(), Some("ann@example.com"));
        assert_eq!(c.tags, vec!["vip", "b2b"]);
        assert_eq!(c.addresses[0].city.as_deref(), Some("Oslo"));
        assert!(customer(&json!({"email": "x"})).is_err());
    }

    #[test]
    fn order_id_prefers_the_graphql_id() {
        assert_eq!(order_id(&json!({"id": 5})).as_deref(), Some("gid://shopify/Order/5"));
        assert_eq!(order_id(&json!({"id": 5, "admin_graphql_api_id": "gid://shopify/Order/6"})).as_deref(), Some("gid://shopify/Order/6"));
        assert_eq!(order_id(&json!({})), None);
    }
}
