//! Writing external orders (orderCreate) and fulfillments to Shopify.

use super::shopify_out::ShopifyContext;
use crate::plugin::bindings::types::{KeyedRecord, PluginError, Pushed};

/// Write records to Shopify; one outcome per record.
pub fn push(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Pushed, PluginError>> {
    let message = format!("flow {}: writing external orders (orderCreate) and fulfillments to Shopify is not available in this build", ctx.flow_name);
    records.iter().map(|_| Err(PluginError::Permanent(message.clone()))).collect()
}
