//! Errors of the Shopify client. None of them ever contains the access token.

use serde_json::Value as Json;
use std::time::Duration;

/// A request-level failure (the whole call failed).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ShopifyError {
    /// 401/403: the token is wrong or lacks a scope. Not retried; the queue should pause.
    #[error("Shopify refused the credentials (HTTP {status})")]
    Unauthorized { status: u16 },
    /// Still THROTTLED after every attempt.
    #[error("Shopify kept throttling after {attempts} attempts")]
    Throttled { attempts: u32 },
    /// An HTTP status other than 200 that is not retried, or the last of the retried ones.
    #[error("Shopify answered HTTP {status}: {body}")]
    Http { status: u16, body: String, retry_after: Option<Duration> },
    /// No answer in time.
    #[error("no answer from Shopify within {0:?}")]
    Timeout(Duration),
    /// Connection failures and the like.
    #[error("cannot reach Shopify: {0}")]
    Transport(String),
    /// Top-level GraphQL errors (validation, BAD_REQUEST, MAX_COST_EXCEEDED, ...).
    #[error("Shopify rejected the request: {message} ({code})")]
    GraphQl { code: String, message: String, errors: Json },
    /// An answer that does not have the expected shape.
    #[error("unexpected answer from Shopify: {0}")]
    Decode(String),
}

impl ShopifyError {
    /// True for failures worth retrying with backoff (5xx, 429, timeouts, transport, internal errors).
    pub fn is_retryable(&self) -> bool {
        match self {
            ShopifyError::Http { status, .. } => *status == 429 || *status >= 500,
            ShopifyError::Timeout(_) | ShopifyError::Transport(_) => true,
            ShopifyError::GraphQl { code, .. } => code == "INTERNAL_SERVER_ERROR",
            _ => false,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ShopifyError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A `userErrors` entry: one record (or one input field) the mutation refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({})", code.as_deref().unwrap_or("no code"))]
pub struct RecordError {
    /// Input path Shopify reported, e.g. `["input", "quantities", "3", "changeFromQuantity"]`.
    pub field: Vec<String>,
    pub message: String,
    /// Typed code such as `CHANGE_FROM_QUANTITY_STALE` (absent on generic `UserError`s).
    pub code: Option<String>,
}

impl RecordError {
    /// Parses a `userErrors` list.
    pub fn list(value: &Json) -> Vec<RecordError> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| RecordError {
                field: e
                    .get("field")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect(),
                message: e.get("message").and_then(Json::as_str).unwrap_or("").to_string(),
                code: e.get("code").and_then(Json::as_str).map(str::to_string),
            })
            .collect()
    }

    /// The list index this error points at, for inputs like `input.quantities.N.*`.
    pub fn index_in(&self, list: &str) -> Option<usize> {
        let at = self.field.iter().position(|f| f == list)?;
        self.field.get(at + 1)?.parse().ok()
    }

    /// A made-up error for a record that could not be written because of a request failure.
    pub fn from_request(error: &ShopifyError) -> RecordError {
        RecordError { field: Vec::new(), message: error.to_string(), code: None }
    }
}

/// The outcome of one record of a batch write, or the request failure that prevented it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Request(#[from] ShopifyError),
}
