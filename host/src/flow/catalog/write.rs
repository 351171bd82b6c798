//! A product write: waves of products in flight, the identity check against the id map, the
//! content hash that makes an unchanged product free, one read of where it goes in the shop
//! ([`super::place`]: linked, matched by its keys whatever the handle, or new), then `productSet`
//! through the gate — by id for a product the shop has, by handle for a new one — and the links it
//! leaves (product, variant keys, inventory items).

use super::input::{keep_unsent, product_write, stock_locations, stock_new_variants, ProductWrite};
use super::media::{self, Plan, Wanted};
use super::place::{place, Place};
use super::set::{self, Set};
use super::{KEY_LINK, PRODUCT_LINK};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::Ownership;
use crate::flow::base::{
    block_on, identity, in_shop_currency, limits, request_error, Gate, ShopifyContext, Written, ITEM_LINK,
};
use crate::model::{KeyedRecord, PluginError, Product, Record};
use crate::shopify::products::{product_by, ProductKey, ProductRef};
use crate::store::{IdLink, StateTable, StoreResult};
use futures::StreamExt;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// Write records to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mapping = match ctx.mapping() {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    // Before the first write: the shop's catalog (onboarding) and its currency (read once).
    let ready =
        super::index::ensure(ctx).and_then(|()| block_on(ctx.client.shop()).map(|_| ()).map_err(|e| request_error(&e)));
    if let Err(e) = ready {
        return records.iter().map(|_| Err(e.clone())).collect();
    }
    let ownership = ctx.flow.ownership();
    claimed_together(ctx, records);
    let mut out = if super::bulk::wanted(ctx, records.len()) {
        super::bulk::write(ctx, &mapping, &ownership, records)
    } else {
        let all: Vec<&Record> = records.iter().map(|k| &k.record).collect();
        block_on(one_by_one(ctx, &mapping, &ownership, &all))
    };
    super::metafields::write(ctx, records, &mut out);
    out
}

/// Write `records` product by product, a few in flight (waves keep one product's records in
/// order); one outcome per record.
pub(super) async fn one_by_one(
    ctx: &ShopifyContext<'_>,
    mapping: &Mapping,
    ownership: &Ownership,
    records: &[&Record],
) -> Vec<Result<Written, PluginError>> {
    let mut out: Vec<Option<Result<Written, PluginError>>> = vec![None; records.len()];
    for wave in waves(records) {
        let writes = wave.into_iter().map(|i| async move { (i, write_one(ctx, mapping, ownership, records[i]).await) });
        let done: Vec<_> =
            futures::stream::iter(writes).buffer_unordered(ctx.flow.in_flight.max(1) as usize).collect().await;
        for (i, result) in done {
            out[i] = Some(result);
        }
    }
    out.into_iter().map(|o| o.unwrap_or_else(|| Err(PluginError::Permanent("no outcome".into())))).collect()
}

/// Record the keys two products of this batch claim (before either is written, so neither is).
fn claimed_together(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) {
    let keyed: Vec<(&str, Vec<String>)> = records
        .iter()
        .filter_map(|k| match &k.record {
            Record::Product(p) if !p.deleted => {
                ctx.flow.identity.keys(&p.variants).ok().map(|keys| (p.external_id.as_str(), keys))
            }
            _ => None,
        })
        .collect();
    let pairs: Vec<(&str, &[String])> = keyed.iter().map(|(id, keys)| (*id, keys.as_slice())).collect();
    for (key, ids) in identity::within(&pairs) {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        identity::record(ctx.store, ctx.flow.identity.name(), &key, &ids);
    }
}

/// Record indexes in waves that may be written at once: a record goes in the wave after the last
/// one holding a record that shares its product (id, handle) or one of its variants' SKUs or
/// barcodes. Two records of one product are never in flight together and keep their order, and
/// two products claiming one SKU are written one after the other, so the second is refused.
fn waves(records: &[&Record]) -> Vec<Vec<usize>> {
    let mut last: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let mut keys = vec![record.external_id().to_owned()];
        if let Record::Product(p) = record {
            keys.push(handle(p));
            keys.extend(
                p.variants
                    .iter()
                    .flat_map(|v| [v.sku.clone(), v.barcode.clone()])
                    .flatten()
                    .filter(|key| !key.is_empty()),
            );
        }
        let n = keys.iter().filter_map(|key| last.get(key)).map(|w| w + 1).max().unwrap_or(0);
        if waves.len() <= n {
            waves.resize_with(n + 1, Vec::new);
        }
        waves[n].push(i);
        for key in keys {
            last.insert(key, n);
        }
    }
    waves
}

/// The handle of an ERP product in Shopify: the linked one, else derived from its code.
pub fn handle(p: &Product) -> String {
    slug(p.sku.as_deref().unwrap_or(&p.external_id))
}

/// A handle made from `base`: lower-case letters and digits joined by `-` (a hash of `base` when
/// none is left).
pub(super) fn slug(base: &str) -> String {
    let slug: String = base.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let slug = slug.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    if slug.is_empty() {
        format!("erp-{}", hex::encode(&Sha256::digest(base.as_bytes())[..6]))
    } else {
        slug
    }
}

async fn write_one(
    ctx: &ShopifyContext<'_>,
    mapping: &Mapping,
    owners: &Ownership,
    record: &Record,
) -> Result<Written, PluginError> {
    let Record::Product(p) = record else {
        return Err(PluginError::invalid("record", "a product flow takes product records"));
    };
    let linked = super::linked(ctx.links(), &p.external_id).ok().flatten();
    if p.deleted {
        return archive(ctx, linked.as_deref()).await;
    }
    let mut checked = match check(ctx, mapping, owners, p, linked.as_deref()).await? {
        Step::Write(checked) => checked,
        Step::Done(written) => return Ok(written),
    };
    // One read of where it goes: the product it is linked to or the shop sells under its keys
    // (the variants to keep, the variants this write creates, the values it replaces), or none.
    let place = place(ctx, p, &checked.keys, linked.as_deref()).await?;
    let stored = match &place {
        Place::Existing(stored) => Some(stored),
        Place::New(_) => None,
        Place::Skipped(why) => return Ok(Written::Skipped(why.clone())),
    };
    let variants = stored.map(|p| p.variants.as_slice()).unwrap_or_default();
    stock_new_variants(&stock_locations(ctx.config), variants, &mut checked.input);
    if ctx.flow.keep_unsent_variants {
        keep_unsent(ctx, &p.external_id, &checked.keys, variants, &mut checked.input);
    }
    let Some(key) = place.key() else { return Ok(Written::Shadowed) };
    if matches!(ctx.gate(), Gate::Write) {
        media::plan(ctx, p, &mut checked, stored).await?;
    }
    let set = match set::set_product(ctx, key, checked.input.clone(), stored).await {
        // Shopify refused an image: the product is written without its images, and that reported.
        Err(e) if checked.plan.is_some() && media::about_images(&e) => {
            media::without(&mut checked, &e);
            set::set_product(ctx, key, checked.input.clone(), stored).await?
        }
        set => set?,
    };
    let Set::Made(set) = set else { return Ok(Written::Shadowed) };
    finish(ctx, p, &checked, &set, stored.is_none()).await
}

/// What a made write leaves (links, the media it made), then the product's collections; and
/// last the content hash, so a write that did not get through all of it is made again. Images or
/// categories that could not be written fail the record (the product itself is written, and tried
/// again with the record's next change).
pub(super) async fn finish(
    ctx: &ShopifyContext<'_>,
    p: &Product,
    checked: &Checked,
    set: &ProductRef,
    created: bool,
) -> Result<Written, PluginError> {
    made(ctx, p, checked, set)?;
    if let Some(plan) = &checked.plan {
        media::retire(ctx, p, plan).await;
    }
    let mut problems = checked.media.problems.clone();
    problems.extend(super::collections::sync(ctx, p, &set.id).await?);
    if !problems.is_empty() {
        tracing::warn!(flow = ctx.flow_name, product = %p.external_id, "written without: {}", problems.join("; "));
        return Err(PluginError::invalid(
            "media",
            format!("the product was written, but not: {}", problems.join("; ")),
        ));
    }
    ctx.store
        .state_write(StateTable::CatalogHashes, &[(hash_key(ctx, p), Some(checked.hash.clone().into_bytes()))])
        .map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(if created { Written::Created(set.id.clone()) } else { Written::Updated(set.id.clone()) })
}

/// A product that passed the checks and is to be written: its variant keys, its `productSet`
/// input (without the handle), and the content hash it leaves once written.
pub(super) struct Checked {
    /// The variants' identity keys.
    pub keys: Vec<String>,
    /// The `productSet` input.
    pub input: Json,
    /// The content hash it leaves once written.
    pub hash: String,
    /// The ERP's images.
    pub media: Wanted,
    /// The images the input sends (`files`), once planned.
    pub plan: Option<Plan>,
}

/// What [`check`] found.
pub(super) enum Step {
    /// Write it.
    Write(Checked),
    /// Nothing to write: skipped (`skip_if`, a rule) or unchanged since the last write.
    Done(Written),
}

/// Everything before a product (not deleted; linked to `linked`) is placed: its input, the
/// limits, its keys against other products' (a key another product owns, or one already in
/// conflict, is a conflict: neither product is written, nor stock, prices or order lines keyed
/// by it, until one no longer claims it), the shop's currency, and the content hash.
pub(super) async fn check(
    ctx: &ShopifyContext<'_>,
    mapping: &Mapping,
    owners: &Ownership,
    p: &Product,
    linked: Option<&str>,
) -> Result<Step, PluginError> {
    let ProductWrite { keys, input, applied, .. } = product_write(ctx.flow_name, ctx.flow, mapping, owners, p)?;
    if let Some(reason) = applied.skipped {
        tracing::info!(flow = ctx.flow_name, product = %p.external_id, "{reason}");
        return Ok(Step::Done(Written::Skipped(reason)));
    }
    let currency =
        p.variants.iter().find_map(|v| v.price.as_ref().or(v.compare_at_price.as_ref())).map(|m| m.currency.as_str());
    limits::check(&input, limits::PRODUCT_SET, currency.unwrap_or_default())?;
    identity::settle(ctx.store, &p.external_id, &keys)?;
    let field = ctx.flow.identity.name();
    for key in &keys {
        let owner = ctx.links().get(KEY_LINK, key).ok().flatten().and_then(|l| l.erp);
        if let Some(other) = owner.filter(|o| *o != p.external_id) {
            return Err(identity::record(ctx.store, field, key, &[&other, &p.external_id]));
        }
        identity::check(ctx.store, field, key)?;
    }
    let amounts = p.variants.iter().flat_map(|v| v.price.iter().chain(&v.compare_at_price).chain(&v.cost));
    in_shop_currency(ctx, amounts, "variants.price").await?;
    let media = Wanted::of(ctx, p);
    let extra = format!("{}{}", media.digest(), super::collections::digest(ctx, p));
    let hash = hex::encode(&Sha256::digest(format!("{}\n{input}{extra}", handle(p)).as_bytes())[..16]);
    if let Some(linked) = linked.filter(|_| {
        ctx.store.state_get(StateTable::CatalogHashes, &hash_key(ctx, p)).ok().flatten().as_deref()
            == Some(hash.as_bytes())
    }) {
        return Ok(Step::Done(Written::Unchanged(Some(linked.to_owned()))));
    }
    Ok(Step::Write(Checked { keys, input, hash, media, plan: None }))
}

fn hash_key(ctx: &ShopifyContext<'_>, p: &Product) -> String {
    format!("{}\u{1f}{}", ctx.flow_name, p.external_id)
}

/// What a made write leaves, however it was made: the links and the media it made.
fn made(ctx: &ShopifyContext<'_>, p: &Product, checked: &Checked, set: &ProductRef) -> Result<(), PluginError> {
    link(ctx, p, &checked.keys, set).map_err(|e| PluginError::Retryable(e.to_string()))?;
    if let Some(plan) = &checked.plan {
        media::remember(ctx, p, plan, set).map_err(PluginError::Retryable)?;
    }
    Ok(())
}

/// The links a write leaves: the ERP product to its Shopify product, each variant key to the ERP
/// product that owns it, each SKU to its inventory item.
pub(super) fn link(ctx: &ShopifyContext<'_>, p: &Product, keys: &[String], set: &ProductRef) -> StoreResult<()> {
    let product_link = IdLink { shopify: Some(set.id.clone()), erp: Some(p.external_id.clone()) };
    ctx.links().link_all(PRODUCT_LINK, &[(p.external_id.clone(), product_link)])?;
    let key_links: Vec<(String, IdLink)> =
        keys.iter().map(|key| (key.clone(), IdLink { shopify: None, erp: Some(p.external_id.clone()) })).collect();
    ctx.links().link_all(KEY_LINK, &key_links)?;
    let item_links: Vec<(String, IdLink)> = set
        .variants
        .iter()
        .filter(|v| !v.sku.is_empty() && !v.inventory_item_id.is_empty())
        .map(|v| (v.sku.clone(), IdLink { shopify: Some(v.inventory_item_id.clone()), erp: None }))
        .collect();
    ctx.links().link_all(ITEM_LINK, &item_links)
}

/// An ERP delete: the linked product is archived (`archive_on_delete`); one never written, or
/// gone from the shop, is left alone.
async fn archive(ctx: &ShopifyContext<'_>, linked: Option<&str>) -> Result<Written, PluginError> {
    let Some(linked) = linked.filter(|_| ctx.flow.archive_on_delete) else {
        return Ok(Written::Skipped(
            if ctx.flow.archive_on_delete {
                "deleted in the ERP; never written to Shopify"
            } else {
                "deleted in the ERP; archive_on_delete is off"
            }
            .into(),
        ));
    };
    let Some(stored) = product_by(ctx.client, ProductKey::Id(linked)).await.map_err(|e| request_error(&e))? else {
        return Ok(Written::Skipped("deleted in the ERP; the product is gone from the shop too".into()));
    };
    Ok(match set::set_product(ctx, ProductKey::Id(linked), json!({"status": "ARCHIVED"}), Some(&stored)).await? {
        Set::Made(set) => Written::Updated(set.id),
        Set::Withheld => Written::Shadowed,
    })
}
