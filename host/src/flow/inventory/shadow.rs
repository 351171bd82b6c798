//! Shadow diff of inventory levels: the available a flow would have set against Shopify's now.

use crate::flow::base::block_on;
use crate::flow::base::shadow::{differs, intended, skus, Difference};
use crate::shopify::ShopifyClient;
use crate::store::Intent;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Each intended level whose available differs from Shopify's now.
pub fn compare(client: &ShopifyClient, list: &[&Intent]) -> Result<Vec<Difference>, String> {
    let read =
        block_on(crate::shopify::inventory::levels_by_sku(client, &skus(list))).map_err(|e| format!("Shopify: {e}"))?;
    let now: BTreeMap<(&str, &str), i64> =
        read.iter().map(|l| ((l.sku.as_str(), l.location_id.as_str()), l.available)).collect();
    Ok(list
        .iter()
        .filter_map(|i| {
            let (sku, location) = (intended(i, "sku"), intended(i, "location"));
            let actual = now
                .get(&(sku.as_str().unwrap_or(""), location.as_str().unwrap_or("")))
                .map_or(Value::Null, |a| json!(a));
            differs(i, "available", actual)
        })
        .collect())
}
