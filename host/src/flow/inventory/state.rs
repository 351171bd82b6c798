//! What the inventory flow remembers per (flow, SKU, Shopify location): the last value it
//! pushed, Shopify's value before, when, and the trace that explains it. Kept in the store.

use crate::domain::available::Trace;
use crate::store::{PluginKv, Store};
use serde::{Deserialize, Serialize};

/// The kv namespace of the inventory flow's state.
const NAMESPACE: &str = "weft:inventory";

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
}

fn kv(store: &Store) -> PluginKv {
    store.plugin_kv(NAMESPACE, u64::MAX)
}

fn key(flow: &str, sku: &str, location: &str) -> String {
    format!("{sku}\u{1f}{flow}\u{1f}{location}")
}

/// The last push of `sku` at `location` in `flow`.
pub fn get(store: &Store, flow: &str, sku: &str, location: &str) -> Option<Pushed> {
    kv(store).get(&key(flow, sku, location)).ok().flatten().and_then(|b| serde_json::from_slice(&b).ok())
}

/// Remember pushes, in one transaction.
pub fn put_all(store: &Store, flow: &str, pushes: &[Pushed]) -> Result<(), String> {
    let entries: Vec<(String, Vec<u8>)> = pushes
        .iter()
        .map(|p| serde_json::to_vec(p).map(|body| (key(flow, &p.trace.sku, &p.trace.shopify_location), body)))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let refs: Vec<(&str, Option<&[u8]>)> = entries.iter().map(|(k, v)| (k.as_str(), Some(v.as_slice()))).collect();
    kv(store).write_all(&refs).map_err(|e| e.to_string())
}

/// Forget the last push of `sku` at `location`: the next push reads Shopify's value first
/// instead of skipping a level equal to what was pushed (reconcile `--heal`, `weft runs revert`).
pub fn forget(store: &Store, flow: &str, sku: &str, location: &str) -> Result<(), String> {
    kv(store).delete(&key(flow, sku, location)).map_err(|e| e.to_string())
}

/// Whether any push is remembered at all.
pub fn any(store: &Store) -> bool {
    kv(store).list_keys("", 1).is_ok_and(|k| !k.is_empty())
}

/// Every remembered push of `sku` (in any inventory flow, at any location), for `weft explain`.
pub fn all_for_sku(store: &Store, sku: &str) -> Result<Vec<(String, Pushed)>, String> {
    let kv = kv(store);
    let mut out = Vec::new();
    for k in kv.list_keys(&format!("{sku}\u{1f}"), usize::MAX).map_err(|e| e.to_string())? {
        let Some(flow) = k.split('\u{1f}').nth(1) else { continue };
        if let Some(p) = kv.get(&k).ok().flatten().and_then(|b| serde_json::from_slice::<Pushed>(&b).ok()) {
            out.push((flow.to_owned(), p));
        }
    }
    Ok(out)
}
