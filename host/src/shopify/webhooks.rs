//! Webhook authenticity: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
//! request body keyed by the app's client secret. Verify before parsing the body.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// True when `header` is the base64 HMAC-SHA256 of `body` under `secret` (constant-time compare).
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(header.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Whether `header` can be a signature at all (the base64 of 32 bytes), judged before the body
/// is read.
pub fn signature_well_formed(header: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(header.trim()).is_ok_and(|mac| mac.len() == 32)
}

/// Like [`verify`] with several secrets (the current one, then the one before a rotation, with
/// which Shopify may still sign for a while): the position of the first that signed `body`.
pub fn signed_by<'a>(secrets: impl IntoIterator<Item = &'a [u8]>, body: &[u8], header: &str) -> Option<usize> {
    secrets.into_iter().position(|s| verify(s, body, header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_shopifys_test_vector_and_rejects_tampering() {
        let header = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";
        assert!(verify(b"test_secret_key", br#"{"foo": "bar"}"#, header));
        assert!(!verify(b"test_secret_key", br#"{"foo": "baz"}"#, header));
        assert!(!verify(b"other_secret", br#"{"foo": "bar"}"#, header));
        assert!(!verify(b"test_secret_key", br#"{"foo": "bar"}"#, "not base64!"));
        assert!(signature_well_formed(header));
        assert!(
            !signature_well_formed("") && !signature_well_formed("c2hvcnQ=") && !signature_well_formed("not base64!")
        );
        assert_eq!(
            signed_by([b"old".as_slice(), b"test_secret_key".as_slice()], br#"{"foo": "bar"}"#, header),
            Some(1)
        );
        assert_eq!(signed_by([b"old".as_slice(), b"older".as_slice()], br#"{"foo": "bar"}"#, header), None);
    }
}
