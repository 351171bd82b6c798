//! Webhook delivery: real HTTP POSTs with Shopify's headers and HMAC, at-least-once with
//! exponential retries, subscription removal after 8 consecutive failures, and injected
//! drops, duplicates and reordering.

use crate::faults::Fault;
use crate::resolve::subscriptions::{remove, rest_topic};
use crate::store::{now, ts, Event};
use crate::{lock, Shared};
use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::Rng;
use serde::Serialize;
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// Retries after the first attempt (Shopify: 8 over 4 hours).
pub const MAX_RETRIES: u32 = 8;

/// Consecutive failed attempts after which an API-created subscription is deleted.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 8;

/// `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 over the raw body, keyed by the app secret.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A random UUID-shaped id (webhook and event ids).
fn uuid() -> String {
    let b: [u8; 16] = rand::rng().random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// One delivery of one event to one subscription (retries keep it unchanged).
#[derive(Clone, Debug)]
struct Delivery {
    subscription_id: u64,
    uri: String,
    /// The owning app's secret the body is signed with.
    secret: String,
    name: Option<String>,
    topic: &'static str,
    webhook_id: String,
    event_id: String,
    triggered_at: String,
    body: Bytes,
}

/// One delivery attempt, for tests and the control API.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryRecord {
    pub subscription_id: u64,
    pub webhook_id: String,
    pub event_id: String,
    pub topic: String,
    pub uri: String,
    /// 0 for the first attempt.
    pub attempt: u32,
    /// `delivered`, `failed` or `dropped`.
    pub outcome: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at: String,
}

/// The delivery engine.
pub struct Engine {
    client: Client<HttpConnector, Full<Bytes>>,
    log: Mutex<Vec<DeliveryRecord>>,
    /// Deliveries held for reordering, and how many to collect before releasing them reversed.
    held: Mutex<(Vec<Delivery>, usize)>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    /// An engine with an HTTP/1 client.
    pub fn new() -> Self {
        Engine {
            client: Client::builder(TokioExecutor::new()).build_http(),
            log: Mutex::new(Vec::new()),
            held: Mutex::new((Vec::new(), 0)),
        }
    }

    /// Every attempt so far.
    pub fn log(&self) -> Vec<DeliveryRecord> {
        lock(&self.log).clone()
    }

    fn record(&self, d: &Delivery, attempt: u32, outcome: &str, status: Option<u16>, error: Option<String>) {
        lock(&self.log).push(DeliveryRecord {
            subscription_id: d.subscription_id,
            webhook_id: d.webhook_id.clone(),
            event_id: d.event_id.clone(),
            topic: d.topic.to_string(),
            uri: d.uri.clone(),
            attempt,
            outcome: outcome.to_string(),
            status,
            error,
            at: ts(&now()),
        });
    }

    /// Fans events out to matching subscriptions and starts delivering them.
    pub fn enqueue(&self, shared: &Arc<Shared>, events: Vec<Event>) {
        for event in events {
            let targets: Vec<(u64, String, Option<String>, String)> = lock(&shared.store)
                .subscriptions
                .values()
                .filter(|s| rest_topic(&s.topic) == Some(event.topic))
                .map(|s| {
                    (
                        s.id,
                        s.uri.clone(),
                        s.name.clone(),
                        s.foreign_app.as_ref().map_or(&shared.config.webhook_secret, |a| &a.webhook_secret).clone(),
                    )
                })
                .collect();
            // Nobody subscribes to the topic: no body to encode (a bulk inventory write emits
            // an event per level).
            if targets.is_empty() {
                continue;
            }
            let body = Bytes::from(serde_json::to_vec(&event.payload).unwrap_or_default());
            let event_id = uuid();
            let triggered_at = ts(&now());
            for (subscription_id, uri, name, secret) in targets {
                let d = Delivery {
                    subscription_id,
                    uri,
                    secret,
                    name,
                    topic: event.topic,
                    webhook_id: uuid(),
                    event_id: event_id.clone(),
                    triggered_at: triggered_at.clone(),
                    body: body.clone(),
                };
                self.dispatch(shared, d);
            }
        }
    }

    fn dispatch(&self, shared: &Arc<Shared>, d: Delivery) {
        let fault = lock(&shared.faults).for_webhook();
        match fault {
            Some(Fault::WebhookDrop) => {
                lock(&shared.counters).webhooks_dropped += 1;
                self.record(&d, 0, "dropped", None, None);
            }
            Some(Fault::WebhookDuplicate) => {
                lock(&shared.counters).webhooks_duplicated += 1;
                tokio::spawn(deliver(shared.clone(), d.clone()));
                tokio::spawn(deliver(shared.clone(), d));
            }
            Some(Fault::WebhookReorder { batch }) => {
                let mut held = lock(&self.held);
                held.1 = held.1.max(batch);
                held.0.push(d);
                if held.0.len() >= held.1 {
                    let batch: Vec<Delivery> = held.0.drain(..).rev().collect();
                    held.1 = 0;
                    for d in batch {
                        tokio::spawn(deliver(shared.clone(), d));
                    }
                }
            }
            _ => {
                tokio::spawn(deliver(shared.clone(), d));
            }
        }
    }
}

/// One POST; Ok(status) when the receiver answered.
async fn post(shared: &Shared, d: &Delivery) -> Result<u16, String> {
    let mut request = hyper::Request::post(&d.uri)
        .header("content-type", "application/json")
        .header("x-shopify-topic", d.topic)
        .header("x-shopify-hmac-sha256", sign(&d.secret, &d.body))
        .header("x-shopify-shop-domain", &shared.config.shop_domain)
        .header("x-shopify-api-version", crate::schema::SCHEMA_VERSION)
        .header("x-shopify-webhook-id", &d.webhook_id)
        .header("x-shopify-event-id", &d.event_id)
        .header("x-shopify-triggered-at", &d.triggered_at);
    if let Some(name) = &d.name {
        request = request.header("x-shopify-name", name);
    }
    let request = request.body(Full::new(d.body.clone())).map_err(|e| e.to_string())?;
    match tokio::time::timeout(shared.config.webhook_timeout, shared.webhooks.client.request(request)).await {
        Ok(Ok(response)) => Ok(response.status().as_u16()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_string()),
    }
}

/// Delivers with retries; only 2xx counts as success (redirects are failures, as in Shopify).
async fn deliver(shared: Arc<Shared>, d: Delivery) {
    for attempt in 0..=MAX_RETRIES {
        if !lock(&shared.store).subscriptions.contains_key(&d.subscription_id) {
            return;
        }
        let result = post(&shared, &d).await;
        let ok = matches!(result, Ok(s) if (200..300).contains(&s));
        let (status, error) = match result {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e)),
        };
        shared.webhooks.record(&d, attempt, if ok { "delivered" } else { "failed" }, status, error);
        {
            let mut store = lock(&shared.store);
            let failures = store.subscriptions.get_mut(&d.subscription_id).map(|s| {
                s.consecutive_failures = if ok { 0 } else { s.consecutive_failures + 1 };
                s.consecutive_failures
            });
            if failures.is_some_and(|f| f >= MAX_CONSECUTIVE_FAILURES) {
                remove(&mut store, d.subscription_id, "8 consecutive failed deliveries");
                lock(&shared.counters).webhook_subscriptions_deleted += 1;
            }
        }
        if ok {
            lock(&shared.counters).webhooks_delivered += 1;
            return;
        }
        lock(&shared.counters).webhooks_failed_attempts += 1;
        if attempt < MAX_RETRIES {
            tokio::time::sleep(shared.config.webhook_retry_base * 2u32.pow(attempt)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signs_the_shopify_test_vector() {
        assert_eq!(
            super::sign("test_secret_key", br#"{"foo": "bar"}"#),
            "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
        );
    }
}
