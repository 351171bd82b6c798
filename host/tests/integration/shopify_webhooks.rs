//! Webhooks from the simulator arrive signed; the host's verifier accepts them and rejects a
//! forged signature or an altered body.

use crate::shopify_common;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::json;
use shopify_common::*;
use shopify_sim::{SimConfig, Simulator};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::shopify::queries::WEBHOOK_SUBSCRIPTION_CREATE;
use weft::shopify::webhooks::verify;
use weft::shopify::Priority;

type Captured = Arc<Mutex<Vec<(String, Bytes)>>>;

/// A loopback receiver capturing (X-Shopify-Hmac-Sha256, raw body).
async fn receiver() -> (String, Captured) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let got: Captured = Arc::default();
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let sink = sink.clone();
                    async move {
                        let hmac = req
                            .headers()
                            .get("x-shopify-hmac-sha256")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        sink.lock().unwrap().push((hmac, body));
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::new())))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    (url, got)
}

#[test]
fn shopify_test_vector() {
    assert!(verify(b"test_secret_key", br#"{"foo": "bar"}"#, "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="));
}

#[tokio::test]
async fn deliveries_verify_and_tampering_is_rejected() {
    let secret = "whsec_for_this_test";
    let sim = Simulator::start(SimConfig { seed: seed(1, 2), webhook_secret: secret.into(), ..SimConfig::default() })
        .await
        .unwrap();
    let client = client(&sim);
    let (url, got) = receiver().await;
    let vars = json!({"topic": "ORDERS_CREATE", "subscription": {"uri": url, "format": "JSON"}});
    let data = client.execute(&WEBHOOK_SUBSCRIPTION_CREATE, vars, Priority::Catalog).await.unwrap().data;
    assert_eq!(data["webhookSubscriptionCreate"]["userErrors"], json!([]));
    sim.place_order(Some("shopper@example.com"), &[("SKU-0-1".to_string(), 1)]).unwrap();
    let mut delivered = None;
    for _ in 0..200 {
        if let Some(first) = got.lock().unwrap().first().cloned() {
            delivered = Some(first);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (header, body) = delivered.expect("the webhook arrived");
    assert!(verify(secret.as_bytes(), &body, &header), "a genuine delivery verifies");
    let forged = shopify_sim::webhooks::sign("someone_elses_secret", &body);
    assert!(!verify(secret.as_bytes(), &body, &forged), "a forged signature is rejected");
    let mut altered = body.to_vec();
    let pos = altered.iter().position(|b| *b == b'1').expect("a digit to change");
    altered[pos] = b'2';
    assert!(!verify(secret.as_bytes(), &altered, &header), "an altered body is rejected");
    assert!(!verify(secret.as_bytes(), &body, ""), "a missing signature is rejected");
}
