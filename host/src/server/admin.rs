//! The admin API under `/api` (JSON), described in `host/openapi.json`. Who may call it is
//! decided before (see [`super::guard`]).

use super::{error_response, json_response, ServerState};
use crate::flow::preview::mapping_view;
use crate::flow::Work;
use crate::ops;
use crate::store::{CallPage, NewJob, RunFilter, RunStatus, StoreError};
use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Default and largest page of a listing.
const PAGE: usize = 50;
const MAX_PAGE: usize = 500;

fn query(parts: &Parts) -> HashMap<String, String> {
    form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect()
}

fn answer(result: Result<Value, StoreError>) -> Response<Full<Bytes>> {
    match result {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(e) => error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

fn found(result: Result<Option<Value>, StoreError>, what: &str) -> Response<Full<Bytes>> {
    match result {
        Ok(Some(v)) => json_response(StatusCode::OK, v),
        Ok(None) => error_response(StatusCode::NOT_FOUND, &format!("no {what}")),
        Err(e) => error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

/// An operation's answer: refusals by what they are (404, 409, 422), a store failure 503.
fn done(result: Result<Value, ops::OpsError>) -> Response<Full<Bytes>> {
    match result {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(ops::OpsError::NotFound(m)) => error_response(StatusCode::NOT_FOUND, &m),
        Err(ops::OpsError::Conflict(m)) => error_response(StatusCode::CONFLICT, &m),
        Err(ops::OpsError::Invalid(m)) => error_response(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(ops::OpsError::Store(e)) => error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

/// A JSON request body (empty: `{}`).
pub(super) fn body_json(body: &Bytes) -> Result<Value, String> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| format!("body must be JSON: {e}"))
}

/// The `ids` of a bulk request body: a non-empty list of job ids.
fn body_ids(request: &Value) -> Result<Vec<u64>, String> {
    let ids: Vec<u64> = request["ids"]
        .as_array()
        .ok_or("give {\"ids\": [job ids]}")?
        .iter()
        .map(|v| v.as_u64().ok_or("`ids` must be job ids (numbers)"))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err("`ids` is empty".into());
    }
    Ok(ids)
}

fn dead_filter(q: &HashMap<String, String>) -> Result<ops::DeadFilter, String> {
    Ok(ops::DeadFilter {
        flow: q.get("flow").filter(|f| !f.is_empty()).cloned(),
        status: q.get("status").filter(|s| !s.is_empty()).cloned(),
        text: q.get("q").filter(|t| !t.is_empty()).cloned(),
        since_ms: number(q, "since")?,
        until_ms: number(q, "until")?,
    })
}

fn bad(message: &str) -> Response<Full<Bytes>> {
    error_response(StatusCode::BAD_REQUEST, message)
}

/// A numeric query parameter; `Err` names it.
fn number<T: std::str::FromStr>(q: &HashMap<String, String>, name: &str) -> Result<Option<T>, String> {
    q.get(name).map(|v| v.parse().map_err(|_| format!("`{name}` must be a number"))).transpose()
}

fn page_size(q: &HashMap<String, String>) -> Result<usize, String> {
    Ok(number::<usize>(q, "limit")?.unwrap_or(PAGE).clamp(1, MAX_PAGE))
}

fn run_filter(q: &HashMap<String, String>) -> Result<RunFilter, String> {
    let status = match q.get("status").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            serde_json::from_value::<RunStatus>(json!(s))
                .map_err(|_| format!("unknown status `{s}` (running, succeeded, partial, failed)"))?,
        ),
        None => None,
    };
    Ok(RunFilter {
        flow: q.get("flow").filter(|f| !f.is_empty()).cloned(),
        status,
        trigger: q.get("trigger").filter(|t| !t.is_empty()).cloned(),
        before: number(q, "before")?,
        since_ms: number(q, "since")?,
        until_ms: number(q, "until")?,
    })
}

/// Route `/api/...` (`path` is what follows `api`) for a caller already let in.
pub async fn handle(state: &ServerState, parts: &Parts, path: &[&str], body: Bytes) -> Response<Full<Bytes>> {
    let q = query(parts);
    match route(state, parts.method.as_str(), path, &q, body).await {
        Ok(response) => response,
        Err(message) => bad(&message),
    }
}

async fn route(
    state: &ServerState,
    method: &str,
    path: &[&str],
    q: &HashMap<String, String>,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, String> {
    let engine = &state.engine();
    let queue = engine.queue();
    let store = queue.store();
    let now = queue.clock().now_ms();
    let flow_param = q.get("flow").map(String::as_str);
    let known_flow = |name: &str| engine.config().flows.contains_key(name);
    Ok(match (method, path) {
        ("GET", ["flows"]) => answer(ops::flows(store, engine.config(), now, None)),
        ("GET", ["flows", name]) => match ops::flows(store, engine.config(), now, Some(name)) {
            Ok(Value::Array(mut one)) => found(Ok(one.pop()), &format!("flow {name}")),
            other => answer(other),
        },
        ("POST", ["flows", name, "run"]) if known_flow(name) => {
            let job = NewJob { flow: (*name).to_owned(), trigger: "manual".into(), key: format!("manual-{now}"), payload: Work::Pull.payload().map_err(|e| e.message)?, dedupe_id: None };
            answer(queue.enqueue_async(vec![job]).await.map(|o| json!({"flow": name, "enqueued": o.len()})))
        }
        ("POST", ["flows", name, "backfill"]) if known_flow(name) => {
            let request: Value = serde_json::from_slice(&body).map_err(|e| format!("body must be JSON: {e}"))?;
            let since = request["since"].as_str().ok_or("give {\"since\": \"2026-01-31\"}")?;
            match ops::backfill(store, engine.config(), name, since, now) {
                Ok(v) => json_response(StatusCode::OK, v),
                Err(message) => error_response(StatusCode::UNPROCESSABLE_ENTITY, &message),
            }
        }
        ("GET", ["flows", name, "mapping"]) => match engine.config().flows.get(*name) {
            Some(flow) => json_response(StatusCode::OK, mapping_view(name, flow)),
            None => error_response(StatusCode::NOT_FOUND, &format!("no flow {name}")),
        },
        ("POST", ["flows", name, "preview"]) if known_flow(name) => {
            // No record, or `"record": null`: the first record from the source.
            let given = body_json(&body)?.get("record").filter(|r| !r.is_null()).cloned();
            let (engine, name) = (engine.clone(), (*name).to_owned());
            match tokio::task::spawn_blocking(move || engine.preview(&name, given)).await {
                Ok(Ok(v)) => json_response(StatusCode::OK, v),
                Ok(Err(message)) => error_response(StatusCode::UNPROCESSABLE_ENTITY, &message),
                Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("preview failed: {e}")),
            }
        }
        ("POST", ["flows" | "queues", name, action @ ("pause" | "resume")]) if known_flow(name) => answer(ops::set_paused(store, name, *action == "pause", now)),
        ("POST", ["flows" | "queues", name, ..]) => error_response(StatusCode::NOT_FOUND, &format!("no flow {name}")),
        ("GET", ["queues"]) => answer(ops::queue_status(store)),
        ("GET", ["runs"]) => answer(ops::runs(store, &run_filter(q)?, page_size(q)?)),
        ("GET", ["runs", id]) => {
            let id: u64 = id.parse().map_err(|_| "run id must be a number")?;
            found(ops::run(store, id, q.contains_key("records"), q.contains_key("failed")), &format!("run {id}"))
        }
        ("GET", ["runs", id, "records"]) => {
            let id: u64 = id.parse().map_err(|_| "run id must be a number")?;
            let offset = number(q, "offset")?.unwrap_or(0);
            answer(ops::run_records(store, id, q.get("outcome").map(String::as_str), q.get("q").map(String::as_str), offset, page_size(q)?))
        }
        ("GET", ["runs", id, "calls"]) => {
            let id: u64 = id.parse().map_err(|_| "run id must be a number")?;
            let page = CallPage { record: number(q, "record")?, after: number(q, "after")?, limit: page_size(q)? };
            let what = match page.record {
                Some(seq) => format!("record {seq} in run {id}"),
                None => format!("run {id}"),
            };
            found(ops::run_calls(store, id, &page), &what)
        }
        ("GET", ["runs", id, "records", seq]) => {
            let (Ok(id), Ok(seq)) = (id.parse::<u64>(), seq.parse::<u64>()) else { return Err("run id and record seq must be numbers".into()) };
            found(store.run_record(id, seq).map(|r| r.map(|r| json!(r))), &format!("record {seq} in run {id}"))
        }
        ("GET", ["records"]) => {
            let key = q.get("key").filter(|k| !k.is_empty()).ok_or("give ?key= (a SKU, an order id, or its beginning)")?;
            answer(store.records_by_key(key, page_size(q)?).map(|r| json!(r)))
        }
        ("GET", ["lineage"]) => {
            let key = q.get("key").filter(|k| !k.is_empty()).ok_or("give ?key= (a SKU, an order id)")?;
            answer(ops::lineage(store, key, page_size(q)?))
        }
        ("GET", ["dlq"]) => done(ops::dead_letters(store, &dead_filter(q)?)),
        // Every open one of ?flow=, or the body's {"ids": [...]}.
        ("POST", ["dlq", "retry"]) => match flow_param {
            Some(flow) => done(ops::retry_dead(store, None, Some(flow), now)),
            None => done(ops::retry_many(store, &body_ids(&body_json(&body).map_err(|_| "retry all needs ?flow=NAME, or a body {\"ids\": [...]}")?).map_err(|e| format!("retry all needs ?flow=NAME, or a body: {e}"))?, now)),
        },
        ("POST", ["dlq", "discard"]) => {
            let request = body_json(&body)?;
            let reason = request["reason"].as_str().unwrap_or_default();
            if reason.trim().is_empty() {
                return Err("discarding needs a reason: {\"ids\": [...], \"reason\": \"...\"}".into());
            }
            done(ops::discard_many(store, &body_ids(&request)?, reason))
        }
        ("POST", ["dlq", id, "retry"]) => done(ops::retry_dead(store, Some(id.parse().map_err(|_| "job id must be a number")?), None, now)),
        ("POST", ["dlq", id, "discard"]) => {
            let id: u64 = id.parse().map_err(|_| "job id must be a number")?;
            let reason = body_json(&body).ok().and_then(|v| v["reason"].as_str().map(str::to_owned)).unwrap_or_default();
            if reason.trim().is_empty() {
                return Err("discarding needs a reason: {\"reason\": \"...\"}".into());
            }
            done(ops::discard_dead(store, id, &reason))
        }
        ("POST", ["dlq", id, "edit"]) => {
            let id: u64 = id.parse().map_err(|_| "job id must be a number")?;
            let request = body_json(&body)?;
            let record = request.get("record").filter(|r| !r.is_null()).ok_or("give {\"record\": {...}, \"note\": \"why\"}")?;
            done(ops::retry_edited(store, id, record, request["note"].as_str().unwrap_or_default(), now))
        }
        ("GET", ["explain", "inventory"]) => {
            let sku = q.get("sku").filter(|k| !k.is_empty()).ok_or("give ?sku= (and ?location= for one location)")?;
            done(ops::explain_inventory(store, sku, q.get("location").filter(|l| !l.is_empty()).map(String::as_str)))
        }
        ("GET", ["reconcile", "reports"]) => answer(store.reconcile_reports(page_size(q)?).map(|reports| {
            // The list carries the totals; a report's drift rows come with the report itself.
            json!(reports.iter().map(|r| json!({"id": r.id, "started_ms": r.started_ms, "finished_ms": r.finished_ms, "trigger": r.trigger, "summary": r.summary, "healed": r.healed, "flows": r.flows.iter().map(|f| &f.flow).collect::<Vec<_>>()})).collect::<Vec<_>>())
        })),
        ("GET", ["reconcile", "reports", id]) => {
            let id: u64 = id.parse().map_err(|_| "report id must be a number")?;
            found(store.reconcile_report(id).map(|r| r.map(|r| json!(r))), &format!("reconciliation report {id}"))
        }
        ("POST", ["reconcile"]) => {
            let request: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(&body).map_err(|e| format!("body must be JSON: {e}"))? };
            let options = crate::reconcile::Options {
                flow: request["flow"].as_str().map(str::to_owned),
                heal: request["heal"].as_bool().unwrap_or(false),
                trigger: "manual".into(),
            };
            let engine = engine.clone();
            match tokio::task::spawn_blocking(move || crate::reconcile::run(&engine, &options, &mut |line| tracing::info!("reconcile: {line}"))).await {
                Ok(Ok(report)) => json_response(StatusCode::OK, json!(report)),
                Ok(Err(message)) => error_response(StatusCode::UNPROCESSABLE_ENTITY, &message),
                Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("reconcile failed: {e}")),
            }
        }
        ("GET", ["shops"]) => {
            let shops: Vec<Value> =
                engine.config().shops().map(|(name, shop)| json!({"name": name, "domain": shop.shop})).collect();
            json_response(StatusCode::OK, json!(shops))
        }
        ("GET", ["webhooks", shop @ ..]) if shop.len() <= 1 => {
            let chosen = engine.config().chosen_shop(shop.first().copied()).map(|(name, _)| name);
            match chosen.and_then(|name| Ok((name, engine.shopify_client(name).ok_or("no client")?))) {
                Err(message) => error_response(StatusCode::NOT_FOUND, &message),
                Ok((name, client)) => match crate::subscriptions::statuses(client, engine.config(), name).await {
                    Ok(statuses) => json_response(StatusCode::OK, json!(statuses)),
                    Err(message) => error_response(StatusCode::SERVICE_UNAVAILABLE, &message),
                },
            }
        }
        ("GET" | "POST", ["config", ..]) | ("POST", ["plugins", "reload"]) => super::config_api::route(state, method, path, &body, now).await?,
        ("GET", ["plugins"]) => json_response(StatusCode::OK, ops::plugins(engine.plugins(), Some(engine.config()))),
        ("GET", ["onboard"]) => match crate::onboard::latest(engine) {
            Ok(reports) => json_response(StatusCode::OK, json!(reports)),
            Err(message) => error_response(StatusCode::SERVICE_UNAVAILABLE, &message),
        },
        ("POST", ["onboard"]) => {
            let request: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(&body).map_err(|e| format!("body must be JSON: {e}"))? };
            let (engine, flow) = (engine.clone(), request["flow"].as_str().map(str::to_owned));
            match tokio::task::spawn_blocking(move || crate::onboard::run(&engine, flow.as_deref())).await {
                Ok(Ok(report)) => json_response(StatusCode::OK, json!(report)),
                Ok(Err(message)) => error_response(StatusCode::UNPROCESSABLE_ENTITY, &message),
                Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("onboarding failed: {e}")),
            }
        }
        ("GET", ["store", "stats"]) => answer(ops::store_stats(store, &engine.config().retention)),
        ("POST", ["store", "prune"]) => {
            let engine = engine.clone();
            match tokio::task::spawn_blocking(move || ops::prune_now(engine.queue().store(), &engine.config().retention, now)).await {
                Ok(Ok(v)) => json_response(StatusCode::OK, v),
                Ok(Err(message)) => error_response(StatusCode::SERVICE_UNAVAILABLE, &message),
                Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("prune failed: {e}")),
            }
        }
        _ => error_response(StatusCode::NOT_FOUND, "no such admin route"),
    })
}
