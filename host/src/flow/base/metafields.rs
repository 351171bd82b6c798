//! The ERP's metafields into Shopify, for the flow's managed keys only
//! ([`crate::config::metafields`]): a value under any other key is dropped (logged), so every
//! other metafield of the shop survives. A value unchanged since weft last wrote it (digest kept
//! in [`StateTable::Metafields`]) costs nothing. The rest goes in `metafieldsSet` calls of up to
//! 25 values across the batch's records, each typed by the shop's definition of its key (read
//! once; created first when configured) or else the configured type. A call is all or nothing,
//! so a value Shopify refuses fails its record alone: the refused record's values are taken out
//! and the call is made again with the others. A managed key the ERP sends empty removes the
//! value weft wrote there (`metafieldsDelete`); one weft never wrote (a person's) stays.
//!
//! An object's writer calls [`wanted`] with the values of each record it wrote, finds the Shopify
//! id of each owner that has a value to write, and calls [`write`].

use super::{dry_run, request_error, Gate, ShopifyContext};
use crate::config::metafields::{Managed, MetafieldOwner};
use crate::model::{Metafield, PluginError};
use crate::shopify::metafields::{self as api, MetafieldId, MetafieldInput, MAX_SET};
use crate::store::StateTable;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The values of one owner in a record of the batch.
pub struct Source<'a> {
    /// The record's index in the batch.
    pub record: usize,
    /// The record's ERP id.
    pub erp_id: &'a str,
    /// The variant's identity key for a variant's values; empty for the record's own.
    pub part: &'a str,
    /// What carries them.
    pub owner: MetafieldOwner,
    /// The ERP's values.
    pub values: &'a [Metafield],
}

/// What weft does to one managed key of one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Set it to the ERP's value.
    Set(String),
    /// Remove the value weft wrote before: the ERP has none now.
    Clear,
}

/// A managed value that differs from the one weft last wrote.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The record's index in the batch.
    pub record: usize,
    /// The variant's identity key, or empty.
    pub part: String,
    /// Which managed key.
    pub managed: Managed,
    /// What becomes of it.
    pub change: Change,
    state_key: String,
    digest: String,
}

/// The managed values of `sources` that differ from what weft last wrote (all of them for a
/// source `fresh` says was created now). Values under keys the flow does not manage are
/// dropped and logged; a managed key sent empty clears the value weft wrote, if it wrote one; a
/// key the record does not carry is left as Shopify has it.
pub fn wanted<'a>(
    ctx: &ShopifyContext<'_>,
    sources: impl IntoIterator<Item = Source<'a>>,
    fresh: impl Fn(usize) -> bool,
) -> Vec<Wanted> {
    let managed = ctx.flow.managed_metafields();
    let mut out = Vec::new();
    for source in sources {
        for m in source.values {
            let found =
                managed.iter().find(|k| k.namespace == m.namespace && k.key == m.key && k.owner == source.owner);
            let Some(managed) = found else {
                tracing::info!(flow = ctx.flow_name, record = source.erp_id, part = source.part,
                    metafield = %format!("{}.{}", m.namespace, m.key), owner = source.owner.name(),
                    "not written: the flow does not manage this metafield");
                continue;
            };
            let state_key =
                format!("{}\u{1f}{}\u{1f}{}\u{1f}{}.{}", ctx.flow_name, source.erp_id, source.part, m.namespace, m.key);
            let known = ctx.store.state_get(StateTable::Metafields, &state_key).ok().flatten();
            let (change, digest) = if m.value.trim().is_empty() {
                // Nothing to clear on an owner made now, or where weft never wrote (a person's value).
                if known.is_none() || fresh(source.record) {
                    continue;
                }
                (Change::Clear, String::new())
            } else {
                let digest = hex::encode(&Sha256::digest(format!("{}\u{1f}{}", managed.type_name, m.value))[..16]);
                if !fresh(source.record) && known.as_deref() == Some(digest.as_bytes()) {
                    continue;
                }
                (Change::Set(m.value.clone()), digest)
            };
            out.push(Wanted {
                record: source.record,
                part: source.part.to_owned(),
                managed: managed.clone(),
                change,
                state_key,
                digest,
            });
        }
    }
    out
}

/// Write `values` (each with its owner's Shopify id) through the gate; the records that failed,
/// by index, with the reason (a value Shopify refused names its key).
pub fn write(ctx: &ShopifyContext<'_>, values: Vec<(Wanted, String)>) -> BTreeMap<usize, PluginError> {
    if values.is_empty() {
        return BTreeMap::new();
    }
    match ctx.gate() {
        Gate::DryRun => {
            for (w, owner) in &values {
                let m = &w.managed;
                match &w.change {
                    Change::Set(value) => dry_run::print(
                        ctx.flow_name,
                        "metafieldsSet",
                        &format!("{owner} {}.{} = {value}", m.namespace, m.key),
                    ),
                    Change::Clear => {
                        dry_run::print(ctx.flow_name, "metafieldsDelete", &format!("{owner} {}.{}", m.namespace, m.key))
                    }
                }
            }
            return BTreeMap::new();
        }
        Gate::Shadow => return BTreeMap::new(),
        Gate::Write => {}
    }
    super::block_on(write_all(ctx, values))
}

async fn write_all(ctx: &ShopifyContext<'_>, values: Vec<(Wanted, String)>) -> BTreeMap<usize, PluginError> {
    let (clears, values): (Vec<_>, Vec<_>) = values.into_iter().partition(|(w, _)| w.change == Change::Clear);
    let mut failed = clear_all(ctx, &clears).await;
    if values.is_empty() {
        return failed;
    }
    let inputs = match typed(ctx, &values).await {
        Ok(types) => values
            .into_iter()
            .zip(types)
            .filter_map(|((w, owner), t)| match t {
                Ok(type_name) => Some((w, owner, type_name)),
                Err(e) => {
                    failed.insert(w.record, e);
                    None
                }
            })
            .collect::<Vec<_>>(),
        Err(e) => return values.iter().map(|(w, _)| (w.record, e.clone())).collect(),
    };
    let inputs: Vec<(Wanted, MetafieldInput)> = inputs
        .into_iter()
        .filter(|(w, _, _)| !failed.contains_key(&w.record))
        .filter_map(|(w, owner_id, type_name)| {
            let Change::Set(value) = &w.change else { return None };
            let input = MetafieldInput {
                owner_id,
                namespace: w.managed.namespace.clone(),
                key: w.managed.key.clone(),
                type_name,
                value: value.clone(),
            };
            Some((w, input))
        })
        .collect();
    for chunk in inputs.chunks(MAX_SET) {
        let mut chunk: Vec<&(Wanted, MetafieldInput)> =
            chunk.iter().filter(|(w, _)| !failed.contains_key(&w.record)).collect();
        while !chunk.is_empty() {
            let list: Vec<MetafieldInput> = chunk.iter().map(|(_, i)| i.clone()).collect();
            let refused = match api::set(ctx.client, &list).await {
                Ok(refused) => refused,
                Err(e) => {
                    let e = request_error(&e);
                    failed.extend(chunk.iter().map(|(w, _)| (w.record, e.clone())));
                    break;
                }
            };
            if refused.is_empty() {
                let digests: Vec<(String, Option<Vec<u8>>)> =
                    chunk.iter().map(|(w, _)| (w.state_key.clone(), Some(w.digest.clone().into_bytes()))).collect();
                if let Err(e) = ctx.store.state_write(StateTable::Metafields, &digests) {
                    tracing::warn!(flow = ctx.flow_name, "cannot keep the metafields written: {e}");
                }
                tracing::info!(flow = ctx.flow_name, values = chunk.len(), "metafields set");
                break;
            }
            let mut refused_records = BTreeSet::new();
            for r in refused {
                let Some((w, input)) = r.index.and_then(|i| chunk.get(i)) else {
                    // Refused as a whole: every record of the call fails with the reason.
                    let e = PluginError::Permanent(format!("metafieldsSet refused: {}", r.error));
                    failed.extend(chunk.iter().map(|(w, _)| (w.record, e.clone())));
                    refused_records.extend(chunk.iter().map(|(w, _)| w.record));
                    continue;
                };
                let at = if w.part.is_empty() { String::new() } else { format!(" of variant {}", w.part) };
                let field = format!("metafields.{}.{}", input.namespace, input.key);
                let reason = format!("{} = `{}` ({}){at}: {}", field, input.value, input.type_name, r.error);
                failed.entry(w.record).or_insert_with(|| PluginError::invalid(&field, reason));
                refused_records.insert(w.record);
            }
            chunk.retain(|(w, _)| !refused_records.contains(&w.record));
        }
    }
    failed
}

/// Remove the values the ERP emptied, [`MAX_SET`] a call; the records whose removal failed.
async fn clear_all(ctx: &ShopifyContext<'_>, clears: &[(Wanted, String)]) -> BTreeMap<usize, PluginError> {
    let mut failed = BTreeMap::new();
    for chunk in clears.chunks(MAX_SET) {
        let ids: Vec<MetafieldId> = chunk
            .iter()
            .map(|(w, owner)| MetafieldId {
                owner_id: owner.clone(),
                namespace: w.managed.namespace.clone(),
                key: w.managed.key.clone(),
            })
            .collect();
        let error = match api::delete(ctx.client, &ids).await {
            Ok(refused) => match refused.first() {
                None => {
                    let gone: Vec<(String, Option<Vec<u8>>)> =
                        chunk.iter().map(|(w, _)| (w.state_key.clone(), None)).collect();
                    if let Err(e) = ctx.store.state_write(StateTable::Metafields, &gone) {
                        tracing::warn!(flow = ctx.flow_name, "cannot forget the metafields removed: {e}");
                    }
                    tracing::info!(
                        flow = ctx.flow_name,
                        values = chunk.len(),
                        "metafields removed: the ERP has no value"
                    );
                    continue;
                }
                Some(r) => PluginError::Permanent(format!("metafieldsDelete refused: {r}")),
            },
            Err(e) => request_error(&e),
        };
        failed.extend(chunk.iter().map(|(w, _)| (w.record, error.clone())));
    }
    failed
}

/// The type each value is written as: the shop's definition's, else the configured one (after
/// creating the definitions configured and missing). A definition Shopify refuses to create
/// fails the records of its key; a failed read fails them all.
async fn typed(
    ctx: &ShopifyContext<'_>,
    values: &[(Wanted, String)],
) -> Result<Vec<Result<String, PluginError>>, PluginError> {
    let mut defs = ctx.client.metafield_definitions().await;
    let owner_types: BTreeSet<&str> = values.iter().map(|(w, _)| w.managed.owner.owner_type()).collect();
    for owner_type in owner_types {
        defs.read(ctx.client, owner_type).await.map_err(|e| request_error(&e))?;
    }
    let mut refused: BTreeMap<(String, String, String), PluginError> = BTreeMap::new();
    let managed: BTreeSet<(&str, &str, &str, &str)> = values
        .iter()
        .filter(|(w, _)| w.managed.definition)
        .map(|(w, _)| {
            let m = &w.managed;
            (m.owner.owner_type(), m.namespace.as_str(), m.key.as_str(), m.type_name.as_str())
        })
        .collect();
    for (owner_type, namespace, key, type_name) in managed {
        if defs.type_of(owner_type, namespace, key).is_some() {
            continue;
        }
        match defs.create(ctx.client, owner_type, namespace, key, type_name).await.map_err(|e| request_error(&e))? {
            Ok(()) => tracing::info!(
                flow = ctx.flow_name,
                owner_type,
                namespace,
                key,
                type_name,
                "metafield definition created"
            ),
            Err(e) => {
                let field = format!("metafields.{namespace}.{key}");
                let why = format!("Shopify refused to create the definition of {namespace}.{key} ({type_name}): {e}");
                refused.insert((owner_type.into(), namespace.into(), key.into()), PluginError::invalid(&field, why));
            }
        }
    }
    Ok(values
        .iter()
        .map(|(w, _)| {
            let m = &w.managed;
            let id = (m.owner.owner_type().to_owned(), m.namespace.clone(), m.key.clone());
            match refused.get(&id) {
                Some(e) => Err(e.clone()),
                None => Ok(defs.type_of(&id.0, &id.1, &id.2).unwrap_or(&m.type_name).to_owned()),
            }
        })
        .collect())
}

/// The managed metafields of a batch whose records are each one owner (customers, orders):
/// `values` gives each record's ERP id and values (none: not such a record); a record whose
/// outcome in `out` left it in Shopify gets its changed values written, and the failure as its
/// outcome when they fail.
pub fn write_owners<'a>(
    ctx: &ShopifyContext<'_>,
    owner: MetafieldOwner,
    values: impl IntoIterator<Item = Option<(&'a str, &'a [Metafield])>>,
    out: &mut [Result<super::Written, PluginError>],
) {
    if ctx.flow.metafields.is_empty() {
        return;
    }
    let mut ids = BTreeMap::new();
    let mut sources = Vec::new();
    for (i, (record, outcome)) in values.into_iter().zip(out.iter()).enumerate() {
        let (Some((erp_id, values)), Ok(written)) = (record, outcome) else { continue };
        let id = match written {
            super::Written::Created(id) | super::Written::Updated(id) | super::Written::Unchanged(Some(id)) => id,
            _ => continue,
        };
        ids.insert(i, (id.clone(), matches!(written, super::Written::Created(_))));
        sources.push(Source { record: i, erp_id, part: "", owner, values });
    }
    let wanted = wanted(ctx, sources, |i| ids.get(&i).is_some_and(|(_, created)| *created));
    let owned = wanted.into_iter().filter_map(|w| Some((ids.get(&w.record)?.0.clone(), w))).map(|(id, w)| (w, id));
    for (i, e) in write(ctx, owned.collect()) {
        out[i] = Err(e);
    }
}
