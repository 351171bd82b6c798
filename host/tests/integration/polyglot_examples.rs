//! The example plugins in other languages, through the host: price-rules-py (Python: markup,
//! per-currency rounding, compare-at cleanup) and title-template-js (JavaScript: title and tag
//! templates), with their config, and a bad record or template failing alone.

use crate::polyglot_support;

use polyglot_support::*;
use weft::config::LimitsConfig;
use weft::model::*;
use weft::plugin::{Grant, PluginHost};

fn grant(toml_text: &str) -> Grant {
    Grant { config: toml::from_str(toml_text).expect("config TOML"), ..Grant::default() }
}

fn price(id: &str, amount: &str, currency: &str, compare_at: Option<&str>) -> Record {
    Record::Price(Price {
        external_id: id.into(),
        sku: Some(format!("SKU-{id}")),
        price: money(amount, currency),
        compare_at_price: compare_at.map(|c| money(c, currency)),
        extra: "{}".into(),
        ..Price::default()
    })
}

fn apply(host: &PluginHost, id: &str, grant: &Grant, records: &[Record]) -> Vec<Result<Vec<Record>, PluginError>> {
    host.session(id, grant).expect("session").apply(records).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn only(outcome: &Result<Vec<Record>, PluginError>) -> &Record {
    match outcome {
        Ok(records) if records.len() == 1 => &records[0],
        other => panic!("expected one record, got {other:?}"),
    }
}

fn prices(r: &Record) -> (String, Option<String>) {
    match r {
        Record::Price(p) => (p.price.amount.clone(), p.compare_at_price.as_ref().map(|m| m.amount.clone())),
        other => panic!("not a price: {other:?}"),
    }
}

#[test]
fn price_rules_mark_up_round_per_currency_and_drop_fake_discounts() {
    let (_tmp, host) = host_with(&["price-rules-py"], LimitsConfig::default());
    let g = grant("markup_percent = 10\ncompare_at_min_percent = 5\n[round_to]\nEUR = \"0.05\"\n");
    let mut product = product("p1", "Tee", &[], vec![variant("v1", Some("A")), variant("v2", Some("B"))]);
    product.variants[0].price = Some(money("19.90", "EUR"));
    product.variants[0].compare_at_price = Some(money("19.95", "EUR"));
    let input = vec![
        price("1", "9.99", "EUR", Some("12.00")),
        price("2", "1234", "JPY", Some("1300")),
        price("3", "1.2345", "KWD", None),
        price("4", "0.125", "USD", None),
        price("5", "12,50", "EUR", None),
        Record::Product(product),
    ];
    let out = apply(&host, "price-rules-py", &g, &input);
    assert_eq!(out.len(), input.len());
    assert_eq!(
        prices(only(&out[0])),
        ("11.00".into(), Some("12.00".into())),
        "9.99 +10 % = 10.989, to 0.05; 12.00 is > 5 % above"
    );
    assert_eq!(prices(only(&out[1])), ("1357".into(), None), "JPY has no minor unit; 1300 is below the new price");
    assert_eq!(prices(only(&out[2])), ("1.358".into(), None), "KWD has three decimals");
    assert_eq!(prices(only(&out[3])), ("0.14".into(), None), "half-up at the cent: 0.1375 -> 0.14");
    match &out[4] {
        Err(PluginError::InvalidInput(f)) => assert_eq!(f.field, "price.amount"),
        other => panic!("a malformed amount fails alone: {other:?}"),
    }
    let Record::Product(p) = only(&out[5]) else { panic!("not a product") };
    assert_eq!(p.variants[0].price, Some(money("21.90", "EUR")));
    assert_eq!(p.variants[0].compare_at_price, None, "19.95 is not above 21.90");
    assert_eq!(p.variants[1].price, None);
    // Without config: no markup, minor-unit rounding, compare-at kept when higher.
    let out = apply(&host, "price-rules-py", &Grant::default(), &[price("6", "9.999", "EUR", Some("10.00"))]);
    assert_eq!(prices(only(&out[0])), ("10.00".into(), None));
    // A bad config key fails every record with the key named.
    let out = apply(&host, "price-rules-py", &grant("[round_to]\nEUR = \"-1\"\n"), &[price("7", "1", "EUR", None)]);
    assert!(matches!(&out[0], Err(PluginError::InvalidInput(f)) if f.field == "round_to.EUR"), "{out:?}");
}

#[test]
fn title_template_renders_titles_and_tags() {
    let (_tmp, host) = host_with(&["title-template-js"], LimitsConfig::default());
    let g = grant(
        "title = \"{vendor} {title} ({option:Color|lower})\"\nadd_tags = [\"brand:{vendor|slug}\", \"{product_type|slug}\"]\nremove_tags = [\"OLD\"]\n",
    );
    let mut tee = product("p1", "Tee", &["old", "Summer"], vec![variant("v1", Some("A"))]);
    tee.vendor = Some("Café Ünïcorn".into());
    tee.product_type = None;
    tee.options = vec!["Size".into(), "Color".into()];
    tee.variants[0].option_values = vec!["M".into(), "Red".into()];
    let mut mug = product("p2", "Mug", &[], vec![variant("v2", Some("B"))]);
    mug.vendor = Some("Acme".into());
    mug.product_type = Some("Kitchen & Dining".into());
    let level = Record::InventoryLevel(level("A", 3));
    let out = apply(&host, "title-template-js", &g, &[Record::Product(tee), Record::Product(mug), level.clone()]);
    let Record::Product(tee) = only(&out[0]) else { panic!("not a product") };
    assert_eq!(tee.title, "Café Ünïcorn Tee (red)");
    assert_eq!(tee.tags, ["Summer", "brand:cafe-unicorn"]);
    let Record::Product(mug) = only(&out[1]) else { panic!("not a product") };
    assert_eq!(mug.title, "Acme Mug", "empty brackets and extra spaces collapse");
    assert_eq!(mug.tags, ["brand:acme", "kitchen-dining"]);
    assert_eq!(only(&out[2]), &level, "other entities pass through unchanged");
    // An unknown placeholder fails the record, naming the config key.
    let out = apply(
        &host,
        "title-template-js",
        &grant("title = \"{nope}\""),
        &[Record::Product(product("p3", "X", &[], vec![]))],
    );
    match &out[0] {
        Err(PluginError::InvalidInput(f)) => assert!(f.field == "title" && f.message.contains("{nope}"), "{f:?}"),
        other => panic!("{other:?}"),
    }
}
