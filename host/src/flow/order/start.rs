//! Where a flow of shop orders starts: `since` in its config — a date or an RFC 3339 time, or
//! `now` (the default), which is the moment the flow first looked and is kept in the store so it
//! never moves. Orders placed before it are history: read only by `weft backfill`.

use crate::config::FlowConfig;
use crate::domain::since::parse;
use crate::flow::base::ShopifyContext;
use crate::model::PluginError;
use crate::store::{StateTable, Store};

/// Fix the start of a flow whose `since` is `now` the first time weft runs it (kept from then
/// on), so an order placed after weft started is never taken for history.
pub fn establish(store: &Store, flow_name: &str, flow: &FlowConfig, now_ms: u64) -> Result<(), String> {
    if parse(flow.since.as_deref().unwrap_or("now"))?.is_some() {
        return Ok(());
    }
    let key = key(flow_name, "start");
    if store.state_get(StateTable::Orders, &key).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    store.state_write(StateTable::Orders, &[(key, Some(rfc3339(now_ms).into_bytes()))]).map_err(|e| e.to_string())
}

fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The flow's start: its configured time, or the moment it first ran (stored then).
pub fn of(ctx: &ShopifyContext<'_>) -> Result<String, PluginError> {
    let configured = parse(ctx.flow.since.as_deref().unwrap_or("now")).map_err(|m| PluginError::invalid("since", m))?;
    if let Some(at) = configured {
        return Ok(at);
    }
    let key = key(ctx.flow_name, "start");
    let stored = ctx.store.state_get(StateTable::Orders, &key).map_err(|e| PluginError::Retryable(e.to_string()))?;
    if let Some(at) = stored.and_then(|b| String::from_utf8(b).ok()) {
        return Ok(at);
    }
    let now = rfc3339(ctx.clock.now_ms());
    ctx.store
        .state_write(StateTable::Orders, &[(key, Some(now.clone().into_bytes()))])
        .map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(now)
}

fn key(flow_name: &str, what: &str) -> String {
    format!("{flow_name}\u{1f}{what}")
}

/// Remember that a backfill asked for the orders placed since `from` (RFC 3339): the flow's
/// reach goes back to it.
pub fn remember_backfill(store: &Store, flow_name: &str, from: &str) -> Result<(), String> {
    let earlier = match store.state_get(StateTable::Orders, &key(flow_name, "backfill")).map_err(|e| e.to_string())? {
        Some(b) => {
            String::from_utf8(b).ok().filter(|known| !later_than(known, from)).unwrap_or_else(|| from.to_owned())
        }
        None => from.to_owned(),
    };
    store
        .state_write(StateTable::Orders, &[(key(flow_name, "backfill"), Some(earlier.into_bytes()))])
        .map_err(|e| e.to_string())
}

/// How far back the ERP has the shop's orders: the flow's start, or an earlier backfill's date
/// (none: the flow never ran and no backfill was asked for).
pub fn reach(store: &Store, flow_name: &str, flow: &FlowConfig) -> Result<Option<String>, String> {
    let stored = |what: &str| -> Result<Option<String>, String> {
        Ok(store
            .state_get(StateTable::Orders, &key(flow_name, what))
            .map_err(|e| e.to_string())?
            .and_then(|b| String::from_utf8(b).ok()))
    };
    let start = match parse(flow.since.as_deref().unwrap_or("now"))? {
        Some(at) => Some(at),
        None => stored("start")?,
    };
    Ok(match (start, stored("backfill")?) {
        (Some(s), Some(b)) => Some(if later_than(&s, &b) { b } else { s }),
        (s, b) => s.or(b),
    })
}

/// Whether RFC 3339 time `a` is after `b`.
fn later_than(a: &str, b: &str) -> bool {
    match (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
    }
}
