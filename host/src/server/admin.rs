//! The admin API under `/api` (JSON). Bearer token from `[server] admin_token`; without one,
//! only loopback clients are served.

use super::{error_response, json_response, ServerState};
use crate::ops;
use crate::store::StoreError;
use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;

fn query(parts: &Parts) -> HashMap<String, String> {
    parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.replace("%20", " ")))
        .collect()
}

/// Whether the caller may use the admin API (and `/metrics`).
pub(super) fn authorized(state: &ServerState, peer: SocketAddr, parts: &Parts) -> bool {
    match &state.admin_token {
        Some(token) => {
            let given = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
            given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.expose().as_bytes()))
        }
        None => peer.ip().is_loopback(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn answer(result: Result<Value, StoreError>) -> Response<Full<Bytes>> {
    match result {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(e) => error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

/// Route `/api/...` (`path` is what follows `api`).
pub async fn handle(state: &ServerState, peer: SocketAddr, parts: &Parts, path: &[&str], body: Bytes) -> Response<Full<Bytes>> {
    if !authorized(state, peer, parts) {
        return error_response(StatusCode::UNAUTHORIZED, "admin API: missing or wrong bearer token");
    }
    let queue = state.engine.queue();
    let store = queue.store();
    let now = queue.clock().now_ms();
    let q = query(parts);
    let flow = q.get("flow").map(String::as_str);
    match (parts.method.as_str(), path) {
        ("GET", ["queues"]) => answer(ops::queue_status(store)),
        ("POST", ["queues", name, action @ ("pause" | "resume")]) => {
            if !state.engine.config().flows.contains_key(*name) {
                return error_response(StatusCode::NOT_FOUND, &format!("no flow {name}"));
            }
            answer(ops::set_paused(store, name, *action == "pause", now))
        }
        ("GET", ["runs"]) => {
            let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
            answer(ops::runs(store, flow, limit))
        }
        ("GET", ["runs", id]) => {
            let Ok(id) = id.parse::<u64>() else { return error_response(StatusCode::BAD_REQUEST, "run id must be a number") };
            match ops::run(store, id, q.contains_key("records"), q.contains_key("failed")) {
                Ok(Some(v)) => json_response(StatusCode::OK, v),
                Ok(None) => error_response(StatusCode::NOT_FOUND, &format!("no run {id}")),
                Err(e) => error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
            }
        }
        ("GET", ["dlq"]) => answer(ops::dead_letters(store, flow)),
        ("POST", ["dlq", "retry"]) => match flow {
            Some(flow) => answer(ops::retry_dead(store, None, Some(flow), now)),
            None => error_response(StatusCode::BAD_REQUEST, "retry all needs ?flow=NAME"),
        },
        ("POST", ["dlq", id, "retry"]) => match id.parse::<u64>() {
            Ok(id) => answer(ops::retry_dead(store, Some(id), None, now)),
            Err(_) => error_response(StatusCode::BAD_REQUEST, "job id must be a number"),
        },
        ("POST", ["dlq", id, "discard"]) => {
            let Ok(id) = id.parse::<u64>() else { return error_response(StatusCode::BAD_REQUEST, "job id must be a number") };
            let reason = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["reason"].as_str().map(str::to_owned)).unwrap_or_default();
            if reason.trim().is_empty() {
                return error_response(StatusCode::BAD_REQUEST, "discarding needs a reason: {\"reason\": \"...\"}");
            }
            answer(ops::discard_dead(store, id, &reason))
        }
        _ => error_response(StatusCode::NOT_FOUND, "no such admin route"),
    }
}
