//! What a customer flow would send to Shopify for one record.

use super::{mapped_input, owned_fields};
use crate::domain::ownership::Owner;
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The `customerSet` input of a customer record, with the fields Shopify owns left out.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Customer(c) = record else {
        return Err(PluginError::invalid("record", "a customer flow takes customer records"));
    };
    let (sent, dropped) = owned_fields(c, &ctx.flow.ownership(), Owner::Shopify, ctx.flow_name);
    Ok(match mapped_input(&ctx.mapping()?, c, &sent)? {
        Ok((input, applied)) => json!({
            "operation": "customerSet", "input": input, "dropped": dropped, "rule": applied.rule, "mapped": applied.targets,
        }),
        Err(why) => json!({"operation": null, "skipped": why}),
    })
}
