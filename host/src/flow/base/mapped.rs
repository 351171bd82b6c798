//! A flow's mapping applied to whole canonical records, for destinations that take records (a
//! connector plugin, or the shadow journal of such a flow): the record's fields and `extra.KEY`
//! set by the mapping and its rules, or the record skipped.

use crate::config::FlowConfig;
use crate::domain::mapping::{Applied, Mapping};
use crate::domain::ownership::{Field, Ownership};
use crate::model::{KeyedRecord, PluginError, Record};
use serde_json::Value;

/// What the mapping made of one record on its way to an ERP.
#[derive(Debug)]
pub enum Mapped {
    /// The record to write (mapped).
    Write(KeyedRecord, Applied),
    /// Not written: the mapping skips it, and why.
    Skip(String),
}

/// `record` through `mapping`; records of another entity than the flow's (an order's changes)
/// pass unchanged.
pub fn map_record(mapping: &Mapping, flow: &FlowConfig, keyed: &KeyedRecord) -> Result<Mapped, PluginError> {
    if mapping.is_empty() || keyed.record.entity() != flow.object.entity() {
        return Ok(Mapped::Write(keyed.clone(), Applied::default()));
    }
    let fail = |e: String| PluginError::invalid("mapping", e);
    let (record, applied) = match &keyed.record {
        Record::Product(r) => mapping.apply_to_record(r).map(|(r, a)| (Record::Product(r), a)),
        Record::InventoryLevel(r) => mapping.apply_to_record(r).map(|(r, a)| (Record::InventoryLevel(r), a)),
        Record::Order(r) => mapping.apply_to_record(&**r).map(|(r, a)| (Record::Order(Box::new(r)), a)),
        Record::Customer(r) => mapping.apply_to_record(r).map(|(r, a)| (Record::Customer(r), a)),
        Record::Price(r) => mapping.apply_to_record(r).map(|(r, a)| (Record::Price(r), a)),
        Record::Fulfillment(r) => mapping.apply_to_record(r).map(|(r, a)| (Record::Fulfillment(r), a)),
        Record::OrderChange(_) | Record::InventoryAdjustment(_) => Ok((keyed.record.clone(), Applied::default())),
    }
    .map_err(fail)?;
    Ok(match applied.skipped.clone() {
        Some(why) => Mapped::Skip(why),
        None => Mapped::Write(KeyedRecord { key: keyed.key.clone(), record }, applied),
    })
}

/// A Shopify mutation's input as a flow's mapping completed it, without the fields Shopify owns.
#[derive(Debug)]
pub struct MappedInput {
    /// The input.
    pub input: Value,
    /// What the mapping did.
    pub applied: Applied,
    /// Fields the record had a value for that Shopify owns, so not sent.
    pub dropped: Vec<&'static str>,
}

impl MappedInput {
    /// `input` without the top-level fields of `targets` (input key, field) that have a value
    /// and that Shopify owns (`owners`, logged for record `key` of `flow`).
    pub fn owned(
        mut input: Value,
        applied: Applied,
        targets: &[(&str, Field)],
        (flow, owners): (&str, &Ownership),
        key: &str,
    ) -> MappedInput {
        let mut dropped = Vec::new();
        if let Some(fields) = input.as_object_mut() {
            for (target, field) in targets {
                let valued =
                    fields.get(*target).is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
                if valued && !owners.erp_may_write(*field, flow, key) {
                    fields.remove(*target);
                    dropped.push(field.name());
                }
            }
        }
        MappedInput { input, applied, dropped }
    }
}
