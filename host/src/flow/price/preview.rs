//! What a price flow would send for one record: variant prices, or a price list's fixed price.

use crate::domain::ownership::{Field, Owner};
use crate::flow::base::ShopifyContext;
use crate::model::{PluginError, Record};
use serde_json::{json, Value};

/// The variant prices a price record would set, with the fields Shopify owns left out.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    let Record::Price(p) = record else {
        return Err(PluginError::invalid("record", "a price flow takes price records"));
    };
    if super::lists::is_list_scope(&p.scope) {
        let state = super::list_state::desired(p);
        let operation = if state.breaks.is_empty() && state.rule.is_none() {
            "priceListFixedPricesAdd"
        } else {
            "quantityPricingByVariantUpdate"
        };
        let mut input = state.to_json();
        input["sku"] = json!(p.sku);
        input["scope"] = json!(p.scope);
        input["currency"] = json!(p.price.currency);
        return Ok(json!({"operation": operation, "input": input, "dropped": []}));
    }
    let owners = ctx.flow.ownership();
    let mapped = match super::write::mapped(&ctx.mapping()?, p)? {
        Ok(mapped) => mapped,
        Err(why) => return Ok(json!({"operation": null, "skipped": why})),
    };
    let mut dropped = Vec::new();
    let mut input = json!({"sku": p.sku, "scope": p.scope});
    for (field, key, value) in [
        (Field::Price, "price", Some(&mapped.price)),
        (Field::CompareAtPrice, "compareAtPrice", mapped.compare_at.as_ref()),
    ] {
        match value {
            Some(amount) if owners.owner(field) == Owner::Erp => input[key] = json!(amount),
            Some(_) => dropped.push(field.name()),
            None => {}
        }
    }
    Ok(json!({"operation": "productVariantsBulkUpdate", "input": input, "dropped": dropped}))
}
