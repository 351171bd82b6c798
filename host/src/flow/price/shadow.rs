//! Shadow diff of variant prices: the prices a flow would have set against Shopify's now.

use crate::flow::base::block_on;
use crate::flow::base::shadow::{differs, skus, Difference};
use crate::shopify::products::variants_by_sku;
use crate::shopify::ShopifyClient;
use crate::store::Intent;
use serde_json::{json, Value};

/// Each intended price or compare-at price that differs from the variant's in Shopify.
pub fn compare(client: &ShopifyClient, intents: &[&Intent]) -> Result<Vec<Difference>, String> {
    let read = block_on(variants_by_sku(client, &skus(intents))).map_err(|e| format!("Shopify: {e}"))?;
    let mut out = Vec::new();
    for i in intents {
        let v = read.iter().find(|v| Some(v.sku.as_str()) == i.values.get("sku").and_then(Value::as_str));
        out.extend(differs(i, "price", v.map_or(Value::Null, |v| json!(v.price))));
        out.extend(differs(
            i,
            "compare_at_price",
            v.and_then(|v| v.compare_at_price.clone()).map_or(Value::Null, |c| json!(c)),
        ));
    }
    Ok(out)
}
