//! A product write: waves of products in flight, the identity check against the id map, the
//! content hash that makes an unchanged product free, one read of what Shopify has, then
//! `productSet` by handle through the gate, and the links it leaves (product, variant keys,
//! inventory items).

use super::input::{keep_unsent, product_write, stock_locations, stock_new_variants, ProductWrite};
use super::set::{self, Set};
use super::{KEY_LINK, PRODUCT_LINK};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::Ownership;
use crate::flow::base::{block_on, identity, limits, request_error, ShopifyContext, Written, ITEM_LINK};
use crate::model::{KeyedRecord, PluginError, Product, Record};
use crate::shopify::products::product_by_handle;
use crate::store::{IdLink, StateTable};
use futures::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Write records to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mapping = match ctx.flow.mapping() {
        Ok(m) => m,
        Err((key, e)) => {
            return records
                .iter()
                .map(|_| Err(PluginError::Permanent(format!("flows.{}.{key}: {e}", ctx.flow_name))))
                .collect()
        }
    };
    let ownership = ctx.flow.ownership();
    claimed_together(ctx, records);
    let mut out: Vec<Option<Result<Written, PluginError>>> = vec![None; records.len()];
    block_on(async {
        for wave in waves(records) {
            let writes = wave.into_iter().map(|i| {
                let (mapping, ownership) = (&mapping, &ownership);
                async move { (i, write_one(ctx, mapping, ownership, &records[i].record).await) }
            });
            let done: Vec<_> =
                futures::stream::iter(writes).buffer_unordered(ctx.flow.in_flight.max(1) as usize).collect().await;
            for (i, result) in done {
                out[i] = Some(result);
            }
        }
    });
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
fn waves(records: &[KeyedRecord]) -> Vec<Vec<usize>> {
    let mut last: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, k) in records.iter().enumerate() {
        let mut keys = vec![k.record.external_id().to_owned()];
        if let Record::Product(p) = &k.record {
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
    let base = p.sku.clone().unwrap_or_else(|| p.external_id.clone());
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
    let handle = handle(p);
    let linked = ctx.store.id_link(PRODUCT_LINK, &p.external_id).ok().flatten().and_then(|l| l.shopify);
    if p.deleted {
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
        // productSet upserts by handle: a product weft never linked may exist, so read it always.
        let stored = product_by_handle(ctx.client, &handle).await.map_err(|e| request_error(&e))?;
        return Ok(
            match set::set_product(ctx, &handle, json!({"status": "ARCHIVED"}), Some(&linked), stored.as_ref()).await? {
                Set::Made(set) => Written::Updated(set.id),
                Set::Withheld => Written::Shadowed,
            },
        );
    }
    let Some(write) = product_write(ctx.flow_name, ctx.flow, mapping, owners, p)? else {
        let reason = format!("skip_if holds: {}", ctx.flow.skip_if.as_deref().unwrap_or_default());
        tracing::info!(flow = ctx.flow_name, product = %p.external_id, "{reason}");
        return Ok(Written::Skipped(reason));
    };
    let ProductWrite { keys, mut input, .. } = write;
    let currency =
        p.variants.iter().find_map(|v| v.price.as_ref().or(v.compare_at_price.as_ref())).map(|m| m.currency.as_str());
    limits::check(&input, limits::PRODUCT_SET, currency.unwrap_or_default())?;
    // A key another product owns, or one already in conflict, is a conflict: neither product is
    // written (nor stock, prices or order lines keyed by it) until one no longer claims it.
    identity::settle(ctx.store, &p.external_id, &keys)?;
    let field = ctx.flow.identity.name();
    for key in &keys {
        let owner = ctx.store.id_link(KEY_LINK, key).ok().flatten().and_then(|l| l.erp);
        if let Some(other) = owner.filter(|o| *o != p.external_id) {
            return Err(identity::record(ctx.store, field, key, &[&other, &p.external_id]));
        }
        identity::check(ctx.store, field, key)?;
    }
    let hash = hex::encode(&Sha256::digest(format!("{handle}\n{input}").as_bytes())[..16]);
    let hash_key = format!("{}\u{1f}{}", ctx.flow_name, p.external_id);
    if let Some(linked) = linked.as_ref().filter(|_| {
        ctx.store.state_get(StateTable::CatalogHashes, &hash_key).ok().flatten().as_deref() == Some(hash.as_bytes())
    }) {
        return Ok(Written::Unchanged(Some(linked.clone())));
    }
    // One read of what Shopify has (productSet upserts by handle: a product weft never linked
    // may exist): the variants to keep, the variants this write creates, the values it replaces.
    let stored = product_by_handle(ctx.client, &handle).await.map_err(|e| request_error(&e))?;
    let variants = stored.as_ref().map(|p| p.variants.as_slice()).unwrap_or_default();
    stock_new_variants(&stock_locations(ctx.config), variants, &mut input);
    if ctx.flow.keep_unsent_variants {
        keep_unsent(ctx, &handle, &keys, variants, &mut input);
    }
    let set = match set::set_product(ctx, &handle, input, linked.as_deref(), stored.as_ref()).await? {
        Set::Made(set) => set,
        Set::Withheld => return Ok(Written::Shadowed),
    };
    let product_link = IdLink { shopify: Some(set.id.clone()), erp: Some(p.external_id.clone()) };
    let _ = ctx.store.link_ids_all(PRODUCT_LINK, &[(p.external_id.clone(), product_link)]);
    let key_links: Vec<(String, IdLink)> =
        keys.iter().map(|key| (key.clone(), IdLink { shopify: None, erp: Some(p.external_id.clone()) })).collect();
    let _ = ctx.store.link_ids_all(KEY_LINK, &key_links);
    let item_links: Vec<(String, IdLink)> = set
        .variants
        .iter()
        .filter(|v| !v.sku.is_empty() && !v.inventory_item_id.is_empty())
        .map(|v| (v.sku.clone(), IdLink { shopify: Some(v.inventory_item_id.clone()), erp: None }))
        .collect();
    let _ = ctx.store.link_ids_all(ITEM_LINK, &item_links);
    ctx.store
        .state_write(StateTable::CatalogHashes, &[(hash_key, Some(hash.into_bytes()))])
        .map_err(|e| PluginError::Retryable(e.to_string()))?;
    // Created when Shopify had no product with this handle before (productSet upserts by it).
    Ok(if stored.is_none() { Written::Created(set.id) } else { Written::Updated(set.id) })
}
