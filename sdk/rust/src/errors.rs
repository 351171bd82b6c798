//! Constructors and formatting for [`PluginError`].

use crate::{FieldError, PluginError};

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
