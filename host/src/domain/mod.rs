//! The canonical model's rules, independent of any system: identity keys, field ownership,
//! CEL mapping expressions, and the available-quantity formula with its explain trace.

pub mod available;
pub mod expr;
pub mod identity;
pub mod mapping;
pub mod ownership;

use crate::config::FlowConfig;

/// Check the catalog and inventory keys of flow `name`; the error is (dotted key, reason).
pub fn validate_flow(flow: &FlowConfig, name: &str) -> Result<(), (String, String)> {
    let key = |k: &str| format!("flows.{name}.{k}");
    if let Some(skip) = &flow.skip_if {
        expr::Expr::compile(skip).map_err(|r| (key("skip_if"), r))?;
    }
    for (field, source) in &flow.mapping {
        mapping::check_target(field).map_err(|r| (key(&format!("mapping.{field}")), r))?;
        expr::Expr::compile(source).map_err(|r| (key(&format!("mapping.{field}")), r))?;
    }
    for (field, _) in &flow.ownership {
        ownership::Field::parse(field).map_err(|r| (key(&format!("ownership.{field}")), r))?;
    }
    if let Some(channel) = &flow.channel {
        if flow.channels.get(channel).is_none_or(|c| c.price_list.is_none()) {
            return Err((key("channel"), format!("no [flows.{name}.channels.{channel}] with a price_list")));
        }
    }
    available::Rules::from_flow(flow).map_err(|(k, r)| (key(&k), r))?;
    Ok(())
}
