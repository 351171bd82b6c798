//! JSON over `wasi:http`, with errors classified the way the host expects.
//!
//! Only hosts requested in `plugin.toml` and granted by the operator are reachable; anything else
//! fails with `HTTP request denied` before a connection is made.

use crate::bindings::wasi::wasi::http::outgoing_handler;
use crate::bindings::wasi::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::wasi::wasi::io::streams::StreamError;
use crate::PluginError;

/// An HTTP request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Header pairs.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Per-request timeout in milliseconds (the host also caps it).
    pub timeout_ms: Option<u64>,
}

/// A received response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header pairs, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Parse the body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| PluginError::Retryable(format!("response is not the expected JSON: {e}")))
    }

    /// `Ok(self)` for 2xx; otherwise the error the status means (401/403 unauthorized, 429 rate
    /// limited with Retry-After, 5xx retryable, 404 not found, other 4xx permanent).
    pub fn error_for_status(self) -> Result<Response, PluginError> {
        let snippet = String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned();
        match self.status {
            200..=299 => Ok(self),
            401 | 403 => Err(PluginError::Unauthorized(format!("HTTP {}", self.status))),
            429 => {
                let after = self.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1);
                Err(PluginError::RateLimited(after * 1000))
            }
            404 => Err(PluginError::NotFound(format!("HTTP 404: {snippet}"))),
            500..=599 => Err(PluginError::Retryable(format!("HTTP {}: {snippet}", self.status))),
            s => Err(PluginError::Permanent(format!("HTTP {s}: {snippet}"))),
        }
    }
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout_ms: None,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Set a JSON body (and the content type).
    pub fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Request, PluginError> {
        self.body =
            serde_json::to_vec(body).map_err(|e| PluginError::Permanent(format!("cannot encode request: {e}")))?;
        Ok(self.header("content-type", "application/json"))
    }

    /// Send it and wait for the whole response.
    pub fn send(self) -> Result<Response, PluginError> {
        send(self)
    }
}

/// `text` percent-encoded for a URL path segment or query value (everything but
/// `A-Z a-z 0-9 - _ . ~`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `GET` of `url` with a bearer token, its JSON answer parsed, any non-2xx status turned
/// into the error it means (see [`Response::error_for_status`]).
pub fn get_json<T: serde::de::DeserializeOwned>(url: &str, bearer: &str) -> Result<T, PluginError> {
    Request::new("GET", url).header("authorization", &format!("Bearer {bearer}")).send()?.error_for_status()?.json()
}

/// Split `scheme://authority/path?query`.
fn split_url(url: &str) -> Result<(Scheme, String, String), PluginError> {
    let bad = || PluginError::Permanent(format!("bad URL `{url}`"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(bad());
    }
    Ok((scheme, authority.to_owned(), path.to_owned()))
}

fn method(name: &str) -> Method {
    match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        other => Method::Other(other.to_owned()),
    }
}

/// Classify a transport error.
fn transport_error(code: ErrorCode) -> PluginError {
    match code {
        ErrorCode::HttpRequestDenied => PluginError::Permanent(
            "HTTP request denied by the host's outbound policy (see the host log for which side refused)".into(),
        ),
        other => PluginError::Retryable(format!("HTTP transport error: {other:?}")),
    }
}

/// Send a request and read the whole response.
pub fn send(req: Request) -> Result<Response, PluginError> {
    let (scheme, authority, path) = split_url(&req.url)?;
    let mut entries: Vec<(String, Vec<u8>)> =
        req.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_bytes().to_vec())).collect();
    if !req.body.is_empty() && !entries.iter().any(|(k, _)| k == "content-length") {
        // A known length, not chunked encoding: many ERP servers reject chunked requests.
        entries.push(("content-length".into(), req.body.len().to_string().into_bytes()));
    }
    let headers =
        Fields::from_list(&entries).map_err(|e| PluginError::Permanent(format!("bad request header: {e:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    let set = |ok: Result<(), ()>, what: &str| ok.map_err(|()| PluginError::Permanent(format!("bad request {what}")));
    set(outgoing.set_method(&method(&req.method)), "method")?;
    set(outgoing.set_scheme(Some(&scheme)), "scheme")?;
    set(outgoing.set_authority(Some(&authority)), "authority")?;
    set(outgoing.set_path_with_query(Some(&path)), "path")?;
    let body = outgoing.body().map_err(|()| PluginError::Permanent("request body already taken".into()))?;
    let options = RequestOptions::new();
    if let Some(ms) = req.timeout_ms {
        let nanos = ms.saturating_mul(1_000_000);
        let _ = options.set_connect_timeout(Some(nanos));
        let _ = options.set_first_byte_timeout(Some(nanos));
    }
    // Send first, then write: the host streams the body as it is written, through a small buffer,
    // so a body written before the request is sent blocks forever once it outgrows that buffer.
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(transport_error)?;
    {
        let stream = body.write().map_err(|()| PluginError::Permanent("request body stream unavailable".into()))?;
        for chunk in req.body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| PluginError::Retryable(format!("writing request body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(transport_error)?;
    let incoming = loop {
        match future.get() {
            Some(result) => break result,
            None => future.subscribe().block(),
        }
    };
    let incoming =
        incoming.map_err(|()| PluginError::Retryable("response already taken".into()))?.map_err(transport_error)?;
    let status = incoming.status();
    let headers = incoming
        .headers()
        .entries()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), String::from_utf8_lossy(&v).into_owned()))
        .collect();
    let body = incoming.consume().map_err(|()| PluginError::Retryable("response body unavailable".into()))?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| PluginError::Retryable("response body stream unavailable".into()))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(PluginError::Retryable(format!("reading response body: {}", e.to_debug_string())))
                }
            }
        }
    }
    let _ = IncomingBody::finish(body);
    Ok(Response { status, headers, body: bytes })
}
