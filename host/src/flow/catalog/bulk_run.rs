//! The bulk mutation of a batch and what the store keeps of it, so a crash (SIGKILL of `weft
//! serve`) never makes Shopify run a product's line twice. Before an operation starts, the flow
//! keeps which ERP product each line is (with its content hash), then the operation's id once
//! Shopify gives it (`StateTable::CatalogBulk`, key `flow`). After a crash the jobs come back in
//! other batches, so the next bulk write of the flow first awaits that operation and keeps each
//! line's result under its ERP product (`flow \x1f made \x1f id`); a record whose content is
//! unchanged takes its result from there ([`adopted`]) instead of being sent again. Any bulk
//! mutation still running (one whose id was not kept, or another process's) ends before a new
//! one starts; a product it made is found by its handle, as `productSet` by handle updates it.

use crate::flow::base::{request_error, ShopifyContext};
use crate::model::PluginError;
use crate::shopify::bulk::finished;
use crate::shopify::bulk_mutation::{current, results, running, stage, start, LineResults};
use crate::shopify::{queries, ShopifyError};
use crate::store::StateTable;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::time::Duration;

/// How often a running bulk mutation is asked about.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// How long a batch waits for a bulk mutation before its records go again (and wait again).
const GIVE_UP_AFTER: Duration = Duration::from_secs(9 * 60);

/// One line of an operation: the ERP product it writes and the content hash it leaves.
#[derive(Clone, Serialize, Deserialize)]
pub struct Sent {
    /// The ERP product's id.
    pub product: String,
    /// Its content hash (see `write::check`).
    pub hash: String,
}

/// The operation a flow started and has not read back.
#[derive(Serialize, Deserialize)]
struct Pending {
    /// Its id, once Shopify gave it.
    id: Option<String>,
    /// Its lines in order.
    lines: Vec<Sent>,
}

/// The result of a line of an operation read back after a crash, waiting for its record.
#[derive(Serialize, Deserialize)]
struct Adopted {
    /// The content hash the line sent.
    hash: String,
    /// The line's `data`.
    data: Json,
}

fn adopted_key(ctx: &ShopifyContext<'_>, product: &str) -> String {
    format!("{}\u{1f}made\u{1f}{product}", ctx.flow_name)
}

/// Before a bulk write: await the operation this flow started and did not read back, and keep
/// each of its lines' results for its record. Fails (the batch goes again later) while Shopify
/// cannot say how it ended.
pub async fn recover(ctx: &ShopifyContext<'_>) -> Result<(), PluginError> {
    let _slot = ctx.client.bulk_slot().await;
    let pending: Option<Pending> = ctx
        .store
        .state_get(StateTable::CatalogBulk, ctx.flow_name)
        .map_err(|e| PluginError::Retryable(e.to_string()))?
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(pending) = pending else { return Ok(()) };
    let mut entries = vec![(ctx.flow_name.to_owned(), None)];
    match &pending.id {
        None => wait_running(ctx).await?,
        Some(id) => {
            tracing::info!(flow = ctx.flow_name, id, "awaiting the bulk mutation started before weft stopped");
            match results(ctx.client, id, POLL_EVERY, GIVE_UP_AFTER).await {
                Ok(mut results) => {
                    for (n, sent) in pending.lines.into_iter().enumerate() {
                        if let Some(Ok(data)) = results.remove(&n) {
                            let value = serde_json::to_vec(&Adopted { hash: sent.hash, data })
                                .map_err(|e| PluginError::Permanent(e.to_string()))?;
                            entries.push((adopted_key(ctx, &sent.product), Some(value)));
                        }
                    }
                    tracing::info!(flow = ctx.flow_name, id, kept = entries.len() - 1, "read it back");
                }
                Err(e) if e.is_retryable() => return Err(whole(&e)),
                Err(e) => tracing::warn!(flow = ctx.flow_name, id, "it did not complete ({e}); its products go again"),
            }
        }
    }
    ctx.store.state_write(StateTable::CatalogBulk, &entries).map_err(|e| PluginError::Retryable(e.to_string()))
}

/// The `data` a recovered operation's line left for ERP `product`, if it sent what the record
/// sends now (content hash `hash`); taken once.
pub fn adopted(ctx: &ShopifyContext<'_>, product: &str, hash: &str) -> Option<Json> {
    let key = adopted_key(ctx, product);
    let entry: Adopted = serde_json::from_slice(&ctx.store.state_get(StateTable::CatalogBulk, &key).ok()??).ok()?;
    if let Err(e) = ctx.store.state_write(StateTable::CatalogBulk, &[(key, None)]) {
        tracing::warn!(flow = ctx.flow_name, product, "cannot forget a recovered bulk result: {e}");
    }
    (entry.hash == hash).then_some(entry.data)
}

/// Run the bulk mutation of `jsonl` (`lines` says what each line is) once no other runs, and
/// read each line's result back. Call [`read_back`] once the results are kept.
pub async fn operation(ctx: &ShopifyContext<'_>, jsonl: &[u8], lines: Vec<Sent>) -> Result<LineResults, PluginError> {
    let _slot = ctx.client.bulk_slot().await;
    wait_running(ctx).await?;
    let mut pending = Pending { id: None, lines };
    remember(ctx, &pending)?;
    let path = stage(ctx.client, jsonl).await.map_err(|e| whole(&e))?;
    let id = start(ctx.client, &queries::PRODUCT_SET, &path).await.map_err(|e| whole(&e))?;
    pending.id = Some(id.clone());
    remember(ctx, &pending)?;
    tracing::info!(flow = ctx.flow_name, id, lines = pending.lines.len(), "bulk mutation started");
    results(ctx.client, &id, POLL_EVERY, GIVE_UP_AFTER).await.map_err(|e| whole(&e))
}

/// The operation's results are kept: nothing is left to recover.
pub fn read_back(ctx: &ShopifyContext<'_>) {
    if let Err(e) = ctx.store.state_write(StateTable::CatalogBulk, &[(ctx.flow_name.to_owned(), None)]) {
        tracing::warn!(flow = ctx.flow_name, "cannot forget the bulk mutation read back: {e}");
    }
}

/// Wait for the app's bulk mutation running now, if any, to end.
async fn wait_running(ctx: &ShopifyContext<'_>) -> Result<(), PluginError> {
    let Some(op) = current(ctx.client).await.map_err(|e| whole(&e))?.filter(|op| running(&op.status)) else {
        return Ok(());
    };
    tracing::info!(flow = ctx.flow_name, id = op.id, "waiting for a bulk mutation still running");
    match finished(ctx.client, &op.id, POLL_EVERY, GIVE_UP_AFTER).await {
        Err(e) if e.is_retryable() => Err(whole(&e)),
        _ => Ok(()),
    }
}

fn remember(ctx: &ShopifyContext<'_>, pending: &Pending) -> Result<(), PluginError> {
    let value = serde_json::to_vec(pending).map_err(|e| PluginError::Permanent(e.to_string()))?;
    ctx.store
        .state_write(StateTable::CatalogBulk, &[(ctx.flow_name.to_owned(), Some(value))])
        .map_err(|e| PluginError::Retryable(format!("cannot keep the bulk mutation in the store: {e}")))
}

/// A failure of the whole operation as each record's error: it goes again (a credentials or
/// rate problem stays what it is).
fn whole(e: &ShopifyError) -> PluginError {
    match request_error(e) {
        PluginError::Permanent(m) => PluginError::Retryable(format!("the bulk mutation failed: {m}")),
        other => other,
    }
}
