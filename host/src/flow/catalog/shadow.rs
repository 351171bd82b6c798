//! Shadow diff of a product flow: the product fields it would have set against Shopify's now.

use crate::flow::base::block_on;
use crate::flow::base::shadow::{differs, missing, Difference};
use crate::shopify::products::{product_fields, ProductKey};
use crate::shopify::ShopifyClient;
use crate::store::Intent;
use serde_json::Value;

/// Each intended product field that differs from the product Shopify has (by its id when the
/// product was linked, else under the handle).
pub fn compare(client: &ShopifyClient, intents: &[&Intent]) -> Result<Vec<Difference>, String> {
    let mut out = Vec::new();
    for i in intents {
        let key = i.target_id.as_deref().map_or(ProductKey::Handle(&i.key), ProductKey::Id);
        let Some(now) = block_on(product_fields(client, key)).map_err(|e| format!("Shopify: {e}"))? else {
            out.push(missing(i));
            continue;
        };
        for field in i.values.keys() {
            out.extend(differs(i, field, now.get(field).cloned().unwrap_or(Value::Null)));
        }
    }
    Ok(out)
}
