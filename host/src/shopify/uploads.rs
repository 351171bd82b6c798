//! Staged uploads: ask Shopify where to put a file (`stagedUploadsCreate`), then POST it there
//! ([`ShopifyClient::upload`]). Bulk mutations stage their variables this way, catalog flows
//! their `file:` images.

use super::client::ShopifyClient;
use super::error::{RecordError, ShopifyError};
use super::queries;
use super::throttle::Priority;
use serde_json::{json, Value as Json};

/// A file uploaded to a staged target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staged {
    /// What a mutation names the file by (`originalSource`).
    pub resource_url: String,
    /// The target's `key` (a bulk mutation's `stagedUploadPath`).
    pub key: String,
}

/// What is uploaded: Shopify's resource type (`IMAGE`, `BULK_MUTATION_VARIABLES`...), the
/// file's name and MIME type.
#[derive(Clone, Copy, Debug)]
pub struct Upload<'a> {
    pub resource: &'a str,
    pub filename: &'a str,
    pub mime_type: &'a str,
}

/// Stage `bytes` as `upload`. A refusal of the target (too large, a bad name) is a
/// `ShopifyError::GraphQl` with Shopify's message.
pub async fn stage(client: &ShopifyClient, upload: Upload<'_>, bytes: &[u8]) -> Result<Staged, ShopifyError> {
    let input = json!([{"resource": upload.resource, "filename": upload.filename, "mimeType": upload.mime_type,
        "httpMethod": "POST", "fileSize": bytes.len().to_string()}]);
    let data = client.execute(&queries::STAGED_UPLOADS_CREATE, json!({"input": input}), Priority::Catalog).await?.data;
    let payload = &data["stagedUploadsCreate"];
    user_errors(&payload["userErrors"])?;
    let target = &payload["stagedTargets"][0];
    let url = target["url"].as_str().ok_or_else(|| ShopifyError::Decode("no staged upload url".into()))?;
    let fields: Vec<(String, String)> = target["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["value"].as_str()?.to_owned())))
        .collect();
    let key = fields
        .iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.clone())
        .ok_or_else(|| ShopifyError::Decode("the staged target has no key".into()))?;
    let resource_url = target["resourceUrl"].as_str().unwrap_or(url).to_owned();
    client.upload(url, &fields, bytes).await?;
    Ok(Staged { resource_url, key })
}

/// The first of a payload's `userErrors` as a request error: the whole call was refused.
pub(super) fn user_errors(errors: &Json) -> Result<(), ShopifyError> {
    match RecordError::list(errors).into_iter().next() {
        Some(e) => Err(ShopifyError::GraphQl {
            code: e.code.clone().unwrap_or_else(|| "INVALID".into()),
            message: e.message,
            errors: errors.clone(),
        }),
        None => Ok(()),
    }
}
