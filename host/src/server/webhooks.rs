//! Webhook intake: verify, dedupe, enqueue durably, and only then answer 200.
//! Bad input gets a 4xx and a log line, never a 500. What can be judged from the headers (no
//! secret, no or a malformed signature, no topic or id) is refused before the body is read; the
//! body is read within the server's budget ([`super::body`]).

use super::{error_response, json_response, read_body, ServerState};
use crate::config::flow::SHOPIFY;
use crate::config::{Config, Secret};
use crate::shopify::webhooks::{signature_well_formed, signed_by};
use crate::store::EnqueueOutcome;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};
use serde_json::json;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `POST /webhooks/shopify`.
pub async fn shopify(state: &ServerState, headers: &HeaderMap, body: Incoming) -> Response<Full<Bytes>> {
    let topic = header(headers, "x-shopify-topic").unwrap_or("").to_owned();
    let webhook_id = header(headers, "x-shopify-webhook-id").unwrap_or("").to_owned();
    let engine = state.engine();
    let metrics = engine.metrics();
    metrics.webhook_received(SHOPIFY);
    if state.webhook_secrets.is_empty() {
        metrics.webhook_rejected(SHOPIFY);
        tracing::error!(topic, webhook_id, "webhook refused: no shop ([shopify] or [shops.NAME]) configured");
        return error_response(StatusCode::UNAUTHORIZED, "webhooks are not configured");
    }
    let domain = header(headers, "x-shopify-shop-domain");
    let Some((shop, secrets)) = shop_of(state, engine.config(), domain) else {
        metrics.webhook_rejected(SHOPIFY);
        tracing::warn!(topic, webhook_id, domain, "webhook rejected: sent for a shop this host does not serve");
        return error_response(StatusCode::UNAUTHORIZED, "unknown or missing X-Shopify-Shop-Domain");
    };
    let signature = header(headers, "x-shopify-hmac-sha256").unwrap_or("");
    if !signature_well_formed(signature) {
        metrics.webhook_rejected(SHOPIFY);
        tracing::warn!(topic, webhook_id, "webhook rejected: missing or malformed HMAC signature");
        return error_response(StatusCode::UNAUTHORIZED, "invalid webhook signature");
    }
    if topic.is_empty() || webhook_id.is_empty() {
        metrics.webhook_rejected(SHOPIFY);
        tracing::warn!(topic, webhook_id, "webhook rejected: missing X-Shopify-Topic or X-Shopify-Webhook-Id");
        return error_response(StatusCode::BAD_REQUEST, "missing X-Shopify-Topic or X-Shopify-Webhook-Id");
    }
    let body = match read_body(state, headers, body, usize::MAX).await {
        Ok(held) => held,
        Err(response) => {
            metrics.webhook_rejected(SHOPIFY);
            tracing::warn!(topic, webhook_id, status = %response.status(), "webhook body not read");
            return response;
        }
    };
    match signed_by(secrets.iter().map(|s| s.expose().as_bytes()), &body.bytes, signature) {
        Some(0) => {}
        Some(_) => tracing::info!(
            topic,
            webhook_id,
            "webhook signed with {}: remove it once none have come for 4 h",
            crate::config::shops::shop_key(shop, "previous_webhook_secret")
        ),
        None => {
            metrics.webhook_rejected(SHOPIFY);
            tracing::warn!(topic, webhook_id, shop, "webhook rejected: bad HMAC signature for this shop");
            return error_response(StatusCode::UNAUTHORIZED, "invalid webhook signature");
        }
    }
    let payload: serde_json::Value = match serde_json::from_slice(&body.bytes) {
        Ok(v) => v,
        Err(e) => {
            metrics.webhook_rejected(SHOPIFY);
            tracing::warn!(topic, webhook_id, "webhook rejected: malformed JSON body: {e}");
            return error_response(StatusCode::BAD_REQUEST, &format!("malformed JSON body: {e}"));
        }
    };
    drop(body);
    let jobs = match state.engine().shopify_jobs(shop, &topic, &webhook_id, &payload) {
        Ok(jobs) => jobs,
        Err(e) => {
            metrics.webhook_rejected(SHOPIFY);
            tracing::warn!(topic, webhook_id, "webhook rejected: {}", e.message);
            return error_response(StatusCode::BAD_REQUEST, &e.message);
        }
    };
    if jobs.is_empty() {
        tracing::info!(topic, webhook_id, "webhook accepted: no flow consumes this topic");
        return json_response(StatusCode::OK, json!({"jobs": 0}));
    }
    match state.engine().queue().enqueue_async(jobs).await {
        Ok(outcomes) => {
            let enqueued = outcomes.iter().filter(|o| matches!(o, EnqueueOutcome::Enqueued(_))).count();
            let duplicates = outcomes.len() - enqueued;
            if enqueued == 0 {
                metrics.webhook_duplicate(SHOPIFY);
            }
            tracing::info!(topic, webhook_id, enqueued, duplicates, "webhook accepted");
            json_response(StatusCode::OK, json!({"jobs": enqueued, "duplicates": duplicates}))
        }
        Err(e) => {
            // Not the sender's fault: 503 makes Shopify retry later.
            tracing::error!(topic, webhook_id, "webhook not stored: {e}");
            error_response(StatusCode::SERVICE_UNAVAILABLE, "could not store the webhook; retry later")
        }
    }
}

/// The shop a delivery is for, and its secrets: the one whose domain `X-Shopify-Shop-Domain`
/// names (an app's secret may sign deliveries of every shop it is installed on, so the header,
/// not the signature, says which shop); without the header, the only shop there is.
fn shop_of<'a>(state: &'a ServerState, config: &Config, domain: Option<&str>) -> Option<(&'a str, &'a [Secret])> {
    let name = match domain {
        Some(domain) => config.shop_by_domain(domain)?,
        None if state.webhook_secrets.len() == 1 => state.webhook_secrets.keys().next()?.as_str(),
        None => return None,
    };
    state.webhook_secrets.get_key_value(name).map(|(name, secrets)| (name.as_str(), secrets.as_slice()))
}

/// `POST /webhooks/{connection}`: the connector decodes the ERP's event.
pub async fn erp(state: &ServerState, connection: &str, headers: &HeaderMap, body: Incoming) -> Response<Full<Bytes>> {
    if !state.engine().config().connections.contains_key(connection) {
        state.engine().metrics().webhook_rejected("unknown");
        return error_response(StatusCode::NOT_FOUND, &format!("no connection {connection}"));
    }
    let body = match read_body(state, headers, body, usize::MAX).await {
        Ok(held) => held,
        Err(response) => {
            state.engine().metrics().webhook_rejected(connection);
            return response;
        }
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned())))
        .collect();
    state.engine().metrics().webhook_received(connection);
    let engine = state.engine();
    let conn = connection.to_owned();
    let decoded = tokio::task::spawn_blocking(move || engine.event_jobs(&conn, &headers, &body.bytes)).await;
    let jobs = match decoded {
        Ok(Ok(jobs)) => jobs,
        Ok(Err(e)) if !e.retryable => {
            state.engine().metrics().webhook_rejected(connection);
            tracing::warn!(connection, class = %e.class, "ERP webhook rejected: {}", e.message);
            return error_response(StatusCode::BAD_REQUEST, &e.message);
        }
        Ok(Err(e)) => {
            tracing::error!(connection, class = %e.class, "ERP webhook not decoded: {}", e.message);
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &e.message);
        }
        Err(e) => {
            tracing::error!(connection, "ERP webhook task failed: {e}");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, "could not decode the event; retry later");
        }
    };
    match state.engine().queue().enqueue_async(jobs).await {
        Ok(outcomes) => json_response(StatusCode::OK, json!({"jobs": outcomes.len()})),
        Err(e) => {
            tracing::error!(connection, "ERP webhook not stored: {e}");
            error_response(StatusCode::SERVICE_UNAVAILABLE, "could not store the event; retry later")
        }
    }
}
