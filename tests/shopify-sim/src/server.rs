//! The HTTP front: routing, the access-token check, fault injection around the GraphQL
//! pipeline, bulk result downloads and the control API.

use crate::faults::{Fault, RequestInfo};
use crate::graphql::{self, Executed};
use crate::{control, lock, Shared};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value as Json};
use std::sync::Arc;
use std::time::Duration;

type Reply = Response<Full<Bytes>>;

/// Accepts connections until the task is aborted.
pub async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(with_request_id(route(shared, req).await)) }
            });
            // A client hanging up mid-request is normal (timeouts); nothing to report.
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Every answer carries an `X-Request-Id`, as Shopify's do (what its support asks for): unique
/// per request, shaped like Shopify's UUIDs.
fn with_request_id(mut response: Reply) -> Reply {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8000-{n:012x}",
        (started >> 32) as u32,
        (started >> 16) as u16,
        started as u16 & 0xfff
    );
    if let Ok(v) = id.parse() {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert("content-type", v);
    }
    response
}

fn json_reply(status: u16, body: &Json) -> Reply {
    reply(status, "application/json; charset=utf-8", body.to_string())
}

/// The API version in `/admin/api/{version}/graphql.json`, if the path is that endpoint.
fn graphql_version(path: &str) -> Option<&str> {
    let version = path.strip_prefix("/admin/api/")?.strip_suffix("/graphql.json")?;
    let b = version.as_bytes();
    let ok = b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit());
    (ok || version == "unstable").then_some(version)
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Reply {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim/") {
        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let (status, value) = control::handle(&shared, &method, &path, &body);
        return json_reply(status, &value);
    }
    if path.starts_with("/staged-uploads/") {
        let (status, content_type, body) =
            crate::uploads::handle(&shared, req).await.unwrap_or((404, "text/plain", Bytes::new()));
        return reply(status, content_type, body);
    }
    if path.starts_with("/cdn/files/") && method == "GET" {
        let (status, content_type, body) = crate::uploads::serve_file(&shared, &path);
        return reply(status, content_type, body);
    }
    if let Some(id) =
        path.strip_prefix("/bulk-results/").and_then(|p| p.strip_suffix(".jsonl")).and_then(|id| id.parse::<u64>().ok())
    {
        let result = lock(&shared.store).bulk_operations.get(&id).and_then(|b| b.result.clone());
        return match result {
            Some(jsonl) => reply(200, "application/jsonl", jsonl),
            None => json_reply(404, &json!({"errors": "Not Found"})),
        };
    }
    let Some(version) = graphql_version(&path).map(str::to_string) else {
        return json_reply(404, &json!({"errors": "Not Found"}));
    };
    if method != "POST" {
        return json_reply(405, &json!({"errors": "Method Not Allowed"}));
    }
    let token = req.headers().get("x-shopify-access-token").and_then(|v| v.to_str().ok());
    if token != Some(shared.config.token.as_str()) {
        return json_reply(401, &json!({"errors": graphql::errors::INVALID_TOKEN}));
    }
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !content_type.starts_with("application/json") && !content_type.starts_with("application/graphql") {
        return json_reply(400, &json!({"errors": "Content-Type must be application/json or application/graphql"}));
    }
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    lock(&shared.counters).requests += 1;
    graphql_request(shared, version, content_type, body).await
}

/// The response for an injected request fault, or None to go on (slow answers just wait).
async fn apply_fault(shared: &Shared, fault: Option<Fault>, executed: bool) -> Option<Reply> {
    let fault = fault?;
    lock(&shared.counters).faults_injected += 1;
    match fault {
        Fault::Status { status } => {
            let body = match status {
                429 => json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}),
                423 => json!({"errors": "This shop is unavailable"}),
                _ => json!({"errors": "Internal Server Error"}),
            };
            let mut r = json_reply(status, &body);
            if status == 429 {
                r.headers_mut().insert("retry-after", hyper::header::HeaderValue::from_static("1.0"));
            }
            Some(r)
        }
        Fault::BadGatewayHtml => Some(reply(
            502,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>There was an error processing your request.</p></body></html>",
        )),
        Fault::Timeout { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            (!executed).then(|| json_reply(504, &json!({"errors": "Gateway Timeout"})))
        }
        Fault::Slow { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            None
        }
        Fault::Throttled | Fault::WebhookDrop | Fault::WebhookDuplicate | Fault::WebhookReorder { .. } | Fault::BulkLineError { .. } => None,
    }
}

async fn graphql_request(shared: Arc<Shared>, version: String, content_type: String, body: Bytes) -> Reply {
    let worker = shared.clone();
    let prepared = tokio::task::spawn_blocking(move || graphql::prepare(&worker, &content_type, &body)).await;
    let prepared = match prepared {
        Ok(Ok(p)) => p,
        Ok(Err((status, body))) => return json_reply(status, &body),
        Err(_) => return json_reply(500, &json!({"errors": "Internal Server Error"})),
    };
    let info = RequestInfo { operation_type: prepared.operation_type, root_fields: &prepared.root_fields };
    let before = lock(&shared.faults).for_request(&info, false);
    let force_throttle = matches!(before.as_ref().map(|r| &r.fault), Some(Fault::Throttled));
    if force_throttle {
        lock(&shared.counters).faults_injected += 1;
    } else if let Some(r) = apply_fault(&shared, before.map(|r| r.fault), false).await {
        return r;
    }
    let worker = shared.clone();
    let executed = tokio::task::spawn_blocking(move || {
        let out = graphql::execute(&worker, &version, &prepared, force_throttle);
        (out, prepared)
    })
    .await;
    let Ok((Executed { body, events, bulk_started }, prepared)) = executed else {
        return json_reply(500, &json!({"errors": "Internal Server Error"}));
    };
    shared.webhooks.enqueue(&shared, events);
    for id in bulk_started {
        tokio::spawn(graphql::bulk::run(shared.clone(), id));
    }
    let info = RequestInfo { operation_type: prepared.operation_type, root_fields: &prepared.root_fields };
    let after = lock(&shared.faults).for_request(&info, true);
    if let Some(r) = apply_fault(&shared, after.map(|r| r.fault), true).await {
        return r;
    }
    json_reply(200, &body)
}
