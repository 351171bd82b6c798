//! The `shopify-sim` binary: CLI flags, seed file, and the HTTP control API under /_sim/.

mod common;

use common::{get, post_raw};
use serde_json::{json, Value as Json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn control(base: &str, path: &str, body: Json) -> (u16, Json) {
    let (status, _, bytes) =
        post_raw(&format!("{base}{path}"), &[("content-type", "application/json")], body.to_string().into_bytes())
            .await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Json::Null))
}

#[tokio::test]
async fn the_binary_serves_a_seeded_shop_with_its_control_api() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, json!({"locations": [{"name": "Main"}], "products": [{"title": "Lamp", "variants": [{"sku": "LAMP", "inventory": {"Main": 4}}]}]}).to_string()).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--plan",
            "plus",
            "--token",
            "shpat_cli",
            "--webhook-secret",
            "s3cret",
            "--seed",
        ])
        .arg(&seed_path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.split_whitespace().nth(3).expect("listening line names the address").to_string();

    let query = json!({"query": "{ products(first: 5) { nodes { title } } }"}).to_string().into_bytes();
    let url = format!("{base}/admin/api/2026-04/graphql.json");
    let (status, _, body) =
        post_raw(&url, &[("content-type", "application/json"), ("x-shopify-access-token", "shpat_cli")], query.clone())
            .await;
    assert_eq!(status, 200);
    let body: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["data"]["products"]["nodes"], json!([{"title": "Lamp"}]));
    assert_eq!(body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"], 20000.0, "--plan plus");

    let (status, _) =
        control(&base, "/_sim/orders", json!({"email": "x@example.com", "lines": [{"sku": "LAMP", "quantity": 1}]}))
            .await;
    assert_eq!(status, 200);
    let (_, state) = get(&format!("{base}/_sim/state")).await;
    let state: Json = serde_json::from_slice(&state).unwrap();
    assert_eq!(state["orders"].as_object().unwrap().len(), 1);
    assert_eq!(state["levels"][0]["quantities"]["available"], 3);

    assert_eq!(control(&base, "/_sim/faults", json!({"kind": "status", "status": 503, "count": 1})).await.0, 200);
    assert_eq!(
        post_raw(&url, &[("content-type", "application/json"), ("x-shopify-access-token", "shpat_cli")], query.clone())
            .await
            .0,
        503
    );
    let (_, counters) = get(&format!("{base}/_sim/counters")).await;
    let counters: Json = serde_json::from_slice(&counters).unwrap();
    assert_eq!(counters["requests"], 2);
    assert_eq!(counters["faults_injected"], 1);

    assert_eq!(control(&base, "/_sim/plan", json!({"plan": "gold"})).await.0, 400, "unknown plans are refused");
    assert_eq!(control(&base, "/_sim/faults", json!({"kind": "meteor"})).await.0, 400);
    assert_eq!(control(&base, "/_sim/reset", json!({})).await.0, 200);
    let (_, state) = get(&format!("{base}/_sim/state")).await;
    let state: Json = serde_json::from_slice(&state).unwrap();
    assert_eq!(state["orders"], json!({}), "reset restores the seed");
}

#[tokio::test]
async fn the_binary_takes_the_shop_scopes_and_bulk_rate() {
    let child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--shop-domain",
            "north.myshopify.com",
            "--shop-currency",
            "EUR",
            "--access-scopes",
            "read_products,write_products",
        ])
        .args(["--bulk-mutation-lines-per-second", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.split_whitespace().nth(3).expect("listening line names the address").to_string();
    let query = json!({"query": "{ shop { myshopifyDomain currencyCode } currentAppInstallation { accessScopes { handle } } }"}).to_string().into_bytes();
    let (_, _, body) = post_raw(
        &format!("{base}/admin/api/2026-04/graphql.json"),
        &[("content-type", "application/json"), ("x-shopify-access-token", "shpat_simulator_token")],
        query,
    )
    .await;
    let body: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["data"]["shop"], json!({"myshopifyDomain": "north.myshopify.com", "currencyCode": "EUR"}));
    assert_eq!(
        body["data"]["currentAppInstallation"]["accessScopes"],
        json!([{"handle": "read_products"}, {"handle": "write_products"}])
    );
    let (_, rate) = get(&format!("{base}/_sim/bulk/rate")).await;
    assert_eq!(serde_json::from_slice::<Json>(&rate).unwrap()["lines_per_second"], 5.0);
}

#[test]
fn a_bad_seed_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("bad.json");
    std::fs::write(
        &seed_path,
        r#"{"products": [{"title": "x", "variants": [{"sku": "A", "inventory": {"Nowhere": 1}}]}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown location \"Nowhere\""), "{err}");
}
