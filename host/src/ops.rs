//! Operations on the queue and run log, shared by the admin API and the CLI (which uses the
//! database directly when no `weft serve` holds it, and the admin API when one does).

use crate::store::{Store, StoreError};
use serde_json::{json, Value};

/// Queue depth, in-flight, dead letters and pause state per flow.
pub fn queue_status(store: &Store) -> Result<Value, StoreError> {
    Ok(json!(store.queue_status()?))
}

/// Pause or resume a flow.
pub fn set_paused(store: &Store, flow: &str, paused: bool, now_ms: u64) -> Result<Value, StoreError> {
    store.set_paused(flow, paused, now_ms)?;
    Ok(json!({"flow": flow, "paused": paused}))
}

/// Runs, newest first.
pub fn runs(store: &Store, flow: Option<&str>, limit: usize) -> Result<Value, StoreError> {
    Ok(json!(store.runs(flow, limit)?))
}

/// One run, optionally with its records (only failed ones with `failed_only`).
pub fn run(store: &Store, id: u64, records: bool, failed_only: bool) -> Result<Option<Value>, StoreError> {
    let Some(run) = store.run(id)? else { return Ok(None) };
    let mut out = json!({"run": run});
    if records || failed_only {
        let records: Vec<_> = store
            .run_records(id)?
            .into_iter()
            .filter(|r| !failed_only || matches!(r.outcome.as_str(), "failed" | "dead" | "retrying" | "held"))
            .collect();
        out["records"] = json!(records);
    }
    Ok(Some(out))
}

/// Dead-lettered jobs.
pub fn dead_letters(store: &Store, flow: Option<&str>) -> Result<Value, StoreError> {
    Ok(json!(store.dead_letters(flow)?))
}

/// Requeue one dead-lettered job, or all of a flow.
pub fn retry_dead(store: &Store, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> Result<Value, StoreError> {
    Ok(json!({"requeued": store.retry_dead(id, flow, now_ms)?}))
}

/// Discard a dead-lettered job with a reason (kept).
pub fn discard_dead(store: &Store, id: u64, reason: &str) -> Result<Value, StoreError> {
    Ok(json!({"discarded": store.discard_dead(id, reason)?}))
}
