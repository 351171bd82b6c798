//! Manual collections: create (with products), add and remove products, read both ways
//! (collection.products, product.collections), update, delete; smart collections refused.

mod common;

use common::*;
use serde_json::{json, Value as Json};

const CREATE: &str = "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id title handle productsCount { count } } userErrors { field message } } }";
const READ: &str = "query($id: ID!, $p: ID!) { collection(id: $id) { title handle sortOrder productsCount { count } hasProduct(id: $p) products(first: 10) { nodes { title } } } }";

async fn product_ids(sim: &shopify_sim::SimHandle) -> Vec<Json> {
    data(sim, "{ products(first: 10) { nodes { id } } }", json!({})).await["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect()
}

#[tokio::test]
async fn collections_follow_their_products_both_ways() {
    let sim = start().await;
    let p = product_ids(&sim).await; // Shirt, Mug, Cap
    let d = data(&sim, CREATE, json!({"i": {"title": "Summer Sale", "products": [p[1], p[0]]}})).await;
    let c = d["collectionCreate"]["collection"].clone();
    assert_eq!((c["handle"].as_str(), c["productsCount"]["count"].as_u64()), (Some("summer-sale"), Some(2)));
    let read = data(&sim, READ, json!({"id": c["id"], "p": p[2]})).await["collection"].clone();
    assert_eq!(read["products"]["nodes"], json!([{"title": "Mug"}, {"title": "Shirt"}]), "in the order added");
    assert_eq!(read["hasProduct"], false);

    let add = "mutation($id: ID!, $p: [ID!]!) { collectionAddProducts(id: $id, productIds: $p) { collection { productsCount { count } } userErrors { field message } } }";
    let d = data(&sim, add, json!({"id": c["id"], "p": [p[2], p[1]]})).await;
    assert_eq!(
        d["collectionAddProducts"]["collection"]["productsCount"]["count"], 3,
        "a member added twice stays once"
    );
    let remove = "mutation($id: ID!, $p: [ID!]!) { collectionRemoveProducts(id: $id, productIds: $p) { job { done } userErrors { message } } }";
    assert_eq!(
        data(&sim, remove, json!({"id": c["id"], "p": [p[0]]})).await["collectionRemoveProducts"]["job"]["done"],
        true
    );

    let q = "query($p: ID!, $c: ID!) { product(id: $p) { collections(first: 5) { nodes { handle } } inCollection(id: $c) } }";
    assert_eq!(
        data(&sim, q, json!({"p": p[2], "c": c["id"]})).await["product"],
        json!({"collections": {"nodes": [{"handle": "summer-sale"}]}, "inCollection": true})
    );
    assert_eq!(data(&sim, q, json!({"p": p[0], "c": c["id"]})).await["product"]["inCollection"], false);

    // A deleted product leaves its collections.
    data(&sim, "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId } }", json!({"id": p[1]}))
        .await;
    let read = data(&sim, READ, json!({"id": c["id"], "p": p[2]})).await["collection"].clone();
    assert_eq!(read["products"]["nodes"], json!([{"title": "Cap"}]));
}

#[tokio::test]
async fn collections_are_listed_updated_and_deleted() {
    let sim = start().await;
    let first = data(&sim, CREATE, json!({"i": {"title": "Summer"}})).await["collectionCreate"]["collection"].clone();
    let second = data(&sim, CREATE, json!({"i": {"title": "Summer"}})).await["collectionCreate"]["collection"].clone();
    assert_eq!((first["handle"].as_str(), second["handle"].as_str()), (Some("summer"), Some("summer-1")));
    let taken = data(&sim, CREATE, json!({"i": {"title": "Other", "handle": "summer"}})).await;
    assert_eq!(
        taken["collectionCreate"]["userErrors"],
        json!([{"field": ["handle"], "message": "Handle has already been taken"}])
    );
    assert_eq!(
        data(&sim, CREATE, json!({"i": {"title": " "}})).await["collectionCreate"]["userErrors"][0]["message"],
        "Title can't be blank"
    );
    let smart = data(&sim, CREATE, json!({"i": {"title": "Smart", "ruleSet": {"appliedDisjunctively": false, "rules": [{"column": "TAG", "relation": "EQUALS", "condition": "x"}]}}})).await;
    assert_eq!(smart["collectionCreate"]["userErrors"][0]["field"], json!(["ruleSet"]));

    let list = data(&sim, "{ collections(first: 5, query: \"handle:summer-1\") { nodes { id } } all: collections(first: 5, sortKey: TITLE) { nodes { handle } } }", json!({})).await;
    assert_eq!(list["collections"]["nodes"], json!([{"id": second["id"]}]));
    assert_eq!(list["all"]["nodes"].as_array().unwrap().len(), 2);
    let by_handle = data(&sim, "{ collectionByIdentifier(identifier: {handle: \"summer\"}) { id } }", json!({})).await;
    assert_eq!(by_handle["collectionByIdentifier"]["id"], first["id"]);

    let update = "mutation($i: CollectionInput!) { collectionUpdate(input: $i) { collection { title handle sortOrder } userErrors { field message } } }";
    let d = data(
        &sim,
        update,
        json!({"i": {"id": second["id"], "title": "Winter", "handle": "winter", "sortOrder": "MANUAL"}}),
    )
    .await;
    assert_eq!(
        d["collectionUpdate"]["collection"],
        json!({"title": "Winter", "handle": "winter", "sortOrder": "MANUAL"})
    );
    let delete = "mutation($id: ID!) { collectionDelete(input: {id: $id}) { deletedCollectionId shop { myshopifyDomain } userErrors { message } } }";
    let d = data(&sim, delete, json!({"id": second["id"]})).await;
    assert_eq!(d["collectionDelete"]["deletedCollectionId"], second["id"]);
    assert_eq!(d["collectionDelete"]["shop"]["myshopifyDomain"], "weft-sim.myshopify.com");
    assert_eq!(
        data(&sim, delete, json!({"id": second["id"]})).await["collectionDelete"]["userErrors"][0]["message"],
        "Collection does not exist"
    );
    assert_eq!(
        data(&sim, "query($id: ID!) { collection(id: $id) { id } }", json!({"id": second["id"]})).await["collection"],
        Json::Null
    );
}
