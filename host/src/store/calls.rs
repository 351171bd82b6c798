//! The API calls of a run: each Shopify GraphQL call and each HTTP exchange of a plugin, secrets
//! removed and bodies capped before they get here, kept with the run and linked to the run
//! records they served (a call that carried 250 levels serves 250 records).

use serde::{Deserialize, Serialize};

/// One API call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiCall {
    /// When it was sent (ms since the epoch).
    pub at_ms: u64,
    /// How long until its answer (or failure), in ms.
    pub duration_ms: u64,
    /// What was called and what came back.
    #[serde(flatten)]
    pub detail: CallDetail,
}

/// A Shopify call or a plugin's HTTP exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallDetail {
    /// An Admin GraphQL call of weft's own Shopify client (one attempt).
    Shopify(ShopifyCall),
    /// An outgoing `wasi:http` request of a plugin.
    Http(HttpCall),
}

/// One attempt of an Admin GraphQL operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShopifyCall {
    /// The operation's name (`InventorySet`).
    pub operation: String,
    /// Its variables as JSON (secrets redacted, capped).
    pub variables: String,
    /// The attempt (1 for the first; THROTTLED answers and transient failures are sent again).
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Shopify's `X-Request-Id` (what Shopify support asks for).
    pub request_id: Option<String>,
    /// The answer's body (secrets redacted, capped).
    pub response: Option<String>,
    /// Why the call failed (GraphQL errors, HTTP status, transport), when it did.
    pub error: Option<String>,
    /// `extensions.cost.requestedQueryCost`.
    pub cost_requested: Option<f64>,
    /// `extensions.cost.actualQueryCost`.
    pub cost_actual: Option<f64>,
    /// The shop's bucket after the call (`throttleStatus`).
    pub throttle: Option<Throttle>,
}

/// Shopify's cost bucket as a call left it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    /// Points the bucket holds at most.
    pub maximum_available: f64,
    /// Points left.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// One HTTP exchange of a plugin: URL without secrets (userinfo and credential query values
/// removed), credential headers and configured secrets redacted, bodies capped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpCall {
    /// The plugin (`tryton`).
    pub plugin: String,
    /// Request method.
    pub method: String,
    /// Request URL.
    pub url: String,
    /// Response status; none when the request failed.
    pub status: Option<u16>,
    /// Request headers.
    pub request_headers: Vec<(String, String)>,
    /// Request body as text.
    pub request_body: String,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body as text.
    pub response_body: String,
    /// Why the request failed, if it did.
    pub error: Option<String>,
}

/// A call to store with a run's records: the records it served, by their index in the records
/// stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedCall {
    /// The call.
    pub call: ApiCall,
    /// Indexes into the records of the same `add_run_log`.
    pub records: Vec<usize>,
}

/// A stored call with its place in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEntry {
    /// The run.
    pub run_id: u64,
    /// Its place among the run's calls.
    pub seq: u64,
    /// The run records it served (their `seq`).
    pub records: Vec<u64>,
    /// The call.
    #[serde(flatten)]
    pub call: ApiCall,
}

/// Which calls of a run to read: those serving one record, a page after a seq.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallPage {
    /// Only calls that served this record (its seq).
    pub record: Option<u64>,
    /// Only calls after this seq (the previous page's last).
    pub after: Option<u64>,
    /// At most this many.
    pub limit: usize,
}

impl CallPage {
    /// Whether `entry` belongs on the page (all but `limit`).
    pub fn matches(&self, entry: &CallEntry) -> bool {
        self.after.is_none_or(|a| entry.seq > a) && self.record.is_none_or(|r| entry.records.contains(&r))
    }
}

/// Place `calls` after the run's calls so far (`first_call`), their record indexes turned into
/// the seqs the records got (`first_record` onwards); an index past the records is dropped.
pub fn place_calls(
    run_id: u64,
    first_call: u64,
    first_record: u64,
    records: usize,
    calls: &[LinkedCall],
) -> Vec<CallEntry> {
    (first_call..)
        .zip(calls)
        .map(|(seq, linked)| CallEntry {
            run_id,
            seq,
            records: linked.records.iter().filter(|i| **i < records).map(|i| first_record + *i as u64).collect(),
            call: linked.call.clone(),
        })
        .collect()
}

/// How calls are kept: secrets scrubbed by `redactor`, bodies capped at `body_bytes`, the time
/// read from `clock`.
#[derive(Clone)]
pub struct CallLog {
    /// The host's secrets.
    pub redactor: crate::redact::Redactor,
    /// Bytes kept of each body (`[calls] body_bytes`).
    pub body_bytes: usize,
    /// The time.
    pub clock: std::sync::Arc<dyn crate::clock::Clock>,
}

/// Bytes looked at past the cap, so a secret crossing it is still recognised whole.
const SECRET_MARGIN: usize = 512;

impl CallLog {
    /// `text` as kept: secrets redacted, cut at `body_bytes` (on a character boundary) with how
    /// much was left out.
    pub fn shown(&self, text: &str) -> String {
        let head = &text[..floor_char(text, self.body_bytes.saturating_add(SECRET_MARGIN))];
        let redacted = self.redactor.redact(head);
        let cut = floor_char(&redacted, self.body_bytes);
        if cut == redacted.len() && head.len() == text.len() {
            return redacted.into_owned();
        }
        let left = text.len().saturating_sub(head.len()) + redacted.len() - cut;
        format!("{}… ({left} more bytes)", &redacted[..cut])
    }
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
