//! Order mapping end to end — the real `weft` binary, the file-feed ERP and the simulator: an ERP
//! that exports orders in one format per market (German keys for the EU, English for North
//! America) is mapped by two rule sets chosen by a market lookup on the shipping country, with
//! lookup tables for carriers and payment gateways and the helper functions. `weft mapping
//! preview` shows the `orderCreate` input each market's order makes; `weft run` then creates
//! exactly that in the simulator. A mapping that names a variable the flow does not provide is
//! refused by `weft config check`, listing the ones it does.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};
use weft::model::{Address, Amount, FinancialStatus, Money, Order, OrderLine, Record, ShippingLine};

const FLOWS: &str = r#"
[lookups.markets]
DE = "EU"
AT = "EU"
US = "NA"
CA = "NA"

[lookups.carriers]
"DHL Paket" = "DHL Parcel"
UPSG = "UPS Ground"

[lookups.gateways]
Vorkasse = "bank_transfer"
card = "stripe"

[flows.external-orders]
from = "erp"
to = "shopify"
object = "order"
[flows.external-orders.mapping]
sourceName = "lower(erp.source)"

# EU format: zahlungsart, versandart, kundennummer, bestellnotiz.
[[flows.external-orders.rules]]
name = "eu"
when = "lookup('markets', erp.shipping_address.country_code, 'other') == 'EU'"
[flows.external-orders.rules.set]
tags = "['market-eu', 'zahlung-' + lower(erp.zahlungsart)]"
note = "trim(default(erp.bestellnotiz, ''))"
poNumber = "erp.kundennummer"
"shippingLines.title" = "lookup('carriers', erp.versandart)"
"shippingLines.code" = "upper(replace(erp.versandart, ' ', '_'))"
"lineItems.properties" = "[{'name': 'Artikel', 'value': line.sku}]"
transactions = "[{'kind': 'SALE', 'status': 'SUCCESS', 'gateway': lookup('gateways', erp.zahlungsart), 'amountSet': {'shopMoney': {'amount': round_money(erp.total.shop.amount, erp.currency), 'currencyCode': erp.currency}}}]"

# North American format: payment_method, carrier, customer_po, gift_message.
[[flows.external-orders.rules]]
name = "north-america"
when = "lookup('markets', erp.shipping_address.country_code, 'other') == 'NA'"
[flows.external-orders.rules.set]
tags = "erp.gift_message != '' ? ['market-na', 'gift'] : ['market-na']"
note = "'Gift message: ' + erp.gift_message"
poNumber = "upper(erp.customer_po)"
"shippingLines.title" = "lookup('carriers', erp.carrier)"
customAttributes = "[{'key': 'ordered', 'value': format_date(erp.created_at, '%m/%d/%Y')}]"
transactions = "[{'kind': 'SALE', 'status': 'SUCCESS', 'gateway': lookup('gateways', erp.payment_method), 'amountSet': {'shopMoney': {'amount': round_money(erp.total.shop.amount, erp.currency), 'currencyCode': erp.currency}}}]"

[[flows.external-orders.rules]]
name = "elsewhere"
skip = true
"#;

fn usd(amount: &str) -> Amount {
    Amount::shop(Money::new(amount, "USD"))
}

/// A canonical order from the ERP shipping to `country`, with the market's own keys in `extra`.
fn order(id: &str, country: &str, extra: Value) -> Order {
    Order {
        external_id: id.into(),
        name: id.into(),
        source: "ERP".into(),
        email: Some(format!("{}@example.com", id.to_lowercase())),
        currency: "USD".into(),
        lines: vec![OrderLine {
            external_id: format!("{id}-1"),
            sku: Some("MUG".into()),
            title: "Mug".into(),
            quantity: 2,
            current_quantity: 2,
            unit_price: usd("10.00"),
            requires_shipping: true,
            extra: "{}".into(),
            ..OrderLine::default()
        }],
        shipping_lines: vec![ShippingLine {
            external_id: format!("{id}-ship"),
            title: "Shipping".into(),
            price: usd("4.90"),
            ..ShippingLine::default()
        }],
        subtotal: usd("20.00"),
        shipping: usd("4.90"),
        total: usd("24.90"),
        financial_status: FinancialStatus::Paid,
        shipping_address: Some(Address {
            first_name: Some("Ann".into()),
            last_name: Some("Buyer".into()),
            address1: Some("1 Main St".into()),
            city: Some("Town".into()),
            country_code: Some(country.into()),
            ..Address::default()
        }),
        created_at: "2026-11-02T10:00:00Z".into(),
        extra: extra.to_string(),
        ..Order::default()
    }
}

fn orders() -> Vec<Order> {
    vec![
        order(
            "DE-1",
            "DE",
            json!({"zahlungsart": "Vorkasse", "versandart": "DHL Paket", "kundennummer": "K-100", "bestellnotiz": " Bitte klingeln "}),
        ),
        order(
            "US-1",
            "US",
            json!({"payment_method": "card", "carrier": "UPSG", "customer_po": "po-77", "gift_message": "Happy birthday"}),
        ),
        order("JP-1", "JP", json!({})),
    ]
}

fn preview(s: &Scenario, o: &Order) -> Value {
    let file = s.path().join(format!("{}.json", o.external_id));
    std::fs::write(&file, serde_json::to_string(&Record::Order(Box::new(o.clone()))).unwrap()).unwrap();
    let (ok, out, err) =
        s.weft(&["mapping", "preview", "external-orders", "--record", file.to_str().unwrap(), "--json"]);
    assert!(ok, "{out}{err}");
    let preview: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(preview["error"], Value::Null, "{preview:#}");
    preview["writes"][0].clone()
}

#[test]
fn an_erp_order_format_per_market_makes_the_expected_order_create_inputs() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed = json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 100}}]}]});
    let sim = rt.block_on(shopify_common::start(serde_json::from_value(seed).unwrap()));
    let s = Scenario::builder(&sim).build(FLOWS);
    let (ok, out, err) = s.weft(&["config", "check"]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = s.weft(&["mapping", "show", "external-orders"]);
    assert!(ok, "{out}{err}");
    let row = out.lines().find(|l| l.contains("lookup('carriers', erp.versandart)")).unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("shippingLines.title"), "each rule's targets are listed: {out}");

    // What each market's order makes, before anything is written.
    let [de, us, jp] = <[Order; 3]>::try_from(orders()).unwrap();
    let eu = preview(&s, &de);
    assert_eq!(eu["rule"], json!("eu"), "{eu:#}");
    let input = &eu["input"];
    assert_eq!(input["sourceName"], json!("erp"));
    assert_eq!(input["tags"], json!(["market-eu", "zahlung-vorkasse"]));
    assert_eq!(input["note"], json!("Bitte klingeln"));
    assert_eq!(input["poNumber"], json!("K-100"));
    assert_eq!(input["shippingLines"][0]["title"], json!("DHL Parcel"));
    assert_eq!(input["shippingLines"][0]["code"], json!("DHL_PAKET"));
    assert_eq!(input["shippingLines"][0]["priceSet"]["shopMoney"]["amount"], json!("4.90"), "the amounts stay");
    assert_eq!(input["lineItems"][0]["properties"], json!([{"name": "Artikel", "value": "MUG"}]));
    assert_eq!(
        input["transactions"],
        json!([{"kind": "SALE", "status": "SUCCESS", "gateway": "bank_transfer", "amountSet": {"shopMoney": {"amount": "24.90", "currencyCode": "USD"}}}])
    );
    let na = preview(&s, &us);
    assert_eq!(na["rule"], json!("north-america"), "{na:#}");
    let input = &na["input"];
    assert_eq!(input["tags"], json!(["market-na", "gift"]));
    assert_eq!(input["note"], json!("Gift message: Happy birthday"));
    assert_eq!(input["poNumber"], json!("PO-77"));
    assert_eq!(input["shippingLines"][0]["title"], json!("UPS Ground"));
    assert_eq!(input["customAttributes"], json!([{"key": "ordered", "value": "11/02/2026"}]));
    assert_eq!(input["transactions"][0]["gateway"], json!("stripe"));
    let elsewhere = preview(&s, &jp);
    assert_eq!(elsewhere["skipped"], json!("rule `elsewhere` skips it"), "{elsewhere:#}");
    assert_eq!(sim.counters().writes.get("orderCreate").copied().unwrap_or(0), 0, "a preview writes nothing");

    // The ERP's export, then one run: Shopify has what the previews showed.
    let feed: String = orders()
        .into_iter()
        .map(|o| {
            let record = serde_json::to_value(Record::Order(Box::new(o.clone()))).unwrap();
            json!({"order_id": o.external_id, "record": record}).to_string() + "\n"
        })
        .collect();
    s.feed_file("orders-1.jsonl", &feed);
    let (ok, out, err) = s.weft(&["run", "external-orders", "--once"]);
    assert!(ok, "{out}{err}");
    let state = sim.state();
    let created = shopify_common::all(&state, "orders");
    assert_eq!(created.len(), 2, "the order of no market is skipped: {out}{err}");
    let find = |id: &str| created.iter().find(|o| o["source_identifier"] == json!(format!("erp:{id}"))).unwrap();
    let de = find("DE-1");
    assert_eq!(de["tags"], json!(["market-eu", "zahlung-vorkasse"]), "{de:#}");
    assert_eq!((de["note"].clone(), de["source_name"].clone()), (json!("Bitte klingeln"), json!("erp")));
    assert_eq!(de["detail"]["po_number"], json!("K-100"));
    let shipping = &de["detail"]["shipping_lines"][0];
    assert_eq!((shipping["title"].clone(), shipping["code"].clone()), (json!("DHL Parcel"), json!("DHL_PAKET")));
    assert_eq!(de["transactions"][0]["gateway"], json!("bank_transfer"));
    assert_eq!(de["line_items"][0]["detail"]["properties"], json!([["Artikel", "MUG"]]));
    let us = find("US-1");
    assert_eq!(us["tags"], json!(["market-na", "gift"]), "{us:#}");
    assert_eq!(
        (us["note"].clone(), us["detail"]["po_number"].clone()),
        (json!("Gift message: Happy birthday"), json!("PO-77"))
    );
    assert_eq!(us["detail"]["shipping_lines"][0]["title"], json!("UPS Ground"));
    assert_eq!(us["detail"]["custom_attributes"], json!([["ordered", "11/02/2026"]]));
    assert_eq!(us["transactions"][0]["gateway"], json!("stripe"));
}

#[test]
fn an_unknown_variable_or_key_lists_what_there_is() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    // `order` is not a variable of a flow from the ERP, nor `item` of its lines: the check names
    // the ones there are (a line's fields see `line` too).
    for (mapping, key, provides) in [
        ("note = \"order.note\"", "mapping.note", "it provides: erp, record (and the helper functions: join"),
        ("\"lineItems.title\" = \"upper(item.title)\"", "mapping.lineItems.title", "it provides: erp, record, line"),
    ] {
        let s = Scenario::builder(&sim).build(&format!(
            "[flows.external-orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\nmapping = {{ {mapping} }}\n"
        ));
        let (ok, out, err) = s.weft(&["config", "check"]);
        assert!(!ok, "{out}{err}");
        let text = format!("{out}{err}");
        assert!(text.contains(&format!("flows.external-orders.{key}")) && text.contains(provides), "{text}");
    }

    // The README's example over a record without `category`: the error lists the keys it has.
    let s = Scenario::builder(&sim).build(
        "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\nownership = { tags = \"erp\" }\n\
         mapping = { tags = \"erp.category + ',' + erp.brand\" }\n",
    );
    s.feed_file(
        "products.csv",
        "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,variant_id,sku,price\n\
         P1,TEE,Tee,Acme,Shirts,,active,Size,M,V1,TEE-1,9.00\n",
    );
    let (_, out, err) = s.weft(&["mapping", "preview", "products", "--json"]);
    let preview: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let message = preview["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("mapping.tags"), "{preview:#}");
    assert!(message.contains("erp has no `category` (it has: ") && message.contains("product_type"), "{message}");
}

/// The README's own catalog example (its `mapping`, `skip_if` and `ownership` lines, as written
/// there) over an ERP export with `category`, `brand` and `lifecycle` columns of its own.
#[test]
fn the_readmes_mapping_example_works() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let example: String = readme
        .split("[flows.catalog]")
        .nth(1)
        .expect("the README's catalog example")
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| ["mapping", "skip_if", "ownership"].iter().any(|k| l.starts_with(k)))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(example.contains("erp.category + ',' + erp.brand"), "{example}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let s = Scenario::builder(&sim)
        .build(&format!("[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{example}"));
    s.feed_file(
        "products.csv",
        "product_id,product_sku,title,vendor,category,brand,lifecycle,status,variant_id,sku,price\n\
         P1,TEE,  Blue Tee ,Northwind,Shirts,Acme,active,active,V1,TEE-1,19.90\n\
         P2,OLD,Old Tee,Northwind,Shirts,Acme,obsolete,active,V2,OLD-1,9.90\n",
    );
    let (ok, out, err) = s.weft(&["run", "catalog", "--once"]);
    assert!(ok, "{out}{err}");
    let state = sim.state();
    let products = shopify_common::all(&state, "products");
    assert_eq!(products.len(), 1, "the obsolete product is skipped: {out}{err}");
    assert_eq!(
        (products[0]["title"].clone(), products[0]["tags"].clone()),
        (json!("Blue Tee"), json!(["Shirts", "Acme"]))
    );
}

/// Shopify → ERP: a shop order reaches the ERP's outbox as the flow's mapping makes the record
/// (fields, `extra` keys, per line), through the real connector push.
#[test]
fn shop_orders_reach_the_erp_mapped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed = json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 100}}]}]});
    let sim = rt.block_on(shopify_common::start(serde_json::from_value(seed).unwrap()));
    let s = Scenario::builder(&sim).build(
        "[flows.shop-orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\nsince = \"2020-01-01\"\n\
         [flows.shop-orders.mapping]\nnote = \"'Shop order ' + shopify.name\"\n\"extra.channel\" = \"upper(shopify.source)\"\n\
         \"lines.extra.bin\" = \"'BIN-' + line.sku\"\n",
    );
    {
        let _inside = rt.enter();
        sim.place_order(Some("buyer@example.com"), &[("MUG".to_owned(), 2)]).expect("a shop order");
    }
    let (ok, out, err) = s.weft(&["run", "shop-orders", "--once"]);
    assert!(ok, "{out}{err}");
    let outbox = s.feed.join("out/orders");
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap_or_else(|e| panic!("{e}: {out}{err}")).collect();
    assert_eq!(files.len(), 1, "{out}{err}");
    let pushed: Value =
        serde_json::from_str(&std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap()).unwrap();
    let o = pushed.get("Order").unwrap_or(&pushed);
    assert!(o["note"].as_str().is_some_and(|n| n.starts_with("Shop order #")), "{o:#}");
    let extra: Value = serde_json::from_str(o["extra"].as_str().unwrap()).unwrap();
    assert_eq!(extra["channel"], json!(o["source"].as_str().unwrap().to_uppercase()), "{o:#}");
    let line_extra: Value = serde_json::from_str(o["lines"][0]["extra"].as_str().unwrap()).unwrap();
    assert_eq!(line_extra["bin"], json!("BIN-MUG"), "{o:#}");
}
