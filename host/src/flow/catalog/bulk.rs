//! Large loads in bulk: while more than `bulk_above` records wait in the flow's queue (an initial
//! load), the products of a batch the shop does not have yet (not linked, no decision, neither
//! their keys nor their handle in the onboarding index) are created by one bulk mutation of
//! `productSet` by handle ([`crate::shopify::bulk_mutation`]); the batch's other records are
//! written one by one as always. Each result line is mapped back to its record: a product made
//! leaves what a single write leaves ([`write::made`], [`set::undo`]), a line refused fails its
//! record alone.
//!
//! Across a crash, see [`super::bulk_run`]: an operation weft started and did not read back is
//! awaited and read before anything else, and its records take their results from it instead of
//! being sent again.

use super::bulk_run::{self, Sent};
use super::index;
use super::input::{stock_locations, stock_new_variants};
use super::media;
use super::set;
use super::write::{self, check, finish, handle, Checked, Step};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::Ownership;
use crate::flow::base::{block_on, request_error, write_error, Gate, ShopifyContext, Written};
use crate::model::{KeyedRecord, PluginError, Product, Record};
use crate::shopify::products::{product_ref, product_set_variables, with_all_variants, ProductKey};
use crate::shopify::ShopifyError;
use crate::store::StateTable;
use serde_json::Value as Json;

/// How recent the onboarding index must be when a bulk load starts; older, it is read again.
const INDEX_FRESH_MS: u64 = 10 * 60 * 1000;

/// Whether this batch of `batch` records goes through the bulk path: the flow writes to Shopify
/// and more than `bulk_above` of its records wait (this batch included), or a bulk load it began
/// is not yet drained. A load starts with a fresh index of the shop's catalog (else it is not
/// made in bulk).
pub fn wanted(ctx: &ShopifyContext<'_>, batch: usize) -> bool {
    if ctx.flow.bulk_above == 0 || !matches!(ctx.gate(), Gate::Write) {
        return false;
    }
    let queued = ctx.store.queue_status().ok().and_then(|q| q.get(ctx.flow_name).map(|s| s.ready + s.leased));
    let queued = queued.unwrap_or(batch as u64);
    let key = format!("{}\u{1f}load", ctx.flow_name);
    let under_way = ctx.store.state_get(StateTable::CatalogBulk, &key).ok().flatten().is_some();
    let note = |value: Option<Vec<u8>>| {
        if let Err(e) = ctx.store.state_write(StateTable::CatalogBulk, &[(key.clone(), value)]) {
            tracing::warn!(flow = ctx.flow_name, "cannot note the bulk load: {e}");
        }
    };
    if queued > u64::from(ctx.flow.bulk_above) {
        if !under_way {
            if let Err(e) = index::refresh(ctx, INDEX_FRESH_MS) {
                tracing::warn!(flow = ctx.flow_name, "cannot read the shop's catalog; writing one by one: {e:?}");
                return false;
            }
            note(Some(b"1".to_vec()));
        }
        return true;
    }
    // The last batches of a bulk load still go in bulk; the load ends with the queue.
    if under_way && queued <= batch as u64 {
        note(None);
    }
    under_way
}

/// One line of the bulk mutation: the record it comes from and what it sends.
struct Line<'a> {
    record: usize,
    product: &'a Product,
    handle: String,
    checked: Checked,
}

/// Write `records` (see the module doc); one outcome per record.
pub fn write(
    ctx: &ShopifyContext<'_>,
    mapping: &Mapping,
    ownership: &Ownership,
    records: &[KeyedRecord],
) -> Vec<Result<Written, PluginError>> {
    block_on(async {
        if let Err(e) = bulk_run::recover(ctx).await {
            return records.iter().map(|_| Err(e.clone())).collect();
        }
        let mut out: Vec<Option<Result<Written, PluginError>>> = vec![None; records.len()];
        let mut lines = Vec::new();
        let mut others = Vec::new();
        let locations = stock_locations(ctx.config);
        for (i, keyed) in records.iter().enumerate() {
            let Some(p) = new_in_shop(ctx, &keyed.record) else {
                others.push(i);
                continue;
            };
            match check(ctx, mapping, ownership, p, None).await {
                Ok(Step::Write(mut checked)) => {
                    stock_new_variants(&locations, &[], &mut checked.input);
                    if let Some(data) = bulk_run::adopted(ctx, &p.external_id, &checked.hash) {
                        let line = Line { record: i, product: p, handle: handle(p), checked };
                        out[i] = Some(outcome(ctx, &line, Some(Ok(data))).await);
                        continue;
                    }
                    match media::plan(ctx, p, &mut checked, None).await {
                        Ok(()) => lines.push(Line { record: i, product: p, handle: handle(p), checked }),
                        Err(e) => out[i] = Some(Err(e)),
                    }
                }
                Ok(Step::Done(written)) => out[i] = Some(Ok(written)),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        if !lines.is_empty() {
            for (i, result) in run(ctx, lines).await {
                out[i] = Some(result);
            }
        }
        let rest: Vec<&Record> = others.iter().map(|&i| &records[i].record).collect();
        for (i, result) in others.iter().zip(write::one_by_one(ctx, mapping, ownership, &rest).await) {
            out[*i] = Some(result);
        }
        out.into_iter().map(|o| o.unwrap_or_else(|| Err(PluginError::Permanent("no outcome".into())))).collect()
    })
}

/// The product `record` is when the shop does not have it yet as far as weft knows: not deleted,
/// not linked, no person's decision, valid keys none of which the onboarding index knows, and a
/// handle no product of the index has.
fn new_in_shop<'a>(ctx: &ShopifyContext<'_>, record: &'a Record) -> Option<&'a Product> {
    let Record::Product(p) = record else { return None };
    if p.deleted || ctx.flow.decisions.contains_key(&p.external_id) {
        return None;
    }
    if super::linked(ctx.links(), &p.external_id).ok()?.is_some() {
        return None;
    }
    let keys = ctx.flow.identity.keys(&p.variants).ok()?;
    let known = !index::lookup(ctx.store, ctx.flow_name, &keys).ok()?.is_empty()
        || index::handle_owner(ctx.store, ctx.flow_name, &handle(p)).ok()?.is_some();
    (!known).then_some(p)
}

/// Run `lines` as one bulk mutation and map each result line back to its record.
async fn run(ctx: &ShopifyContext<'_>, lines: Vec<Line<'_>>) -> Vec<(usize, Result<Written, PluginError>)> {
    let mut jsonl = Vec::new();
    for line in &lines {
        let vars = product_set_variables(ProductKey::Handle(&line.handle), line.checked.input.clone());
        jsonl.extend_from_slice(vars.to_string().as_bytes());
        jsonl.push(b'\n');
    }
    let sent: Vec<Sent> =
        lines.iter().map(|l| Sent { product: l.product.external_id.clone(), hash: l.checked.hash.clone() }).collect();
    let mut results = match bulk_run::operation(ctx, &jsonl, sent).await {
        Ok(results) => results,
        Err(e) => {
            tracing::warn!(flow = ctx.flow_name, lines = lines.len(), "the bulk mutation failed: {e:?}");
            return lines.into_iter().map(|l| (l.record, Err(e.clone()))).collect();
        }
    };
    tracing::info!(flow = ctx.flow_name, lines = lines.len(), "bulk mutation read back");
    let mut out = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        out.push((line.record, outcome(ctx, line, results.remove(&n)).await));
    }
    bulk_run::read_back(ctx);
    out
}

/// What the result of `line` (none: the operation has no result for it) makes of its record: a
/// product made leaves what a single write leaves; a line refused fails its record.
async fn outcome(
    ctx: &ShopifyContext<'_>,
    line: &Line<'_>,
    result: Option<Result<Json, ShopifyError>>,
) -> Result<Written, PluginError> {
    let data = match result {
        None => return Err(PluginError::Retryable("the bulk mutation has no result for this product".into())),
        Some(result) => result.map_err(|e| request_error(&e))?,
    };
    let product = product_ref(&data["productSet"]).map_err(|e| write_error(&e, "product"))?;
    let product = block_on(with_all_variants(ctx.client, product)).map_err(|e| request_error(&e))?;
    set::undo(ctx, &line.handle, &set::intended(&line.checked.input), None, &product);
    finish(ctx, line.product, &line.checked, &product, true).await
}
