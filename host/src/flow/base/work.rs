//! What a job carries, and the keys that make its writes idempotent.

use crate::model::{ChangeEvent, Record};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The payload of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Pull pages from the source since the stored cursor and enqueue one job per record.
    Pull,
    /// Push one record to the destination.
    Record {
        /// The record, as the source produced it.
        record: Record,
        /// The run whose scheduled pull found it (none when a person or reconcile enqueued it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pulled_by: Option<u64>,
        /// A hybrid inventory flow's level: what of Shopify's changes the ERP's number held
        /// when it was read (none when the record was not read by the flow's pull).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read: Option<ReadStamp>,
        /// The page job that read it, when it failed there and went on alone: its reads count
        /// as that job's (a later page's read of the same level is newer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_job: Option<u64>,
    },
    /// Push a page of records a flow's pull read together (an inventory flow's levels): one
    /// job for the page, each record with its own outcome; a record that fails goes on alone
    /// as a `Record` job of its own (see `flow::engine::pages`).
    Page {
        /// The records, in the order the source gave them.
        records: Vec<Record>,
        /// The run whose scheduled pull read them.
        pulled_by: u64,
    },
    /// An ERP webhook event: push its record (fetched from the source if the event has none).
    Event {
        /// The decoded event.
        event: ChangeEvent,
    },
    /// Pull the records a backfill asked for (`weft backfill`), from `cursor` on, outside the
    /// flow's own cursor; a backfill longer than one pull continues in a job of its own.
    Backfill {
        /// Where the backfill stands (the source's cursor).
        cursor: String,
    },
    /// A Shopify webhook delivery, converted to a canonical record when the job runs.
    ShopifyWebhook {
        /// `X-Shopify-Topic`.
        topic: String,
        /// The JSON body.
        body: serde_json::Value,
    },
}

impl Work {
    /// The kind of work a job's payload holds (its `kind` tag), read without decoding the rest.
    pub fn kind(payload: &serde_json::Value) -> &str {
        payload.get("kind").and_then(serde_json::Value::as_str).unwrap_or_default()
    }
}

/// What of Shopify's changes to a level the ERP's number held when a hybrid inventory flow read
/// it: the level's running total of changes taken in ([`crate::flow::inventory::hybrid::book::Book::taken`])
/// less those the ERP had not booked then. Written later, the level adds exactly what was taken
/// in or booked since the read, so a number read before an adjustment was booked is never
/// written without it, whatever the order its job runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadStamp {
    /// The SKU whose book was read.
    pub sku: String,
    /// The Shopify location of the book.
    pub location: String,
    /// Shopify's changes the ERP's number held.
    pub booked: i64,
}

/// An inventory level on its way to Shopify, as the flow's pull read it: its job (a flow's pulls
/// run one at a time and enqueue in the order they read, so a higher job read later: a level
/// from a lower one than the last applied is stale) and, in a hybrid flow, its stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRead {
    /// The job that carries it.
    pub job: u64,
    /// Hybrid flows: what of Shopify's changes the ERP's number held.
    pub stamp: Option<ReadStamp>,
}

/// Deterministic idempotency key of writing `record` in `flow`: the same content gives the same
/// key, so a retried or replayed write is recognised; changed content gives a new key.
pub fn idempotency_key(flow: &str, record: &Record) -> String {
    let body = serde_json::to_vec(record).unwrap_or_default();
    let hash = hex::encode(&Sha256::digest(&body)[..8]);
    format!("{flow}/{}/{}/{hash}", record.entity().name(), record.external_id())
}
