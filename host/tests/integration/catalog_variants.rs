//! Products past Shopify's first page of variants: a product has up to 2,048, productSet answers
//! with 100 and a product read returns 250. A product with 300 variants is written, linked and
//! read back in full: every SKU's inventory item is known after the first write, and a second
//! write (a price changed past the 250th variant, a variant added) keeps the stock of every
//! variant Shopify already has.

use crate::shopify_common;

use serde_json::json;
use weft::flow::base::ITEM_LINK;
use weft::flow::idempotency_key;
use weft::model::*;
use weft::shopify::products::{product_by, ProductKey};
use weft::store::Store;

const SIZES: usize = 20;
const COLORS: usize = 15;

/// ERP product `BIG` with `n` variants over Size × Color; variant `i` is `BIG-{i:04}` at
/// `{10 + i}.00`.
fn big(n: usize, price_of: impl Fn(usize) -> String) -> KeyedRecord {
    let variants = (0..n)
        .map(|i| Variant {
            external_id: format!("BIG-{i:04}"),
            sku: Some(format!("BIG-{i:04}")),
            option_values: vec![format!("S{}", i / COLORS), format!("C{}", i % COLORS)],
            price: Some(Money { amount: price_of(i), currency: "USD".into() }),
            extra: "{}".into(),
            ..Variant::default()
        })
        .collect();
    let record = Record::Product(Product {
        external_id: "BIG".into(),
        title: "Big matrix".into(),
        options: vec!["Size".into(), "Color".into()],
        variants,
        extra: "{}".into(),
        ..Product::default()
    });
    KeyedRecord { key: idempotency_key("products", &record), record }
}

fn price(i: usize) -> String {
    format!("{}.00", 10 + i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_with_300_variants_round_trips() {
    let sim = shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()).await;
    let client = shopify_common::client(&sim);
    let main = shopify_common::location_gid(&sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = shopify_common::writer_config(&format!(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nlocations = {{ WH = \"{main}\" }}"
    ));
    let push = |flow: &str, records: &[KeyedRecord]| {
        tokio::task::block_in_place(|| shopify_common::push_as(&client, &store, &config, flow, records))
    };
    let all = SIZES * COLORS;
    assert_eq!(all, 300);

    // First write: the product with all 300 variants, and every SKU linked to its inventory item
    // (productSet's answer holds the first 100; the rest are read on).
    let out = push("products", &[big(all, price)]);
    let Ok(weft::flow::Written::Created(id)) = &out[0] else { panic!("created: {out:?}") };
    for i in 0..all {
        let sku = format!("BIG-{i:04}");
        let link = store.id_link(ITEM_LINK, &sku).unwrap();
        assert!(link.and_then(|l| l.shopify).is_some(), "{sku} is linked to its inventory item");
    }

    // The ERP's levels for every variant are set from those links.
    let levels: Vec<KeyedRecord> =
        (0..all).map(|i| shopify_common::inventory_level(&format!("BIG-{i:04}"), "WH", 5)).collect();
    let out = push("inventory", &levels);
    assert!(out.iter().all(Result::is_ok), "{:?}", out.iter().find(|o| o.is_err()));

    // Second write: a price past the 250th variant changes and a variant is added. Every variant
    // Shopify has is recognised as existing (the read goes past its first 250), so none is
    // stocked again at 0 and none is lost.
    let out = push("products", &[big(all + 1, |i| if i == 280 { "99.00".into() } else { price(i) })]);
    assert!(matches!(out[0], Ok(weft::flow::Written::Updated(_))), "{out:?}");
    let stored = product_by(&client, ProductKey::Id(id)).await.unwrap().expect("the product");
    assert_eq!(stored.variants.len(), all + 1, "every variant is read back");
    let mut skus: Vec<&str> = stored.variants.iter().map(|v| v.variant.sku.as_str()).collect();
    skus.sort_unstable();
    let want: Vec<String> = (0..=all).map(|i| format!("BIG-{i:04}")).collect();
    assert_eq!(skus, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(stored.fields["price[BIG-0280]"], json!("99.00"));
    assert_eq!(stored.fields["price[BIG-0299]"], json!(price(299)));
    let state = sim.state();
    let stock = shopify_common::levels(&sim);
    for v in shopify_common::all(&state, "variants")
        .iter()
        .filter(|v| v["sku"].as_str().is_some_and(|s| s.starts_with("BIG-")))
    {
        let item = format!("gid://shopify/InventoryItem/{}", v["inventory_item_id"]);
        let at_main = stock.iter().find(|((i, l), _)| *i == item && *l == main).map(|(_, q)| *q);
        let want = if v["sku"] == json!(format!("BIG-{all:04}")) { 0 } else { 5 };
        assert_eq!(at_main, Some(want), "{}: stock at Main", v["sku"]);
    }
}
