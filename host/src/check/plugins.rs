//! The plugins of the config: each connection's and transform's plugin exists and loaded, is of
//! the right kind, moves each flow's records in the flow's direction, and each connection used
//! by a flow answers `check()`.

use super::{Finding, Level};
use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::ToJobError;
use crate::flow::FlowEngine;
use crate::model::{Direction, Entity, PluginError, PluginInfo};
use crate::plugin::PluginKind;
use crate::store::ErrorClass;

/// The findings of every connection and transform.
pub(super) fn check(engine: &FlowEngine) -> Vec<Finding> {
    let config = engine.config();
    let mut out = Vec::new();
    for (name, conn) in &config.connections {
        let key = format!("connections.{name}.plugin");
        if let Some(kind) = loaded_kind(engine, &conn.plugin, &key, &mut out) {
            if kind != PluginKind::Connector {
                out.push(Finding::new(
                    Level::Error,
                    key,
                    format!("plugin `{}` is a {kind}; a connection needs a connector", conn.plugin),
                ));
                continue;
            }
            connection(engine, name, &mut out);
        }
    }
    for (name, t) in &config.transforms {
        let key = format!("transforms.{name}.plugin");
        if let Some(kind) = loaded_kind(engine, &t.plugin, &key, &mut out) {
            if kind != PluginKind::Transform {
                out.push(Finding::new(
                    Level::Error,
                    key,
                    format!("plugin `{}` is a {kind}; a transform needs a transform plugin", t.plugin),
                ));
            }
        }
    }
    out
}

/// The kind of loaded plugin `id`; a finding when it is missing or was refused.
fn loaded_kind(engine: &FlowEngine, id: &str, key: &str, out: &mut Vec<Finding>) -> Option<PluginKind> {
    let host = engine.plugins();
    if let Some(p) = host.plugin(id) {
        return Some(p.manifest.kind);
    }
    let message = match host.refused().iter().find(|r| r.id == id) {
        Some(refused) => format!("plugin `{id}` was refused: {}", refused.reason),
        None => {
            let known: Vec<String> = host.plugins().map(|p| p.manifest.id.clone()).collect();
            let closest =
                known.iter().min_by_key(|k| strsim::levenshtein(k, id)).filter(|k| strsim::levenshtein(k, id) <= 3);
            format!(
                "no plugin `{id}` in {} (loaded: {}){}",
                engine.config().plugins.dir.display(),
                if known.is_empty() { "none".into() } else { known.join(", ") },
                closest.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default()
            )
        }
    };
    out.push(Finding::new(Level::Error, key, message));
    None
}

/// What connection `name` supports against its flows, and its `check()`.
fn connection(engine: &FlowEngine, name: &str, out: &mut Vec<Finding>) {
    let key = format!("connections.{name}");
    let mut session = match engine.scratch_session(&Endpoint::Connection(name.to_owned())) {
        Ok(s) => s,
        Err(e) => return out.push(Finding::new(Level::Error, key, e)),
    };
    let info = match session.describe() {
        Ok(info) => info,
        Err(e) => return out.push(Finding::new(Level::Error, key, format!("describe() failed: {e}"))),
    };
    for (flow_name, flow) in &engine.config().flows {
        out.extend(direction(name, flow_name, flow, &info));
        out.extend(adjustments(name, flow_name, flow, &info));
    }
    let used = engine.config().flows.values().any(|f| f.from.name() == name || f.to.name() == name);
    if !used {
        return out.push(Finding::new(Level::Warning, key, "no flow uses this connection"));
    }
    match session.check() {
        Ok(Ok(())) => out.push(Finding::new(Level::Ok, key, format!("{} {} answers check()", info.id, info.version))),
        Ok(Err(e)) => {
            let level = match &e {
                PluginError::Retryable(_) | PluginError::RateLimited(_) => Level::Unverified,
                _ => Level::Error,
            };
            out.push(Finding::new(level, key, format!("check() failed: {}", e.job_error().message)));
        }
        Err(e) => {
            let level = if e.class() == ErrorClass::Deadline { Level::Unverified } else { Level::Error };
            out.push(Finding::new(level, key, format!("check() failed: {e}")));
        }
    }
}

/// Whether the source connector of a hybrid inventory flow books adjustments (push of
/// `inventory_adjustment`): Shopify's changes go back to it.
fn adjustments(connection: &str, flow_name: &str, flow: &FlowConfig, info: &PluginInfo) -> Option<Finding> {
    let books = info
        .entities
        .iter()
        .any(|s| s.entity == Entity::InventoryAdjustment && matches!(s.direction, Direction::Push | Direction::Both));
    (flow.is_hybrid() && flow.from.name() == connection && !books).then(|| {
        Finding::new(
            Level::Error,
            format!("flows.{flow_name}.direction"),
            format!(
                "connector `{}` of connection `{connection}` does not book inventory adjustments, which a hybrid flow sends it",
                info.id
            ),
        )
    })
}

/// Whether the connector moves `flow`'s records the way the flow needs (pull from it, push to it).
fn direction(connection: &str, flow_name: &str, flow: &FlowConfig, info: &PluginInfo) -> Option<Finding> {
    let entity = flow.object.entity();
    let (needed, verb) = if flow.from.name() == connection {
        (Direction::Pull, "pull")
    } else if flow.to.name() == connection {
        (Direction::Push, "push")
    } else {
        return None;
    };
    let supported =
        info.entities.iter().any(|s| s.entity == entity && (s.direction == needed || s.direction == Direction::Both));
    let list: Vec<String> =
        info.entities.iter().map(|s| format!("{} {:?}", s.entity.name(), s.direction).to_lowercase()).collect();
    (!supported).then(|| {
        Finding::new(
            Level::Error,
            format!("flows.{flow_name}.object"),
            format!(
                "connector `{}` of connection `{connection}` does not {verb} {} records (it supports: {})",
                info.id,
                entity.name(),
                if list.is_empty() { "nothing".into() } else { list.join(", ") }
            ),
        )
    })
}
