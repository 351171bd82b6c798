//! Versions of the config file: each saved change (or rollback) is a numbered version with who
//! saved it, when, why and the whole text, so history, diff and rollback need nothing else.

use serde::{Deserialize, Serialize};

/// One saved version of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigVersion {
    /// 1, 2, ... in the order they were saved (given by the store).
    pub number: u64,
    /// Who saved it: `admin` (the admin token's holder) or `file` (found at start).
    pub author: String,
    /// When.
    pub saved_ms: u64,
    /// Why, in the saver's words.
    pub comment: String,
    /// The version this one puts back, for a rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restores: Option<u64>,
    /// The whole config file as saved.
    pub text: String,
}
