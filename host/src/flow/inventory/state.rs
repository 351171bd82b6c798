//! What the inventory flow remembers per (flow, SKU, Shopify location): the last value it
//! pushed, Shopify's value before, when, and the trace that explains it. Kept in the store.

use crate::domain::available::Trace;
use crate::store::{StateTable, Store};
use serde::{Deserialize, Serialize};

const TABLE: StateTable = StateTable::InventoryLevels;

/// The last push of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pushed {
    /// `gid://shopify/InventoryItem/...`
    pub item: String,
    /// The value set in Shopify.
    pub pushed: i64,
    /// What Shopify had just before (the compare-and-set value).
    pub before: Option<i64>,
    /// When (ms since the epoch).
    pub at_ms: u64,
    /// How the ERP's number was computed.
    pub trace: Trace,
    /// A compare-and-set conflict resolved on the way, described.
    pub conflict: Option<String>,
    /// The job of the newest level read by the flow's pull that was applied (written or found
    /// unchanged): a read from an older job is stale.
    #[serde(default)]
    pub read_job: u64,
}

fn key(flow: &str, sku: &str, location: &str) -> String {
    format!("{sku}\u{1f}{flow}\u{1f}{location}")
}

/// The last push of `sku` at `location` in `flow`.
pub fn get(store: &Store, flow: &str, sku: &str, location: &str) -> Option<Pushed> {
    get_all(store, flow, &[(sku, location)]).pop().flatten()
}

/// The last pushes of `levels` (SKU, location) in `flow`, in their order, read at once (a level
/// whose push cannot be read is taken as never pushed, as [`get`] does).
pub fn get_all(store: &Store, flow: &str, levels: &[(&str, &str)]) -> Vec<Option<Pushed>> {
    let keys: Vec<String> = levels.iter().map(|(sku, location)| key(flow, sku, location)).collect();
    match store.state_get_all(TABLE, &keys.iter().map(String::as_str).collect::<Vec<_>>()) {
        Ok(values) => values.into_iter().map(|v| v.and_then(|b| serde_json::from_slice(&b).ok())).collect(),
        Err(_) => vec![None; levels.len()],
    }
}

/// Remember pushes, in one transaction.
pub fn put_all(store: &Store, flow: &str, pushes: &[Pushed]) -> Result<(), String> {
    let entries: Vec<(String, Option<Vec<u8>>)> = pushes
        .iter()
        .map(|p| serde_json::to_vec(p).map(|body| (key(flow, &p.trace.sku, &p.trace.shopify_location), Some(body))))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    store.state_write(TABLE, &entries).map_err(|e| e.to_string())
}

/// Forget the last push of `sku` at `location`: the next push reads Shopify's value first
/// instead of skipping a level equal to what was pushed (reconcile `--heal`, `weft runs revert`).
pub fn forget(store: &Store, flow: &str, sku: &str, location: &str) -> Result<(), String> {
    store.state_write(TABLE, &[(key(flow, sku, location), None)]).map_err(|e| e.to_string())
}

/// Whether any push is remembered at all.
pub fn any(store: &Store) -> bool {
    store.state_keys(TABLE, "", 1).is_ok_and(|k| !k.is_empty())
}

/// Every remembered push of `sku` (in any inventory flow, at any location), for `weft explain`.
pub fn all_for_sku(store: &Store, sku: &str) -> Result<Vec<(String, Pushed)>, String> {
    let mut out = Vec::new();
    for k in store.state_keys(TABLE, &format!("{sku}\u{1f}"), usize::MAX).map_err(|e| e.to_string())? {
        let Some(flow) = k.split('\u{1f}').nth(1) else { continue };
        if let Some(p) =
            store.state_get(TABLE, &k).ok().flatten().and_then(|b| serde_json::from_slice::<Pushed>(&b).ok())
        {
            out.push((flow.to_owned(), p));
        }
    }
    Ok(out)
}
