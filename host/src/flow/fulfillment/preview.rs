//! What a shipment flow would send to Shopify for one record.

use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The shipment as it would be sent (its lines are matched to the order's fulfillment orders when
/// it is written).
pub fn preview(_ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Fulfillment(_) = record else {
        return Err(PluginError::invalid("record", "a fulfillment flow takes fulfillment records"));
    };
    Ok(json!({"operation": "fulfillmentCreate", "record": record, "dropped": []}))
}
