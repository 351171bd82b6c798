//! A bulk snapshot of Shopify's inventory, read once per process and flow when the flow has
//! never pushed anything: a 50k-SKU initial sync then needs one bulk operation instead of
//! thousands of per-SKU queries. Compare-and-set still guards every write, so a snapshot that
//! has aged only costs a re-read of the levels that changed since.

use super::state;
use crate::flow::base::ShopifyContext;
use crate::shopify::inventory::{self as inv, Level};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Levels by SKU.
pub type Snapshot = HashMap<String, Vec<Level>>;

fn cache() -> &'static tokio::sync::Mutex<HashMap<String, Option<Arc<Snapshot>>>> {
    static CACHE: OnceLock<tokio::sync::Mutex<HashMap<String, Option<Arc<Snapshot>>>>> = OnceLock::new();
    CACHE.get_or_init(|| tokio::sync::Mutex::new(HashMap::new()))
}

/// Flows whose store already holds pushes do not need a snapshot.
fn has_pushed(ctx: &ShopifyContext<'_>) -> bool {
    static CHECKED: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut checked = checked.lock().unwrap_or_else(|e| e.into_inner());
    *checked.entry(ctx.flow_name.to_owned()).or_insert_with(|| state::any(ctx.store))
}

/// The snapshot of this flow, taken on first use when the flow never pushed; `None` otherwise
/// (or when the bulk read failed: per-SKU queries take over).
pub async fn get(ctx: &ShopifyContext<'_>) -> Option<Arc<Snapshot>> {
    if has_pushed(ctx) {
        return None;
    }
    let mut cache = cache().lock().await;
    if let Some(done) = cache.get(ctx.flow_name) {
        return done.clone();
    }
    let snapshot = match inv::all_levels_bulk(ctx.client).await {
        Ok(levels) => {
            let mut by_sku: Snapshot = HashMap::new();
            for l in levels {
                by_sku.entry(l.sku.clone()).or_default().push(l);
            }
            tracing::info!(
                flow = ctx.flow_name,
                skus = by_sku.len(),
                "read Shopify's inventory baseline with a bulk operation"
            );
            Some(Arc::new(by_sku))
        }
        Err(e) => {
            tracing::warn!(flow = ctx.flow_name, "bulk inventory baseline failed ({e}); reading levels per SKU");
            None
        }
    };
    cache.insert(ctx.flow_name.to_owned(), snapshot.clone());
    snapshot
}
