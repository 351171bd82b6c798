//! A job's payload: its work as the JSON text the store keeps.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A job's work as JSON text: encoded once when the job is enqueued, kept as text by the store,
/// and decoded once, straight into the flow's type, when the job runs. Never a
/// `serde_json::Value` on the way: a page job carries hundreds of records.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<RawValue>);

impl Payload {
    /// `work` encoded.
    pub fn of(work: &impl Serialize) -> serde_json::Result<Payload> {
        serde_json::value::to_raw_value(work).map(Payload)
    }

    /// A payload as stored: the text is checked to be one JSON value.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Payload> {
        serde_json::from_slice(bytes).map(Payload)
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// Decoded into `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.0.get())
    }

    /// Decoded as a JSON value, for a person to read or edit (`null` if it is nested too deep to decode).
    pub fn value(&self) -> serde_json::Value {
        self.decode().unwrap_or_default()
    }

    /// The payload's `kind` tag (empty when it has none). weft writes the tag first, so it is
    /// read without decoding the rest; text written otherwise (a person's edit) is scanned whole.
    pub fn kind(&self) -> Cow<'_, str> {
        if let Some(kind) = leading_kind(self.json()) {
            return Cow::Borrowed(kind);
        }
        #[derive(Deserialize)]
        struct Tag {
            #[serde(default)]
            kind: String,
        }
        Cow::Owned(self.decode::<Tag>().map(|t| t.kind).unwrap_or_default())
    }
}

/// `kind`'s value when the text opens with it (`{"kind": "page", ...`) and it has no escapes.
fn leading_kind(json: &str) -> Option<&str> {
    let rest = json.trim_start().strip_prefix('{')?.trim_start().strip_prefix("\"kind\"")?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}

impl Default for Payload {
    /// `null`: no work (a job header, stored apart from its payload).
    fn default() -> Payload {
        Payload(RawValue::NULL.to_owned())
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.json() == other.json()
    }
}

impl From<serde_json::Value> for Payload {
    fn from(value: serde_json::Value) -> Payload {
        // A value always encodes: its map keys are strings.
        Payload::of(&value).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_read_from_the_leading_tag_or_from_the_whole_text() {
        let written = Payload::of(&serde_json::json!({"kind": "page", "records": []})).unwrap();
        assert_eq!(written.kind(), "page");
        assert!(matches!(written.kind(), Cow::Borrowed(_)));
        let spaced = Payload::from_json(br#" { "kind" : "record", "record": {}}"#).unwrap();
        assert_eq!(spaced.kind(), "record");
        let later = Payload::from_json(br#"{"body": {"kind": "inner"}, "kind": "shopify_webhook"}"#).unwrap();
        assert_eq!(later.kind(), "shopify_webhook");
        let escaped = Payload::from_json(br#"{"kind": "pa\u0067e"}"#).unwrap();
        assert_eq!(escaped.kind(), "page");
        assert_eq!(Payload::from_json(b"[1]").unwrap().kind(), "");
        assert_eq!(Payload::default().kind(), "");
    }

    #[test]
    fn stored_text_must_be_one_json_value() {
        assert!(Payload::from_json(b"{\"kind\": ").is_err());
        assert!(Payload::from_json(b"{} {}").is_err());
        assert_eq!(Payload::from_json(b"{\"a\":1}").unwrap().value(), serde_json::json!({"a": 1}));
    }
}
