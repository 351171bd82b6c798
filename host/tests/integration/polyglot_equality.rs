//! The same transform (sku-normalize) written in Rust, Python and JavaScript gives identical
//! output on the same input, through the host: non-ASCII SKUs (full Unicode upper-casing),
//! every record shape that carries SKUs, s64 extremes, per-record errors and config aliases.

use crate::polyglot_support;

use polyglot_support::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use weft::config::LimitsConfig;
use weft::metrics::{Format, Metrics};
use weft::model::*;
use weft::plugin::{Grant, PluginHost};

const PORTS: [&str; 3] = ["sku-normalize", "sku-normalize-py", "sku-normalize-js"];

/// SKUs whose upper-casing differs between simple and full Unicode case mapping, plus padding.
const SKUS: [&str; 9] =
    ["straße", " ﬁsh-2 ", "ǆemal", "Ωmega-x", "\tgadget-x\n", "old-1", "\u{3000}widget\u{a0}", "ß", "ŉ-apostrophe"];

fn input() -> Vec<Record> {
    let mut records = Vec::new();
    for (i, sku) in SKUS.iter().enumerate() {
        let variants = vec![
            variant(&format!("v{i}a"), Some(sku)),
            variant(&format!("v{i}b"), None),
            variant(&format!("v{i}c"), Some("plain")),
        ];
        records.push(Record::Product(product(&format!("p{i}"), "Tee", &["Summer"], variants)));
        records.push(Record::InventoryLevel(level(sku, i as i64 - 4)));
    }
    records.push(Record::Order(Box::new(order("1001", &SKUS))));
    records.push(Record::Price(Price {
        external_id: "price-1".into(),
        sku: Some(" straße ".into()),
        scope: PriceScope::Channel("b2b".into()),
        price: money("9.99", "EUR"),
        compare_at_price: Some(money("12.00", "EUR")),
        extra: "{}".into(),
        ..Price::default()
    }));
    records.push(Record::Fulfillment(Fulfillment {
        external_id: "f1".into(),
        order_external_id: "1001".into(),
        order_name: "#1001".into(),
        lines: vec![
            FulfillmentLine { line_external_id: None, sku: Some("ﬁsh-2".into()), quantity: 2 },
            FulfillmentLine { line_external_id: Some("1001-1".into()), sku: Some("old-1".into()), quantity: 1 },
        ],
        tracking: vec![Tracking { number: "1Z".into(), company: None, url: None }],
        extra: "{}".into(),
        ..Fulfillment::default()
    }));
    // Fails alone: a SKU that is empty once trimmed, between good records.
    records.push(Record::Product(product("bad", "Bad", &[], vec![variant("vb", Some(" \u{2003} "))])));
    records.push(Record::Customer(Customer {
        external_id: "c1".into(),
        sku: None,
        email: Some("a@example.com".into()),
        first_name: Some("Zoë".into()),
        last_name: None,
        phone: None,
        company: None,
        metafields: vec![],
        addresses: vec![],
        tags: vec![],
        updated_at: None,
        extra: "{}".into(),
    }));
    records
}

fn grant() -> Grant {
    let aliases: toml::Table = toml::from_str("\"old-1\" = \"new-1\"\n\" ﬁsh-2 \" = \"fish-main\"").unwrap();
    let mut config = toml::Table::new();
    config.insert("aliases".into(), toml::Value::Table(aliases));
    Grant { config, ..Grant::default() }
}

fn apply(host: &PluginHost, id: &str, records: &[Record], grant: &Grant) -> Vec<Result<Vec<Record>, PluginError>> {
    let mut session = host.session(id, grant).expect("session");
    session.apply(records).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn variant_sku(out: &[Result<Vec<Record>, PluginError>], index: usize) -> String {
    match &out[index] {
        Ok(records) => match &records[0] {
            Record::Product(p) => p.variants[0].sku.clone().unwrap_or_default(),
            other => panic!("not a product: {other:?}"),
        },
        Err(e) => panic!("record {index} failed: {e:?}"),
    }
}

/// The Rust port takes its batches as one buffer (`transform-batch`), the Python and JS ports
/// record by record (`apply`): both ways give the same outcomes.
#[test]
fn rust_python_and_js_ports_give_identical_output() {
    let (_tmp, host) = host_with(&PORTS, LimitsConfig::default());
    let metrics = Arc::new(Metrics::new());
    let host = host.with_metrics(metrics.clone());
    let records = input();
    let grant = grant();
    let rust = apply(&host, "sku-normalize", &records, &grant);

    // The reference output is what the contract says, not just what Rust happens to do.
    assert_eq!(rust.len(), records.len());
    assert_eq!(variant_sku(&rust, 0), "STRASSE");
    assert_eq!(variant_sku(&rust, 2), "FISH-MAIN", "alias keys are normalized (ﬁ → FI) before lookup");
    assert_eq!(variant_sku(&rust, 4), "ǄEMAL");
    assert_eq!(variant_sku(&rust, 10), "NEW-1");
    assert_eq!(variant_sku(&rust, 12), "WIDGET", "ideographic space and NBSP are trimmed");
    assert_eq!(variant_sku(&rust, 16), "ʼN-APOSTROPHE");
    let bad = records.len() - 2;
    assert!(matches!(&rust[bad], Err(PluginError::InvalidInput(f)) if f.field == "sku"), "{:?}", rust[bad]);
    assert!(rust[bad + 1].is_ok() && rust[bad - 1].is_ok(), "one bad record fails alone");

    for id in &PORTS[1..] {
        let out = apply(&host, id, &records, &grant);
        assert_eq!(out.len(), rust.len(), "{id}: one outcome per record");
        for (i, (theirs, ours)) in out.iter().zip(&rust).enumerate() {
            assert_eq!(theirs, ours, "{id} differs from Rust at record {i} (input {:?})", records[i]);
        }
    }
    let scrape = metrics.render(Format::Classic, std::iter::empty(), &BTreeMap::new(), Vec::new());
    for (id, call) in [("sku-normalize", "apply-encoded"), ("sku-normalize-py", "apply"), ("sku-normalize-js", "apply")]
    {
        let series = format!("weft_plugin_call_duration_seconds_count{{plugin=\"{id}\",call=\"{call}\"}} 1");
        assert!(scrape.contains(&series), "{id} is called through {call}: no `{series}` in\n{scrape}");
    }
}

#[test]
fn ports_agree_on_an_empty_batch_and_without_config() {
    let (_tmp, host) = host_with(&PORTS, LimitsConfig::default());
    let records = input();
    let rust = apply(&host, "sku-normalize", &records, &Grant::default());
    assert_eq!(variant_sku(&rust, 10), "OLD-1", "no aliases without config");
    for id in PORTS {
        assert!(apply(&host, id, &[], &Grant::default()).is_empty(), "{id}");
        assert_eq!(apply(&host, id, &records, &Grant::default()), rust, "{id}");
        // describe() agrees too, apart from the id.
        let mut info = host.session(id, &Grant::default()).unwrap().describe().unwrap();
        assert_eq!(info.id, id);
        info.id = "sku-normalize".into();
        let mut reference = host.session("sku-normalize", &Grant::default()).unwrap().describe().unwrap();
        reference.version = info.version.clone();
        assert_eq!(info, reference, "{id}");
    }
}
