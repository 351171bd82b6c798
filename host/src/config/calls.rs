//! `[calls]`: how the API calls of runs are kept (Shopify calls, plugins' HTTP exchanges). How
//! long they are kept is `[retention] api_calls`.

use serde::Deserialize;

/// `[calls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallsConfig {
    /// Keep every call of a run with its records (default true).
    #[serde(default = "yes")]
    pub record: bool,
    /// Bytes kept of each body (variables, answers, request and response bodies); the rest is
    /// cut and its size said (default 16384).
    #[serde(default = "default_body_bytes")]
    pub body_bytes: usize,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig { record: true, body_bytes: default_body_bytes() }
    }
}

fn yes() -> bool {
    true
}

fn default_body_bytes() -> usize {
    16 << 10
}
