//! Where an ERP product is written in the shop: the product it is linked to, the one a person
//! chose, the one the shop already sells under its keys (SKU or barcode) whatever its handle, or a
//! new product under a handle no other product has. A product the shop makes ambiguous is not
//! written: a person decides (`flows.NAME.decisions`, listed by `weft onboard`).

use super::index::{self, Match};
use super::write::handle;
use crate::config::catalog::Decision;
use crate::domain::identity::IdentityKey;
use crate::flow::base::{request_error, ShopifyContext};
use crate::model::{PluginError, Product};
use crate::shopify::products::{product_by, product_match, ProductKey, StoredProduct};
use sha2::{Digest, Sha256};

/// Where one ERP product goes.
pub enum Place {
    /// This product of the shop, as it is now: updated in place.
    Existing(StoredProduct),
    /// A new product under this handle.
    New(String),
    /// Nowhere: a person decided so.
    Skipped(String),
}

impl Place {
    /// How `productSet` names it.
    pub fn key(&self) -> Option<ProductKey<'_>> {
        match self {
            Place::Existing(p) => Some(ProductKey::Id(&p.id)),
            Place::New(handle) => Some(ProductKey::Handle(handle)),
            Place::Skipped(_) => None,
        }
    }
}

/// The handle of a product of its own when the ERP's handle is taken by an unrelated product:
/// the same on every attempt, so a retried create finds what the first one made.
pub fn own_handle(p: &Product) -> String {
    format!("{}-{}", handle(p), &hex::encode(Sha256::digest(p.external_id.as_bytes()))[..6])
}

/// The search field of the flow's identity in the shop (none: the ERP's own ids are not there).
pub fn search_field(identity: IdentityKey) -> Option<&'static str> {
    match identity {
        IdentityKey::Sku => Some("sku"),
        IdentityKey::Barcode => Some("barcode"),
        IdentityKey::ExternalId => None,
    }
}

/// Why a person must decide, as the dead letter says it.
fn needs_person(ctx: &ShopifyContext<'_>, p: &Product, why: &str) -> PluginError {
    PluginError::NeedsPerson(format!(
        "ERP product {}: {why}; decide in [flows.{}.decisions] \"{}\" = \"skip\" | \"create\" | \"gid://shopify/Product/N\" (`weft onboard` lists every conflict), then retry it",
        p.external_id, ctx.flow_name, p.external_id
    ))
}

async fn existing(ctx: &ShopifyContext<'_>, id: &str) -> Result<Option<StoredProduct>, PluginError> {
    product_by(ctx.client, ProductKey::Id(id)).await.map_err(|e| request_error(&e))
}

/// Where `p` (with variant keys `keys`, linked to `linked` if weft wrote it before) goes.
pub async fn place(
    ctx: &ShopifyContext<'_>,
    p: &Product,
    keys: &[String],
    linked: Option<&str>,
) -> Result<Place, PluginError> {
    if let Some(id) = linked {
        match existing(ctx, id).await? {
            Some(stored) => return Ok(Place::Existing(stored)),
            None => {
                tracing::warn!(flow = ctx.flow_name, product = %p.external_id, id, "the linked product is gone from the shop; matching it again")
            }
        }
    }
    match ctx.flow.decisions.get(&p.external_id) {
        Some(Decision::Skip) => {
            return Ok(Place::Skipped(format!("a person decided to skip it (flows.{}.decisions)", ctx.flow_name)))
        }
        Some(Decision::Link(id)) => {
            return match existing(ctx, id).await? {
                Some(stored) => Ok(Place::Existing(stored)),
                None => Err(needs_person(ctx, p, &format!("the product decided on, {id}, is not in the shop"))),
            };
        }
        // A handle of its own: the same on every attempt, so a retried create finds its product.
        Some(Decision::Create) => return Ok(Place::New(own_handle(p))),
        None => {}
    }
    let indexed = index::lookup(ctx.store, ctx.flow_name, keys).map_err(|e| PluginError::Retryable(e.to_string()))?;
    match Match::of(&indexed) {
        Match::One(id) => {
            if let Some(stored) = existing(ctx, &id).await? {
                return Ok(Place::Existing(stored));
            }
        }
        Match::Nothing => {}
        conflict => return Err(needs_person(ctx, p, &conflict.conflict().unwrap_or_default())),
    }
    new(ctx, p, keys).await
}

/// A product the index does not know: the shop is asked now (it may have been made since
/// onboarding, or by an attempt that crashed before it was linked), else it is new.
async fn new(ctx: &ShopifyContext<'_>, p: &Product, keys: &[String]) -> Result<Place, PluginError> {
    let handle = handle(p);
    let field = search_field(ctx.flow.identity);
    let found = product_match(ctx.client, field, keys, &handle).await.map_err(|e| request_error(&e))?;
    let pairs: Vec<(String, String)> = found.variants.iter().map(|v| (v.key.clone(), v.product.clone())).collect();
    match Match::of(&pairs) {
        Match::One(id) => {
            if let Some(stored) = existing(ctx, &id).await? {
                return Ok(Place::Existing(stored));
            }
        }
        Match::Nothing => {}
        conflict => return Err(needs_person(ctx, p, &conflict.conflict().unwrap_or_default())),
    }
    match (found.handle_taken_by, field) {
        // Without keys to search by (identity `external_id`), the product under its handle is
        // taken to be its own, as it was before onboarding existed.
        (Some(id), None) => Ok(existing(ctx, &id).await?.map_or(Place::New(handle), Place::Existing)),
        // Taken by a product with none of its keys: an unrelated product, never overwritten.
        (Some(_), Some(_)) => Ok(Place::New(own_handle(p))),
        (None, _) => Ok(Place::New(handle)),
    }
}
