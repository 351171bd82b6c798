//! The staged upload endpoint on loopback, standing in for Shopify's storage bucket: a multipart
//! form `POST` to the bucket URL (signed fields, file last) or a `PUT` of the raw file to a signed
//! URL. It checks what the bucket checks (a target that was handed out, its signature, its content
//! type, the policy's size range), caps the body before reading it, and answers like Google Cloud
//! Storage (`201` with a `PostResponse`, `200` for `PUT`, XML errors). Files made from staged
//! uploads are served back under `/cdn/files/`.

use crate::store::now;
use crate::{lock, multipart, Shared, SimConfig};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::Request;
use sha2::{Digest, Sha256};

/// Form fields around the file may add this much to a `POST` body.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The URL path of the upload endpoint (the "bucket").
const PATH: &str = "/staged-uploads/";

/// An answer: HTTP status, content type, body.
pub type Answer = (u16, &'static str, Bytes);

/// The bucket URL `POST` targets send their form to.
pub fn upload_url(base_url: &str) -> String {
    format!("{base_url}{PATH}")
}

/// Where a staged file lives (`resourceUrl`, `originalSource` for files and media).
pub fn resource_url(base_url: &str, key: &str) -> String {
    format!("{base_url}{PATH}{key}")
}

/// The storage key behind a resource URL or a bare key (a bulk mutation's `stagedUploadPath`).
pub fn key_of<'a>(base_url: &str, reference: &'a str) -> &'a str {
    reference.strip_prefix(base_url).and_then(|p| p.strip_prefix(PATH)).unwrap_or(reference)
}

/// The signature of a target: hex HMAC-SHA256 of its key, keyed by the shop's token, so only
/// targets this shop handed out are accepted.
pub fn signature(config: &SimConfig, key: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(config.token.as_bytes()).expect("HMAC takes any key length");
    mac.update(key.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn xml_error(status: u16, code: &str, message: &str) -> Answer {
    let body =
        format!("<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>");
    (status, "application/xml; charset=UTF-8", Bytes::from(body))
}

fn too_large() -> Answer {
    xml_error(
        400,
        "EntityTooLarge",
        "Your proposed upload is larger than the maximum object size specified in your Policy Document.",
    )
}

/// Reads a body of at most `limit` bytes, refusing a larger declared or actual length.
async fn read_capped(req: Request<Incoming>, limit: u64) -> Result<Bytes, Answer> {
    let declared =
        req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    Limited::new(req.into_body(), limit).collect().await.map(|b| b.to_bytes()).map_err(|_| too_large())
}

/// Stores a received file under its key if the target exists and accepts it.
fn store_file(shared: &Shared, key: &str, content_type: &str, data: Bytes) -> Result<(), Answer> {
    let mut store = lock(&shared.store);
    let Some(upload) = store.uploads.get_mut(key) else {
        return Err(xml_error(403, "AccessDenied", "Access denied."));
    };
    if content_type != upload.mime_type {
        return Err(xml_error(
            403,
            "AccessDenied",
            &format!(
                "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$Content-Type\", \"{}\"]",
                upload.mime_type
            ),
        ));
    }
    let size = data.len() as u64;
    if size == 0 || size > upload.max_bytes {
        return Err(too_large());
    }
    upload.size = Some(size);
    upload.sha256 = Some(Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect());
    upload.bytes = Some(data);
    upload.uploaded_at = Some(now());
    drop(store);
    let mut counters = lock(&shared.counters);
    counters.staged_uploads += 1;
    counters.staged_upload_bytes += size;
    Ok(())
}

/// A multipart `POST` to the bucket: the signed fields, then the file.
async fn post(shared: &Shared, req: Request<Incoming>) -> Result<Answer, Answer> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = read_capped(req, crate::store::uploads::MAX_BULK_VARIABLES_BYTES + FORM_OVERHEAD).await?;
    let parts = multipart::parse(&content_type, &body).map_err(|e| xml_error(400, "InvalidArgument", &e))?;
    // The bucket ignores fields after the file, so only fields before it count.
    let file_at = parts
        .iter()
        .position(|p| p.filename.is_some() || p.name == "file")
        .ok_or_else(|| xml_error(400, "InvalidArgument", "Cannot find the file field."))?;
    let field = |name: &str| {
        parts[..file_at]
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| String::from_utf8_lossy(&p.data).to_string())
    };
    let key = field("key").ok_or_else(|| xml_error(400, "InvalidArgument", "Missing the key form field."))?;
    if field("x-goog-signature").as_deref() != Some(signature(&shared.config, &key).as_str()) {
        return Err(xml_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    store_file(shared, &key, &field("Content-Type").unwrap_or_default(), parts[file_at].data.clone())?;
    let etag: String = Sha256::digest(&parts[file_at].data).iter().take(16).map(|b| format!("{b:02x}")).collect();
    let location = resource_url(&shared.base_url, &key);
    let xml = format!("<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{location}</Location><Bucket>shopify-staged-uploads</Bucket><Key>{key}</Key><ETag>\"{etag}\"</ETag></PostResponse>");
    Ok((201, "application/xml; charset=UTF-8", Bytes::from(xml)))
}

/// A `PUT` of the raw file to a signed URL.
async fn put(shared: &Shared, key: String, req: Request<Incoming>) -> Result<Answer, Answer> {
    let query = req.uri().query().unwrap_or("").to_string();
    let signed = query.split('&').find_map(|p| p.strip_prefix("X-Goog-Signature=")).unwrap_or("");
    if signed != signature(&shared.config, &key) {
        return Err(xml_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let Some(limit) = lock(&shared.store).uploads.get(&key).map(|u| u.max_bytes) else {
        return Err(xml_error(403, "AccessDenied", "Access denied."));
    };
    let body = read_capped(req, limit).await?;
    store_file(shared, &key, &content_type, body)?;
    Ok((200, "text/plain", Bytes::new()))
}

/// Serves a file's bytes at `/cdn/files/{id}/{filename}` (its `image.url` / `url`).
pub fn serve_file(shared: &Shared, path: &str) -> Answer {
    let not_found = || xml_error(404, "NoSuchKey", "The specified key does not exist.");
    let Some((id, filename)) = path.strip_prefix("/cdn/files/").and_then(|p| p.split_once('/')) else {
        return not_found();
    };
    let store = lock(&shared.store);
    let file = id.parse::<u64>().ok().and_then(|id| store.files.get(&id)).filter(|f| f.filename == filename);
    let bytes =
        file.and_then(|f| f.upload_key.as_ref()).and_then(|k| store.uploads.get(k)).and_then(|u| u.bytes.clone());
    match bytes {
        Some(bytes) => (200, "application/octet-stream", bytes),
        None => not_found(),
    }
}

/// Serves a request under `/staged-uploads/`, or None when the path is elsewhere.
pub async fn handle(shared: &Shared, req: Request<Incoming>) -> Option<Answer> {
    let key = req.uri().path().strip_prefix(PATH)?.to_string();
    let answer = match (req.method().as_str(), key.is_empty()) {
        ("POST", true) => post(shared, req).await,
        ("PUT", false) => put(shared, key, req).await,
        _ => Err(xml_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")),
    };
    Some(answer.unwrap_or_else(|e| e))
}
