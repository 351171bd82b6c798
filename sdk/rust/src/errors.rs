//! Constructors and formatting for [`PluginError`].

use crate::{FieldError, PluginError};
use std::fmt;

impl PluginError {
    /// An `invalid-input` error about `field`.
    pub fn invalid(field: &str, message: &str) -> PluginError {
        PluginError::InvalidInput(FieldError { field: field.to_owned(), message: message.to_owned() })
    }

    /// Whether the host will retry this error.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PluginError::Retryable(_) | PluginError::RateLimited(_) | PluginError::Conflict(_))
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::Retryable(m) => write!(f, "retryable: {m}"),
            PluginError::RateLimited(ms) => write!(f, "rate limited: retry after {ms} ms"),
            PluginError::Unauthorized(m) => write!(f, "unauthorized: {m}"),
            PluginError::InvalidInput(e) => write!(f, "invalid input at {}: {}", e.field, e.message),
            PluginError::NotFound(m) => write!(f, "not found: {m}"),
            PluginError::Conflict(m) => write!(f, "conflict: {m}"),
            PluginError::Permanent(m) => write!(f, "{m}"),
        }
    }
}
