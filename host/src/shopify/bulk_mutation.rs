//! Bulk writes for large loads: stage the JSONL of variables (`stagedUploadsCreate`, then the
//! upload its target asks for), `bulkOperationRunMutation`, wait for the end
//! ([`super::bulk::finished`]), and read each line's outcome back by its `__lineNumber`. Finding
//! an operation again after a crash is the caller's: it keeps the id, and [`current`] names the
//! app's running (or last) bulk mutation.

use super::bulk::{finished, read_lines};
use super::client::ShopifyClient;
use super::error::ShopifyError;
use super::queries::{self, Operation};
use super::throttle::Priority;
use super::uploads::{self, user_errors, Upload};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::time::Duration;

/// A bulk mutation as Shopify reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkMutation {
    /// Its gid.
    pub id: String,
    /// `CREATED`, `RUNNING`, `COMPLETED`, `FAILED`, ...
    pub status: String,
    /// When it was created (ISO 8601).
    pub created_at: String,
}

/// What became of each line, by line number (from 0): the mutation's `data`, or the error that
/// stopped it (invalid variables, an internal error). A line without a result is missing.
pub type LineResults = BTreeMap<usize, Result<Json, ShopifyError>>;

/// Uploads `jsonl` (one variables object per line) for a bulk mutation; returns its
/// `stagedUploadPath`.
pub async fn stage(client: &ShopifyClient, jsonl: &[u8]) -> Result<String, ShopifyError> {
    let upload = Upload { resource: "BULK_MUTATION_VARIABLES", filename: "variables.jsonl", mime_type: "text/jsonl" };
    Ok(uploads::stage(client, upload, jsonl).await?.key)
}

/// Starts `mutation` once per line of the staged file at `path`; returns the operation's id.
pub async fn start(client: &ShopifyClient, mutation: &Operation, path: &str) -> Result<String, ShopifyError> {
    let vars = json!({"mutation": mutation.document, "stagedUploadPath": path});
    let data = client.execute(&queries::BULK_OPERATION_RUN_MUTATION, vars, Priority::Catalog).await?.data;
    let payload = &data["bulkOperationRunMutation"];
    user_errors(&payload["userErrors"])?;
    payload["bulkOperation"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ShopifyError::Decode("no bulk operation id".into()))
}

/// The app's bulk mutation running now, or the last one that finished; `None` when there is none.
pub async fn current(client: &ShopifyClient) -> Result<Option<BulkMutation>, ShopifyError> {
    let data = client.execute(&queries::CURRENT_BULK_MUTATION, json!({}), Priority::Catalog).await?.data;
    let op = &data["currentBulkOperation"];
    let text = |k: &str| op[k].as_str().unwrap_or_default().to_owned();
    Ok(op["id"].as_str().map(|id| BulkMutation {
        id: id.to_owned(),
        status: text("status"),
        created_at: text("createdAt"),
    }))
}

/// True while `status` says the operation has not ended.
pub fn running(status: &str) -> bool {
    matches!(status, "CREATED" | "RUNNING" | "CANCELING")
}

/// Waits for operation `id` to end (polling every `poll_every`, up to `give_up_after`) and reads
/// its result: each line's outcome by line number. An operation that did not complete is an
/// error for every line.
pub async fn results(
    client: &ShopifyClient,
    id: &str,
    poll_every: Duration,
    give_up_after: Duration,
) -> Result<LineResults, ShopifyError> {
    let Some(url) = finished(client, id, poll_every, give_up_after).await? else { return Ok(LineResults::new()) };
    let mut out = LineResults::new();
    read_lines(client, &url, |line| {
        let Some(n) = line["__lineNumber"].as_u64().and_then(|n| usize::try_from(n).ok()) else {
            return Err(ShopifyError::Decode("a result line without __lineNumber".into()));
        };
        out.insert(n, line_outcome(line));
        Ok(())
    })
    .await?;
    Ok(out)
}

/// One result line: its `data`, or its first error as a request error (as if the mutation had
/// been sent alone).
fn line_outcome(mut line: Json) -> Result<Json, ShopifyError> {
    let errors = line["errors"].as_array().cloned().unwrap_or_default();
    if let Some(first) = errors.first() {
        return Err(ShopifyError::GraphQl {
            code: first["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
            message: first["message"].as_str().unwrap_or_default().to_owned(),
            errors: Json::Array(errors),
        });
    }
    match line["data"].take() {
        Json::Null => Err(ShopifyError::Decode("a result line without data".into())),
        data => Ok(data),
    }
}
