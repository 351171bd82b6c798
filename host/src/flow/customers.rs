//! Writing customers to Shopify: matched by e-mail first (`customerSet` upserts on it), then by
//! the id weft linked earlier for the same ERP customer; so an ERP customer is one Shopify
//! customer however often it is sent, and a buyer who checked out as a guest is not doubled.

use super::shopify_in::{invalid, shopify_error};
use super::shopify_out::{block_on, ShopifyContext};
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::plugin::bindings::types::{Customer, KeyedRecord, PluginError, Pushed, Record};
use crate::shopify::{queries, Priority, RecordError};
use crate::store::IdLink;
use serde_json::{json, Value};

/// The id map's name for customers.
const OBJECT: &str = "customer";

/// `c` without the fields `destination` owns (ownership of the flow), and their names. The
/// e-mail is the match key on both sides and always kept.
pub fn owned_fields(c: &Customer, owners: &Ownership, destination: Owner, flow: &str) -> (Customer, Vec<&'static str>) {
    let mut out = c.clone();
    let mut dropped = Vec::new();
    let mut keep = |field: Field, present: bool| {
        let ok = !present || owners.may_write_to(destination, field, flow, &c.external_id);
        if !ok {
            dropped.push(field.name());
        }
        ok
    };
    if !keep(Field::FirstName, c.first_name.is_some()) {
        out.first_name = None;
    }
    if !keep(Field::LastName, c.last_name.is_some()) {
        out.last_name = None;
    }
    if !keep(Field::Phone, c.phone.is_some()) {
        out.phone = None;
    }
    if !keep(Field::Addresses, !c.addresses.is_empty()) {
        out.addresses.clear();
    }
    if !keep(Field::CustomerTags, !c.tags.is_empty()) {
        out.tags.clear();
    }
    (out, dropped)
}

/// Records on their way to an ERP without the customer fields the ERP owns (customers, and the
/// buyer of an order).
pub fn without_erp_owned(records: &[KeyedRecord], flow_name: &str, flow: &crate::config::FlowConfig) -> Vec<KeyedRecord> {
    let owners = Ownership::for_flow(flow);
    records
        .iter()
        .map(|keyed| {
            let record = match &keyed.record {
                Record::Customer(c) => Record::Customer(owned_fields(c, &owners, Owner::Erp, flow_name).0),
                Record::Order(o) => {
                    let mut o = o.clone();
                    o.customer = o.customer.map(|c| owned_fields(&c, &owners, Owner::Erp, flow_name).0);
                    Record::Order(o)
                }
                other => other.clone(),
            };
            KeyedRecord { key: keyed.key.clone(), record }
        })
        .collect()
}

/// Write records to Shopify; one outcome per record.
pub fn push(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Pushed, PluginError>> {
    let owners = Ownership::for_flow(ctx.flow);
    records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Customer(c) => write(ctx, &owned_fields(c, &owners, Owner::Shopify, ctx.flow_name).0),
            _ => Err(invalid("record", format!("flow {} writes only customers", ctx.flow_name))),
        })
        .collect()
}

/// The `CustomerSetInput` for `c` (fields Shopify owns already taken out); a field without a
/// value is left out, so Shopify keeps its own.
pub(super) fn input(c: &Customer) -> Value {
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

fn write(ctx: &ShopifyContext<'_>, c: &Customer) -> Result<Pushed, PluginError> {
    let linked = ctx.store.id_link(OBJECT, &c.external_id).map_err(|e| PluginError::Retryable(e.to_string()))?.and_then(|l| l.shopify);
    let identifier = match (&c.email, &linked) {
        (Some(email), _) => json!({"email": email}),
        (None, Some(id)) => json!({"id": id}),
        (None, None) => Value::Null,
    };
    let vars = json!({"input": input(c), "identifier": identifier});
    let response = block_on(ctx.client.execute(&queries::CUSTOMER_SET, vars, Priority::Catalog)).map_err(|e| shopify_error(&e))?;
    let payload = &response.data["customerSet"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        let field = if e.field.is_empty() { "customer".to_owned() } else { e.field.join(".") };
        return Err(invalid(&field, e.message));
    }
    let id = payload["customer"]["id"].as_str().ok_or_else(|| PluginError::Permanent("customerSet returned no customer".into()))?.to_owned();
    let link = IdLink { erp: Some(c.external_id.clone()), shopify: Some(id.clone()) };
    ctx.store.link_ids(OBJECT, &c.external_id, &link).map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(Pushed { created: linked.is_none(), external_id: id })
}
