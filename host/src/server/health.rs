//! `/healthz` (the process can do its work: the store takes writes) and `/readyz` (it should be
//! sent work: healthy and not stopping). Both answer 503 with the reason when not.

use super::{json_response, ServerState};
use crate::store::StoreHealth;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::json;
use std::sync::atomic::Ordering;

fn store_problem(state: &ServerState) -> Option<String> {
    match state.engine().queue().store().health() {
        StoreHealth::Writable => None,
        StoreHealth::CannotWrite(reason) => Some(format!("the store cannot write: {reason}")),
    }
}

/// `GET /healthz`.
pub fn healthz(state: &ServerState) -> Response<Full<Bytes>> {
    match store_problem(state) {
        None => json_response(StatusCode::OK, json!({"ok": true})),
        Some(problem) => json_response(StatusCode::SERVICE_UNAVAILABLE, json!({"ok": false, "problems": [problem]})),
    }
}

/// `GET /readyz`.
pub fn readyz(state: &ServerState) -> Response<Full<Bytes>> {
    let mut problems: Vec<String> = store_problem(state).into_iter().collect();
    if state.draining.load(Ordering::SeqCst) {
        problems.push("stopping: draining in-flight jobs".into());
    }
    if problems.is_empty() {
        json_response(StatusCode::OK, json!({"ok": true}))
    } else {
        json_response(StatusCode::SERVICE_UNAVAILABLE, json!({"ok": false, "problems": problems}))
    }
}
