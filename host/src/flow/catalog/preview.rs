//! What a product flow would send for one record: the same input the write builds.

use super::{handle, product_write};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The `productSet` a product record would make, with the fields Shopify owns left out.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Product(p) = record else {
        return Err(PluginError::invalid("record", "a product flow takes product records"));
    };
    let flow = ctx.flow;
    if p.deleted {
        return Ok(match flow.archive_on_delete {
            true => {
                json!({"operation": "productSet", "handle": handle(p), "input": {"status": "ARCHIVED"}, "dropped": []})
            }
            false => json!({"operation": null, "skipped": "deleted in the ERP; archive_on_delete is off"}),
        });
    }
    let w = product_write(ctx.flow_name, flow, &ctx.mapping()?, &flow.ownership(), p)?;
    Ok(match w.applied.skipped {
        None => json!({
            "operation": "productSet", "handle": handle(p), "input": w.input, "dropped": w.dropped,
            "rule": w.applied.rule, "mapped": w.applied.targets,
        }),
        Some(why) => json!({"operation": null, "skipped": why, "rule": w.applied.rule}),
    })
}
