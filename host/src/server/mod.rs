//! The HTTP server of `weft serve`: Shopify and ERP webhooks, the admin API, `/metrics`, the
//! dashboard and the health checks, behind the access rules of [`guard`] and the connection
//! and body limits of [`listen`] and [`body`].

mod admin;
pub mod body;
mod config_api;
mod dashboard;
pub mod guard;
mod health;
pub mod listen;
mod scrape;
mod webhooks;

use crate::config::Secret;
use crate::flow::FlowEngine;
use body::{Bodies, BodyError, Held};
use bytes::Bytes;
use guard::{Access, Refusal};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Largest body of an admin API request (a record to preview, a reason).
const ADMIN_BODY_BYTES: usize = 1 << 20;

/// What every request handler can reach.
pub struct ServerState {
    /// Flows, queue and plugins, as the running config version has them.
    pub live: Arc<crate::versions::Live>,
    /// Each shop's webhook signing secrets (the current one, then the one before a rotation if
    /// set), by shop name; none when the config has no shop.
    pub webhook_secrets: BTreeMap<String, Vec<Secret>>,
    /// Who may use the admin API, `/metrics` and the dashboard.
    pub access: Access,
    /// The request body budget.
    pub bodies: Bodies,
    /// Set once `weft serve` stops taking work (`/readyz` answers 503).
    pub draining: Arc<AtomicBool>,
}

impl ServerState {
    /// The engine of the running config version.
    pub fn engine(&self) -> Arc<FlowEngine> {
        self.live.engine()
    }
}

/// A response with a JSON body.
pub fn json_response(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

/// An error response `{"error": message}`.
pub fn error_response(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(status, json!({"error": message}))
}

/// The answer to a refused request.
fn refused(refusal: Refusal) -> Response<Full<Bytes>> {
    match refusal {
        Refusal::Unauthorized(m) => error_response(StatusCode::UNAUTHORIZED, &m),
        Refusal::Forbidden(m) => error_response(StatusCode::FORBIDDEN, &m),
    }
}

/// The answer to a body that was not read: 413, 503 with `Retry-After`, 408 or 400.
fn unread(error: &BodyError) -> Response<Full<Bytes>> {
    let status = match error {
        BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        BodyError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
        BodyError::Unreadable(_) => StatusCode::BAD_REQUEST,
    };
    let mut response = error_response(status, &error.to_string());
    if *error == BodyError::Busy {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// Read a request body within `cap` and the server's budget.
async fn read_body(
    state: &ServerState,
    headers: &HeaderMap,
    body: Incoming,
    cap: usize,
) -> Result<Held, Response<Full<Bytes>>> {
    state.bodies.read(headers, body, cap).await.map_err(|e| unread(&e))
}

/// Route one request.
pub async fn handle(
    state: Arc<ServerState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let response = match (parts.method.as_str(), segments.as_slice()) {
        (_, ["healthz"]) => health::healthz(&state),
        (_, ["readyz"]) => health::readyz(&state),
        ("POST", ["webhooks", "shopify"]) => webhooks::shopify(&state, &parts.headers, body).await,
        ("POST", ["webhooks", connection]) => webhooks::erp(&state, connection, &parts.headers, body).await,
        ("GET", ["metrics"]) => match state.access.check(peer, &parts.headers, false) {
            Ok(()) => scrape::metrics(&state, &parts),
            Err(refusal) => refused(refusal),
        },
        (method, ["api", ..]) => {
            let changes_state = !matches!(method, "GET" | "HEAD");
            match state.access.check(peer, &parts.headers, changes_state) {
                Ok(()) => match read_body(&state, &parts.headers, body, ADMIN_BODY_BYTES).await {
                    Ok(held) => admin::handle(&state, &parts, &segments[1..], held.bytes).await,
                    Err(response) => response,
                },
                Err(refusal) => refused(refusal),
            }
        }
        ("GET", _) => match state.access.host_allowed(&parts.headers) {
            Ok(()) => dashboard::asset(path.trim_matches('/'))
                .unwrap_or_else(|| error_response(StatusCode::NOT_FOUND, "no such route")),
            Err(refusal) => refused(refusal),
        },
        _ => error_response(StatusCode::NOT_FOUND, "no such route"),
    };
    Ok(response)
}
