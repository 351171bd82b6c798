//! The error vocabulary of readers and writers: a failed Shopify request or write as a plugin
//! error (per record), and a plugin error or a failed plugin call as a queue error (per job).

use crate::model::PluginError;
use crate::plugin::CallError;
use crate::shopify::{ShopifyError, WriteError};
use crate::store::{ErrorClass, JobError};

/// A failed Shopify request as a plugin error: credentials refused, throttled, retryable where
/// the client says so, permanent otherwise.
pub fn request_error(e: &ShopifyError) -> PluginError {
    match e {
        ShopifyError::Unauthorized { .. } => PluginError::Unauthorized(e.to_string()),
        ShopifyError::Throttled { .. } => PluginError::RateLimited(1_000),
        _ if e.is_retryable() => PluginError::Retryable(e.to_string()),
        _ => PluginError::Permanent(e.to_string()),
    }
}

/// A failed Shopify write: a refused record is invalid input naming the input path Shopify
/// reported (`default_field` when it reported none); a failed request as [`request_error`].
pub fn write_error(e: &WriteError, default_field: &str) -> PluginError {
    match e {
        WriteError::Record(r) => {
            let field = if r.field.is_empty() { default_field.to_owned() } else { r.field.join(".") };
            PluginError::invalid(&field, r.to_string())
        }
        WriteError::Request(r) => request_error(r),
    }
}

/// What the queue makes of a per-record plugin error or a failed call.
pub trait ToJobError {
    /// The job error.
    fn job_error(&self) -> JobError;
}

impl ToJobError for PluginError {
    fn job_error(&self) -> JobError {
        match self {
            PluginError::Retryable(m) => JobError::new(ErrorClass::Retryable, m.clone()),
            PluginError::RateLimited(ms) => {
                JobError::new(ErrorClass::RateLimited, format!("retry after {ms} ms")).after_ms(*ms)
            }
            PluginError::Unauthorized(m) => JobError::new(ErrorClass::Unauthorized, m.clone()),
            PluginError::InvalidInput(f) => {
                JobError::new(ErrorClass::InvalidInput, format!("{}: {}", f.field, f.message))
            }
            PluginError::NotFound(m) => JobError::new(ErrorClass::NotFound, m.clone()),
            PluginError::Conflict(m) => JobError::new(ErrorClass::Conflict, m.clone()),
            PluginError::Permanent(m) => JobError::new(ErrorClass::Permanent, m.clone()),
            PluginError::NeedsPerson(m) => JobError::needs_person(m.clone()),
        }
    }
}

impl ToJobError for CallError {
    fn job_error(&self) -> JobError {
        JobError::new(self.class(), self.to_string())
    }
}
