//! A small `multipart/form-data` parser (RFC 7578) for staged uploads: form fields and one file.

use bytes::Bytes;

/// One part of a form.
#[derive(Debug)]
pub struct Part {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename`, for a file part.
    pub filename: Option<String>,
    pub data: Bytes,
}

/// The boundary named by a `multipart/form-data; boundary=...` content type.
fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// A `key="value"` parameter of a `Content-Disposition` header.
fn disposition_param(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Parses a form body; errors name what is malformed.
pub fn parse(content_type: &str, body: &Bytes) -> Result<Vec<Part>, String> {
    let boundary = boundary(content_type).ok_or("Content-Type must be multipart/form-data with a boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or("the body has no multipart boundary")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(parts);
        }
        let headers_start = find(body, b"\r\n", at).ok_or("a part has no headers")? + 2;
        let headers_end = find(body, b"\r\n\r\n", headers_start).ok_or("a part's headers are not terminated")?;
        let headers =
            std::str::from_utf8(&body[headers_start..headers_end]).map_err(|_| "a part's headers are not UTF-8")?;
        let disposition = headers
            .split("\r\n")
            .find_map(|h| {
                h.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
                    .map(|(_, v)| v.to_string())
            })
            .ok_or("a part has no Content-Disposition")?;
        let name = disposition_param(&disposition, "name").ok_or("a part has no name")?;
        let data_start = headers_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let data_end = find(body, &closing, data_start).ok_or("a part is not terminated by the boundary")?;
        parts.push(Part {
            name,
            filename: disposition_param(&disposition, "filename"),
            data: body.slice(data_start..data_end),
        });
        at = data_end + closing.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_a_file() {
        let body = Bytes::from_static(b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\ntmp/1/bulk/a/vars.jsonl\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vars.jsonl\"\r\nContent-Type: text/jsonl\r\n\r\n{\"a\":1}\r\n{\"a\":2}\r\n--XyZ--\r\n");
        let parts = parse("multipart/form-data; boundary=XyZ", &body).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "key");
        assert_eq!(&parts[0].data[..], b"tmp/1/bulk/a/vars.jsonl");
        assert_eq!(parts[1].filename.as_deref(), Some("vars.jsonl"));
        assert_eq!(&parts[1].data[..], b"{\"a\":1}\r\n{\"a\":2}");
        assert!(parse("application/json", &body).is_err());
        assert!(parse("multipart/form-data; boundary=XyZ", &Bytes::from_static(b"--XyZ\r\nno headers end")).is_err());
    }
}
