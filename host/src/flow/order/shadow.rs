//! Shadow diff of external orders: whether Shopify has each order the flow would have created.

use crate::config::FlowConfig;
use crate::flow::base::block_on;
use crate::flow::base::shadow::{missing, Difference};
use crate::shopify::orders::find_by_source_identifier;
use crate::shopify::ShopifyClient;
use crate::store::Intent;

/// An `exists` difference for each intended order Shopify does not have.
pub fn compare(client: &ShopifyClient, flow: &FlowConfig, intents: &[&Intent]) -> Result<Vec<Difference>, String> {
    let mut out = Vec::new();
    for i in intents {
        let found = block_on(find_by_source_identifier(client, &format!("{}:{}", flow.from, i.key)))
            .map_err(|e| format!("Shopify: {e}"))?;
        if found.is_none() {
            out.push(missing(i));
        }
    }
    Ok(out)
}
