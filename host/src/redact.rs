//! Removes secret values from text before it is logged, stored or shown.

use crate::config::Secret;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// The mark that replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Secret values shorter than this are not redacted (they would match ordinary text);
/// config loading warns about them.
pub const MIN_REDACTED_LEN: usize = 4;

/// A shared set of secret values to scrub from any text the host emits.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Remember a secret so that it is scrubbed from now on.
    pub fn add(&self, secret: &Secret) {
        let value = secret.expose();
        if value.len() < MIN_REDACTED_LEN {
            return;
        }
        let mut values = self.values.write().unwrap_or_else(|e| e.into_inner());
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
            // Longest first, so a secret containing another is replaced whole.
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// `text` with every known secret value replaced by [`REDACTED`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let values = self.values.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Cow::Borrowed(text);
        for value in values.iter() {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), REDACTED));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_prefers_the_longest_secret() {
        let r = Redactor::new();
        r.add(&Secret::new("hunter2".into()));
        r.add(&Secret::new("hunter2-extended".into()));
        assert_eq!(r.redact("a hunter2 b hunter2-extended"), "a [REDACTED] b [REDACTED]");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn ignores_values_too_short_to_redact_safely() {
        let r = Redactor::new();
        r.add(&Secret::new("ab".into()));
        assert_eq!(r.redact("abc"), "abc");
    }
}
