//! Product and variant images from the ERP: the first sync uploads them, an unchanged image is
//! never uploaded again (counted: `ClientStats::media_uploads`, the simulator's staged uploads),
//! a changed one replaces the old, alt text and order follow the ERP, an image added by hand in
//! Shopify survives unless the flow gives media to the ERP, `file:` images come from the
//! connection's directory through staged uploads, and a bad image fails its record while the
//! product is still written.

use crate::catalog_writes::product;
use crate::shopify_common;

use serde_json::{json, Value};
use shopify_sim::SimHandle;
use weft::config::Config;
use weft::flow::Written;
use weft::model::{KeyedRecord, Media, PluginError, Record};
use weft::shopify::queries::Operation;
use weft::shopify::{Priority, ShopifyClient};
use weft::store::Store;

fn config(extra: &str, directory: Option<&std::path::Path>) -> Config {
    let dir = directory.map(|d| format!("directory = {:?}\n", d.display().to_string())).unwrap_or_default();
    let text = format!(
        "[connections.erp]\nplugin = \"file-feed\"\n{dir}[shopify]\nshop = \"weft-sim.myshopify.com\"\naccess_token = {{ env = \"UNUSED\" }}\nwebhook_secret = {{ env = \"UNUSED\" }}\n[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{extra}"
    );
    Config::parse(&text, std::path::Path::new("weft.toml")).expect("config")
}

fn image(source: &str, alt: &str, hash: Option<&str>) -> Media {
    Media { source: source.into(), alt: Some(alt.into()), content_hash: hash.map(str::to_owned) }
}

/// Tee T1 (SKUs TEE-S, TEE-M) with `media`, its M variant showing `variant`.
fn tee(media: Vec<Media>, variant: Option<Media>, title: &str) -> KeyedRecord {
    let mut keyed = product("T1", "TEE", &[("TEE-S", "S", "19.90"), ("TEE-M", "M", "19.90")], json!({}));
    if let Record::Product(p) = &mut keyed.record {
        p.title = title.into();
        p.media = media;
        p.variants[1].media = variant.into_iter().collect();
    }
    keyed.key = weft::flow::idempotency_key("products", &keyed.record);
    keyed
}

/// (first, second) pairs: (source, alt) of an image, or (SKU, source) of a variant's.
type Pairs = Vec<(String, String)>;

/// The product's media in the simulator: (original source, alt) in order; and the source of
/// each variant's media by SKU.
fn media(sim: &SimHandle) -> (Pairs, Pairs) {
    let state = sim.state();
    let product = shopify_common::all(&state, "products").into_iter().find(|p| p["handle"] == "tee").expect("tee");
    let file = |id: &Value| state["files"][id.to_string()].clone();
    let ids = state["product_media"][product["id"].to_string()].as_array().cloned().unwrap_or_default();
    let on_product = ids
        .iter()
        .map(|id| {
            let f = file(id);
            (f["original_source"].as_str().unwrap_or("").to_owned(), f["alt"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    let mut variants: Pairs = shopify_common::all(&state, "variants")
        .into_iter()
        .filter(|v| v["product_id"] == product["id"])
        .flat_map(|v| {
            let media = state["variant_media"][v["id"].to_string()].as_array().cloned().unwrap_or_default();
            let sku = v["sku"].as_str().unwrap_or("").to_owned();
            media.into_iter().map(move |m| (sku.clone(), file(&m)["original_source"].as_str().unwrap_or("").to_owned()))
        })
        .collect();
    variants.sort();
    (on_product, variants)
}

fn uploads(client: &ShopifyClient) -> u64 {
    client.stats().media_uploads
}

fn pair(source: &str, alt: &str) -> (String, String) {
    (source.to_owned(), alt.to_owned())
}

/// A merchant adds an image to the tee in Shopify's admin.
async fn add_by_hand(client: &ShopifyClient, product: &str) {
    let op = Operation {
        name: "ByHand",
        document: "mutation ByHand($id: ID!) { productCreateMedia(productId: $id, media: [{originalSource: \"https://images.test/lifestyle.jpg\", alt: \"By hand\", mediaContentType: IMAGE}]) { mediaUserErrors { message } } }",
        file: "inline",
    };
    let data = client.execute(&op, json!({"id": product}), Priority::Catalog).await.unwrap().data;
    assert_eq!(data["productCreateMedia"]["mediaUserErrors"], json!([]));
}

const A: &str = "https://images.test/tee-front.jpg";
const B: &str = "https://images.test/tee-back.jpg";
const M: &str = "https://images.test/tee-m.jpg";
const HAND: &str = "https://images.test/lifestyle.jpg";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_upload_once_a_changed_one_is_replaced_and_hand_added_ones_follow_ownership() {
    let sim = shopify_common::start(shopify_common::seed(0, 1)).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let shopify_owns = config("", None);
    let push = |config: &Config, record: &KeyedRecord| {
        tokio::task::block_in_place(|| {
            shopify_common::push_as(&client, &store, config, "products", std::slice::from_ref(record)).remove(0)
        })
    };
    let front = || image(A, "Front", None);
    let back = |hash: Option<&str>| image(B, "Back", hash);
    let variant = || Some(image(M, "Medium", None));

    // First sync: three images (two of the product, one of variant M), uploaded once each.
    let out = push(&shopify_owns, &tee(vec![front(), back(Some("b1"))], variant(), "Tee"));
    let Ok(Written::Created(id)) = out else { panic!("{out:?}") };
    assert_eq!(uploads(&client), 3);
    let (on_product, variants) = media(&sim);
    assert_eq!(on_product, [pair(A, "Front"), pair(B, "Back"), pair(M, "Medium")]);
    assert_eq!(variants, [pair("TEE-M", M)], "the variant shows its image");

    // Unchanged images cost nothing: the same record is unchanged, and a new title writes the
    // product again without sending any image.
    let out = push(&shopify_owns, &tee(vec![front(), back(Some("b1"))], variant(), "Tee"));
    assert!(matches!(out, Ok(Written::Unchanged(_))), "{out:?}");
    let out = push(&shopify_owns, &tee(vec![front(), back(Some("b1"))], variant(), "Tee 2"));
    assert!(matches!(out, Ok(Written::Updated(_))), "{out:?}");
    assert_eq!(uploads(&client), 3, "uploaded 0 on the second sync");
    assert_eq!(media(&sim).0.len(), 3);

    // A merchant adds a lifestyle picture; the back image changes (new content hash) and the alt
    // text of the front one: only the back image is uploaded, in its place; the merchant's stays.
    add_by_hand(&client, &id).await;
    let out = push(&shopify_owns, &tee(vec![image(A, "Front view", None), back(Some("b2"))], variant(), "Tee 2"));
    assert!(matches!(out, Ok(Written::Updated(_))), "{out:?}");
    assert_eq!(uploads(&client), 4, "only the changed image");
    let (on_product, variants) = media(&sim);
    assert_eq!(on_product, [pair(A, "Front view"), pair(B, "Back"), pair(M, "Medium"), pair(HAND, "By hand")]);
    assert_eq!(variants, [pair("TEE-M", M)]);
    let state = sim.state();
    let backs = state["files"].as_object().unwrap().values().filter(|f| f["original_source"] == B).count();
    let on = state["product_media"].as_object().unwrap().values().flat_map(|v| v.as_array().cloned().unwrap()).count();
    assert_eq!((backs, on), (1, 4), "the old back image is gone, replaced by the new one");

    // The ERP drops the back image: weft removes its own image, never the merchant's.
    let out = push(&shopify_owns, &tee(vec![image(A, "Front view", None)], variant(), "Tee 2"));
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(media(&sim).0, [pair(A, "Front view"), pair(M, "Medium"), pair(HAND, "By hand")]);

    // The ERP owns the media: its list is the product's, in its order (the merchant's image goes),
    // still without uploading an unchanged image again.
    let erp_owns = config("[flows.products.ownership]\nmedia = \"erp\"\n", None);
    let out = push(&erp_owns, &tee(vec![back(Some("b2")), image(A, "Front view", None)], variant(), "Tee 2"));
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(media(&sim).0, [pair(B, "Back"), pair(A, "Front view"), pair(M, "Medium")]);
    assert_eq!(uploads(&client), 5, "the back image again (weft had removed it), nothing else");
}

/// A product 1x1 PNG's bytes, variant `n`.
fn png(n: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[n; 16]);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_images_are_staged_from_the_directory_and_bad_images_fail_their_record_only() {
    let sim = shopify_common::start(shopify_common::seed(0, 1)).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let dir = tmp.path().join("exchange");
    std::fs::create_dir_all(dir.join("images")).unwrap();
    std::fs::write(dir.join("images/tee.png"), png(1)).unwrap();
    std::fs::write(tmp.path().join("secret.png"), png(9)).unwrap();
    let config = config("", Some(&dir));
    let push = |record: &KeyedRecord| {
        tokio::task::block_in_place(|| {
            shopify_common::push_as(&client, &store, &config, "products", std::slice::from_ref(record)).remove(0)
        })
    };
    let file = || image("file:images/tee.png", "Tee", None);
    let bad = vec![
        image("file:images/missing.png", "Missing", None),
        image("file:../secret.png", "Outside", None),
        image("http://images.test/plain.jpg", "Plain HTTP", None),
    ];

    // The file is staged and uploaded; the three bad images fail the record, naming each, but the
    // product and its good image are written.
    let out = push(&tee([vec![file()], bad.clone()].concat(), None, "Tee"));
    let Err(PluginError::InvalidInput(e)) = &out else { panic!("{out:?}") };
    assert_eq!(e.field, "media");
    for named in ["images/missing.png", "../secret.png", "http://images.test/plain.jpg", "product was written"] {
        assert!(e.message.contains(named), "{named}: {}", e.message);
    }
    assert!(
        weft::flow::catalog::linked(weft::store::ShopLinks::new(&store, None), "T1").unwrap().is_some(),
        "the product is written"
    );
    assert_eq!((uploads(&client), sim.counters().staged_uploads), (1, 1));
    let state = sim.state();
    let staged: Vec<&Value> = state["files"].as_object().unwrap().values().collect();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(png(1)));
    assert_eq!(staged.len(), 1);
    assert_eq!((staged[0]["sha256"].as_str(), staged[0]["alt"].as_str()), (Some(sha.as_str()), Some("Tee")));

    // Fixed in the ERP: the unchanged file is not uploaded again (hashed from its bytes).
    let out = push(&tee(vec![file()], None, "Tee"));
    assert!(matches!(out, Ok(Written::Updated(_))), "{out:?}");
    assert_eq!((uploads(&client), sim.counters().staged_uploads), (1, 1));

    // The file changes on disk: uploaded again, the old image replaced.
    std::fs::write(dir.join("images/tee.png"), png(2)).unwrap();
    let out = push(&tee(vec![file()], None, "Tee"));
    assert!(matches!(out, Ok(Written::Updated(_))), "{out:?}");
    assert_eq!((uploads(&client), sim.counters().staged_uploads), (2, 2));
    let (on_product, _) = media(&sim);
    assert_eq!(on_product.len(), 1);
    let sha2 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(png(2)));
    let state = sim.state();
    let now: Vec<&str> = state["files"].as_object().unwrap().values().filter_map(|f| f["sha256"].as_str()).collect();
    assert!(now.contains(&sha2.as_str()), "{now:?}");

    // Shopify refuses an image (alt text over its limit): the product is written without touching
    // its images, and the record fails naming the image.
    let refused = image("https://images.test/long.jpg", &"x".repeat(600), None);
    let out = push(&tee(vec![file(), refused], None, "Tee renamed"));
    let Err(PluginError::InvalidInput(e)) = &out else { panic!("{out:?}") };
    assert!(e.message.contains("https://images.test/long.jpg"), "{}", e.message);
    let state = sim.state();
    let title =
        shopify_common::all(&state, "products").into_iter().find(|p| p["handle"] == "tee").unwrap()["title"].clone();
    assert_eq!(title, "Tee renamed");
    assert_eq!(media(&sim).0.len(), 1, "its images untouched");
}
