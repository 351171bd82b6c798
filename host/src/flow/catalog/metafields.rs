//! The managed metafields of a batch's products and their variants, once the products are in
//! Shopify (written now, one by one or in bulk, or unchanged): see
//! [`crate::flow::base::metafields`]. A product's own values go on the product; a variant's on
//! the Shopify variant with its SKU (or, without one, its option values), found by one read of
//! the product when a variant has a value to write.

use crate::config::metafields::MetafieldOwner;
use crate::flow::base::metafields::{self, Source, Wanted};
use crate::flow::base::{block_on, request_error, ShopifyContext, Written};
use crate::model::{KeyedRecord, PluginError, Product, Record};
use crate::shopify::products::{product_by, ProductKey, StoredProduct};
use std::collections::BTreeMap;

/// Write the managed metafields of `records` whose outcome in `out` left a product in Shopify;
/// a record whose values fail gets the failure as its outcome.
pub(super) fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord], out: &mut [Result<Written, PluginError>]) {
    if ctx.flow.metafields.is_empty() {
        return;
    }
    let mut products: BTreeMap<usize, (&Product, String, Vec<String>)> = BTreeMap::new();
    let mut created = Vec::new();
    for (i, (keyed, outcome)) in records.iter().zip(out.iter()).enumerate() {
        let Record::Product(p) = &keyed.record else { continue };
        let id = match outcome {
            Ok(Written::Created(id)) => {
                created.push(i);
                id
            }
            Ok(Written::Updated(id) | Written::Unchanged(Some(id))) => id,
            _ => continue,
        };
        let Ok(keys) = ctx.flow.identity.keys(&p.variants) else { continue };
        if !p.deleted {
            products.insert(i, (p, id.clone(), keys));
        }
    }
    let sources = products.iter().flat_map(|(&i, (p, _, keys))| {
        let own = Source {
            record: i,
            erp_id: &p.external_id,
            part: "",
            owner: MetafieldOwner::Product,
            values: &p.metafields,
        };
        let variants = p.variants.iter().zip(keys).map(move |(v, key)| Source {
            record: i,
            erp_id: &p.external_id,
            part: key,
            owner: MetafieldOwner::Variant,
            values: &v.metafields,
        });
        std::iter::once(own).chain(variants)
    });
    let wanted = metafields::wanted(ctx, sources, |i| created.contains(&i));
    let mut stored: BTreeMap<usize, Result<Option<StoredProduct>, PluginError>> = BTreeMap::new();
    let mut owned = Vec::new();
    for w in wanted {
        let Some((p, id, keys)) = products.get(&w.record) else { continue };
        if w.part.is_empty() {
            owned.push((w, id.clone()));
            continue;
        }
        let read = stored
            .entry(w.record)
            .or_insert_with(|| block_on(product_by(ctx.client, ProductKey::Id(id))).map_err(|e| request_error(&e)));
        match read {
            Err(e) => out[w.record] = Err(e.clone()),
            Ok(product) => match variant_id(p, keys, &w, product.as_ref()) {
                Some(variant) => owned.push((w, variant)),
                None => {
                    let field = format!("metafields.{}.{}", w.managed.namespace, w.managed.key);
                    out[w.record] =
                        Err(PluginError::invalid(&field, format!("the shop has no variant {} to set it on", w.part)));
                }
            },
        }
    }
    owned.retain(|(w, _)| out[w.record].is_ok());
    for (i, e) in metafields::write(ctx, owned) {
        out[i] = Err(e);
    }
}

/// The Shopify variant of `p` the value `w` is for: the stored variant with its SKU, or without
/// one its option values.
fn variant_id(p: &Product, keys: &[String], w: &Wanted, stored: Option<&StoredProduct>) -> Option<String> {
    let v = keys.iter().position(|k| *k == w.part).and_then(|n| p.variants.get(n))?;
    let stored = stored?;
    let sku = v.sku.as_deref().filter(|s| !s.is_empty());
    let found = stored.variants.iter().find(|s| match sku {
        Some(sku) => s.variant.sku == sku,
        None => s.options.iter().map(|(_, value)| value).eq(v.option_values.iter()),
    });
    found.map(|s| s.variant.id.clone())
}
