//! Files and media: staged originals become files and product media (alt text and order kept,
//! variant media), an unchanged image is referenced by id instead of uploaded again (counted),
//! a changed one replaces it; media mutations and file errors as Shopify reports them.

mod common;

use common::*;
use serde_json::{json, Value as Json};

const SET: &str = "mutation($i: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(input: $i, identifier: $id) { product { id } userErrors { field message code } } }";
const MEDIA: &str = "query($id: ID!) { product(id: $id) { mediaCount { count } featuredMedia { alt }
  media(first: 10) { nodes { id alt mediaContentType status ... on MediaImage { image { url altText } originalSource { fileSize } } } }
  variants(first: 5) { nodes { sku media(first: 2) { nodes { id } } } } } }";

/// Stages and uploads an image; returns its resourceUrl.
async fn staged_image(sim: &shopify_sim::SimHandle, filename: &str, bytes: &[u8]) -> String {
    let target = stage(sim, "IMAGE", filename, "image/png", "PUT").await;
    assert_eq!(upload(&target, bytes).await.0, 200);
    target["resourceUrl"].as_str().unwrap().to_string()
}

fn shirt(files: Json, variant_file: Json) -> Json {
    json!({"title": "Photo shirt", "files": files, "variants": [
        {"optionValues": [{"optionName": "Color", "name": "Red"}], "sku": "PH-RED", "price": "10.00", "file": variant_file},
        {"optionValues": [{"optionName": "Color", "name": "Blue"}], "sku": "PH-BLUE", "price": "10.00"}]})
}

#[tokio::test]
async fn a_staged_image_becomes_a_file_served_back() {
    let sim = start().await;
    let source = staged_image(&sim, "logo.png", b"\x89PNG logo").await;
    let d = data(&sim, "mutation($f: [FileCreateInput!]!) { fileCreate(files: $f) { files { id alt fileStatus ... on MediaImage { image { url } } } userErrors { field message code } } }", json!({"f": [{"originalSource": source, "alt": "Logo", "contentType": "IMAGE"}]})).await;
    let file = &d["fileCreate"]["files"][0];
    assert_eq!(file["fileStatus"], "READY", "{d}");
    assert_eq!(file["alt"], "Logo");
    let (status, bytes) = get(file["image"]["url"].as_str().unwrap()).await;
    assert_eq!((status, &bytes[..]), (200, &b"\x89PNG logo"[..]));
    let listed = data(&sim, "{ files(first: 5, query: \"filename:logo.png\") { nodes { id } } }", json!({})).await;
    assert_eq!(listed["files"]["nodes"][0]["id"], file["id"]);
    assert_eq!(sim.counters().staged_uploads, 1);
}

#[tokio::test]
async fn product_set_files_keep_alt_and_order_and_an_unchanged_image_is_not_uploaded_again() {
    let sim = start().await;
    let front = staged_image(&sim, "front.png", b"front v1").await;
    let back = staged_image(&sim, "back.png", b"back v1").await;
    let files = json!([{"originalSource": front, "alt": "Front", "contentType": "IMAGE"}, {"originalSource": back, "alt": "Back", "contentType": "IMAGE"}]);
    let (_, body) =
        gql(&sim, SET, json!({"i": shirt(files, json!({"originalSource": back})), "id": {"handle": "photo-shirt"}}))
            .await;
    assert_eq!(body["data"]["productSet"]["userErrors"], json!([]), "{body}");
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 15, "10 + 1.9 per file + 0.2 per variant, rounded up");
    let product = body["data"]["productSet"]["product"]["id"].clone();
    let p = data(&sim, MEDIA, json!({"id": product})).await["product"].clone();
    assert_eq!(p["mediaCount"]["count"], 2);
    assert_eq!(p["featuredMedia"]["alt"], "Front");
    let media = p["media"]["nodes"].as_array().unwrap().clone();
    assert_eq!(media.iter().map(|m| m["alt"].as_str().unwrap()).collect::<Vec<_>>(), ["Front", "Back"]);
    assert_eq!(media[0]["mediaContentType"], "IMAGE");
    assert_eq!(media[0]["image"]["altText"], "Front");
    assert_eq!(media[1]["originalSource"]["fileSize"], 7);
    assert_eq!(
        p["variants"]["nodes"][0]["media"]["nodes"],
        json!([{"id": media[1]["id"]}]),
        "the red variant shows the back image"
    );
    assert_eq!(sim.counters().staged_uploads, 2);

    // The next sync: both images unchanged (referenced by id, order swapped, alt edited): nothing uploaded.
    let files = json!([{"id": media[1]["id"], "alt": "Back side"}, {"id": media[0]["id"]}]);
    data(&sim, SET, json!({"i": shirt(files, json!({"id": media[1]["id"]})), "id": {"handle": "photo-shirt"}})).await;
    let again = data(&sim, MEDIA, json!({"id": product})).await["product"]["media"]["nodes"].clone();
    assert_eq!(
        again.as_array().unwrap().iter().map(|m| (m["id"].clone(), m["alt"].clone())).collect::<Vec<_>>(),
        [(media[1]["id"].clone(), json!("Back side")), (media[0]["id"].clone(), json!("Front"))]
    );
    assert_eq!(sim.counters().staged_uploads, 2, "no upload for unchanged images");

    // A changed front image is uploaded and replaces the old one; the back stays.
    let front2 = staged_image(&sim, "front.png", b"front v2").await;
    let files = json!([{"originalSource": front2, "alt": "Front", "contentType": "IMAGE"}, {"id": media[1]["id"]}]);
    data(&sim, SET, json!({"i": shirt(files, Json::Null), "id": {"handle": "photo-shirt"}})).await;
    let replaced = data(&sim, MEDIA, json!({"id": product})).await["product"]["media"]["nodes"].clone();
    assert_eq!(replaced.as_array().unwrap().len(), 2);
    assert_ne!(replaced[0]["id"], media[0]["id"]);
    assert_eq!(replaced[1]["id"], media[1]["id"]);
    assert_eq!(get(replaced[0]["image"]["url"].as_str().unwrap()).await.1.as_ref(), b"front v2");
    assert_eq!(sim.counters().staged_uploads, 3);
}

#[tokio::test]
async fn media_mutations_add_reorder_attach_and_delete() {
    let sim = start().await;
    let product = data(&sim, "{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } }", json!({}))
        .await["products"]["nodes"][0]
        .clone();
    let (pid, vid) = (product["id"].clone(), product["variants"]["nodes"][0]["id"].clone());
    let a = staged_image(&sim, "a.png", b"a").await;
    let b = staged_image(&sim, "b.png", b"b").await;
    let create = "mutation($p: ID!, $m: [CreateMediaInput!]!) { productCreateMedia(productId: $p, media: $m) { media { id alt } mediaUserErrors { field code } } }";
    let d = data(&sim, create, json!({"p": pid, "m": [{"originalSource": a, "alt": "A", "mediaContentType": "IMAGE"}, {"originalSource": b, "alt": "B", "mediaContentType": "IMAGE"}]})).await;
    let ids: Vec<Json> = d["productCreateMedia"]["media"].as_array().unwrap().iter().map(|m| m["id"].clone()).collect();
    assert_eq!(ids.len(), 2);
    let reorder = "mutation($p: ID!, $m: [MoveInput!]!) { productReorderMedia(id: $p, moves: $m) { job { done } mediaUserErrors { code } } }";
    data(&sim, reorder, json!({"p": pid, "m": [{"id": ids[1], "newPosition": "0"}]})).await;
    let order =
        data(&sim, "query($id: ID!) { product(id: $id) { media(first: 5) { nodes { alt } } } }", json!({"id": pid}))
            .await;
    assert_eq!(order["product"]["media"]["nodes"], json!([{"alt": "B"}, {"alt": "A"}]));
    let append = "mutation($p: ID!, $v: [ProductVariantAppendMediaInput!]!) { productVariantAppendMedia(productId: $p, variantMedia: $v) { productVariants { id } userErrors { field code } } }";
    assert_eq!(
        data(&sim, append, json!({"p": pid, "v": [{"variantId": vid, "mediaIds": [ids[0]]}]})).await
            ["productVariantAppendMedia"]["userErrors"],
        json!([])
    );
    assert_eq!(
        data(&sim, append, json!({"p": pid, "v": [{"variantId": vid, "mediaIds": [ids[1]]}]})).await
            ["productVariantAppendMedia"]["userErrors"][0]["code"],
        "PRODUCT_VARIANT_ALREADY_HAS_MEDIA"
    );
    let detach = "mutation($p: ID!, $v: [ProductVariantDetachMediaInput!]!) { productVariantDetachMedia(productId: $p, variantMedia: $v) { userErrors { code } } }";
    assert_eq!(
        data(&sim, detach, json!({"p": pid, "v": [{"variantId": vid, "mediaIds": [ids[1]]}]})).await
            ["productVariantDetachMedia"]["userErrors"][0]["code"],
        "MEDIA_IS_NOT_ATTACHED_TO_VARIANT"
    );
    assert_eq!(
        data(&sim, detach, json!({"p": pid, "v": [{"variantId": vid, "mediaIds": [ids[0]]}]})).await
            ["productVariantDetachMedia"]["userErrors"],
        json!([])
    );
    let delete = "mutation($p: ID!, $m: [ID!]!) { productDeleteMedia(productId: $p, mediaIds: $m) { deletedMediaIds mediaUserErrors { code } } }";
    assert_eq!(
        data(&sim, delete, json!({"p": pid, "m": [ids[0]]})).await["productDeleteMedia"]["deletedMediaIds"],
        json!([ids[0]])
    );
    assert_eq!(
        data(&sim, delete, json!({"p": pid, "m": [ids[0]]})).await["productDeleteMedia"]["mediaUserErrors"][0]["code"],
        "MEDIA_DOES_NOT_EXIST"
    );
    let left =
        data(&sim, "query($id: ID!) { product(id: $id) { media(first: 5) { nodes { id } } } }", json!({"id": pid}))
            .await;
    assert_eq!(left["product"]["media"]["nodes"], json!([{"id": ids[1]}]));
}

#[tokio::test]
async fn files_are_attached_by_reference_renamed_and_deleted() {
    let sim = start().await;
    let product =
        data(&sim, "{ products(first: 1) { nodes { id } } }", json!({})).await["products"]["nodes"][0]["id"].clone();
    let source = staged_image(&sim, "spec.png", b"spec").await;
    let create = "mutation($f: [FileCreateInput!]!) { fileCreate(files: $f) { files { id ... on MediaImage { image { url } } } userErrors { field message code } } }";
    let id =
        data(&sim, create, json!({"f": [{"originalSource": source}]})).await["fileCreate"]["files"][0]["id"].clone();
    let update = "mutation($f: [FileUpdateInput!]!) { fileUpdate(files: $f) { files { id alt } userErrors { field message code } } }";
    let d = data(&sim, update, json!({"f": [{"id": id, "alt": "Spec sheet", "referencesToAdd": [product]}]})).await;
    assert_eq!(d["fileUpdate"]["files"], json!([{"id": id, "alt": "Spec sheet"}]));
    let media = "query($id: ID!) { product(id: $id) { media(first: 5) { nodes { id } } } }";
    assert_eq!(data(&sim, media, json!({"id": product})).await["product"]["media"]["nodes"], json!([{"id": id}]));
    let d = data(&sim, update, json!({"f": [{"id": id, "filename": "spec.jpg"}]})).await;
    assert_eq!(d["fileUpdate"]["userErrors"][0]["code"], "INVALID_FILENAME_EXTENSION");
    let d = data(
        &sim,
        "mutation($ids: [ID!]!) { fileDelete(fileIds: $ids) { deletedFileIds userErrors { code } } }",
        json!({"ids": [id]}),
    )
    .await;
    assert_eq!(d["fileDelete"]["deletedFileIds"], json!([id]));
    assert_eq!(
        data(&sim, media, json!({"id": product})).await["product"]["media"]["nodes"],
        json!([]),
        "a deleted file leaves the product"
    );
    let d = data(
        &sim,
        "mutation($ids: [ID!]!) { fileDelete(fileIds: $ids) { deletedFileIds userErrors { code } } }",
        json!({"ids": [id]}),
    )
    .await;
    assert_eq!(d["fileDelete"]["userErrors"][0]["code"], "FILE_DOES_NOT_EXIST");
}

#[tokio::test]
async fn file_inputs_are_checked_like_shopify() {
    let sim = start().await;
    let create = "mutation($f: [FileCreateInput!]!) { fileCreate(files: $f) { files { id fileStatus fileErrors { code } ... on MediaImage { image { url } } ... on GenericFile { url } } userErrors { field message code } } }";
    let first = |d: &Json| d["fileCreate"]["userErrors"][0]["code"].clone();
    assert_eq!(
        first(&data(&sim, create, json!({"f": [{"originalSource": "not a url"}]})).await),
        "INVALID_IMAGE_SOURCE_URL"
    );
    assert_eq!(
        first(
            &data(
                &sim,
                create,
                json!({"f": [{"originalSource": "https://cdn.example.com/a.png", "alt": "x".repeat(513)}]})
            )
            .await
        ),
        "ALT_VALUE_LIMIT_EXCEEDED"
    );
    // A staged target whose upload never happened yields a FAILED file.
    let target = stage(&sim, "IMAGE", "lost.png", "image/png", "POST").await;
    let d = data(&sim, create, json!({"f": [{"originalSource": target["resourceUrl"]}]})).await;
    assert_eq!(d["fileCreate"]["files"][0]["fileStatus"], "FAILED");
    assert_eq!(d["fileCreate"]["files"][0]["fileErrors"], json!([{"code": "IMAGE_DOWNLOAD_FAILURE"}]));
    assert_eq!(d["fileCreate"]["files"][0]["image"], Json::Null);
    // Taken filenames get a suffix, or are refused on request; a PDF is a GenericFile.
    let pdf = stage(&sim, "FILE", "manual.pdf", "application/pdf", "POST").await;
    assert_eq!(upload(&pdf, b"%PDF").await.0, 201);
    let d = data(&sim, create, json!({"f": [{"originalSource": pdf["resourceUrl"]}]})).await;
    assert_eq!(get(d["fileCreate"]["files"][0]["url"].as_str().unwrap()).await.1.as_ref(), b"%PDF");
    let d = data(
        &sim,
        create,
        json!({"f": [{"originalSource": pdf["resourceUrl"], "duplicateResolutionMode": "RAISE_ERROR"}]}),
    )
    .await;
    assert_eq!(first(&d), "FILENAME_ALREADY_EXISTS");
    data(&sim, create, json!({"f": [{"originalSource": pdf["resourceUrl"]}]})).await;
    let names: Vec<String> = data(&sim, "{ files(first: 10, query: \"media_type:GENERIC_FILE\", sortKey: FILENAME) { nodes { ... on GenericFile { url } } } }", json!({})).await["files"]["nodes"]
        .as_array().unwrap().iter().map(|n| n["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()).collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"manual.pdf".to_string())
            && names.iter().any(|n| n.starts_with("manual_") && n.ends_with(".pdf")),
        "{names:?}"
    );
}
