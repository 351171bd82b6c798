//! The WIT version seam: each plugin is served by the module of the contract version it was
//! built against. The shipped plugins are 0.2.0; a 0.1.0 connector (a fixture built from
//! source against `wit/weft-plugin@0.1.0`, without the SDK) still loads and syncs through the
//! 0.2.0 host: its orders come in with their shipping and discounts as 0.2.0 amounts and reach
//! Shopify, it takes orders, and what 0.1.0 cannot carry (an order change, an order that must
//! be imported without moving stock) is refused per record naming the version. A version this host lacks is refused naming the versions it has.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use common::*;
use weft::model::{
    Entity, KeyedRecord, OrderChange, OrderChangeKind, PluginError, Product, Record, StockEffect, Variant, WriteOutcome,
};
use weft::plugin::wit::WitVersion;
use weft::plugin::Grant;

fn manifest_with_wit(id: &str, wit: &str) -> String {
    std::fs::read_to_string(built_plugin(id).join("plugin.toml")).unwrap().replace("weft:plugin@0.2.0", wit)
}

/// Two external orders in 0.1.0's shape: shipping and a line discount on the first.
const LEGACY_ORDERS: &str = r#"[{"id": "L-1", "name": "LEG-1", "email": "old@example.com", "currency": "USD", "shipping": "4.90", "tax": "0.00", "total": "34.80", "created_at": "2026-11-02T10:00:00Z", "lines": [{"sku": "SKU-0-0", "qty": 2, "price": "15.00", "discount": "5.10"}]}, {"id": "L-2", "name": "LEG-2", "email": "old@example.com", "currency": "USD", "total": "10.00", "created_at": "2026-11-02T11:00:00Z", "lines": [{"sku": "SKU-1-0", "qty": 1, "price": "10.00"}]}]"#;

#[test]
fn a_0_1_0_connector_loads_and_its_orders_cross_the_seam_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "legacy-feed");
    install_as_built(&plugins, "file-feed");
    install_as_built(&plugins, "sku-normalize");
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Default::default());
    assert!(host.refused().is_empty(), "{:?}", host.refused());
    assert_eq!(host.plugin("legacy-feed").expect("loaded").wit, WitVersion::V0_1_0);
    for id in ["file-feed", "sku-normalize"] {
        assert_eq!(host.plugin(id).expect("loaded").wit, WitVersion::V0_2_0, "{id}");
    }
    let grant = Grant {
        config: [("orders".to_owned(), toml::Value::String(LEGACY_ORDERS.to_owned()))].into_iter().collect(),
        ..Grant::default()
    };
    let store = weft::store::Store::open(&tmp.path().join("store")).expect("store opens");
    let mut session = host.session_on("legacy-feed", &grant, Some(&store)).unwrap();
    let page = session.pull(Entity::Order, None, 10).unwrap().unwrap();
    let Record::Order(first) = &page.records[0] else { panic!("{page:?}") };
    // 0.1.0's single-currency money becomes 0.2.0 amounts: shipping a line, the discount an allocation.
    assert_eq!((first.shipping_lines.len(), first.shipping_lines[0].price.shop.amount.as_str()), (1, "4.90"));
    assert_eq!(first.lines[0].discount_allocations[0].amount.shop.amount, "5.10");
    assert_eq!((first.subtotal.shop.amount.as_str(), first.discount.shop.amount.as_str()), ("24.90", "5.10"));
    assert_eq!(first.total.shop.amount, "34.80");
    assert!(first.total.presentment.is_none());

    // The 0.2.0 host pushes orders to it (their 0.1.0 projection) and gets typed outcomes; an
    // order change cannot go to a 0.1.0 plugin and is refused for that record only.
    let change = Record::OrderChange(Box::new(OrderChange {
        external_id: "gid://shopify/Refund/1".into(),
        order_external_id: "gid://shopify/Order/1".into(),
        order_name: "#1".into(),
        change: OrderChangeKind::Edit(vec![]),
        extra: "{}".into(),
        ..OrderChange::default()
    }));
    let batch = [
        KeyedRecord { key: "k1".into(), record: page.records[0].clone() },
        KeyedRecord { key: "k2".into(), record: change },
        KeyedRecord { key: "k3".into(), record: page.records[0].clone() },
    ];
    let pushed = session.push(Entity::Order, &batch).unwrap();
    assert_eq!(pushed[0].as_ref().map(|p| p.outcome.clone()), Ok(WriteOutcome::Created));
    assert!(
        matches!(&pushed[1], Err(PluginError::Permanent(m)) if m.contains("weft:plugin@0.1.0") && m.contains("order changes")),
        "{:?}",
        pushed[1]
    );
    assert_eq!(pushed[2].as_ref().map(|p| p.outcome.clone()), Ok(WriteOutcome::Updated), "0.1.0 `created: false`");
    // An order whose stock a hybrid inventory flow already counted must be imported without
    // moving stock, which 0.1.0 cannot say: refused for that record, naming why; the connector
    // never sees it (nothing stored), and the order beside it goes through.
    let mut counted = (**first).clone();
    counted.external_id = "L-9".into();
    counted.name = "LEG-9".into();
    counted.stock_effect = StockEffect::AlreadyCounted;
    let mut moving = (**first).clone();
    moving.external_id = "L-8".into();
    let batch = [
        KeyedRecord { key: "k4".into(), record: Record::Order(Box::new(counted)) },
        KeyedRecord { key: "k5".into(), record: Record::Order(Box::new(moving)) },
    ];
    let pushed = session.push(Entity::Order, &batch).unwrap();
    assert!(
        matches!(&pushed[0], Err(PluginError::Permanent(m)) if m.contains("LEG-9") && m.contains("without moving stock")
            && m.contains("stock_counted_by") && m.contains("weft:plugin@0.2.0")),
        "{:?}",
        pushed[0]
    );
    assert_eq!(pushed[1].as_ref().map(|p| p.outcome.clone()), Ok(WriteOutcome::Created));
    let stored = session.fetch(Entity::Order, &["L-9".into(), "L-8".into()]).unwrap();
    assert!(matches!(stored[0], Ok(None)), "the refused order never reached the connector: {:?}", stored[0]);
    assert!(matches!(&stored[1], Ok(Some(Record::Order(o))) if o.external_id == "L-8"), "{:?}", stored[1]);

    let refused = session.pull(Entity::OrderChange, None, 10).unwrap();
    assert!(matches!(refused, Err(PluginError::Permanent(m)) if m.contains("rebuild it against weft:plugin@0.2.0")));

    // A 0.2.0 transform keeps a product's new fields.
    let variant =
        Variant { external_id: "v1".into(), sku: Some(" ab-1 ".into()), extra: "{}".into(), ..Variant::default() };
    let product = Record::Product(Product {
        external_id: "p1".into(),
        title: "T".into(),
        variants: vec![variant],
        collections: vec!["Summer".into()],
        extra: "{}".into(),
        ..Product::default()
    });
    let out = host.session("sku-normalize", &Grant::default()).unwrap().apply(&[product]).unwrap();
    let Ok(records) = &out[0] else { panic!("{out:?}") };
    let Record::Product(p) = &records[0] else { panic!("{records:?}") };
    assert_eq!((p.variants[0].sku.as_deref(), p.collections.as_slice()), (Some("AB-1"), &["Summer".to_owned()][..]));
}

#[test]
fn a_0_1_0_connector_syncs_external_orders_into_shopify_through_the_0_2_0_host() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(2, 1)));
    let scenario = Scenario::builder(&sim).build(&format!(
        "[connections.legacy]\nplugin = \"legacy-feed\"\nconfig = {{ orders = {LEGACY_ORDERS:?} }}\n\
         [flows.legacy-orders]\nfrom = \"legacy\"\nto = \"shopify\"\nobject = \"order\"\n"
    ));
    install_as_built(&scenario.path().join("plugins"), "legacy-feed");
    let (ok, stdout, stderr) = scenario.weft(&["run", "legacy-orders", "--once"]);
    assert!(ok && stdout.contains("created 2"), "{stdout}\n{stderr}");
    let orders: Vec<serde_json::Value> =
        sim.state()["orders"].as_object().map(|o| o.values().cloned().collect()).unwrap_or_default();
    let first = orders.iter().find(|o| o["source_identifier"] == "legacy:L-1").expect("L-1 in Shopify");
    assert_eq!(first["name"], "LEG-1");
    assert_eq!(first["line_items"][0]["quantity"], 2);
    // Shopify keeps cents: 0.1.0's shipping and line discount reached it.
    assert_eq!(first["detail"]["shipping_lines"][0]["price"]["shop"], 490, "{first:#}");
    assert_eq!(first["line_items"][0]["detail"]["discount_allocations"][0]["amount"]["shop"], 510, "{first:#}");
    assert_eq!(orders.len(), 2, "{orders:#?}");
}

#[test]
fn a_version_this_host_lacks_is_refused_and_a_later_patch_is_served() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install(&plugins, "sku-normalize", "sku-normalize", &manifest_with_wit("sku-normalize", "weft:plugin@0.2.7"));
    install(
        &plugins,
        "sku-normalize",
        "future",
        &manifest_with_wit("sku-normalize", "weft:plugin@0.9.0").replace("id = \"sku-normalize\"", "id = \"future\""),
    );
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Default::default());
    assert_eq!(host.plugin("sku-normalize").map(|p| p.wit), Some(WitVersion::V0_2_0), "0.2.7 is served by 0.2.0");
    let refused = host.refused().iter().find(|r| r.id == "future").expect("refused");
    assert!(
        refused.reason.contains("incompatible WIT version")
            && refused.reason.contains("this host implements weft:plugin@0.1.0, weft:plugin@0.2.0"),
        "{}",
        refused.reason
    );
}
