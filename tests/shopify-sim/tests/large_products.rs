//! Products with more than 100 variants (up to Shopify's 2,048): written in one productSet (its
//! input complexity cost charged), read in full through nested variant paging.

mod common;

use common::*;
use serde_json::{json, Value as Json};

const SET: &str = "mutation($i: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(input: $i, identifier: $id) { product { id variantsCount { count } } userErrors { field message code } } }";
const PAGE: &str = "query($id: ID!, $after: String) { product(id: $id) { variants(first: 250, after: $after) { nodes { id sku price } pageInfo { hasNextPage endCursor } } } }";

fn variants(n: usize, price: &str) -> Vec<Json> {
    (0..n).map(|i| json!({"optionValues": [{"optionName": "Size", "name": format!("S{i:04}")}], "sku": format!("BIG-{i:04}"), "price": price})).collect()
}

/// Every variant of a product, page by page; returns (variants, pages, costs charged).
async fn all_variants(sim: &shopify_sim::SimHandle, id: &Json) -> (Vec<Json>, usize, Vec<Json>) {
    let (mut out, mut pages, mut costs, mut after) = (Vec::new(), 0, Vec::new(), Json::Null);
    loop {
        let (_, body) = gql(sim, PAGE, json!({"id": id, "after": after})).await;
        let page = &body["data"]["product"]["variants"];
        out.extend(page["nodes"].as_array().unwrap_or_else(|| panic!("a page of variants: {body}")).iter().cloned());
        costs.push(body["extensions"]["cost"].clone());
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            return (out, pages, costs);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_product_with_300_variants_round_trips() {
    let sim = start().await;
    let (_, body) =
        gql(&sim, SET, json!({"i": {"title": "Big", "variants": variants(300, "5.00")}, "id": {"handle": "big"}}))
            .await;
    let payload = &body["data"]["productSet"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["product"]["variantsCount"]["count"], 300);
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 70, "10 + 0.2 per variant");
    let id = payload["product"]["id"].clone();

    let (read, pages, costs) = all_variants(&sim, &id).await;
    assert_eq!(pages, 2);
    assert_eq!(read.len(), 300);
    assert_eq!(
        read.iter().map(|v| v["sku"].as_str().unwrap().to_string()).collect::<Vec<_>>(),
        (0..300).map(|i| format!("BIG-{i:04}")).collect::<Vec<_>>()
    );
    assert_eq!(costs[0]["requestedQueryCost"], 253, "1 for the product + 2 + 250 variants");
    assert_eq!(costs[0]["actualQueryCost"], 253);
    assert_eq!(costs[1]["actualQueryCost"], 1 + 2 + 50);

    // Writing it again in full updates the same variants in place.
    let (_, body) =
        gql(&sim, SET, json!({"i": {"title": "Big", "variants": variants(300, "6.00")}, "id": {"handle": "big"}}))
            .await;
    assert_eq!(body["data"]["productSet"]["userErrors"], json!([]));
    let (again, _, _) = all_variants(&sim, &id).await;
    assert_eq!(again.iter().map(|v| &v["id"]).collect::<Vec<_>>(), read.iter().map(|v| &v["id"]).collect::<Vec<_>>());
    assert!(again.iter().all(|v| v["price"] == "6.00"));
}

#[tokio::test]
async fn shopifys_2048_variant_limit_is_the_input_limit() {
    let sim = start().await;
    // Nine pages of 253 points exceed a Standard bucket.
    sim.set_plan(shopify_sim::Plan::PLUS);
    sim.set_bucket_available(20_000.0);
    let (_, body) =
        gql(&sim, SET, json!({"i": {"title": "Huge", "variants": variants(2048, "1.00")}, "id": {"handle": "huge"}}))
            .await;
    assert_eq!(body["data"]["productSet"]["product"]["variantsCount"]["count"], 2048, "{}", body["errors"]);
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 420, "10 + 0.2 × 2048, rounded up");
    let (read, pages, _) = all_variants(&sim, &body["data"]["productSet"]["product"]["id"]).await;
    assert_eq!((read.len(), pages), (2048, 9));

    let (_, body) = gql(&sim, SET, json!({"i": {"title": "Too big", "variants": variants(2049, "1.00")}})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_INPUT_SIZE_EXCEEDED", "{}", body["errors"]);
    assert_eq!(
        body["errors"][0]["message"],
        "The input array size of 2049 is greater than the maximum allowed of 2048."
    );
}
