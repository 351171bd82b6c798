//! The shop's catalog as onboarding reads it. Before a catalog flow first writes, one bulk query
//! reads every product with its handle and its variants' keys (SKU or barcode: the flow's
//! identity), so ERP products the shop already sells are linked and updated in place whatever
//! their handles, and ambiguous ones are held for a person. Kept per flow in
//! [`StateTable::ShopCatalog`]: `flow \x1f k \x1f KEY` → the products carrying the key (once per
//! variant), `flow \x1f h \x1f HANDLE` → the product with that handle, `flow \x1f @read` → when.

use crate::domain::identity::IdentityKey;
use crate::flow::base::{block_on, request_error, ShopifyContext};
use crate::model::PluginError;
use crate::shopify::{bulk, ShopifyClient, ShopifyError};
use crate::store::{StateTable, Store, StoreResult};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Entries written per transaction when the index is stored.
const CHUNK: usize = 5_000;
/// How long the bulk read of a large shop may take.
const READ_LIMIT: Duration = Duration::from_secs(30 * 60);

/// One product of the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShopProduct {
    /// Its gid.
    pub id: String,
    /// Its handle.
    pub handle: String,
    /// Its title.
    pub title: String,
    /// Its variants' keys (SKU or barcode), in order; a variant without one has none here.
    pub keys: Vec<String>,
}

/// What the shop has for one ERP product's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// None of its keys: it is new to the shop.
    Nothing,
    /// Every key found is on this one product: update it in place.
    One(String),
    /// A key is carried by several variants of the shop: which one is meant is a person's call.
    Duplicate {
        /// The key.
        key: String,
        /// The products of the variants carrying it.
        products: Vec<String>,
    },
    /// Its keys are spread over several products of the shop.
    Spread(Vec<String>),
}

impl Match {
    /// Classify what a lookup found: (key, product) once per variant carrying the key.
    pub fn of(found: &[(String, String)]) -> Match {
        let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (key, product) in found {
            by_key.entry(key).or_default().push(product);
        }
        if let Some((key, products)) = by_key.iter().find(|(_, p)| p.len() > 1) {
            return Match::Duplicate {
                key: (*key).to_owned(),
                products: products.iter().map(|p| (*p).to_owned()).collect(),
            };
        }
        let mut products: Vec<String> = found.iter().map(|(_, p)| p.clone()).collect();
        products.sort();
        products.dedup();
        match products.len() {
            0 => Match::Nothing,
            1 => Match::One(products.remove(0)),
            _ => Match::Spread(products),
        }
    }

    /// Why a person must decide, for a dead letter and the onboarding report; `None` when the
    /// match decides by itself.
    pub fn conflict(&self) -> Option<String> {
        match self {
            Match::Nothing | Match::One(_) => None,
            Match::Duplicate { key, products } => {
                Some(format!("{key:?} is on {} variants of the shop ({})", products.len(), products.join(", ")))
            }
            Match::Spread(products) => Some(format!(
                "its variants are spread over {} products of the shop ({})",
                products.len(),
                products.join(", ")
            )),
        }
    }
}

/// Every product of the shop with its variants' keys, read with one bulk query.
pub async fn read(client: &ShopifyClient, identity: IdentityKey) -> Result<Vec<ShopProduct>, ShopifyError> {
    let query = "{ products { edges { node { id handle title variants { edges { node { id sku barcode } } } } } } }";
    let lines = bulk::export(client, query, Duration::from_millis(250), READ_LIMIT).await?;
    let mut products: Vec<ShopProduct> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        let text = |k: &str| line[k].as_str().unwrap_or_default().to_owned();
        match line["__parentId"].as_str() {
            None => {
                at.insert(text("id"), products.len());
                products.push(ShopProduct {
                    id: text("id"),
                    handle: text("handle"),
                    title: text("title"),
                    keys: Vec::new(),
                });
            }
            Some(parent) => {
                let key = match identity {
                    IdentityKey::Sku => text("sku"),
                    IdentityKey::Barcode => text("barcode"),
                    // The ERP's ids are not in the shop: products are matched by handle only.
                    IdentityKey::ExternalId => String::new(),
                };
                if let (false, Some(i)) = (key.is_empty(), at.get(parent)) {
                    products[*i].keys.push(key);
                }
            }
        }
    }
    Ok(products)
}

/// Each key of the shop with the products carrying it (once per variant).
pub fn by_key(products: &[ShopProduct]) -> BTreeMap<&str, Vec<&str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in products {
        for key in &p.keys {
            out.entry(key).or_default().push(&p.id);
        }
    }
    out
}

fn prefix(flow: &str) -> String {
    format!("{flow}\u{1f}")
}

fn key_entry(flow: &str, key: &str) -> String {
    format!("{flow}\u{1f}k\u{1f}{key}")
}

fn handle_entry(flow: &str, handle: &str) -> String {
    format!("{flow}\u{1f}h\u{1f}{handle}")
}

fn read_entry(flow: &str) -> String {
    format!("{flow}\u{1f}@read")
}

/// Keep `products` as `flow`'s index (what was kept before is replaced), read at `now_ms`.
pub fn keep(store: &Store, flow: &str, products: &[ShopProduct], now_ms: u64) -> StoreResult<()> {
    let old = store.state_keys(StateTable::ShopCatalog, &prefix(flow), usize::MAX)?;
    for chunk in old.chunks(CHUNK) {
        let gone: Vec<(String, Option<Vec<u8>>)> = chunk.iter().map(|k| (k.clone(), None)).collect();
        store.state_write(StateTable::ShopCatalog, &gone)?;
    }
    let mut entries: Vec<(String, Option<Vec<u8>>)> =
        products.iter().map(|p| (handle_entry(flow, &p.handle), Some(p.id.clone().into_bytes()))).collect();
    for (key, ids) in by_key(products) {
        entries.push((key_entry(flow, key), Some(serde_json::to_vec(&ids).unwrap_or_default())));
    }
    for chunk in entries.chunks(CHUNK) {
        store.state_write(StateTable::ShopCatalog, chunk)?;
    }
    store.state_write(StateTable::ShopCatalog, &[(read_entry(flow), Some(now_ms.to_string().into_bytes()))])
}

/// Read the shop's catalog into the flow's index unless onboarding has (before the flow's first
/// write; one reader at a time in this process).
pub fn ensure(ctx: &ShopifyContext<'_>) -> Result<(), PluginError> {
    fresh(ctx, None)
}

/// Read the shop's catalog into the flow's index again unless it was read in the last
/// `within_ms` (a bulk load creates products by the index: what the shop made since onboarding
/// is matched too).
pub fn refresh(ctx: &ShopifyContext<'_>, within_ms: u64) -> Result<(), PluginError> {
    fresh(ctx, Some(within_ms))
}

/// Read the index unless it was read (in the last `within_ms`, when given).
fn fresh(ctx: &ShopifyContext<'_>, within_ms: Option<u64>) -> Result<(), PluginError> {
    static READING: Mutex<()> = Mutex::new(());
    let now = ctx.clock.now_ms();
    let current = || {
        let at = read_at(ctx.store, ctx.flow_name).map_err(|e| PluginError::Retryable(e.to_string()))?;
        Ok::<_, PluginError>(at.is_some_and(|at| within_ms.is_none_or(|w| now.saturating_sub(at) <= w)))
    };
    if current()? {
        return Ok(());
    }
    let _one = READING.lock().unwrap_or_else(|p| p.into_inner());
    if current()? {
        return Ok(());
    }
    let products = block_on(read(ctx.client, ctx.flow.identity)).map_err(|e| request_error(&e))?;
    tracing::info!(
        flow = ctx.flow_name,
        products = products.len(),
        "onboarding: read the shop's catalog into the index"
    );
    keep(ctx.store, ctx.flow_name, &products, ctx.clock.now_ms()).map_err(|e| PluginError::Retryable(e.to_string()))
}

/// When `flow`'s index was read; `None` before onboarding.
pub fn read_at(store: &Store, flow: &str) -> StoreResult<Option<u64>> {
    let at = store.state_get(StateTable::ShopCatalog, &read_entry(flow))?;
    Ok(at.and_then(|b| String::from_utf8(b).ok()).and_then(|t| t.parse().ok()))
}

/// The products of the index carrying each of `keys`: (key, product) once per variant.
pub fn lookup(store: &Store, flow: &str, keys: &[String]) -> StoreResult<Vec<(String, String)>> {
    let mut found = Vec::new();
    for key in keys {
        if let Some(bytes) = store.state_get(StateTable::ShopCatalog, &key_entry(flow, key))? {
            let ids: Vec<String> = serde_json::from_slice(&bytes).unwrap_or_default();
            found.extend(ids.into_iter().map(|id| (key.clone(), id)));
        }
    }
    Ok(found)
}

/// The product of the index that has `handle`.
pub fn handle_owner(store: &Store, flow: &str, handle: &str) -> StoreResult<Option<String>> {
    Ok(store.state_get(StateTable::ShopCatalog, &handle_entry(flow, handle))?.and_then(|b| String::from_utf8(b).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, p)| ((*k).to_owned(), (*p).to_owned())).collect()
    }

    #[test]
    fn a_products_keys_match_one_product_or_need_a_person() {
        assert_eq!(Match::of(&[]), Match::Nothing);
        assert_eq!(Match::of(&found(&[("A", "P1"), ("B", "P1")])), Match::One("P1".into()));
        assert_eq!(Match::of(&found(&[("A", "P1"), ("B", "P2")])), Match::Spread(vec!["P1".into(), "P2".into()]));
        let dup = Match::of(&found(&[("A", "P1"), ("A", "P3"), ("B", "P1")]));
        assert_eq!(dup, Match::Duplicate { key: "A".into(), products: vec!["P1".into(), "P3".into()] });
        assert!(dup.conflict().unwrap().contains("2 variants"));
        assert_eq!(Match::One("P1".into()).conflict(), None);
    }
}
