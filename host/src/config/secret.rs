//! Secrets named in the config: where they come from, and a value type that never prints.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// Where a secret's value is read from. Values are never written in the config file itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, untagged)]
pub enum SecretSource {
    /// `{ env = "NAME" }`: an environment variable of the weft process.
    Env {
        /// Variable name.
        env: String,
    },
    /// `{ file = "/run/secrets/x" }`: a file's content, trailing newline removed.
    File {
        /// Path of the file.
        file: PathBuf,
    },
}

impl SecretSource {
    /// Read the value now. The error names the source, never the value.
    pub fn load(&self) -> Result<Secret, String> {
        match self {
            SecretSource::Env { env } => {
                std::env::var(env).map(Secret::new).map_err(|_| format!("environment variable {env} is not set"))
            }
            SecretSource::File { file } => std::fs::read_to_string(file)
                .map(|s| Secret::new(s.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|e| format!("cannot read secret file {}: {e}", file.display())),
        }
    }
}

/// A secret value. `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
