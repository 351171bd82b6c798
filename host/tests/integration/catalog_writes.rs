//! The catalog writer against the simulator: CEL mapping and skip_if, ownership (a Shopify-owned
//! field is never sent; an override hands it to the ERP), productSet's list replacement made safe
//! (variants Shopify has and the ERP did not send are kept unless configured), identity errors
//! per record (empty, duplicate, claimed by another product), unchanged products cost nothing,
//! archive on ERP delete; variants it creates are stocked at the inventory flows' locations so
//! their first levels are set in batches.

use crate::shopify_common;

use serde_json::{json, Value};
use weft::clock::SystemClock;
use weft::config::Config;
use weft::flow::base::ShopifyContext;
use weft::flow::idempotency_key;
use weft::flow::objects::write as push;
use weft::flow::Written;
use weft::model::*;
use weft::store::Store;

fn config(extra: &str) -> Config {
    shopify_common::writer_config(&format!(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{extra}"
    ))
}

fn money(a: &str) -> Option<Money> {
    Some(Money { amount: a.into(), currency: "USD".into() })
}

pub(crate) fn product(id: &str, sku: &str, variants: &[(&str, &str, &str)], extra: Value) -> KeyedRecord {
    let record = Record::Product(Product {
        external_id: id.into(),
        sku: Some(sku.into()),
        title: format!("ERP {sku}"),
        description: Some("<p>From the ERP</p>".into()),
        vendor: Some("Acme".into()),
        product_type: None,
        tags: vec!["erp-tag".into()],
        status: ProductStatus::Active,
        options: vec!["Title".into()],
        variants: variants
            .iter()
            .map(|(vsku, opt, price)| Variant {
                external_id: format!("{id}-{opt}"),
                sku: Some((*vsku).into()),
                barcode: None,
                option_values: vec![(*opt).into()],
                price: money(price),
                compare_at_price: None,
                cost: money("3.00"),
                weight_grams: Some(200),
                updated_at: None,
                extra: "{}".into(),
                ..Variant::default()
            })
            .collect(),
        deleted: false,
        updated_at: None,
        extra: extra.to_string(),
        ..Product::default()
    });
    KeyedRecord { key: idempotency_key("products", &record), record }
}

fn stored(sim: &shopify_sim::SimHandle, handle: &str) -> (Value, Vec<(String, String)>) {
    let state = sim.state();
    let p =
        shopify_common::all(&state, "products").into_iter().find(|p| p["handle"] == json!(handle)).expect("product");
    let mut vs: Vec<(String, String)> = shopify_common::all(&state, "variants")
        .into_iter()
        .filter(|v| v["product_id"] == p["id"])
        .map(|v| (v["sku"].as_str().unwrap().to_owned(), v["price"].as_str().unwrap().to_owned()))
        .collect();
    vs.sort();
    (p, vs)
}

fn product_sets(sim: &shopify_sim::SimHandle) -> u64 {
    sim.counters().writes.get("productSet").copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_ownership_variants_identity_and_archive() {
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Shirt", "handle": "shirt", "tags": ["merch"], "variants": [
            {"sku": "SHIRT-S", "price": "5.00", "option": "S"}, {"sku": "SHIRT-XL", "price": "7.00", "option": "XL"}]}]}))
    .unwrap();
    let sim = shopify_common::start(seed).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let run = |config: &Config, records: &[KeyedRecord]| {
        let ctx = ShopifyContext {
            client: &client,
            shop: "shopify",
            store: &store,
            flow_name: "products",
            flow: &config.flows["products"],
            config,
            run_id: 0,
            clock: &SystemClock,
            journal: Default::default(),
            read_stamps: Default::default(),
        };
        tokio::task::block_in_place(|| push(&ctx, records))
    };

    // Default ownership: tags are Shopify's, so the merchandiser's "merch" stays; XL is kept.
    let plain = config("");
    let shirt = product("T1", "SHIRT", &[("SHIRT-S", "S", "19.90"), ("SHIRT-M", "M", "21.00")], json!({}));
    // Before its first write the flow reads the shop's catalog (onboarding, a bulk query) and its
    // currency, once.
    assert!(run(&plain, &[]).is_empty());
    let requests = sim.counters().requests;
    let out = run(&plain, std::slice::from_ref(&shirt));
    assert!(out[0].is_ok(), "{:?}", out[0]);
    assert_eq!(
        sim.counters().requests - requests,
        2,
        "one read of the product (kept variants, new variants, undo values), one productSet"
    );
    let (p, vs) = stored(&sim, "shirt");
    assert_eq!(p["title"], json!("ERP SHIRT"));
    assert_eq!(p["tags"], json!(["merch"]), "Shopify-owned tags are not sent");
    assert_eq!(
        vs,
        [("SHIRT-M".into(), "21.00".into()), ("SHIRT-S".into(), "19.90".into()), ("SHIRT-XL".into(), "7.00".into())],
        "XL, which only Shopify has, is kept"
    );

    // Variant prices in another currency than the shop's: refused, nothing sent.
    let writes = product_sets(&sim);
    let mut eur = product("T9", "EURO", &[("EURO-1", "One", "9.00")], json!({}));
    if let Record::Product(p) = &mut eur.record {
        p.variants[0].price = Some(Money { amount: "9.00".into(), currency: "EUR".into() });
    }
    let out = run(&plain, &[eur]);
    assert!(matches!(&out[0], Err(PluginError::InvalidInput(f)) if f.message.contains("EUR")), "{out:?}");
    assert_eq!(product_sets(&sim), writes);

    // Unchanged (even with a new ERP timestamp): no write.
    let writes = product_sets(&sim);
    let mut again = shirt.clone();
    if let Record::Product(p) = &mut again.record {
        p.updated_at = Some("2026-11-27T00:00:00Z".into());
    }
    assert!(run(&plain, &[again])[0].is_ok());
    assert_eq!(product_sets(&sim), writes, "an unchanged product costs no write");

    // Mapping with CEL, tags handed to the ERP, skip_if.
    let mapped = config("mapping = { tags = \"erp.category + ',' + erp.brand\", title = \"erp.title + ' (' + erp.brand + ')'\" }\nownership = { tags = \"erp\" }\nskip_if = \"erp.lifecycle == 'obsolete'\"\nkeep_unsent_variants = false");
    let shirt2 = product(
        "T1",
        "SHIRT",
        &[("SHIRT-S", "S", "19.90"), ("SHIRT-M", "M", "21.00")],
        json!({"category": "Shirts", "brand": "Acme", "lifecycle": "active"}),
    );
    assert!(run(&mapped, &[shirt2])[0].is_ok());
    let (p, vs) = stored(&sim, "shirt");
    assert_eq!(p["tags"], json!(["Shirts", "Acme"]));
    assert_eq!(p["title"], json!("ERP SHIRT (Acme)"));
    assert_eq!(vs.len(), 2, "keep_unsent_variants = false lets productSet drop XL: {vs:?}");
    let writes = product_sets(&sim);
    let obsolete = product(
        "T9",
        "OLD",
        &[("OLD-1", "One", "1.00")],
        json!({"category": "x", "brand": "y", "lifecycle": "obsolete"}),
    );
    assert!(matches!(&run(&mapped, &[obsolete])[0], Ok(Written::Skipped(why)) if why.contains("skip_if holds")));
    assert_eq!(product_sets(&sim), writes);

    // Identity: empty, duplicate, or already another product's SKU fail that record alone.
    let records = [
        product("T2", "CAP", &[("CAP-1", "One", "9.00"), ("CAP-1", "Two", "9.00")], json!({})),
        product("T3", "BAG", &[("", "One", "9.00")], json!({})),
        product("T4", "COPY", &[("SHIRT-S", "One", "9.00")], json!({})),
        product("T5", "MUG", &[("MUG-1", "One", "4.00")], json!({})),
        // Two new products claiming one SKU in the same batch: neither is written.
        product("T6", "PAIR-A", &[("PAIR-1", "One", "2.00")], json!({})),
        product("T7", "PAIR-B", &[("PAIR-1", "One", "2.00")], json!({})),
    ];
    let out = run(&plain, &records);
    let reason = |i: usize| match &out[i] {
        Err(PluginError::InvalidInput(f)) => f.message.clone(),
        other => panic!("record {i} must fail as invalid input: {other:?}"),
    };
    assert!(reason(0).contains("duplicate sku \"CAP-1\""), "{}", reason(0));
    assert!(reason(1).contains("empty sku"), "{}", reason(1));
    assert!(reason(2).contains("claimed by ERP products T1 and T4"), "{}", reason(2));
    assert!(out[3].is_ok(), "the good record goes through: {:?}", out[3]);
    assert!(reason(4).contains("claimed by ERP products T6 and T7"), "{}", reason(4));
    assert!(reason(5).contains("claimed by ERP products T6 and T7"), "{}", reason(5));
    assert_eq!(stored(&sim, "mug").1, [("MUG-1".into(), "4.00".into())]);

    // ERP delete -> archived.
    let mut gone = product("T5", "MUG", &[("MUG-1", "One", "4.00")], json!({}));
    if let Record::Product(p) = &mut gone.record {
        p.deleted = true;
    }
    assert!(run(&plain, &[gone])[0].is_ok());
    assert_eq!(stored(&sim, "mug").0["status"], json!("ARCHIVED"));
}

fn price(sku: &str, channel: Option<&str>, amount: &str, cmp: Option<&str>) -> KeyedRecord {
    let record = Record::Price(Price {
        external_id: format!("{sku}/{}", channel.unwrap_or("default")),
        sku: Some(sku.into()),
        scope: channel.map_or(PriceScope::Base, |c| PriceScope::Channel(c.to_owned())),
        price: Money { amount: amount.into(), currency: "USD".into() },
        compare_at_price: cmp.and_then(money),
        extra: "{}".into(),
        ..Price::default()
    });
    KeyedRecord { key: idempotency_key("prices", &record), record }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_lists_with_a_channel_override() {
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Shirt", "handle": "shirt", "variants": [
            {"sku": "SHIRT-S", "price": "5.00", "option": "S"}, {"sku": "SHIRT-M", "price": "5.00", "option": "M"}]}]}))
    .unwrap();
    let sim = shopify_common::start(seed).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = config("channel = \"online\"\n[flows.products.channels.online]\nprice_list = \"WEB\"\n");
    let mut flow = config.flows["products"].clone();
    flow.object = weft::config::ObjectKind::Price;
    let run = |records: &[KeyedRecord]| {
        let ctx = ShopifyContext {
            client: &client,
            shop: "shopify",
            store: &store,
            flow_name: "prices",
            flow: &flow,
            config: &config,
            run_id: 0,
            clock: &SystemClock,
            journal: Default::default(),
            read_stamps: Default::default(),
        };
        tokio::task::block_in_place(|| push(&ctx, records))
    };
    // The web list prices S; M has only the default list; the B2B list is not this channel's.
    let out = run(&[
        price("SHIRT-S", Some("WEB"), "17.00", Some("20.00")),
        price("SHIRT-M", None, "19.00", None),
        price("SHIRT-M", Some("B2B"), "11.00", None),
    ]);
    assert!(out[0].is_ok() && out[1].is_ok(), "{out:?}");
    assert!(matches!(&out[2], Ok(Written::Skipped(why)) if why.contains("B2B does not feed this flow")), "{out:?}");
    assert_eq!(stored(&sim, "shirt").1, [("SHIRT-M".into(), "19.00".into()), ("SHIRT-S".into(), "17.00".into())]);
    // A later default-list price for S does not undo the channel's override.
    let out = run(&[price("SHIRT-S", None, "18.00", None)]);
    assert!(matches!(&out[0], Ok(Written::Skipped(why)) if why.contains("priced by list WEB")), "{out:?}");
    assert_eq!(stored(&sim, "shirt").1[1], ("SHIRT-S".into(), "17.00".into()));
    // A price list in another currency than the shop's is refused per record, never written as
    // if it were in dollars.
    let mut eur = price("SHIRT-M", None, "15.00", None);
    if let Record::Price(p) = &mut eur.record {
        p.price.currency = "EUR".into();
    }
    let out = run(&[eur]);
    assert!(
        matches!(&out[0], Err(PluginError::InvalidInput(f)) if f.message.contains("EUR") && f.message.contains("USD")),
        "{out:?}"
    );
    assert_eq!(stored(&sim, "shirt").1[0], ("SHIRT-M".into(), "19.00".into()));
    // Unknown SKU: retried later (the catalog flow may not have created it yet).
    assert!(matches!(run(&[price("NOPE", None, "1.00", None)])[0], Err(PluginError::Retryable(_))));
    // A bad config names the key.
    let err = Config::parse(
        "[connections.erp]\nplugin = \"x\"\n[shopify]\nshop = \"s\"\naccess_token = { env = \"U\" }\nwebhook_secret = { env = \"U\" }\n[flows.p]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\nchannel = \"nope\"\n",
        std::path::Path::new("weft.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("flows.p.channel"), "{err}");
}

/// Variants the catalog flow creates are stocked at the inventory flow's locations in the same
/// productSet (0 available): their first levels then go out in one batched
/// `inventorySetQuantities`, never one `inventoryActivate` per level. A variant Shopify already
/// had keeps its stock and where it is stocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_variants_are_stocked_so_their_first_levels_are_batched() {
    let seed = json!({"locations": [{"name": "Main"}, {"name": "Backroom"}], "products": [
        {"title": "Tee", "handle": "tee", "variants": [{"sku": "TEE-S", "option": "S", "inventory": {"Main": 7}}]}]});
    let sim = shopify_common::start(serde_json::from_value(seed).unwrap()).await;
    let client = shopify_common::client(&sim);
    let (main, back) = (shopify_common::location_gid(&sim, "Main"), shopify_common::location_gid(&sim, "Backroom"));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let inventory = format!("[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nlocations = {{ WH = \"{main}\", WH2 = \"{back}\" }}");
    let config = config(&format!("keep_unsent_variants = false\n{inventory}"));
    let push_as =
        |flow: &str, records: &[KeyedRecord]| shopify_common::push_as(&client, &store, &config, flow, records);
    let levels_of = |sku: &str| -> Vec<(String, i64)> {
        let state = sim.state();
        let item = shopify_common::all(&state, "variants")
            .into_iter()
            .find(|v| v["sku"] == json!(sku))
            .map(|v| format!("gid://shopify/InventoryItem/{}", v["inventory_item_id"]))
            .expect("variant");
        shopify_common::levels(&sim).into_iter().filter(|((i, _), _)| *i == item).map(|((_, l), q)| (l, q)).collect()
    };

    // TEE-S exists (same SKU and option); TEE-M and the new product's MUG-1 are created.
    let records = [
        product("T1", "TEE", &[("TEE-S", "S", "19.90"), ("TEE-M", "M", "19.90")], json!({})),
        product("T2", "MUG", &[("MUG-1", "One", "4.00")], json!({})),
    ];
    assert!(push_as("products", &records).iter().all(Result::is_ok));
    assert_eq!(levels_of("TEE-S"), [(main.clone(), 7)], "the existing variant's stock is untouched");
    for sku in ["TEE-M", "MUG-1"] {
        let mut stocked = levels_of(sku);
        stocked.sort();
        let mut want = vec![(main.clone(), 0), (back.clone(), 0)];
        want.sort();
        assert_eq!(stocked, want, "{sku} is stocked at both mapped locations");
    }

    // The ERP's first levels for them: set in one batch, no activation.
    let before = sim.counters().writes;
    let level = shopify_common::inventory_level;
    let out = push_as(
        "inventory",
        &[level("TEE-M", "WH", 5), level("TEE-M", "WH2", 2), level("MUG-1", "WH", 9), level("MUG-1", "WH2", 1)],
    );
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let after = sim.counters().writes;
    let delta = |m: &str| after.get(m).copied().unwrap_or(0) - before.get(m).copied().unwrap_or(0);
    assert_eq!((delta("inventorySetQuantities"), delta("inventoryActivate")), (1, 0), "{after:?}");
    let mut mug = levels_of("MUG-1");
    mug.sort();
    let mut want = vec![(main.clone(), 9), (back.clone(), 1)];
    want.sort();
    assert_eq!(mug, want);
}
