//! A mapping on every object kind and direction is applied, never silently ignored: products with
//! their variants, prices, customers, external orders and shipments written into the simulator
//! through each object's writer carry what their mapping (with its rules, helpers and lookup
//! tables) made; shop orders and customers on their way to an ERP are mapped as records; an
//! inventory flow into Shopify, which takes no mapping, refuses one naming the key.

use crate::shopify_common;

use serde_json::{json, Value};
use weft::config::Config;
use weft::domain::mapping::Applied;
use weft::flow::base::mapped::{map_record, Mapped};
use weft::flow::idempotency_key;
use weft::flow::Written;
use weft::model::*;
use weft::store::Store;

const FLOWS: &str = r#"
[flows.products]
from = "erp"
to = "shopify"
object = "product"
ownership = { tags = "erp" }
# The price flow below writes the variants' price.
base_price = false
[flows.products.mapping]
title = "trim(erp.title)"
"variants.barcode" = "'B-' + variant.sku"
[[flows.products.rules]]
name = "mugs"
when = "erp.product_type == 'Mugs'"
set = { tags = "erp.tags + ['kitchen']", title = "lookup('titles', erp.sku, erp.title)" }
[[flows.products.rules]]
name = "default"
set = { tags = "['general']" }

[flows.prices]
from = "erp"
to = "shopify"
object = "price"
mapping = { price = "round_money(erp.price.amount, erp.price.currency)", compareAtPrice = "erp.msrp" }

[flows.customers]
from = "erp"
to = "shopify"
object = "customer"
mapping = { note = "'ERP customer ' + erp.external_id", tags = "erp.tags + [lower(erp.segment)]" }

[flows.orders]
from = "erp"
to = "shopify"
object = "order"
mapping = { note = "'via ' + erp.channel_name", "lineItems.properties" = "[{'name': 'erp_line', 'value': line.external_id}]" }
[[flows.orders.rules]]
name = "phone"
when = "erp.source == 'phone'"
set = { tags = "['phone-order']" }

[flows.shipments]
from = "erp"
to = "shopify"
object = "fulfillment"
mapping = { "trackingInfo.company" = "lookup('carriers', lower(erp.tracking[0].company))" }

[flows.shop-orders]
from = "shopify"
to = "erp"
object = "order"
mapping = { "extra.gateway" = "upper(shopify.gateway)", tags = "shopify.tags + ['from-shopify']", "lines.extra.bin" = "'BIN-' + line.sku" }
[[flows.shop-orders.rules]]
name = "wholesale"
when = "'wholesale' in shopify.tags"
skip = true

[flows.shop-customers]
from = "shopify"
to = "erp"
object = "customer"
mapping = { company = "default(shopify.company, 'private')" }

[lookups.titles]
MUG = "The Big Mug"
[lookups.carriers]
dhl = "DHL Express"
"#;

fn money(amount: &str) -> Money {
    Money::new(amount, "USD")
}

fn keyed(flow: &str, record: Record) -> KeyedRecord {
    KeyedRecord { key: idempotency_key(flow, &record), record }
}

fn mug() -> KeyedRecord {
    let variant = |sku: &str, option: &str| Variant {
        external_id: sku.into(),
        sku: Some(sku.into()),
        option_values: vec![option.into()],
        price: Some(money("10.00")),
        extra: "{}".into(),
        ..Variant::default()
    };
    keyed(
        "products",
        Record::Product(Product {
            external_id: "P-MUG".into(),
            sku: Some("MUG".into()),
            title: "  Mug ".into(),
            product_type: Some("Mugs".into()),
            tags: vec!["new".into()],
            options: vec!["Size".into()],
            variants: vec![variant("MUG-S", "S"), variant("MUG-L", "L")],
            extra: "{}".into(),
            ..Product::default()
        }),
    )
}

fn written(out: &[Result<Written, PluginError>]) {
    for o in out {
        assert!(matches!(o, Ok(Written::Created(_) | Written::Updated(_))), "{out:?}");
    }
}

fn one(state: &Value, table: &str, pick: impl Fn(&Value) -> bool) -> Value {
    shopify_common::all(state, table).into_iter().find(|v| pick(v)).unwrap_or_else(|| panic!("no such {table}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_on_every_object_kind_is_applied() {
    let sim = shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let config = shopify_common::writer_config(FLOWS);
    let push = |flow: &str, records: &[KeyedRecord]| {
        tokio::task::block_in_place(|| shopify_common::push_as(&client, &store, &config, flow, records))
    };

    // Product and variants: the flow's mapping, the first matching rule over it, a lookup.
    written(&push("products", &[mug()]));
    let state = sim.state();
    let product = one(&state, "products", |p| p["handle"] == "mug");
    assert_eq!(product["title"], json!("The Big Mug"), "rule `mugs` looks the title up: {product}");
    let mut tags: Vec<Value> = product["tags"].as_array().cloned().unwrap_or_default();
    tags.sort_by_key(|t| t.to_string());
    assert_eq!(tags, [json!("kitchen"), json!("new")], "{product}");
    let mut barcodes: Vec<Value> = shopify_common::all(&state, "variants")
        .into_iter()
        .filter(|v| v["product_id"] == product["id"])
        .map(|v| v["barcode"].clone())
        .collect();
    barcodes.sort_by_key(|b| b.to_string());
    assert_eq!(barcodes, [json!("B-MUG-L"), json!("B-MUG-S")], "variant targets are mapped per variant");

    // Prices: rounded to the currency's cents, compare-at from an ERP field.
    let price = Price {
        external_id: "MUG-S/base".into(),
        sku: Some("MUG-S".into()),
        price: money("12.345"),
        extra: json!({"msrp": "25.00"}).to_string(),
        ..Price::default()
    };
    written(&push("prices", &[keyed("prices", Record::Price(price))]));
    let state = sim.state();
    let variant = one(&state, "variants", |v| v["sku"] == "MUG-S");
    assert_eq!((variant["price"].clone(), variant["compare_at_price"].clone()), (json!("12.35"), json!("25.00")));

    // Customers into Shopify.
    let customer = Customer {
        external_id: "C-7".into(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        tags: vec!["erp".into()],
        extra: json!({"segment": "VIP"}).to_string(),
        ..Customer::default()
    };
    written(&push("customers", &[keyed("customers", Record::Customer(customer))]));
    let state = sim.state();
    let c = one(&state, "customers", |c| c["email"] == "ada@example.com");
    assert_eq!((c["note"].clone(), c["tags"].clone()), (json!("ERP customer C-7"), json!(["erp", "vip"])), "{c}");

    // An external order: the flow's mapping per order and per line, the phone rule.
    let line = OrderLine {
        external_id: "L-1".into(),
        sku: Some("MUG-S".into()),
        title: "Mug".into(),
        quantity: 2,
        current_quantity: 2,
        unit_price: Amount::shop(money("12.35")),
        requires_shipping: true,
        extra: "{}".into(),
        ..OrderLine::default()
    };
    let order = Order {
        external_id: "PH-1".into(),
        name: "PH-1".into(),
        source: "phone".into(),
        email: Some("ada@example.com".into()),
        currency: "USD".into(),
        lines: vec![line],
        subtotal: Amount::shop(money("24.70")),
        total: Amount::shop(money("24.70")),
        financial_status: FinancialStatus::Paid,
        extra: json!({"channel_name": "call centre"}).to_string(),
        ..Order::default()
    };
    written(&push("orders", &[keyed("orders", Record::Order(Box::new(order)))]));
    let state = sim.state();
    let o = one(&state, "orders", |o| o["source_identifier"] == "erp:PH-1");
    assert_eq!((o["note"].clone(), o["tags"].clone()), (json!("via call centre"), json!(["phone-order"])), "{o}");
    assert_eq!(o["line_items"][0]["detail"]["properties"], json!([["erp_line", "L-1"]]), "{o}");

    // A shipment of that order: the carrier's name from a lookup table.
    let shipment = Fulfillment {
        external_id: "S-1".into(),
        order_external_id: "PH-1".into(),
        order_name: o["name"].as_str().unwrap().to_owned(),
        tracking: vec![Tracking { number: "TRK-1".into(), company: Some("DHL".into()), url: None }],
        extra: "{}".into(),
        ..Fulfillment::default()
    };
    written(&push("shipments", &[keyed("shipments", Record::Fulfillment(shipment))]));
    let state = sim.state();
    let o = one(&state, "orders", |o| o["source_identifier"] == "erp:PH-1");
    let f = &o["fulfillments"][0];
    assert_eq!((f["tracking_company"].clone(), f["tracking_number"].clone()), (json!("DHL Express"), json!("TRK-1")));

    // Shop orders and customers on their way to an ERP: the record's fields and extra keys.
    let to_erp = |flow: &str, record: Record| -> Mapped {
        let f = &config.flows[flow];
        let mapping = f.mapping(config.lookups.tables()).expect("mapping");
        map_record(&mapping, f, &keyed(flow, record)).expect("mapped")
    };
    let shop_order = |tags: Vec<String>| {
        Record::Order(Box::new(Order {
            external_id: "gid://shopify/Order/9".into(),
            tags,
            lines: vec![OrderLine { sku: Some("MUG-S".into()), extra: "{}".into(), ..OrderLine::default() }],
            extra: json!({"gateway": "paypal"}).to_string(),
            ..Order::default()
        }))
    };
    let Mapped::Write(KeyedRecord { record: Record::Order(o), .. }, Applied { targets, .. }) =
        to_erp("shop-orders", shop_order(vec!["vip".into()]))
    else {
        panic!("the order is written")
    };
    assert_eq!(targets.len(), 3);
    assert_eq!(o.tags, ["vip", "from-shopify"]);
    assert_eq!(serde_json::from_str::<Value>(&o.extra).unwrap(), json!({"gateway": "PAYPAL"}));
    assert_eq!(serde_json::from_str::<Value>(&o.lines[0].extra).unwrap(), json!({"bin": "BIN-MUG-S"}));
    assert!(
        matches!(to_erp("shop-orders", shop_order(vec!["wholesale".into()])), Mapped::Skip(why) if why.contains("rule `wholesale`"))
    );
    let Mapped::Write(KeyedRecord { record: Record::Customer(c), .. }, _) =
        to_erp("shop-customers", Record::Customer(Customer { extra: "{}".into(), ..Customer::default() }))
    else {
        panic!("the customer is written")
    };
    assert_eq!(c.company.as_deref(), Some("private"));

    // Inventory into Shopify takes no mapping: refused when the config loads, naming the key.
    let inventory = "[flows.stock]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nmapping = { locationId = \"erp.location\" }\n";
    let text = format!(
        "[connections.erp]\nplugin = \"x\"\n[shopify]\nshop = \"s\"\naccess_token = {{ env = \"U\" }}\nwebhook_secret = {{ env = \"U\" }}\n{inventory}"
    );
    let err = Config::parse(&text, std::path::Path::new("weft.toml")).unwrap_err().to_string();
    assert!(err.contains("flows.stock.mapping.locationId") && err.contains("takes no mapping"), "{err}");
}
