//! Customer field ownership: first/last name, phone, addresses and tags belong to the flow's
//! source unless configured; a write never carries a field its destination owns (Shopify's
//! `customerSet`, and ERP pushes of customers and of the buyers of orders). The e-mail is the
//! match key on both sides and always sent.

use crate::config::FlowConfig;
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::model::{Customer, KeyedRecord, Record};

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
pub fn without_erp_owned(records: &[KeyedRecord], flow_name: &str, flow: &FlowConfig) -> Vec<KeyedRecord> {
    let owners = flow.ownership();
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
