//! Customers into Shopify: matched by e-mail first (`customerSet` upserts on it), then by the id
//! weft linked earlier for the same ERP customer; so an ERP customer is one Shopify customer
//! however often it is sent, and a buyer who checked out as a guest is not doubled. The flow's
//! managed metafields follow each customer written.

use super::fields::owned_fields;
use crate::config::metafields::MetafieldOwner;
use crate::domain::mapping::{Applied, Mapping};
use crate::domain::ownership::Owner;
use crate::flow::base::metafields;
use crate::flow::base::{block_on, limits, request_error, ShopifyContext, Written};
use crate::model::{Customer, KeyedRecord, PluginError, Record};
use crate::shopify::{queries, Priority, RecordError};
use crate::store::IdLink;
use serde_json::{json, Value};

/// The id map's name for customers.
const OBJECT: &str = "customer";

/// Write records to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let owners = ctx.flow.ownership();
    let mapping = match ctx.mapping() {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut out: Vec<Result<Written, PluginError>> = records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Customer(c) => {
                let sent = owned_fields(c, &owners, Owner::Shopify, ctx.flow_name).0;
                match mapped_input(&mapping, c, &sent)? {
                    Ok((input, _)) => write_one(ctx, &sent, input),
                    Err(why) => Ok(Written::Skipped(why)),
                }
            }
            _ => Err(PluginError::invalid("record", format!("flow {} writes only customers", ctx.flow_name))),
        })
        .collect();
    let values = records.iter().map(|keyed| match &keyed.record {
        Record::Customer(c) => Some((c.external_id.as_str(), c.metafields.as_slice())),
        _ => None,
    });
    metafields::write_owners(ctx, MetafieldOwner::Customer, values, &mut out);
    out
}

/// The `CustomerSetInput` for `sent` (the customer without the fields Shopify owns) completed by
/// the flow's mapping over the whole record `c`; `Ok(Err(why))` when the mapping skips it.
pub fn mapped_input(
    mapping: &Mapping,
    c: &Customer,
    sent: &Customer,
) -> Result<Result<(Value, Applied), String>, PluginError> {
    let mut input = input(sent);
    let applied = mapping.apply_to_input(c, &mut input).map_err(|e| PluginError::invalid("mapping", e))?;
    if let Some(why) = applied.skipped {
        return Ok(Err(why));
    }
    Ok(Ok((input, applied)))
}

/// The `CustomerSetInput` for `c` (fields Shopify owns already taken out); a field without a
/// value is left out, so Shopify keeps its own.
pub fn input(c: &Customer) -> Value {
    let addresses: Vec<Value> = c
        .addresses
        .iter()
        .map(|a| {
            json!({"firstName": a.first_name, "lastName": a.last_name, "company": a.company, "address1": a.address1, "address2": a.address2,
                   "city": a.city, "provinceCode": a.province_code, "zip": a.zip, "countryCode": a.country_code, "phone": a.phone})
        })
        .collect();
    let mut input = json!({"email": c.email, "firstName": c.first_name, "lastName": c.last_name, "phone": c.phone, "tags": c.tags, "addresses": addresses});
    if let Some(fields) = input.as_object_mut() {
        fields.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
    }
    input
}

fn write_one(ctx: &ShopifyContext<'_>, c: &Customer, input: Value) -> Result<Written, PluginError> {
    let linked = ctx
        .links()
        .get(OBJECT, &c.external_id)
        .map_err(|e| PluginError::Retryable(e.to_string()))?
        .and_then(|l| l.shopify);
    let identifier = match (&c.email, &linked) {
        (Some(email), _) => json!({"email": email}),
        (None, Some(id)) => json!({"id": id}),
        (None, None) => Value::Null,
    };
    limits::check(&input, limits::CUSTOMER_SET, "")?;
    let vars = json!({"input": input, "identifier": identifier});
    let response =
        block_on(ctx.client.execute(&queries::CUSTOMER_SET, vars, Priority::Catalog)).map_err(|e| request_error(&e))?;
    let payload = &response.data["customerSet"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        let field = if e.field.is_empty() { "customer".to_owned() } else { e.field.join(".") };
        return Err(PluginError::invalid(&field, e.message));
    }
    let id = payload["customer"]["id"]
        .as_str()
        .ok_or_else(|| PluginError::Permanent("customerSet returned no customer".into()))?
        .to_owned();
    let link = IdLink { erp: Some(c.external_id.clone()), shopify: Some(id.clone()) };
    ctx.links()
        .link_all(OBJECT, &[(c.external_id.clone(), link)])
        .map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(if linked.is_none() { Written::Created(id) } else { Written::Updated(id) })
}
