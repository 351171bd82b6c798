//! Finding 7 of issue 19: Shopify's documented input limits are checked before writing. A
//! 5,000-character title, a price with 4 decimals (USD keeps 2), a quantity past ±10^9, a
//! 300-character customer name and an order amount finer than its currency (JPY keeps none)
//! each fail their record with invalid input naming the field — and nothing is sent to Shopify
//! for them (before the fix they were sent as they were). A record at the limits goes through.

use crate::shopify_common;

use serde_json::json;
use weft::flow::idempotency_key;
use weft::model::*;
use weft::store::Store;

fn keyed(flow: &str, record: Record) -> KeyedRecord {
    KeyedRecord { key: idempotency_key(flow, &record), record }
}

fn usd(amount: &str) -> Money {
    Money { amount: amount.into(), currency: "USD".into() }
}

fn product(title: &str, price: &str) -> Record {
    Record::Product(Product {
        external_id: "P1".into(),
        sku: Some("LIM".into()),
        title: title.into(),
        variants: vec![Variant {
            external_id: "P1-1".into(),
            sku: Some("LIM-1".into()),
            price: Some(usd(price)),
            extra: "{}".into(),
            ..Variant::default()
        }],
        extra: "{}".into(),
        ..Product::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_past_shopifys_limits_fail_their_record_naming_the_field_and_are_not_sent() {
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Tee", "handle": "tee", "variants": [{"sku": "TEE-1", "price": "9.00", "inventory": {"Main": 3}}]}]}))
    .unwrap();
    let sim = shopify_common::start(seed).await;
    let main = shopify_common::location_gid(&sim, "Main");
    let client = shopify_common::client(&sim);
    let store = Store::in_memory().unwrap();
    let config = shopify_common::writer_config(&format!(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\nbase_price = false\n\
         [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nlocations = {{ WH = \"{main}\" }}\n\
         [flows.customers]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"customer\"\n\
         [flows.orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\n"
    ));
    let write = |flow: &str, record: Record| {
        shopify_common::push_as(&client, &store, &config, flow, &[keyed(flow, record)]).remove(0)
    };
    let price = |amount: &str| {
        Record::Price(Price {
            external_id: "TEE-1".into(),
            sku: Some("TEE-1".into()),
            price: usd(amount),
            extra: "{}".into(),
            ..Price::default()
        })
    };
    let level = |on_hand: i64| {
        Record::InventoryLevel(InventoryLevel {
            external_id: "TEE-1@WH".into(),
            sku: Some("TEE-1".into()),
            location: "WH".into(),
            on_hand,
            extra: "{}".into(),
            ..InventoryLevel::default()
        })
    };
    let customer = Record::Customer(Customer {
        external_id: "C1".into(),
        email: Some("long@example.com".into()),
        first_name: Some("N".repeat(300)),
        extra: "{}".into(),
        ..Customer::default()
    });
    let yen = Amount::shop(Money { amount: "100.5".into(), currency: "JPY".into() });
    let order = Record::Order(Box::new(Order {
        external_id: "EXT-9".into(),
        name: "EXT-9".into(),
        source: "phone".into(),
        currency: "JPY".into(),
        lines: vec![OrderLine {
            external_id: "l1".into(),
            sku: Some("TEE-1".into()),
            title: "Tee".into(),
            quantity: 1,
            unit_price: yen.clone(),
            ..OrderLine::default()
        }],
        total: yen,
        ..Order::default()
    }));

    // The catalog flow reads the shop's catalog once before its first write (onboarding): let a
    // good product make that read, so what follows counts only what the refused records send.
    let Record::Product(mut warm) = product("Warm", "1.00") else { unreachable!("a product") };
    warm.external_id = "P0".into();
    warm.sku = Some("WARM".into());
    warm.variants[0].external_id = "P0-1".into();
    warm.variants[0].sku = Some("WARM-1".into());
    assert!(write("products", Record::Product(warm)).is_ok());
    let before = sim.counters().requests;
    let refused = [
        ("products", product(&"T".repeat(5000), "9.90"), "title", "5000 characters"),
        ("products", product("Mug", "9.9999"), "variants[0].price", "at most 2"),
        ("prices", price("9.9999"), "price", "at most 2"),
        ("inventory", level(5_000_000_000), "available", "beyond"),
        ("customers", customer, "firstName", "300 characters"),
    ];
    for (flow, record, field, why) in refused {
        match write(flow, record) {
            Err(PluginError::InvalidInput(f)) => {
                assert_eq!(f.field, field, "{flow}");
                assert!(f.message.contains(why), "{flow}: {}", f.message);
            }
            other => panic!("{flow}: {field} must be refused as invalid input, not {other:?}"),
        }
    }
    assert_eq!(sim.counters().requests, before, "nothing was sent to Shopify for them");
    // The order needs its variant looked up first; its amount is refused before orderCreate.
    match write("orders", order) {
        Err(PluginError::InvalidInput(f)) => assert_eq!(f.field, "lineItems[0].priceSet", "{}", f.message),
        other => panic!("the yen amount must be refused, not {other:?}"),
    }
    assert_eq!(sim.counters().writes.get("orderCreate"), None);

    // At the limits: written.
    assert!(write("products", product(&"T".repeat(255), "9.90")).is_ok());
    assert!(write("prices", price("9.90")).is_ok());
    assert!(write("inventory", level(1_000_000_000)).is_ok());
}
