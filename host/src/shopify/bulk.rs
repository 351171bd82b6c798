//! Bulk export for full reads (reconcile, backfill): run a bulk query, poll it to completion,
//! download the JSONL result.

use super::client::ShopifyClient;
use super::error::{RecordError, ShopifyError};
use super::queries;
use super::throttle::Priority;
use serde_json::{json, Value as Json};
use std::time::{Duration, Instant};

/// Runs `query` (a bulk query: connections without `first`) and returns its JSONL lines.
/// Nested connection nodes come as their own lines carrying `__parentId`.
pub async fn export(
    client: &ShopifyClient,
    query: &str,
    poll_every: Duration,
    give_up_after: Duration,
) -> Result<Vec<Json>, ShopifyError> {
    let mut lines = Vec::new();
    export_each(client, query, poll_every, give_up_after, |line| {
        lines.push(line);
        Ok(())
    })
    .await?;
    Ok(lines)
}

/// Runs `query` like [`export`] and hands each JSONL line to `each` as it is downloaded, in the
/// file's order (a parent before its nested nodes): memory holds one line, not the file.
pub async fn export_each(
    client: &ShopifyClient,
    query: &str,
    poll_every: Duration,
    give_up_after: Duration,
    each: impl FnMut(Json) -> Result<(), ShopifyError>,
) -> Result<(), ShopifyError> {
    let data =
        client.execute(&queries::BULK_OPERATION_RUN_QUERY, json!({"query": query}), Priority::Backfill).await?.data;
    let payload = &data["bulkOperationRunQuery"];
    if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
        return Err(ShopifyError::GraphQl {
            code: e.code.clone().unwrap_or_else(|| "INVALID".into()),
            message: e.message,
            errors: payload["userErrors"].clone(),
        });
    }
    let id = payload["bulkOperation"]["id"]
        .as_str()
        .ok_or_else(|| ShopifyError::Decode("no bulk operation id".into()))?
        .to_string();
    // No url: the export matched nothing.
    let Some(url) = finished(client, &id, poll_every, give_up_after).await? else { return Ok(()) };
    read_lines(client, &url, each).await
}

/// Reads the JSONL file at `url` (a bulk operation's result) a line at a time, each parsed and
/// handed to `each` in the file's order.
pub async fn read_lines(
    client: &ShopifyClient,
    url: &str,
    mut each: impl FnMut(Json) -> Result<(), ShopifyError>,
) -> Result<(), ShopifyError> {
    client.download_lines(url, |line| each(jsonl_line(line)?)).await
}

/// Polls bulk operation `id` until it ends: the URL of its JSONL result once COMPLETED (`None`
/// when it has no lines), an error when it FAILED, was CANCELED or EXPIRED, or still runs after
/// `give_up_after`.
pub async fn finished(
    client: &ShopifyClient,
    id: &str,
    poll_every: Duration,
    give_up_after: Duration,
) -> Result<Option<String>, ShopifyError> {
    let started = Instant::now();
    loop {
        let data = client.execute(&queries::BULK_OPERATION, json!({"id": id}), Priority::Backfill).await?.data;
        let op = &data["bulkOperation"];
        match op["status"].as_str() {
            None => return Err(ShopifyError::Decode(format!("no bulk operation {id}"))),
            Some("COMPLETED") => return Ok(op["url"].as_str().map(str::to_string)),
            Some("FAILED" | "CANCELED" | "EXPIRED") => {
                let code = op["errorCode"].as_str().unwrap_or("FAILED").to_string();
                return Err(ShopifyError::GraphQl {
                    message: format!("bulk operation {id} ended {}", op["status"]),
                    code,
                    errors: Json::Null,
                });
            }
            _ if started.elapsed() > give_up_after => return Err(ShopifyError::Timeout(give_up_after)),
            _ => tokio::time::sleep(poll_every).await,
        }
    }
}

/// One JSONL line.
fn jsonl_line(line: &str) -> Result<Json, ShopifyError> {
    serde_json::from_str(line).map_err(|e| ShopifyError::Decode(format!("bad JSONL line: {e}")))
}
