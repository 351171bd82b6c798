//! Staged uploads on loopback: targets shaped like Shopify's, a bucket endpoint that accepts the
//! multipart POST (bulk variables) or the signed PUT (images), checks what the bucket checks, caps
//! sizes, and counts what it received.

mod common;

use common::*;
use serde_json::{json, Value as Json};

#[tokio::test]
async fn a_post_target_takes_the_bulk_variables_file() {
    let sim = start().await;
    let target = stage(&sim, "BULK_MUTATION_VARIABLES", "vars.jsonl", "text/jsonl", "POST").await;
    let bucket = format!("{}/staged-uploads/", sim.base_url());
    assert_eq!(target["url"], bucket.as_str());
    assert_eq!(target["resourceUrl"], bucket.as_str());
    let names: Vec<&str> =
        target["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Content-Type",
            "success_action_status",
            "acl",
            "key",
            "x-goog-date",
            "x-goog-credential",
            "x-goog-algorithm",
            "x-goog-signature",
            "policy"
        ]
    );
    assert_eq!(target_param(&target, "Content-Type"), "text/jsonl");
    let key = target_param(&target, "key");
    let shop_id = data(&sim, "{ shop { id } }", json!({})).await["shop"]["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert!(key.starts_with(&format!("tmp/{shop_id}/bulk/")) && key.ends_with("/vars.jsonl"), "{key}");
    assert_eq!(sim.counters().staged_uploads, 0);

    let file = b"{\"input\":{\"title\":\"A\"}}\n{\"input\":{\"title\":\"B\"}}\n";
    let (status, body) = upload(&target, file).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let xml = String::from_utf8_lossy(&body);
    assert!(xml.contains(&format!("<Key>{key}</Key>")) && xml.contains("<PostResponse>"), "{xml}");
    let counters = sim.counters();
    assert_eq!((counters.staged_uploads, counters.staged_upload_bytes), (1, file.len() as u64));
    let stored = &sim.state()["uploads"][&key];
    assert_eq!(stored["size"], file.len());
    assert_eq!(stored["resource"], "BULK_MUTATION_VARIABLES");
    assert_eq!(stored["sha256"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn a_put_target_takes_an_image_with_the_signed_content_type() {
    let sim = start().await;
    let d = data(&sim, "mutation { stagedUploadsCreate(input: [{resource: IMAGE, filename: \"shirt.png\", mimeType: \"image/png\"}]) { stagedTargets { url resourceUrl parameters { name value } } } }", json!({})).await;
    let target = d["stagedUploadsCreate"]["stagedTargets"][0].clone();
    let url = target["url"].as_str().unwrap();
    assert!(
        url.contains("X-Goog-Signature=") && url.contains("X-Goog-SignedHeaders=content-type%3Bhost"),
        "PUT is the default method: {url}"
    );
    assert!(target["resourceUrl"].as_str().unwrap().ends_with("/shirt.png"));
    assert_eq!(
        target["parameters"],
        json!([{"name": "content_type", "value": "image/png"}, {"name": "acl", "value": "private"}])
    );

    let mut wrong_type = target.clone();
    wrong_type["parameters"][0]["value"] = json!("image/jpeg");
    assert_eq!(upload(&wrong_type, b"\x89PNG").await.0, 403);
    let mut tampered = target.clone();
    tampered["url"] = json!(url.replace("X-Goog-Signature=", "X-Goog-Signature=00"));
    assert_eq!(upload(&tampered, b"\x89PNG").await.0, 403);
    assert_eq!(upload(&target, b"\x89PNG").await.0, 200);
    assert_eq!(sim.counters().staged_uploads, 1);
}

#[tokio::test]
async fn the_bucket_refuses_unknown_tampered_and_oversized_uploads() {
    let sim = start().await;
    let target = stage(&sim, "IMAGE", "big.png", "image/png", "POST").await;
    let mut forged = target.clone();
    for p in forged["parameters"].as_array_mut().unwrap() {
        if p["name"] == "key" {
            p["value"] = json!("tmp/1/products/forged/big.png");
        }
    }
    let (status, body) = upload(&forged, b"x").await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("SignatureDoesNotMatch"));
    let too_big = vec![0u8; 20 * 1024 * 1024 + 1];
    let (status, body) = upload(&target, &too_big).await;
    assert_eq!(status, 400, "images are capped at 20 MB");
    assert!(String::from_utf8_lossy(&body).contains("EntityTooLarge"));
    let (status, _) = upload(&target, b"").await;
    assert_eq!(status, 400, "the policy's range starts at 1 byte");
    assert_eq!(sim.counters().staged_uploads, 0);
    let (status, _, _) = post_raw(
        &format!("{}/staged-uploads/", sim.base_url()),
        &[("content-type", "text/plain")],
        b"not a form".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unsupported_resources_and_blank_names_are_user_errors_and_cost_a_mutation() {
    let sim = start().await;
    let (_, body) = gql(&sim, "mutation { stagedUploadsCreate(input: [{resource: IMAGE, filename: \"a.png\", mimeType: \"image/png\"}, {resource: VIDEO, filename: \"v.mp4\", mimeType: \"video/mp4\", fileSize: \"10\"}]) { stagedTargets { url } userErrors { field message } } }", json!({})).await;
    let payload = &body["data"]["stagedUploadsCreate"];
    assert_eq!(payload["stagedTargets"], Json::Null);
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "1", "resource"]));
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 10);
    let (_, body) = gql(&sim, "mutation { stagedUploadsCreate(input: [{resource: FILE, filename: \" \", mimeType: \"text/plain\"}]) { userErrors { field message } } }", json!({})).await;
    assert_eq!(body["data"]["stagedUploadsCreate"]["userErrors"][0]["field"], json!(["input", "0", "filename"]));
    assert!(sim.state()["uploads"].as_object().unwrap().is_empty(), "no target is created when one input is refused");
}
