//! Customers read from Shopify: `customers/create|update` webhooks carry the whole customer
//! (REST-shaped) and are converted as they are.

use crate::flow::base::rest_text;
use crate::model::{Address, Customer, PluginError, Record};
use serde_json::Value;

/// The customer a `customers/*` webhook carries.
pub fn from_webhook(body: &Value) -> Result<Option<Record>, PluginError> {
    customer(body).map(|c| Some(Record::Customer(c))).map_err(|m| PluginError::invalid("body", m))
}

fn address(v: &Value) -> Address {
    Address {
        first_name: rest_text(v, "first_name"),
        last_name: rest_text(v, "last_name"),
        company: rest_text(v, "company"),
        address1: rest_text(v, "address1"),
        address2: rest_text(v, "address2"),
        city: rest_text(v, "city"),
        province_code: rest_text(v, "province_code"),
        zip: rest_text(v, "zip"),
        country_code: rest_text(v, "country_code"),
        phone: rest_text(v, "phone"),
    }
}

/// A `customers/create|update` payload as a canonical customer.
pub fn customer(body: &Value) -> Result<Customer, String> {
    let id = rest_text(body, "admin_graphql_api_id")
        .or_else(|| rest_text(body, "id").map(|id| format!("gid://shopify/Customer/{id}")))
        .ok_or("customer payload has no id")?;
    let tags = rest_text(body, "tags")
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let addresses =
        body.get("addresses").and_then(Value::as_array).map(|a| a.iter().map(address).collect()).unwrap_or_default();
    Ok(Customer {
        external_id: id,
        sku: None,
        email: rest_text(body, "email").map(|e| e.to_ascii_lowercase()),
        first_name: rest_text(body, "first_name"),
        last_name: rest_text(body, "last_name"),
        phone: rest_text(body, "phone"),
        company: body.get("default_address").and_then(|a| rest_text(a, "company")),
        addresses,
        tags,
        metafields: Vec::new(),
        updated_at: rest_text(body, "updated_at"),
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
}
