//! Running a bulk mutation in the background: each line of the staged JSONL file is the variables
//! of one execution of the mutation, run like a single request (its own userErrors, webhooks and
//! writes; not charged to the bucket, as bulk operations are not rate limited) at the configured
//! lines per second. The result is one JSONL line per input line, `{"data": ..., "__lineNumber": n}`
//! or with `"errors"` when the line failed, served like a bulk query's.

use super::{count_writes, document, run as run_operation, Run};
use crate::resolve::bulk::finish_payload;
use crate::store::{now, Event};
use crate::{lock, Shared};
use serde_json::{json, Value as Json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest pause between two batches of lines.
const TICK: Duration = Duration::from_millis(20);

/// Most lines run in one blocking batch (keeps cancellation and rate changes responsive).
const MAX_BATCH: usize = 500;

/// Shopify's internal error for a line that failed on its side (an injected line error).
fn internal_error_line(line: u64) -> String {
    let b: [u8; 16] = rand::random();
    let request_id: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let message = format!("Internal error. Looks like something went wrong on our end.\nRequest ID: {request_id} (include this in support requests).");
    json!({"errors": [{"message": message, "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}], "__lineNumber": line}).to_string()
}

/// Runs one line; returns its result line.
fn run_line(shared: &Arc<Shared>, mutation: &str, version: &str, line: u64, text: &str) -> String {
    lock(&shared.counters).bulk_mutation_lines += 1;
    let Ok(doc) = document(shared, mutation) else {
        return internal_error_line(line);
    };
    let Ok(op) = doc.operations.get(None) else {
        return internal_error_line(line);
    };
    let root = op.root_fields(&doc).next().map(|f| f.name.to_string()).unwrap_or_default();
    if lock(&shared.faults).for_bulk_line(line, &root) {
        return internal_error_line(line);
    }
    let variables = match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(v)) => v,
        _ => {
            let message = format!("Line {line} of the JSONL file is not a JSON object of mutation variables.");
            return json!({"errors": [{"message": message, "extensions": {"code": "INVALID_VARIABLE"}}], "__lineNumber": line}).to_string();
        }
    };
    let Run { data, errors, events, writes, .. } = run_operation(shared, &doc, op, &variables, version, false);
    shared.webhooks.enqueue(shared, events);
    count_writes(shared, writes);
    let mut out = json!({"data": data, "__lineNumber": line});
    if !errors.is_empty() {
        out["errors"] = Json::Array(errors);
    }
    out.to_string()
}

/// Finishes operation `id` with `status` (and `error_code`), its result so far, and the webhook.
fn finish(shared: &Arc<Shared>, id: u64, status: &str, error_code: Option<&str>, results: &[String]) {
    let event = {
        let mut store = lock(&shared.store);
        let Some(b) = store.bulk_operations.get_mut(&id) else {
            return;
        };
        b.status = status.to_string();
        b.error_code = error_code.map(str::to_string);
        b.object_count = results.len() as u64;
        b.root_object_count = results.len() as u64;
        b.result = Some(results.iter().map(|l| format!("{l}\n")).collect());
        b.completed_at = Some(now());
        Event { topic: "bulk_operations/finish", payload: finish_payload(b) }
    };
    shared.webhooks.enqueue(shared, vec![event]);
}

/// Runs bulk mutation `id`: CREATED -> RUNNING -> COMPLETED (or CANCELED), then `bulk_operations/finish`.
pub async fn run(shared: Arc<Shared>, id: u64) {
    let found = {
        let store = lock(&shared.store);
        store.bulk_operations.get(&id).map(|b| {
            let file = b
                .staged_upload_path
                .as_ref()
                .and_then(|k| store.uploads.get(k))
                .and_then(|u| u.bytes.clone())
                .unwrap_or_default();
            (b.query.clone(), b.api_version.clone(), file)
        })
    };
    let Some((mutation, version, file)) = found else {
        return;
    };
    tokio::time::sleep(shared.config.bulk_delay / 2).await;
    let lines: Vec<(u64, String)> = String::from_utf8_lossy(&file)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n as u64, l.to_string()))
        .collect();
    super::bulk::start(&shared, id);
    let mut results: Vec<String> = Vec::with_capacity(lines.len());
    let mut budget = 1.0_f64;
    let mut last = Instant::now();
    while results.len() < lines.len() {
        if lock(&shared.store).bulk_operations.get(&id).is_none_or(|b| b.status == "CANCELING") {
            return finish(&shared, id, "CANCELED", None, &results);
        }
        let rate = *lock(&shared.bulk_mutation_rate);
        budget += last.elapsed().as_secs_f64() * rate;
        last = Instant::now();
        let due = (budget.floor() as usize).min(lines.len() - results.len()).min(MAX_BATCH);
        if due > 0 {
            budget -= due as f64;
            let batch: Vec<(u64, String)> = lines[results.len()..results.len() + due].to_vec();
            let (worker, mutation, version) = (shared.clone(), mutation.clone(), version.clone());
            let done = tokio::task::spawn_blocking(move || {
                batch.iter().map(|(n, text)| run_line(&worker, &mutation, &version, *n, text)).collect::<Vec<_>>()
            })
            .await;
            let Ok(done) = done else {
                return finish(&shared, id, "FAILED", Some("INTERNAL_SERVER_ERROR"), &results);
            };
            results.extend(done);
            if let Some(b) = lock(&shared.store).bulk_operations.get_mut(&id) {
                b.object_count = results.len() as u64;
                b.root_object_count = results.len() as u64;
            }
        } else {
            let wait = if rate > 0.0 { Duration::from_secs_f64(((1.0 - budget) / rate).max(0.0)) } else { TICK };
            tokio::time::sleep(wait.min(TICK)).await;
        }
    }
    finish(&shared, id, "COMPLETED", None, &results);
}
