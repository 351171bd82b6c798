//! The dashboard: a static single-page app compiled into the binary (no separate server or
//! build step at run time), served at `/` and `/ui/*`; it reads and acts through `/api`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use hyper::{Response, StatusCode};

const INDEX: &str = include_str!("dashboard/index.html");
const APP_JS: &str = include_str!("dashboard/app.js");
const APP_CSS: &str = include_str!("dashboard/app.css");
const EDITOR_JS: &str = include_str!("dashboard/editor.js");

/// The asset at `path` (`""` is the page), or `None`.
pub fn asset(path: &str) -> Option<Response<Full<Bytes>>> {
    let (body, kind) = match path {
        "" | "index.html" => (INDEX, "text/html; charset=utf-8"),
        "ui/app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "ui/editor.js" => (EDITOR_JS, "text/javascript; charset=utf-8"),
        "ui/app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return None,
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    Some(response)
}
