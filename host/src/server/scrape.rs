//! `GET /metrics`: the Prometheus scrape, under the admin API's access rule.

use super::{admin, error_response, ServerState};
use crate::metrics::CONTENT_TYPE;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE as CONTENT_TYPE_HEADER};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use std::net::SocketAddr;

/// The metrics in OpenMetrics text.
pub fn metrics(state: &ServerState, peer: SocketAddr, parts: &Parts) -> Response<Full<Bytes>> {
    if !admin::authorized(state, peer, parts) {
        return error_response(StatusCode::UNAUTHORIZED, "metrics: missing or wrong bearer token");
    }
    let engine = &state.engine;
    let queues = match engine.queue().store().queue_status() {
        Ok(q) => q,
        Err(e) => return error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let text = engine.metrics().render(engine.config().flows.keys(), &queues, engine.shopify_stats());
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response.headers_mut().insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    response
}
