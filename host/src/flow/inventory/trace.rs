//! How an inventory flow computes one level: the ERP location mapped to a Shopify location and
//! the available formula with buffer and overrides applied. The write path, the preview and
//! reconciliation all compute here.

use crate::config::flow::UnmappedLocation;
use crate::config::FlowConfig;
use crate::domain::available::{Rules, Trace};
use crate::model::{PluginError, Record};

/// What an inventory flow makes of one record.
pub enum Computed {
    /// The level to set, with how it was computed.
    Level(Trace),
    /// Its ERP location is unmapped and the flow skips those: why.
    Unmapped(String),
}

/// Compute one record's level; an unmapped location is skipped or fails as the flow says.
pub fn trace(flow_name: &str, flow: &FlowConfig, rules: &Rules, record: &Record) -> Result<Computed, PluginError> {
    let Record::InventoryLevel(level) = record else {
        return Err(PluginError::invalid("record", "an inventory flow takes inventory-level records"));
    };
    match level.sku.as_deref() {
        Some(s) if !s.trim().is_empty() => {}
        _ => return Err(PluginError::invalid("sku", format!("inventory level {} has no SKU", level.external_id))),
    }
    let Some(location) = flow.locations.get(&level.location) else {
        let message = format!("ERP location {:?} is not mapped in flows.{}.locations", level.location, flow_name);
        return match flow.unmapped_location {
            UnmappedLocation::Skip => {
                tracing::warn!(flow = flow_name, sku = level.sku.as_deref().unwrap_or(""), "{message}; skipped");
                Ok(Computed::Unmapped(message))
            }
            UnmappedLocation::Fail => Err(PluginError::invalid("location", message)),
        };
    };
    rules.compute(level, location).map(Computed::Level).map_err(|e| PluginError::invalid("available", e))
}
