//! ERP categories → manual collections, only when the flow gives collections to the ERP
//! (`ownership.collections = "erp"`; otherwise nothing about collections is written).
//!
//! A category is the collection under the handle made from it ([`super::write::slug`]): the one
//! weft made before, else a new manual collection titled by the category. A product is put in the
//! collections of the categories it lists and taken out of the ones weft put it in that it no
//! longer lists. A collection weft did not make (one the merchant has under that handle, a smart
//! one) is never touched: the product is not put in it and the record reports it.
//!
//! State ([`StateTable::CatalogHashes`]): `flow \x1f collection \x1f handle` → the id of a
//! collection weft made; `flow \x1f collections \x1f ERP product id` → the handles it put the
//! product in.

use super::write::slug;
use crate::domain::ownership::{Field, Owner};
use crate::flow::base::{request_error, write_error, ShopifyContext};
use crate::model::{PluginError, Product};
use crate::shopify::collections::{change_products, collection_by_handle, create_collection};
use crate::store::StateTable;
use std::collections::BTreeMap;

/// Whether the flow writes collections.
pub(super) fn erp_owns(ctx: &ShopifyContext<'_>) -> bool {
    ctx.flow.ownership().owner(Field::Collections) == Owner::Erp
}

/// The collections `p` belongs to: handle → title, each once.
fn wanted(p: &Product) -> BTreeMap<String, String> {
    p.collections.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| (slug(c), c.to_owned())).collect()
}

/// What the content hash of the product covers of its collections (empty when not written).
pub(super) fn digest(ctx: &ShopifyContext<'_>, p: &Product) -> String {
    if !erp_owns(ctx) {
        return String::new();
    }
    format!("{:?}", wanted(p))
}

fn member_key(ctx: &ShopifyContext<'_>, p: &Product) -> String {
    format!("{}\u{1f}collections\u{1f}{}", ctx.flow_name, p.external_id)
}

fn collection_key(ctx: &ShopifyContext<'_>, handle: &str) -> String {
    format!("{}\u{1f}collection\u{1f}{handle}", ctx.flow_name)
}

fn state<T: serde::de::DeserializeOwned>(ctx: &ShopifyContext<'_>, key: &str) -> Option<T> {
    let bytes = ctx.store.state_get(StateTable::CatalogHashes, key).ok().flatten()?;
    serde_json::from_slice(&bytes).ok()
}

fn put(ctx: &ShopifyContext<'_>, key: String, value: &impl serde::Serialize) -> Result<(), PluginError> {
    let bytes = serde_json::to_vec(value).map_err(|e| PluginError::Permanent(e.to_string()))?;
    ctx.store
        .state_write(StateTable::CatalogHashes, &[(key, Some(bytes))])
        .map_err(|e| PluginError::Retryable(e.to_string()))
}

/// One at a time: two products of a wave naming a new category create it once.
static MAKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The collection weft made for `handle`, made now when the shop has none under it; `Err(reason)`
/// when the shop has one weft did not make.
async fn collection(
    ctx: &ShopifyContext<'_>,
    handle: &str,
    title: &str,
) -> Result<Result<String, String>, PluginError> {
    let _one = MAKING.lock().await;
    if let Some(id) = state::<String>(ctx, &collection_key(ctx, handle)) {
        return Ok(Ok(id));
    }
    if let Some(found) = collection_by_handle(ctx.client, handle).await.map_err(|e| request_error(&e))? {
        let kind = if found.smart { "a smart collection" } else { "a collection weft did not make" };
        return Ok(Err(format!("category `{title}`: the shop has {kind} under `{handle}`; left alone")));
    }
    let id = create_collection(ctx.client, title, handle).await.map_err(|e| write_error(&e, "collections"))?;
    tracing::info!(flow = ctx.flow_name, handle, "created a collection for an ERP category");
    put(ctx, collection_key(ctx, handle), &id)?;
    Ok(Ok(id))
}

/// Put the Shopify product `product` in the collections of `p`'s categories and take it out of the
/// ones it left (see the module doc); the categories left alone, as problems.
pub(super) async fn sync(ctx: &ShopifyContext<'_>, p: &Product, product: &str) -> Result<Vec<String>, PluginError> {
    if !erp_owns(ctx) {
        return Ok(Vec::new());
    }
    let wanted = wanted(p);
    // The handles the product is in, as weft put it: written after each change so a failure
    // halfway leaves what was done.
    let mut placed: Vec<String> = state(ctx, &member_key(ctx, p)).unwrap_or_default();
    let mut problems = Vec::new();
    let ids = [product.to_owned()];
    for (handle, title) in &wanted {
        if placed.contains(handle) {
            continue;
        }
        match collection(ctx, handle, title).await? {
            Ok(id) => {
                change_products(ctx.client, &id, &ids, true).await.map_err(|e| write_error(&e, "collections"))?;
                placed.push(handle.clone());
                put(ctx, member_key(ctx, p), &placed)?;
            }
            Err(problem) => problems.push(problem),
        }
    }
    for handle in placed.clone().iter().filter(|h| !wanted.contains_key(*h)) {
        if let Some(id) = state::<String>(ctx, &collection_key(ctx, handle)) {
            change_products(ctx.client, &id, &ids, false).await.map_err(|e| write_error(&e, "collections"))?;
        }
        placed.retain(|h| h != handle);
        put(ctx, member_key(ctx, p), &placed)?;
    }
    Ok(problems)
}
