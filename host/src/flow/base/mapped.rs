//! A flow's mapping applied to whole canonical records, for destinations that take records (a
//! connector plugin, or the shadow journal of such a flow): the record's fields and `extra.KEY`
//! set by the mapping and its rules, or the record skipped.

use crate::config::FlowConfig;
use crate::domain::mapping::{Applied, Mapping};
use crate::model::{KeyedRecord, PluginError, Record};

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
