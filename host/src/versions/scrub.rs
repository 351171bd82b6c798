//! A config text as the store keeps it and the admin API shows it: every configured secret value
//! (one written inline in the file too) and every credential in a URL's query (`?access_token=…`,
//! `&api_key=…`, found by the parameter's name as plugin HTTP logging finds them) replaced by
//! `[REDACTED]`. Only the file holds them; a rollback takes nothing but the keys that apply
//! while running from a stored version (see [`super::edit::restoring`]).

use crate::plugin::http::secret_name;
use crate::redact::{Redactor, REDACTED};

/// `text` without secrets.
pub fn scrub(text: &str, redactor: &Redactor) -> String {
    let text = redactor.redact(text);
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    // A query parameter starts after `?` or `&`: `NAME=VALUE`, the value up to the next `&`,
    // quote, whitespace or `#`.
    while let Some(at) = rest.find(['?', '&']) {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        let Some(value) = after.strip_prefix('=') else { continue };
        if name.is_empty() || !secret_name(name) {
            continue;
        }
        let value_len = value.find(['&', '"', '\'', '#', ' ', '\t', '\n', '\r']).unwrap_or(value.len());
        if value_len == 0 || value[..value_len] == *REDACTED {
            continue;
        }
        out.push_str(name);
        out.push('=');
        out.push_str(REDACTED);
        rest = &value[value_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn inline_secrets_and_url_credentials_are_replaced_and_the_rest_kept() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new("shpat_inline_token".into()));
        let text = "# the shop\n[shopify]\naccess_token = \"shpat_inline_token\"\n\
                    [connections.sink]\nconfig = { sink_url = \"http://127.0.0.1:9/push?access_token=abc123&shop=weft\", \
                    other = 'https://x.example/a?page=2&api_key=k-9#frag' }\nq = \"a & b = c\"\n";
        assert_eq!(
            scrub(text, &redactor),
            "# the shop\n[shopify]\naccess_token = \"[REDACTED]\"\n\
             [connections.sink]\nconfig = { sink_url = \"http://127.0.0.1:9/push?access_token=[REDACTED]&shop=weft\", \
             other = 'https://x.example/a?page=2&api_key=[REDACTED]#frag' }\nq = \"a & b = c\"\n"
        );
        // Scrubbing is stable: a scrubbed text scrubs to itself.
        let once = scrub(text, &redactor);
        assert_eq!(scrub(&once, &redactor), once);
    }
}
