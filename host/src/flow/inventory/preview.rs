//! What an inventory flow would set for one record, with the explain trace.

use super::trace::{trace, Computed};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The level a record would set, and how it was computed.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let rules =
        ctx.flow.rules().map_err(|(k, r)| PluginError::Permanent(format!("flows.{}.{k}: {r}", ctx.flow_name)))?;
    Ok(match trace(ctx.flow_name, ctx.flow, &rules, record)? {
        Computed::Level(t) => json!({
            "operation": "inventorySetQuantities",
            "input": {"sku": t.sku, "locationId": t.shopify_location, "name": "available", "quantity": t.available},
            "explain": t.lines(),
            "dropped": [],
        }),
        Computed::Unmapped(reason) => json!({"operation": null, "skipped": reason}),
    })
}
