//! The `wasi:http` send hook: every outgoing request of a plugin goes through the outbound
//! policy, is resolved and vetted before any connection, and connects only to the vetted address.

use super::policy::{OutboundPolicy, Refusal};
use crate::redact::Redactor;
use crate::store::{ApiCall, CallDetail, HttpCall};
use bytes::Bytes;
use http::uri::Scheme;
use http_body_util::BodyExt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A boxed future, as the resolver and dialer traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Resolves host names; replaceable so tests never send a DNS packet.
pub trait Resolver: Send + Sync {
    /// The addresses of `host`.
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>>;
}

/// Opens TCP connections; replaceable so tests can prove no connection was attempted.
pub trait Dialer: Send + Sync {
    /// Connect to an address that the policy already vetted.
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, std::io::Result<TcpStream>>;
}

/// The system resolver.
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, port)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// Plain TCP connect.
pub struct TcpDialer;

impl Dialer for TcpDialer {
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, std::io::Result<TcpStream>> {
        Box::pin(TcpStream::connect(addr))
    }
}

/// The network side of the sandbox, shared by all instances of a plugin host.
#[derive(Clone)]
pub struct Network {
    /// Name resolution.
    pub resolver: Arc<dyn Resolver>,
    /// Connection opening.
    pub dialer: Arc<dyn Dialer>,
    /// When set, every request and its response are recorded here, secrets redacted (for
    /// `weft plugins call`: bodies are read whole before they are passed on).
    pub tap: Option<Tap>,
}

impl Default for Network {
    fn default() -> Self {
        Network { resolver: Arc::new(SystemResolver), dialer: Arc::new(TcpDialer), tap: None }
    }
}

/// Where a plugin's exchanges are recorded, with the bytes kept of each body.
#[derive(Clone)]
pub struct Tap {
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    body_bytes: usize,
}

impl Default for Tap {
    /// Bodies cut at 16 KiB.
    fn default() -> Self {
        Tap::new(16 << 10)
    }
}

impl Tap {
    /// An empty tap keeping `body_bytes` of each body.
    pub fn new(body_bytes: usize) -> Tap {
        Tap { exchanges: Arc::default(), body_bytes }
    }

    /// The exchanges recorded so far, taken out.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, exchange: Exchange) {
        self.exchanges.lock().unwrap_or_else(|e| e.into_inner()).push(exchange);
    }
}

/// Header names whose values are never shown, whatever they hold.
const SECRET_HEADERS: [&str; 7] =
    ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token"];

/// Parts of a header or query parameter name that say its value is a credential
/// (`access_token`, `x-shopify-access-token`, `api_key`, `client_secret`, `X-Session`...).
const SECRET_NAME_PARTS: [&str; 11] = [
    "token",
    "secret",
    "password",
    "passwd",
    "auth",
    "session",
    "signature",
    "credential",
    "api-key",
    "api_key",
    "apikey",
];

/// Whether a header or query parameter called `name` carries a credential.
pub(crate) fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str()) || name == "key" || SECRET_NAME_PARTS.iter().any(|part| name.contains(part))
}

/// One HTTP exchange of a plugin, as recorded by a [`Tap`]: the URL without userinfo and with
/// credential query values redacted, credential headers and secret values redacted, bodies cut
/// at the tap's size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    /// The plugin.
    pub plugin: String,
    /// When it was sent (ms since the epoch).
    pub at_ms: u64,
    /// Request method.
    pub method: String,
    /// Request URL.
    pub url: String,
    /// Request headers.
    pub request_headers: Vec<(String, String)>,
    /// Request body as text.
    pub request_body: String,
    /// Response status; none when the request failed.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body as text.
    pub response_body: String,
    /// Why the request failed, if it did.
    pub error: Option<String>,
    /// Time to the whole response, in milliseconds.
    pub ms: u64,
}

impl Exchange {
    /// The exchange as a run keeps it.
    pub fn into_call(self) -> ApiCall {
        ApiCall {
            at_ms: self.at_ms,
            duration_ms: self.ms,
            detail: CallDetail::Http(HttpCall {
                plugin: self.plugin,
                method: self.method,
                url: self.url,
                status: self.status,
                request_headers: self.request_headers,
                request_body: self.request_body,
                response_headers: self.response_headers,
                response_body: self.response_body,
                error: self.error,
            }),
        }
    }
}

fn shown_headers(headers: &http::HeaderMap, redactor: &Redactor) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if secret_name(&name) {
                crate::redact::REDACTED.to_owned()
            } else {
                redactor.redact(&String::from_utf8_lossy(v.as_bytes())).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// `uri` as shown: no userinfo (`user:password@`), credential query values redacted, secret
/// values redacted.
fn shown_url(uri: &http::Uri, redactor: &Redactor) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        let host = authority.as_str().rsplit('@').next().unwrap_or_default();
        out.push_str(host);
    }
    out.push_str(uri.path());
    if let Some(query) = uri.query() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_name(name) => format!("{name}={}", crate::redact::REDACTED),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    redactor.redact(&out).into_owned()
}

fn shown_body(bytes: &[u8], max: usize, redactor: &Redactor) -> String {
    // A secret crossing the cut is still seen whole.
    let look = &bytes[..bytes.len().min(max.saturating_add(512))];
    let text = redactor.redact(&String::from_utf8_lossy(look)).into_owned();
    let mut cut = text.len().min(max);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut shown = text[..cut].to_owned();
    let left = bytes.len() - look.len() + text.len() - cut;
    if left > 0 {
        shown.push_str(&format!("… ({left} more bytes)"));
    }
    shown
}

/// Limits applied to each outgoing request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connect + TLS + first byte.
    pub timeout: Duration,
    /// Largest response body.
    pub max_response_bytes: u64,
}

/// The per-instance send hook given to wasmtime-wasi-http.
pub struct OutboundHooks {
    pub(super) plugin_id: Arc<str>,
    pub(super) policy: Arc<OutboundPolicy>,
    pub(super) network: Network,
    pub(super) limits: HttpLimits,
    pub(super) refusals: Arc<Mutex<Vec<Refusal>>>,
    pub(super) redactor: Redactor,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>,
            > + Send,
    > {
        drop(fut);
        let send = Outbound {
            plugin_id: self.plugin_id.clone(),
            policy: self.policy.clone(),
            network: self.network.clone(),
            limits: self.limits,
            refusals: self.refusals.clone(),
            redactor: self.redactor.clone(),
        };
        let tap = self.network.tap.clone();
        Box::new(async move {
            let response = match tap {
                None => send.send(request, options).await?,
                Some(tap) => send.send_tapped(request, options, &tap).await?,
            };
            Ok((response, Box::new(async { Ok(()) }) as Box<dyn Future<Output = Result<(), Error>> + Send>))
        })
    }
}

struct Outbound {
    plugin_id: Arc<str>,
    policy: Arc<OutboundPolicy>,
    network: Network,
    limits: HttpLimits,
    refusals: Arc<Mutex<Vec<Refusal>>>,
    redactor: Redactor,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Outbound {
    fn refuse(&self, refusal: Refusal) -> Error {
        tracing::warn!(target: "weft::plugin", plugin = %self.plugin_id, "{}", refusal.reason);
        self.refusals.lock().unwrap_or_else(|e| e.into_inner()).push(refusal);
        Error::HttpRequestDenied
    }

    /// [`Outbound::send`], recording the exchange in `tap` (bodies read whole first).
    async fn send_tapped(
        self,
        req: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        tap: &Tap,
    ) -> Result<http::Response<WasiBody>, Error> {
        let started = std::time::Instant::now();
        let redactor = self.redactor.clone();
        let (parts, body) = req.into_parts();
        let at_ms = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
        let mut exchange = Exchange {
            plugin: self.plugin_id.to_string(),
            at_ms,
            method: parts.method.to_string(),
            url: shown_url(&parts.uri, &redactor),
            request_headers: shown_headers(&parts.headers, &redactor),
            request_body: String::new(),
            status: None,
            response_headers: Vec::new(),
            response_body: String::new(),
            error: None,
            ms: 0,
        };
        let record = |mut exchange: Exchange| {
            exchange.ms = started.elapsed().as_millis() as u64;
            tap.push(exchange);
        };
        let bytes = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                exchange.error = Some(format!("reading the request body: {e}"));
                record(exchange);
                return Err(e);
            }
        };
        exchange.request_body = shown_body(&bytes, tap.body_bytes, &redactor);
        let req = http::Request::from_parts(parts, full(bytes));
        let response = match self.send(req, options).await {
            Ok(r) => r,
            Err(e) => {
                exchange.error = Some(redactor.redact(&e.to_string()).into_owned());
                record(exchange);
                return Err(e);
            }
        };
        let (parts, body) = response.into_parts();
        exchange.status = Some(parts.status.as_u16());
        exchange.response_headers = shown_headers(&parts.headers, &redactor);
        match body.collect().await {
            Ok(collected) => {
                let bytes = collected.to_bytes();
                exchange.response_body = shown_body(&bytes, tap.body_bytes, &redactor);
                record(exchange);
                Ok(http::Response::from_parts(parts, full(bytes)))
            }
            Err(e) => {
                exchange.error = Some(format!("reading the response body: {e}"));
                record(exchange);
                Err(e)
            }
        }
    }

    async fn send(
        self,
        mut req: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let uri = req.uri().clone();
        let https = uri.scheme() == Some(&Scheme::HTTPS);
        let raw_host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
        let host = raw_host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let default_port = if https { 443 } else { 80 };
        let port = uri.port_u16().unwrap_or(default_port);
        self.policy.check_host(&host, port, port == default_port).map_err(|r| self.refuse(r))?;

        let ips = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self
                .network
                .resolver
                .resolve(&host, port)
                .await
                .map_err(|e| Error::DnsError { rcode: Some(e.to_string()), info_code: None })?,
        };
        if ips.is_empty() {
            return Err(Error::DestinationNotFound);
        }
        // Every address must pass: a name that resolves to both public and internal addresses
        // is refused rather than left to chance.
        for ip in &ips {
            self.policy.check_address(&host, port, *ip).map_err(|r| self.refuse(r))?;
        }

        let timeout = options.and_then(|o| o.connect_timeout).unwrap_or(self.limits.timeout).min(self.limits.timeout);
        let addr = SocketAddr::new(ips[0], port);
        let tcp = tokio::time::timeout(timeout, self.network.dialer.connect(addr))
            .await
            .map_err(|_| Error::ConnectionTimeout)?
            .map_err(connect_error)?;
        let io: Box<dyn Io> = if https { Box::new(tls_connect(&host, tcp, timeout).await?) } else { Box::new(tcp) };
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io)).await?;
        tokio::spawn(conn);

        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        *req.uri_mut() = http::Uri::try_from(path).map_err(|_| Error::HttpRequestUriInvalid)?;
        tracing::debug!(target: "weft::plugin", plugin = %self.plugin_id, "outbound {} {}", req.method(), shown_url(&uri, &self.redactor));
        let first_byte =
            options.and_then(|o| o.first_byte_timeout).unwrap_or(self.limits.timeout).min(self.limits.timeout);
        let response = tokio::time::timeout(first_byte, sender.send_request(req))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)??;
        let max = self.limits.max_response_bytes;
        Ok(response.map(|body| CappedBody { inner: body, seen: 0, max }.boxed_unsync()))
    }
}

/// A body of bytes already read.
fn full(bytes: Bytes) -> WasiBody {
    http_body_util::Full::new(bytes).map_err(|never| match never {}).boxed_unsync()
}

fn connect_error(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
        std::io::ErrorKind::TimedOut => Error::ConnectionTimeout,
        _ => Error::Connect(e),
    }
}

async fn tls_connect(host: &str, tcp: TcpStream, timeout: Duration) -> Result<impl Io, Error> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::TlsProtocolError)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|_| Error::HttpRequestUriInvalid)?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    tokio::time::timeout(timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| Error::ConnectionTimeout)?
        .map_err(Error::Tls)
}

/// A response body that fails once it exceeds the configured size.
struct CappedBody {
    inner: hyper::body::Incoming,
    seen: u64,
    max: u64,
}

impl http_body::Body for CappedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.seen += data.len() as u64;
                    if self.seen > self.max {
                        return Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(self.max)))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_userinfo_and_with_credential_query_values_redacted() {
        let redactor = Redactor::new();
        redactor.add(&crate::config::Secret::new("s3cr3t-value".into()));
        let uri: http::Uri =
            "https://bob:hunter22@erp.example:8443/api/items?access_token=abc&page=2&key=k1&q=s3cr3t-value"
                .parse()
                .unwrap();
        assert_eq!(
            shown_url(&uri, &redactor),
            "https://erp.example:8443/api/items?access_token=[REDACTED]&page=2&key=[REDACTED]&q=[REDACTED]"
        );
    }

    #[test]
    fn credential_headers_go_by_name_and_secrets_by_value() {
        let redactor = Redactor::new();
        redactor.add(&crate::config::Secret::new("s3cr3t-value".into()));
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer xyz"),
            ("x-shopify-access-token", "shpat_1"),
            ("x-api-key", "k"),
            ("idempotency-key", "flow/customer/c1/ab"),
            ("x-note", "has s3cr3t-value inside"),
        ] {
            headers.insert(http::HeaderName::from_static(name), value.parse().unwrap());
        }
        let shown: Vec<(String, String)> = shown_headers(&headers, &redactor);
        let value = |name: &str| shown.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(value("authorization"), Some("[REDACTED]"));
        assert_eq!(value("x-shopify-access-token"), Some("[REDACTED]"));
        assert_eq!(value("x-api-key"), Some("[REDACTED]"));
        assert_eq!(value("idempotency-key"), Some("flow/customer/c1/ab"), "an idempotency key is no credential");
        assert_eq!(value("x-note"), Some("has [REDACTED] inside"));
    }

    #[test]
    fn a_body_is_cut_at_the_size_after_its_secrets_are_redacted() {
        let redactor = Redactor::new();
        redactor.add(&crate::config::Secret::new("s3cr3t-value".into()));
        assert_eq!(shown_body(b"0123s3cr3t-value", 6, &redactor), "0123[R… (8 more bytes)");
        assert_eq!(shown_body("é".repeat(4).as_bytes(), 3, &redactor), "é… (6 more bytes)");
        assert_eq!(shown_body(b"short", 16, &redactor), "short");
    }
}
