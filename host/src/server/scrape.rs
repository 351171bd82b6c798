//! `GET /metrics`: the Prometheus scrape (under the admin API's access rule, checked before), in
//! the text format the scraper's `Accept` header asks for.

use super::{error_response, ServerState};
use crate::metrics::Format;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};

/// The metrics in OpenMetrics or the classic text format.
pub fn metrics(state: &ServerState, parts: &Parts) -> Response<Full<Bytes>> {
    let engine = &state.engine();
    let queues = match engine.queue().store().queue_status() {
        Ok(q) => q,
        Err(e) => return error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let format = Format::negotiate(parts.headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
    let text = engine.metrics().render(format, engine.config().flows.keys(), &queues, engine.shopify_stats());
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    response
}
