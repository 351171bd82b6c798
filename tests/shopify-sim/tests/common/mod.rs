//! Helpers shared by the simulator's integration tests: start a seeded simulator, post GraphQL
//! over real HTTP, and run a webhook receiver on loopback.
#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value as Json};
use shopify_sim::{Seed, SimConfig, SimHandle, Simulator};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API version the tests speak.
pub const VERSION: &str = "2026-04";

/// A seed with two locations, three products and a customer.
pub fn seed() -> Seed {
    serde_json::from_value(json!({
        "locations": [{"name": "Main"}, {"name": "Backroom"}],
        "products": [
            {"title": "Shirt", "variants": [
                {"sku": "SHIRT-S", "price": "20.00", "option": "S", "inventory": {"Main": 10}},
                {"sku": "SHIRT-M", "price": "20.00", "option": "M", "inventory": {"Main": 5, "Backroom": 2}},
                {"sku": "SHIRT-L", "price": "22.00", "option": "L", "inventory": {"Main": 0}}]},
            {"title": "Mug", "variants": [{"sku": "MUG", "price": "8.50", "inventory": {"Main": 40}}]},
            {"title": "Cap", "variants": [{"sku": "CAP", "inventory": {"Main": 3}}]}
        ],
        "customers": [{"email": "ada@example.com", "first_name": "Ada"}]
    }))
    .expect("test seed is valid")
}

/// Starts a simulator with the test seed and fast webhook retries.
pub async fn start() -> SimHandle {
    start_with(SimConfig { seed: seed(), webhook_retry_base: Duration::from_millis(20), ..SimConfig::default() }).await
}

/// Starts a simulator with `config`.
pub async fn start_with(config: SimConfig) -> SimHandle {
    Simulator::start(config).await.expect("simulator starts")
}

/// POSTs raw bytes to `url` with headers; returns (status, headers, body).
pub async fn post_raw(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, hyper::HeaderMap, Bytes) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = hyper::Request::post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(body))).expect("request builds"))
        .await
        .expect("simulator answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, headers, body)
}

/// Sends `method` to `url` with a JSON body; returns (status, JSON body).
pub async fn send(method: &str, url: &str, body: Json) -> (u16, Json) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = hyper::Request::builder().method(method).uri(url).header("content-type", "application/json");
    let resp = client
        .request(req.body(Full::new(Bytes::from(body.to_string()))).expect("request builds"))
        .await
        .expect("simulator answers");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Json::Null))
}

/// GETs `url`; returns (status, body).
pub async fn get(url: &str) -> (u16, Bytes) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let resp = client.get(url.parse().expect("url")).await.expect("answer");
    let status = resp.status().as_u16();
    (status, resp.into_body().collect().await.expect("body").to_bytes())
}

/// Posts a GraphQL request with the right token; returns (status, JSON body).
pub async fn gql(sim: &SimHandle, query: &str, variables: Json) -> (u16, Json) {
    let body = serde_json::to_vec(&json!({"query": query, "variables": variables})).expect("json");
    let (status, _, bytes) = post_raw(
        &sim.graphql_url(VERSION),
        &[("content-type", "application/json"), ("x-shopify-access-token", sim.token())],
        body,
    )
    .await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Json::Null))
}

/// Posts GraphQL and expects data without errors.
pub async fn data(sim: &SimHandle, query: &str, variables: Json) -> Json {
    let (status, body) = gql(sim, query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// The gid of the variant with `sku` and of its inventory item, read over GraphQL.
pub async fn item_of(sim: &SimHandle, sku: &str) -> (String, String) {
    let d = data(
        sim,
        "query($q:String){ productVariants(first:1, query:$q){ nodes{ id inventoryItem{ id } } } }",
        json!({"q": format!("sku:{sku}")}),
    )
    .await;
    let node = &d["productVariants"]["nodes"][0];
    (node["id"].as_str().expect("variant").to_string(), node["inventoryItem"]["id"].as_str().expect("item").to_string())
}

/// Location gids by name.
pub async fn location(sim: &SimHandle, name: &str) -> String {
    let d = data(sim, "{ locations(first: 10){ nodes{ id name } } }", json!({})).await;
    d["locations"]["nodes"].as_array().expect("list").iter().find(|l| l["name"] == name).expect("location")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Creates one staged upload target over GraphQL.
pub async fn stage(sim: &SimHandle, resource: &str, filename: &str, mime: &str, method: &str) -> Json {
    let d = data(
        sim,
        "mutation($i: [StagedUploadInput!]!) { stagedUploadsCreate(input: $i) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }",
        json!({"i": [{"resource": resource, "filename": filename, "mimeType": mime, "httpMethod": method}]}),
    )
    .await;
    assert_eq!(d["stagedUploadsCreate"]["userErrors"], json!([]), "{d}");
    d["stagedUploadsCreate"]["stagedTargets"][0].clone()
}

/// The value of a target's parameter.
pub fn target_param(target: &Json, name: &str) -> String {
    target["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Uploads `file` to a staged target as its client would: a multipart form with every parameter
/// then the file (POST targets), or a PUT with the signed content type; returns (status, body).
pub async fn upload(target: &Json, file: &[u8]) -> (u16, Bytes) {
    let url = target["url"].as_str().expect("target url");
    if target_param(target, "key").is_empty() {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let req = hyper::Request::put(url)
            .header("content-type", target_param(target, "content_type"))
            .header("x-goog-acl", "private");
        let resp =
            client.request(req.body(Full::new(Bytes::copy_from_slice(file))).expect("request")).await.expect("answer");
        let status = resp.status().as_u16();
        return (status, resp.into_body().collect().await.expect("body").to_bytes());
    }
    let boundary = "----weftsimboundary";
    let mut body = Vec::new();
    for p in target["parameters"].as_array().expect("parameters") {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n",
                p["name"].as_str().unwrap(),
                p["value"].as_str().unwrap()
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, _, body) = post_raw(url, &[("content-type", &content_type)], body).await;
    (status, body)
}

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// A webhook receiver on loopback that fails the first `fail_first` requests with 500.
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub attempts: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts a receiver.
    pub async fn start(fail_first: u32) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/webhooks", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let attempts = Arc::new(AtomicU32::new(0));
        let (r, a) = (received.clone(), attempts.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (r, a) = (r.clone(), a.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (r, a) = (r.clone(), a.clone());
                        async move {
                            let headers = req.headers().clone();
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let n = a.fetch_add(1, Ordering::SeqCst);
                            let status = if n < fail_first { 500 } else { 200 };
                            if status == 200 {
                                r.lock().expect("lock").push(Received { headers, body });
                            }
                            let mut resp = hyper::Response::new(Full::new(Bytes::new()));
                            *resp.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        });
        Receiver { url, received, attempts, task }
    }

    /// Waits until at least `n` deliveries arrived (bounded wait), returning them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            {
                let got = self.received.lock().expect("lock");
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.received.lock().expect("lock").clone()
    }
}

/// Subscribes `uri` to `topic` over GraphQL.
pub async fn subscribe(sim: &SimHandle, topic: &str, uri: &str) {
    let d = data(
        sim,
        "mutation($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!){ webhookSubscriptionCreate(topic:$t, webhookSubscription:$s){ webhookSubscription{ id } userErrors{ message } } }",
        json!({"t": topic, "s": {"uri": uri, "format": "JSON"}}),
    )
    .await;
    assert_eq!(d["webhookSubscriptionCreate"]["userErrors"], json!([]), "{d}");
}
