//! One Admin GraphQL client per shop: every call goes through the shop's shared cost
//! [`Budget`], and transient failures (THROTTLED, 429, 5xx, timeouts, transport errors) are
//! retried with exponential backoff and full jitter.

use super::calls;
use super::error::ShopifyError;
use super::queries::Operation;
use super::shop::ShopInfo;
use super::throttle::{Budget, Cost, Priority};
use crate::config::Secret;
use rand::Rng;
use serde_json::{json, Value as Json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How to reach one shop.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://{shop}.myshopify.com`, or the simulator's `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Admin API version, e.g. `2026-04`.
    pub api_version: String,
    /// The Admin API access token (prints as `***`).
    pub access_token: Secret,
    /// Per-request deadline.
    pub request_timeout: Duration,
    /// Attempts per call for retryable failures (THROTTLED, 429, 5xx, timeouts).
    pub max_attempts: u32,
    /// First backoff step; doubles per attempt, capped at `backoff_cap`, fully jittered.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl ClientConfig {
    /// Defaults for a shop: 30 s timeout, 8 attempts, backoff 200 ms doubling to 10 s.
    pub fn new(endpoint: &str, api_version: &str, access_token: Secret) -> Self {
        ClientConfig {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            api_version: api_version.to_string(),
            access_token,
            request_timeout: Duration::from_secs(30),
            max_attempts: 8,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(10),
        }
    }
}

/// Counters of what the client did (for metrics and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent.
    pub requests: u64,
    /// THROTTLED answers received (absorbed by waiting and retrying).
    pub throttled: u64,
    /// Retries after a failure other than THROTTLED.
    pub retries: u64,
    /// Cost points Shopify charged (`actualQueryCost`, summed).
    pub cost_spent: u64,
    /// Points the bucket held at the last answer (`throttleStatus.currentlyAvailable`).
    pub cost_available: Option<u64>,
    /// Images sent to Shopify to fetch or upload (an unchanged image is never sent again).
    pub media_uploads: u64,
}

/// A successful GraphQL answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub data: Json,
    pub cost: Option<Cost>,
}

struct Inner {
    config: ClientConfig,
    url: String,
    http: reqwest::Client,
    budget: Budget,
    requests: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
    cost_spent: AtomicU64,
    media_uploads: AtomicU64,
    /// `u64::MAX` until the first cost report.
    cost_available: AtomicU64,
    /// The shop's name and currency, read once.
    shop: tokio::sync::OnceCell<ShopInfo>,
    /// Held while a bulk mutation of this client runs (Shopify runs one at a time per app).
    bulk: tokio::sync::Mutex<()>,
    /// The shop's metafield definitions, read once per owner type.
    metafield_definitions: tokio::sync::Mutex<super::metafields::Definitions>,
}

/// The client of one shop. Cheap to clone; clones share the cost budget.
#[derive(Clone)]
pub struct ShopifyClient {
    inner: Arc<Inner>,
}

/// Whether a failed call may be sent again by the client itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retry transient failures (reads, and writes that are idempotent).
    Transient,
    /// Only THROTTLED is retried (it guarantees nothing ran); anything else is returned so
    /// the caller can check what happened before writing again (`orderCreate`).
    ThrottledOnly,
}

/// `random(0, min(cap, base × 2^attempt))`: exponential backoff with full jitter.
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let ceiling = base.saturating_mul(2u32.saturating_pow(attempt.min(20))).min(cap);
    ceiling.mul_f64(rand::rng().random::<f64>())
}

impl ShopifyClient {
    /// A client for one shop, pacing by a budget of its own.
    pub fn new(config: ClientConfig) -> Result<Self, ShopifyError> {
        ShopifyClient::with_budget(config, Budget::new())
    }

    /// A client for one shop pacing by `budget` (see [`Budget::for_store`]: one budget for
    /// every host of a shared store).
    pub fn with_budget(config: ClientConfig, budget: Budget) -> Result<Self, ShopifyError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| ShopifyError::Transport(e.to_string()))?;
        let url = format!("{}/admin/api/{}/graphql.json", config.endpoint, config.api_version);
        Ok(ShopifyClient {
            inner: Arc::new(Inner {
                config,
                url,
                http,
                budget,
                requests: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                media_uploads: AtomicU64::new(0),
                cost_spent: AtomicU64::new(0),
                cost_available: AtomicU64::new(u64::MAX),
                shop: tokio::sync::OnceCell::new(),
                bulk: tokio::sync::Mutex::new(()),
                metafield_definitions: tokio::sync::Mutex::default(),
            }),
        })
    }

    /// What the client did so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            throttled: self.inner.throttled.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            cost_spent: self.inner.cost_spent.load(Ordering::Relaxed),
            cost_available: Some(self.inner.cost_available.load(Ordering::Relaxed)).filter(|a| *a != u64::MAX),
            media_uploads: self.inner.media_uploads.load(Ordering::Relaxed),
        }
    }

    /// Count `n` images sent to Shopify (see [`ClientStats::media_uploads`]).
    pub fn count_media_uploads(&self, n: u64) {
        self.inner.media_uploads.fetch_add(n, Ordering::Relaxed);
    }

    /// The shop's name, domain and currency, read on first use.
    pub async fn shop(&self) -> Result<ShopInfo, ShopifyError> {
        self.inner.shop.get_or_try_init(|| super::shop::shop_info(self)).await.cloned()
    }

    /// The shop's metafield definitions as far as read (see [`super::metafields::Definitions`]).
    pub async fn metafield_definitions(&self) -> tokio::sync::MutexGuard<'_, super::metafields::Definitions> {
        self.inner.metafield_definitions.lock().await
    }

    /// Waits until no other bulk mutation of this client runs; the next may start while the
    /// guard is held.
    pub async fn bulk_slot(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.bulk.lock().await
    }

    /// The client's configuration (the token inside prints as `***`).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Runs an operation, pacing by the budget and retrying transient failures.
    pub async fn execute(&self, op: &Operation, variables: Json, priority: Priority) -> Result<Response, ShopifyError> {
        self.execute_with(op, variables, priority, Retry::Transient).await
    }

    /// Like [`ShopifyClient::execute`] with an explicit retry policy.
    pub async fn execute_with(
        &self,
        op: &Operation,
        variables: Json,
        priority: Priority,
        retry: Retry,
    ) -> Result<Response, ShopifyError> {
        let body = json!({"query": op.document, "variables": variables, "operationName": op.name});
        let config = &self.inner.config;
        let mut attempt = 0;
        let mut throttled_in_a_row = 0;
        let mut sent = 0;
        loop {
            let cost = self.inner.budget.estimate(op.name);
            let reservation = self.inner.budget.acquire(cost, priority).await;
            sent += 1;
            let result = self.send_logged(op.name, &body, sent).await;
            let error = match result {
                Ok((response, Some(cost))) => {
                    self.inner.budget.observe(op.name, reservation, &cost).await;
                    self.inner
                        .cost_spent
                        .fetch_add(cost.actual.unwrap_or(0.0).max(0.0).round() as u64, Ordering::Relaxed);
                    self.inner.cost_available.store(cost.currently_available.max(0.0) as u64, Ordering::Relaxed);
                    match response {
                        Ok(data) => return Ok(Response { data, cost: Some(cost) }),
                        Err(Throttled) => {
                            self.inner.throttled.fetch_add(1, Ordering::Relaxed);
                            throttled_in_a_row += 1;
                            tracing::debug!(
                                operation = op.name,
                                available = cost.currently_available,
                                "THROTTLED; waiting for the bucket"
                            );
                            // The budget now knows the bucket is low and makes the retry wait.
                            if throttled_in_a_row >= config.max_attempts.max(1) * 4 {
                                return Err(ShopifyError::Throttled { attempts: throttled_in_a_row });
                            }
                            continue;
                        }
                    }
                }
                Ok((Ok(data), None)) => {
                    self.inner.budget.abandon(reservation).await;
                    return Ok(Response { data, cost: None });
                }
                Ok((Err(Throttled), None)) => {
                    self.inner.budget.abandon(reservation).await;
                    ShopifyError::Throttled { attempts: attempt + 1 }
                }
                Err(e) => {
                    self.inner.budget.abandon(reservation).await;
                    e
                }
            };
            let transient = error.is_retryable() || matches!(error, ShopifyError::Throttled { .. });
            attempt += 1;
            if !transient || retry == Retry::ThrottledOnly || attempt >= config.max_attempts {
                return Err(error);
            }
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(operation = op.name, attempt, error = %error, "retrying Shopify call");
            let pause = full_jitter(config.backoff_base, config.backoff_cap, attempt - 1)
                .max(error.retry_after().unwrap_or_default());
            tokio::time::sleep(pause).await;
        }
    }

    /// GETs a file Shopify handed out (a bulk operation's JSONL; no access token is sent) and
    /// hands each non-empty line to `each` as the body arrives: memory holds one chunk and one
    /// line, whatever the file's size.
    pub async fn download_lines(
        &self,
        url: &str,
        mut each: impl FnMut(&str) -> Result<(), ShopifyError>,
    ) -> Result<(), ShopifyError> {
        let transport = |e: reqwest::Error| ShopifyError::Transport(e.without_url().to_string());
        let mut response = self.inner.http.get(url).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(ShopifyError::Http { status, body: String::new(), retry_after: None });
        }
        let mut pending: Vec<u8> = Vec::new();
        let mut line = |bytes: &[u8]| -> Result<(), ShopifyError> {
            let text = std::str::from_utf8(bytes).map_err(|e| ShopifyError::Decode(format!("bad JSONL line: {e}")))?;
            match text.trim() {
                "" => Ok(()),
                text => each(text),
            }
        };
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(end) = pending[start..].iter().position(|b| *b == b'\n') {
                line(&pending[start..start + end])?;
                start += end + 1;
            }
            pending.drain(..start);
        }
        line(&pending)
    }

    /// POSTs `file` to a staged upload target as a multipart form: the target's `fields` in
    /// order, then the file (what the bucket checks the signature against); no access token is
    /// sent. Retried like a GraphQL call when the bucket fails transiently.
    pub async fn upload(&self, url: &str, fields: &[(String, String)], file: &[u8]) -> Result<(), ShopifyError> {
        let boundary = format!("weft-{:016x}", rand::rng().random::<u64>());
        let mut body = Vec::with_capacity(file.len() + 1024);
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let config = &self.inner.config;
        let mut attempt = 0;
        loop {
            let sent = self
                .inner
                .http
                .post(url)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body.clone())
                .send()
                .await;
            let error = match sent {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body: String = r.text().await.unwrap_or_default().chars().take(200).collect();
                    ShopifyError::Http { status, body, retry_after: None }
                }
                Err(e) => ShopifyError::Transport(e.without_url().to_string()),
            };
            attempt += 1;
            if !error.is_retryable() || attempt >= config.max_attempts {
                return Err(error);
            }
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(full_jitter(config.backoff_base, config.backoff_cap, attempt - 1)).await;
        }
    }

    /// [`ShopifyClient::send`], recorded for the run when its calls are captured (see [`calls`]).
    async fn send_logged(&self, operation: &str, body: &Json, attempt: u32) -> Sent {
        let Some(started) = calls::started() else { return self.send(body, None).await };
        let mut seen = calls::Seen::default();
        let result = self.send(body, Some(&mut seen)).await;
        let (cost, error) = match &result {
            Ok((Ok(_), cost)) => (cost.as_ref(), None),
            Ok((Err(Throttled), cost)) => (cost.as_ref(), Some("THROTTLED".to_owned())),
            Err(e) => (None, Some(e.to_string())),
        };
        calls::record(started, operation, body, attempt, seen, cost, error);
        result
    }

    /// One HTTP round trip: Ok((data or THROTTLED, cost report)) for a 200 GraphQL answer; what
    /// came back goes to `seen` too, when given.
    async fn send(&self, body: &Json, mut seen: Option<&mut calls::Seen>) -> Sent {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let mut token = reqwest::header::HeaderValue::from_str(self.inner.config.access_token.expose())
            .map_err(|_| ShopifyError::Decode("the access token contains characters not allowed in a header".into()))?;
        token.set_sensitive(true);
        let sent =
            self.inner.http.post(&self.inner.url).header("x-shopify-access-token", token).json(body).send().await;
        let response = sent.map_err(|e| {
            if e.is_timeout() {
                ShopifyError::Timeout(self.inner.config.request_timeout)
            } else {
                ShopifyError::Transport(e.without_url().to_string())
            }
        })?;
        let status = response.status().as_u16();
        if let Some(seen) = seen.as_deref_mut() {
            seen.status = Some(status);
            seen.request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = response.text().await.map_err(|e| {
            if e.is_timeout() {
                ShopifyError::Timeout(self.inner.config.request_timeout)
            } else {
                ShopifyError::Transport(e.without_url().to_string())
            }
        })?;
        if let Some(seen) = seen {
            seen.body = Some(text.clone());
        }
        if status == 401 || status == 403 {
            return Err(ShopifyError::Unauthorized { status });
        }
        if status != 200 {
            let mut body: String = text.chars().take(200).collect();
            if body.trim_start().starts_with('<') {
                body = "(HTML error page)".to_string();
            }
            return Err(ShopifyError::Http { status, body, retry_after });
        }
        let value: Json =
            serde_json::from_str(&text).map_err(|e| ShopifyError::Decode(format!("invalid JSON: {e}")))?;
        let cost = value.get("extensions").and_then(Cost::from_extensions);
        let errors = value.get("errors").and_then(Json::as_array).cloned().unwrap_or_default();
        let code_of = |e: &Json| e.pointer("/extensions/code").and_then(Json::as_str).unwrap_or("").to_string();
        if errors.iter().any(|e| code_of(e) == "THROTTLED") {
            return Ok((Err(Throttled), cost));
        }
        if let Some(first) = errors.first() {
            return Err(ShopifyError::GraphQl {
                code: code_of(first),
                message: first.get("message").and_then(Json::as_str).unwrap_or("").to_string(),
                errors: Json::Array(errors.clone()),
            });
        }
        let data = value
            .get("data")
            .cloned()
            .filter(|d| !d.is_null())
            .ok_or_else(|| ShopifyError::Decode("no data".into()))?;
        Ok((Ok(data), cost))
    }
}

/// Marker for a THROTTLED answer.
struct Throttled;

/// What one round trip gave: (data or THROTTLED, cost report) for a 200 GraphQL answer.
type Sent = Result<(Result<Json, Throttled>, Option<Cost>), ShopifyError>;
