//! `stagedUploadsCreate`: upload targets on the simulator's own loopback endpoint, shaped like
//! Shopify's Google Cloud Storage targets. `POST` targets are the bucket URL plus the signed form
//! fields (`key`, `policy`, `x-goog-*`; the `key` value is a bulk mutation's `stagedUploadPath`);
//! `PUT` targets are a signed URL plus the `content_type` and `acl` the request must carry.

use super::shop::shop_id;
use super::{user_errors, Ctx};
use crate::store::model::UserError;
use crate::store::uploads::StagedUpload;
use crate::store::{now, Store};
use crate::uploads::{resource_url, signature, upload_url};
use base64::Engine;
use rand::Rng;
use serde_json::{json, Map, Value as Json};

/// The service account Shopify's targets are signed by (reported as in real targets).
const CREDENTIAL_ACCOUNT: &str = "merchant-assets@shopify-tiers.iam.gserviceaccount.com";

/// How long a target stays valid (Shopify: a week).
const EXPIRES_SECONDS: u64 = 604_800;

fn uuid() -> String {
    let b: [u8; 16] = rand::rng().random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The folder Shopify stages a resource type in.
fn folder(resource: &str) -> &'static str {
    match resource {
        "BULK_MUTATION_VARIABLES" => "bulk",
        "FILE" => "files",
        _ => "products",
    }
}

fn param(name: &str, value: impl Into<String>) -> Json {
    json!({"name": name, "value": value.into()})
}

/// The target for one staged upload, as Shopify shapes it for the HTTP method.
fn target(ctx: &Ctx<'_>, upload: &StagedUpload) -> Json {
    let date = upload.created_at.format("%Y%m%dT%H%M%SZ").to_string();
    let credential = format!("{CREDENTIAL_ACCOUNT}/{}/auto/storage/goog4_request", upload.created_at.format("%Y%m%d"));
    let signature = signature(ctx.config, &upload.key);
    if upload.http_method == "PUT" {
        let query = format!(
            "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential={}&X-Goog-Date={date}&X-Goog-Expires={EXPIRES_SECONDS}&X-Goog-SignedHeaders=content-type%3Bhost&X-Goog-Signature={signature}",
            credential.replace('@', "%40").replace('/', "%2F")
        );
        let url = format!("{}?{query}", resource_url(ctx.base_url, &upload.key));
        let parameters = vec![param("content_type", upload.mime_type.as_str()), param("acl", "private")];
        return json!({"url": url, "resourceUrl": resource_url(ctx.base_url, &upload.key), "parameters": parameters});
    }
    let expiration = (upload.created_at + chrono::Duration::seconds(EXPIRES_SECONDS as i64))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let policy = json!({
        "conditions": [
            {"Content-Type": upload.mime_type}, {"success_action_status": "201"}, {"acl": "private"},
            ["content-length-range", 1, upload.max_bytes], {"bucket": "shopify-staged-uploads"}, {"key": upload.key},
            {"x-goog-date": date}, {"x-goog-credential": credential}, {"x-goog-algorithm": "GOOG4-RSA-SHA256"},
        ],
        "expiration": expiration,
    });
    let parameters = vec![
        param("Content-Type", upload.mime_type.as_str()),
        param("success_action_status", "201"),
        param("acl", "private"),
        param("key", upload.key.as_str()),
        param("x-goog-date", date),
        param("x-goog-credential", credential),
        param("x-goog-algorithm", "GOOG4-RSA-SHA256"),
        param("x-goog-signature", signature),
        param("policy", base64::engine::general_purpose::STANDARD.encode(policy.to_string())),
    ];
    // Bulk variables are referenced by `key`; Shopify reports the bucket itself as their resourceUrl.
    let resource = if upload.resource == "BULK_MUTATION_VARIABLES" {
        upload_url(ctx.base_url)
    } else {
        resource_url(ctx.base_url, &upload.key)
    };
    json!({"url": upload_url(ctx.base_url), "resourceUrl": resource, "parameters": parameters})
}

/// Validates one `StagedUploadInput` into a staged upload (not yet stored).
fn stage(ctx: &Ctx<'_>, input: &Json, i: usize) -> Result<StagedUpload, UserError> {
    let idx = i.to_string();
    let s = |k: &str| input.get(k).and_then(Json::as_str).unwrap_or("").trim().to_string();
    let resource = s("resource");
    let Some(max_bytes) = StagedUpload::max_bytes_for(&resource) else {
        return Err(UserError::new(&["input", &idx, "resource"], format!("shopify-sim does not stage {resource} uploads (BULK_MUTATION_VARIABLES, IMAGE, PRODUCT_IMAGE and FILE only)"), None));
    };
    let filename = s("filename");
    if filename.is_empty() || filename.contains('/') {
        return Err(UserError::new(&["input", &idx, "filename"], "Filename is invalid", None));
    }
    let mime_type = s("mimeType");
    if mime_type.is_empty() {
        return Err(UserError::new(&["input", &idx, "mimeType"], "Mime type can't be blank", None));
    }
    if let Some(size) = input
        .get("fileSize")
        .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .filter(|size| *size > max_bytes)
    {
        return Err(UserError::new(
            &["input", &idx, "fileSize"],
            format!("File size {size} exceeds the maximum of {max_bytes} bytes"),
            None,
        ));
    }
    let key = format!("tmp/{}/{}/{}/{filename}", shop_id(&ctx.config.shop_domain), folder(&resource), uuid());
    let http_method = input.get("httpMethod").and_then(Json::as_str).unwrap_or("PUT").to_string();
    Ok(StagedUpload {
        key,
        resource,
        filename,
        mime_type,
        http_method,
        max_bytes,
        created_at: now(),
        uploaded_at: None,
        size: None,
        sha256: None,
        bytes: None,
    })
}

/// `stagedUploadsCreate(input:)`: all targets or none.
pub fn staged_uploads_create(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let inputs = a.get("input").and_then(Json::as_array).cloned().unwrap_or_default();
    let staged: Result<Vec<StagedUpload>, UserError> =
        inputs.iter().enumerate().map(|(i, input)| stage(ctx, input, i)).collect();
    match staged {
        Ok(uploads) => {
            let targets: Vec<Json> = uploads.iter().map(|u| target(ctx, u)).collect();
            for upload in uploads {
                store.uploads.insert(upload.key.clone(), upload);
            }
            json!({"stagedTargets": targets, "userErrors": []})
        }
        Err(e) => json!({"stagedTargets": null, "userErrors": user_errors(&[e])}),
    }
}
