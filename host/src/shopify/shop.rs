//! What the shop is: its name, domain and currency, the access scopes the token holds, and its
//! locations.

use super::client::ShopifyClient;
use super::error::ShopifyError;
use super::queries;
use super::throttle::Priority;
use serde::Serialize;
use serde_json::{json, Value};

/// The shop as `shop { ... }` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShopInfo {
    /// Its name.
    pub name: String,
    /// `name.myshopify.com`.
    pub domain: String,
    /// The currency it sells in (`USD`).
    pub currency: String,
}

/// One location of the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// `gid://shopify/Location/N`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is active (inventory can be stocked there).
    pub active: bool,
    /// City and country, when known (`Oslo, NO`).
    pub place: String,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The shop's name, domain and currency.
pub async fn shop_info(client: &ShopifyClient) -> Result<ShopInfo, ShopifyError> {
    let data = client.execute(&queries::SHOP_INFO, json!({}), Priority::Orders).await?.data;
    let shop = &data["shop"];
    Ok(ShopInfo {
        name: text(&shop["name"]),
        domain: text(&shop["myshopifyDomain"]),
        currency: text(&shop["currencyCode"]),
    })
}

/// The access scopes the token's app installation holds (`read_products`, ...).
pub async fn access_scopes(client: &ShopifyClient) -> Result<Vec<String>, ShopifyError> {
    let data = client.execute(&queries::APP_SCOPES, json!({}), Priority::Orders).await?.data;
    Ok(data["currentAppInstallation"]["accessScopes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| text(&s["handle"]))
        .collect())
}

/// Every location of the shop, active or not, a page of 250 at a time.
pub async fn locations(client: &ShopifyClient) -> Result<Vec<Location>, ShopifyError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let vars = json!({"first": 250, "after": after});
        let data = client.execute(&queries::LOCATIONS, vars, Priority::Backfill).await?.data;
        let page = &data["locations"];
        for node in page["nodes"].as_array().into_iter().flatten() {
            let place = [text(&node["address"]["city"]), text(&node["address"]["countryCode"])]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Location {
                id: text(&node["id"]),
                name: text(&node["name"]),
                active: node["isActive"].as_bool().unwrap_or(false),
                place,
            });
        }
        match page["pageInfo"]["endCursor"].as_str().filter(|_| page["pageInfo"]["hasNextPage"] == true) {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return Ok(out),
        }
    }
}

/// Whether `held` scopes grant `needed` (a `write_` scope grants its `read_`).
pub fn grants(held: &[String], needed: &str) -> bool {
    held.iter().any(|h| h == needed || needed.strip_prefix("read_").is_some_and(|r| *h == format!("write_{r}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_scope_grants_its_read() {
        let held = vec!["write_products".to_owned(), "read_orders".to_owned()];
        assert!(grants(&held, "read_products"));
        assert!(grants(&held, "write_products"));
        assert!(grants(&held, "read_orders"));
        assert!(!grants(&held, "write_orders"));
        assert!(!grants(&held, "read_inventory"));
    }
}
