//! What an external-order flow would send for one record.

use super::{order_input, variants};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The `orderCreate` input of an order record (its lines resolved to Shopify's variants).
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Order(o) = record else {
        return Err(PluginError::invalid("record", "an order flow takes order records"));
    };
    Ok(json!({"operation": "orderCreate", "input": order_input(o, &variants(ctx, o)?)?, "dropped": []}))
}
