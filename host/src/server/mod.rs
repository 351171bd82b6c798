//! The HTTP server of `weft serve`: Shopify and ERP webhooks, the admin API, `/metrics` and the
//! dashboard.

mod admin;
mod dashboard;
mod scrape;
mod webhooks;

use crate::config::Secret;
use crate::flow::FlowEngine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (Shopify webhooks are well under this).
pub const MAX_BODY_BYTES: usize = 8 << 20;

/// What every request handler can reach.
pub struct ServerState {
    /// Flows, queue and plugins.
    pub engine: Arc<FlowEngine>,
    /// Shopify webhook signing secret.
    pub webhook_secret: Option<Secret>,
    /// Admin API bearer token.
    pub admin_token: Option<Secret>,
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

/// Route one request.
pub async fn handle(
    state: Arc<ServerState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(error_response(StatusCode::PAYLOAD_TOO_LARGE, "request body too large or unreadable")),
    };
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let response = match (parts.method.as_str(), segments.as_slice()) {
        (_, ["healthz"]) => json_response(StatusCode::OK, json!({"ok": true})),
        ("POST", ["webhooks", "shopify"]) => webhooks::shopify(&state, &parts.headers, body).await,
        ("POST", ["webhooks", connection]) => webhooks::erp(&state, connection, &parts.headers, body).await,
        ("GET", ["metrics"]) => scrape::metrics(&state, peer, &parts),
        (_, ["api", ..]) => admin::handle(&state, peer, &parts, &segments[1..], body).await,
        ("GET", _) => dashboard::asset(path.trim_matches('/'))
            .unwrap_or_else(|| error_response(StatusCode::NOT_FOUND, "no such route")),
        _ => error_response(StatusCode::NOT_FOUND, "no such route"),
    };
    Ok(response)
}
