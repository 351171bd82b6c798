//! What a job carries, and the keys that make its writes idempotent.

use crate::model::{ChangeEvent, Record};
use crate::store::{JobError, Payload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The payload of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Pull pages from the source since the stored cursor and enqueue one job per record.
    Pull,
    /// Push one record to the destination.
    Record(RecordWork),
    /// Push a page of records a flow's pull read together (an inventory flow's levels): one
    /// job for the page, each record with its own outcome; a record that fails goes on alone
    /// as a `Record` job of its own (see `flow::engine::pages`).
    Page(PageWork),
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

/// [`Work::Record`]: one record to push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordWork {
    /// The record, as the source produced it.
    pub record: Record,
    /// The run whose scheduled pull found it (none when a person or reconcile enqueued it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulled_by: Option<u64>,
    /// A hybrid inventory flow's level: what of Shopify's changes the ERP's number held
    /// when it was read (none when the record was not read by the flow's pull).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadStamp>,
    /// The page job that read it, when it failed there and went on alone: its reads count
    /// as that job's (a later page's read of the same level is newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_job: Option<u64>,
}

impl RecordWork {
    /// `record`, enqueued by a person or by reconcile rather than read by a pull.
    pub fn of(record: Record) -> RecordWork {
        RecordWork { record, pulled_by: None, read: None, read_job: None }
    }
}

/// [`Work::Page`]: the records of one page a pull read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageWork {
    /// The records, in the order the source gave them.
    pub records: Vec<Record>,
    /// The run whose scheduled pull read them.
    pub pulled_by: u64,
}

impl Work {
    /// The work a job's payload holds. A record or a page is decoded straight from the text
    /// by its tag (an internally tagged enum would buffer the whole payload first).
    pub fn decode(payload: &Payload) -> serde_json::Result<Work> {
        match payload.kind().as_ref() {
            "record" => payload.decode().map(Work::Record),
            "page" => payload.decode().map(Work::Page),
            _ => payload.decode(),
        }
    }

    /// This work as a job's payload.
    pub fn payload(&self) -> Result<Payload, JobError> {
        Payload::of(self).map_err(|e| JobError::invalid_input(format!("the work does not encode as JSON: {e}")))
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
