//! Transport, validation errors, cost, throttling and pagination behave like Shopify's.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{Fault, FaultRule, Plan};

#[tokio::test]
async fn wrong_token_is_401_with_a_string_error() {
    let sim = start().await;
    let body = serde_json::to_vec(&json!({"query": "{ shop { name } }"})).unwrap();
    let (status, _, bytes) = post_raw(
        &sim.graphql_url(VERSION),
        &[("content-type", "application/json"), ("x-shopify-access-token", "nope")],
        body,
    )
    .await;
    assert_eq!(status, 401);
    let v: Json = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["errors"], "[API] Invalid API key or access token (unrecognized login or wrong password)");
    assert_eq!(sim.counters().requests, 0, "unauthenticated requests are not executed");
}

#[tokio::test]
async fn unknown_field_and_argument_are_rejected_like_shopify() {
    let sim = start().await;
    let (status, body) = gql(&sim, "{ products(first: 1) { nodes { id bogus } } }", json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("data").is_none(), "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["message"], "Field 'bogus' doesn't exist on type 'Product'");
    assert_eq!(e["extensions"]["code"], "undefinedField");
    assert_eq!(e["locations"][0]["line"], 1);

    let (_, body) = gql(&sim, "{ products(first: 1, color: RED) { nodes { id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["message"], "Field 'products' doesn't accept argument 'color'");
    assert_eq!(body["errors"][0]["extensions"]["code"], "argumentNotAccepted");

    let (_, body) = gql(&sim, "{ products(first: 1) { nodes { id }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().starts_with("syntax error, "), "{body}");
    assert!(body["extensions"]["cost"]["throttleStatus"].is_object());
}

#[tokio::test]
async fn every_response_carries_cost_and_the_plan_bucket() {
    let sim = start().await;
    let (_, body) = gql(
        &sim,
        "{ products(first: 10) { edges { node { title variants(first: 5) { edges { node { price } } } } } } }",
        json!({}),
    )
    .await;
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 82);
    // 3 products; Shirt has 3 variants, the others 1: 2 + (1+2+3) + (1+2+1) + (1+2+1)
    assert_eq!(cost["actualQueryCost"], 16);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 2000.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);
    let left = cost["throttleStatus"]["currentlyAvailable"].as_i64().unwrap();
    assert!((1984..=2000).contains(&left), "refund of requested - actual: {left}");
    assert_eq!(sim.counters().cost_spent, 16);
}

#[tokio::test]
async fn over_1000_is_max_cost_exceeded() {
    let sim = start().await;
    let (status, body) =
        gql(&sim, "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_COST_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["maxCost"], 1000);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("exceeds the single query max cost limit (1000)"));
}

#[tokio::test]
async fn an_empty_bucket_throttles_with_http_200() {
    let sim = start().await;
    sim.set_plan(Plan::STANDARD);
    sim.set_bucket_available(0.0);
    let (status, body) = gql(&sim, "{ products(first: 50) { nodes { id } } }", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "THROTTLED");
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], Json::Null);
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 52);
    assert_eq!(sim.counters().throttled, 1);
    // The bucket refills at 100 points per second.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let (_, body) = gql(&sim, "{ products(first: 50) { nodes { id } } }", json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn cursor_pagination_walks_every_product_once() {
    let sim = start().await;
    let mut after = Json::Null;
    let mut titles = Vec::new();
    loop {
        let d = data(&sim, "query($a: String){ products(first: 2, after: $a) { edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }", json!({"a": after})).await;
        let page = &d["products"];
        titles
            .extend(page["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap().to_string()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(titles, ["Shirt", "Mug", "Cap"]);
    let d = data(&sim, "{ products(last: 2) { nodes { title } pageInfo { hasPreviousPage } } }", json!({})).await;
    assert_eq!(d["products"]["nodes"], json!([{"title": "Mug"}, {"title": "Cap"}]));
    assert_eq!(d["products"]["pageInfo"]["hasPreviousPage"], true);
    let (_, body) = gql(&sim, "{ products(first: 2, after: \"garbage\") { nodes { id } } }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Invalid cursor"), "{body}");
}

#[tokio::test]
async fn query_filters_by_sku_and_updated_at() {
    let sim = start().await;
    let d = data(
        &sim,
        "{ productVariants(first: 5, query: \"sku:SHIRT-M\") { nodes { sku product { title } } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["productVariants"]["nodes"], json!([{"sku": "SHIRT-M", "product": {"title": "Shirt"}}]));
    let d = data(&sim, "{ products(first: 5, query: \"sku:MUG\") { nodes { title } } }", json!({})).await;
    assert_eq!(d["products"]["nodes"], json!([{"title": "Mug"}]));
    let d = data(
        &sim,
        "{ products(first: 5, query: \"updated_at:>'2000-01-01T00:00:00Z'\") { nodes { title } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["products"]["nodes"].as_array().unwrap().len(), 3);
    let d = data(
        &sim,
        "{ products(first: 5, query: \"updated_at:>'2999-01-01T00:00:00Z'\") { nodes { title } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["products"]["nodes"], json!([]));
}

#[tokio::test]
async fn injected_faults_answer_like_shopify_edges() {
    let sim = start().await;
    sim.inject(FaultRule::times(Fault::Status { status: 503 }, 2));
    sim.inject(FaultRule::times(Fault::BadGatewayHtml, 1));
    let body = serde_json::to_vec(&json!({"query": "{ shop { name } }"})).unwrap();
    let headers = [("content-type", "application/json"), ("x-shopify-access-token", sim.token())];
    let url = sim.graphql_url(VERSION);
    assert_eq!(post_raw(&url, &headers, body.clone()).await.0, 503);
    assert_eq!(post_raw(&url, &headers, body.clone()).await.0, 503);
    let (status, h, html) = post_raw(&url, &headers, body.clone()).await;
    assert_eq!(status, 502);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&html).contains("502 Bad Gateway"));
    assert_eq!(post_raw(&url, &headers, body).await.0, 200);
    assert_eq!(sim.counters().faults_injected, 3);
}

#[tokio::test]
async fn state_dump_lists_every_level() {
    let sim = start().await;
    let state = sim.state();
    assert_eq!(state["levels"].as_array().expect("levels serialize as a list").len(), 6);
    assert_eq!(state["products"].as_object().unwrap().len(), 3);
}
