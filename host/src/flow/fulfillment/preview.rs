//! What a shipment flow would send to Shopify for one record.

use super::mapped_input;
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The shipment's `FulfillmentInput` as the flow's mapping completes it (its lines are matched to
/// the order's fulfillment orders when it is written, so `lineItemsByFulfillmentOrder` is not in
/// it), with the record.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Fulfillment(f) = record else {
        return Err(PluginError::invalid("record", "a fulfillment flow takes fulfillment records"));
    };
    Ok(match mapped_input(&ctx.mapping()?, (ctx.flow_name, ctx.flow), f)? {
        Ok(m) => json!({
            "operation": "fulfillmentCreate", "input": m.input, "record": record, "dropped": m.dropped,
            "rule": m.applied.rule, "mapped": m.applied.targets,
        }),
        Err(why) => json!({"operation": null, "skipped": why, "record": record}),
    })
}
