//! What an external-order flow would send for one record.

use super::{mapped_order_input, variants};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The `orderCreate` input of an order record (its lines resolved to Shopify's variants), as the
/// flow's mapping completes it.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Order(o) = record else {
        return Err(PluginError::invalid("record", "an order flow takes order records"));
    };
    let owners = ctx.flow.ownership();
    Ok(match mapped_order_input(&ctx.mapping()?, (ctx.flow_name, &owners), o, &variants(ctx, o)?)? {
        Ok(m) => json!({
            "operation": "orderCreate", "input": m.input, "dropped": m.dropped, "rule": m.applied.rule, "mapped": m.applied.targets,
        }),
        Err(why) => json!({"operation": null, "skipped": why}),
    })
}
