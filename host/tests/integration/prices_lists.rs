//! Prices per market and B2B catalog into the simulator's price lists: an ERP list in EUR for the
//! "EU" market and one for a B2B company location land as fixed prices with their quantity breaks
//! and rule; a second push is unchanged without a write; a price in another currency than its
//! list's is a per-record error naming both; a scope without a price list is one too; the base
//! variant price comes from one flow only (the second is refused by the config check, naming the
//! key); a price flow with `base_price = false` skips base records and still writes lists.

use crate::shopify_common;

use serde_json::{json, Value};
use shopify_common::all;
use shopify_sim::SimHandle;
use weft::flow::{idempotency_key, Written};
use weft::model::*;
use weft::store::Store;

/// Markets, a B2B company and a catalog (with an empty price list) for each.
pub fn seed() -> shopify_sim::Seed {
    seed_with(Vec::new())
}

/// [`seed`] with more products (seed JSON).
pub fn seed_with(more: Vec<Value>) -> shopify_sim::Seed {
    let mut products = vec![
        json!({"title": "Shirt", "handle": "shirt", "variants": [
            {"sku": "SHIRT-S", "price": "20.00", "option": "S"}, {"sku": "SHIRT-M", "price": "20.00", "option": "M"}]}),
        json!({"title": "Mug", "handle": "mug", "variants": [{"sku": "MUG", "price": "8.50"}]}),
    ];
    products.extend(more);
    serde_json::from_value(json!({
        "locations": [{"name": "Main"}],
        "products": products,
        "exchange_rates": {"EUR": "0.9"},
        "markets": [{"name": "EU", "currency": "EUR", "countries": ["DE", "FR"]},
                    {"name": "UK", "currency": "GBP", "countries": ["GB"]}],
        "companies": [{"name": "Acme", "external_id": "C-1",
                       "locations": [{"name": "Acme Berlin", "external_id": "ACME-BER", "currency": "EUR"}]}],
        "catalogs": [
            {"title": "EU catalog", "market": "EU", "price_list": {"name": "EU prices"}},
            {"title": "UK catalog", "market": "UK"},
            {"title": "Acme catalog", "company_location": "Acme Berlin", "price_list": {"name": "Acme prices"}}
        ]
    }))
    .expect("pricing seed")
}

/// A price record of `sku` in `scope`.
pub fn price(sku: &str, scope: PriceScope, amount: &str, currency: &str) -> Price {
    Price {
        external_id: format!("{sku}/{scope:?}"),
        sku: Some(sku.into()),
        scope,
        price: Money { amount: amount.into(), currency: currency.into() },
        extra: "{}".into(),
        ..Price::default()
    }
}

fn keyed(p: Price) -> KeyedRecord {
    let record = Record::Price(p);
    KeyedRecord { key: idempotency_key("prices", &record), record }
}

/// A break from `minimum` units at `amount` EUR.
pub fn eur_break(minimum: u32, amount: &str) -> QuantityBreak {
    QuantityBreak { minimum, price: Money { amount: amount.into(), currency: "EUR".into() } }
}

/// The fixed prices of price list `name` by SKU: (cents, compare-at cents, [(minimum, cents)]),
/// its quantity rules by SKU (minimum, maximum, increment), and its currency.
pub type Fixed = Vec<(String, i64, Option<i64>, Vec<(i64, i64)>)>;
/// Quantity rules by SKU: (SKU, minimum, maximum, increment).
pub type Rules = Vec<(String, i64, Option<i64>, i64)>;
pub fn list(sim: &SimHandle, name: &str) -> (String, Fixed, Rules) {
    let state = sim.state();
    let sku = |id: &str| {
        all(&state, "variants")
            .into_iter()
            .find(|v| v["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id))
            .map(|v| v["sku"].as_str().unwrap_or("").to_owned())
    };
    let lists = all(&state["pricing"], "price_lists");
    let l = lists.iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("no price list {name}"));
    let mut fixed: Fixed = l["fixed"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(v, f)| {
            let breaks = f["breaks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| (b["minimum"].as_i64().unwrap(), b["price"].as_i64().unwrap()))
                .collect();
            (sku(v).unwrap_or_default(), f["price"].as_i64().unwrap(), f["compare_at"].as_i64(), breaks)
        })
        .collect();
    fixed.sort();
    let mut rules: Vec<_> = l["rules"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(v, r)| {
            (
                sku(v).unwrap_or_default(),
                r["minimum"].as_i64().unwrap(),
                r["maximum"].as_i64(),
                r["increment"].as_i64().unwrap(),
            )
        })
        .collect();
    rules.sort();
    (l["currency"].as_str().unwrap_or("").to_owned(), fixed, rules)
}

fn writes(sim: &SimHandle) -> u64 {
    let c = sim.counters();
    [
        "priceListFixedPricesAdd",
        "priceListFixedPricesUpdate",
        "quantityPricingByVariantUpdate",
        "productVariantsBulkUpdate",
    ]
    .iter()
    .map(|k| c.writes.get(*k).copied().unwrap_or(0))
    .sum()
}

fn variant_price(sim: &SimHandle, sku: &str) -> Value {
    all(&sim.state(), "variants").into_iter().find(|v| v["sku"] == sku).expect("variant")["price"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_and_b2b_price_lists_get_fixed_prices_breaks_and_rules_in_their_currency() {
    let sim = shopify_common::start(seed()).await;
    let client = shopify_common::client(&sim);
    let store = Store::in_memory().unwrap();
    let config =
        shopify_common::writer_config("[flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\n");
    let push = |records: Vec<Price>| {
        let keyed: Vec<KeyedRecord> = records.into_iter().map(keyed).collect();
        shopify_common::push_as(&client, &store, &config, "prices", &keyed)
    };
    let eu = |sku: &str, amount: &str| price(sku, PriceScope::Market("EU".into()), amount, "EUR");
    let mut shirt = eu("SHIRT-S", "18.50");
    shirt.compare_at_price = Some(Money { amount: "22.00".into(), currency: "EUR".into() });
    let mut mug = eu("MUG", "7.90");
    mug.quantity_breaks = vec![eur_break(10, "7.20"), eur_break(50, "6.50")];
    let mut acme = price("MUG", PriceScope::CompanyLocation("ACME-BER".into()), "6.00", "EUR");
    acme.quantity_breaks = vec![eur_break(24, "5.40")];
    acme.quantity_rule = Some(QuantityRule { minimum: 12, maximum: Some(600), increment: 12 });
    let by_catalog = price("SHIRT-M", PriceScope::Catalog("Acme catalog".into()), "15.00", "EUR");
    let wrong_currency = price("SHIRT-M", PriceScope::Market("EU".into()), "21.00", "USD");
    let no_list = price("SHIRT-M", PriceScope::Market("UK".into()), "17.00", "GBP");
    let unknown = price("SHIRT-M", PriceScope::CompanyLocation("NOWHERE".into()), "17.00", "EUR");
    let out =
        push(vec![shirt.clone(), mug.clone(), acme.clone(), by_catalog.clone(), wrong_currency, no_list, unknown]);
    for (i, o) in out.iter().enumerate().take(4) {
        assert!(
            matches!(o, Ok(Written::Created(id)) if id.starts_with("gid://shopify/ProductVariant/")),
            "record {i}: {o:?}"
        );
    }
    match &out[4] {
        Err(PluginError::InvalidInput(f)) => {
            assert_eq!(f.field, "price");
            assert!(
                f.message.contains("USD") && f.message.contains("EUR") && f.message.contains("EU catalog"),
                "{}",
                f.message
            );
        }
        other => panic!("a price in USD for the EUR list is a per-record error: {other:?}"),
    }
    assert!(
        matches!(&out[5], Err(PluginError::InvalidInput(f)) if f.field == "scope" && f.message.contains("market `UK`")),
        "{:?}",
        out[5]
    );
    assert!(
        matches!(&out[6], Err(PluginError::InvalidInput(f)) if f.message.contains("company location `NOWHERE`")),
        "{:?}",
        out[6]
    );

    let (currency, fixed, rules) = list(&sim, "EU prices");
    assert_eq!(currency, "EUR");
    assert_eq!(
        fixed,
        vec![("MUG".into(), 790, None, vec![(10, 720), (50, 650)]), ("SHIRT-S".into(), 1850, Some(2200), vec![])],
        "the EU market's list: fixed prices with compare-at and quantity breaks; the USD price is not there"
    );
    assert!(rules.is_empty());
    let (currency, fixed, rules) = list(&sim, "Acme prices");
    assert_eq!(currency, "EUR");
    assert_eq!(fixed, vec![("MUG".into(), 600, None, vec![(24, 540)]), ("SHIRT-M".into(), 1500, None, vec![])]);
    assert_eq!(rules, vec![("MUG".into(), 12, Some(600), 12)], "the B2B quantity rule");
    assert_eq!(variant_price(&sim, "MUG"), json!("8.50"), "a list price never touches the base price");

    // Again: nothing to write, each record unchanged.
    let before = writes(&sim);
    let out = push(vec![shirt.clone(), mug.clone(), acme.clone(), by_catalog.clone()]);
    assert!(out.iter().all(|o| matches!(o, Ok(Written::Unchanged(Some(_))))), "{out:?}");
    assert_eq!(writes(&sim), before, "an unchanged list costs no write");

    // Changes: a new price for the shirt, the mug's breaks replaced, Acme's rule dropped.
    shirt.price.amount = "17.00".into();
    mug.quantity_breaks = vec![eur_break(20, "6.90")];
    acme.quantity_rule = None;
    acme.quantity_breaks = vec![];
    let out = push(vec![shirt, mug, acme]);
    assert!(out.iter().all(|o| matches!(o, Ok(Written::Updated(_)))), "{out:?}");
    let (_, fixed, _) = list(&sim, "EU prices");
    assert_eq!(fixed, vec![("MUG".into(), 790, None, vec![(20, 690)]), ("SHIRT-S".into(), 1700, Some(2200), vec![])]);
    let (_, fixed, rules) = list(&sim, "Acme prices");
    assert_eq!(fixed[0], ("MUG".into(), 600, None, vec![]));
    assert!(rules.is_empty(), "{rules:?}");

    // A quantity rule on a market's list is refused before anything is sent.
    let mut ruled = eu("SHIRT-M", "19.00");
    ruled.quantity_rule = Some(QuantityRule { minimum: 2, maximum: None, increment: 1 });
    let out = push(vec![ruled]);
    assert!(
        matches!(&out[0], Err(PluginError::InvalidInput(f)) if f.field == "quantity_rule" && f.message.contains("B2B")),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_base_price_comes_from_one_flow_only() {
    let flows = |catalog: &str, prices: &str| {
        format!(
            "[connections.erp]\nplugin = \"x\"\n[shopify]\nshop = \"s\"\naccess_token = {{ env = \"U\" }}\nwebhook_secret = {{ env = \"U\" }}\n\
             [flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{catalog}\
             [flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\n{prices}"
        )
    };
    let parse = |text: &str| weft::config::Config::parse(text, std::path::Path::new("weft.toml"));
    let err = parse(&flows("", "")).expect_err("two flows writing the base price are refused").to_string();
    assert!(err.contains("flows.prices.base_price") && err.contains("`catalog`"), "{err}");
    for (catalog, prices) in
        [("base_price = false\n", ""), ("", "base_price = false\n"), ("ownership = { price = \"shopify\" }\n", "")]
    {
        parse(&flows(catalog, prices)).unwrap_or_else(|e| panic!("{catalog}{prices}: {e}"));
    }

    // `base_price = false`: the price flow skips base records and still writes price lists.
    let sim = shopify_common::start(seed()).await;
    let client = shopify_common::client(&sim);
    let store = Store::in_memory().unwrap();
    let config = shopify_common::writer_config(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\nbase_price = false\n",
    );
    let records =
        [price("MUG", PriceScope::Base, "9.99", "USD"), price("MUG", PriceScope::Market("EU".into()), "7.50", "EUR")];
    let keyed: Vec<KeyedRecord> = records.into_iter().map(keyed).collect();
    let out = shopify_common::push_as(&client, &store, &config, "prices", &keyed);
    assert!(matches!(&out[0], Ok(Written::Skipped(why)) if why.contains("another flow")), "{out:?}");
    assert!(matches!(&out[1], Ok(Written::Created(_))), "{out:?}");
    assert_eq!(variant_price(&sim, "MUG"), json!("8.50"));
    assert_eq!(list(&sim, "EU prices").1, vec![("MUG".into(), 750, None, vec![])]);
}

pub const PRICES: &str = "price_id,sku,scope,scope_name,currency,price,compare_at_price,min_quantity,rule_minimum,rule_maximum,rule_increment\n";

/// End to end through `weft run` with the file-feed connector: a prices export with scope columns
/// lands in the market's and the B2B catalog's lists; the row in the wrong currency is that
/// record's error (dead-lettered with both currencies named), the others are written; and
/// `weft config check` refuses a second flow writing the base price, naming the key.
#[test]
fn a_prices_export_with_scopes_lands_in_the_price_lists_through_weft_run() {
    use crate::common::scenario::Scenario;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(seed()));
    let flows = "[flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\nbase_price = false\n";
    let s = Scenario::builder(&sim).build(flows);
    s.feed_file(
        "prices-1.csv",
        &format!(
            "{PRICES}EU-MUG,MUG,market,EU,EUR,7.90,,,,,\nEU-MUG,MUG,market,EU,EUR,7.20,,10,,,\nEU-MUG,MUG,market,EU,EUR,6.50,,50,,,\n\
             EU-SHIRT,SHIRT-S,market,EU,EUR,18.50,22.00,,,,\n\
             ACME-MUG,MUG,company_location,ACME-BER,EUR,6.00,,,12,600,12\nACME-MUG,MUG,company_location,ACME-BER,EUR,5.40,,24,,,\n\
             EU-BAD,SHIRT-M,market,EU,USD,21.00,,,,,\n\
             BASE-MUG,MUG,base,,USD,9.99,,,,,\n"
        ),
    );
    let (_, out, err) = s.weft(&["run", "prices", "--once"]);
    let (currency, fixed, _) = list(&sim, "EU prices");
    assert_eq!(currency, "EUR");
    assert_eq!(
        fixed,
        vec![("MUG".into(), 790, None, vec![(10, 720), (50, 650)]), ("SHIRT-S".into(), 1850, Some(2200), vec![])],
        "{out}{err}"
    );
    let (_, fixed, rules) = list(&sim, "Acme prices");
    assert_eq!(fixed, vec![("MUG".into(), 600, None, vec![(24, 540)])], "{out}{err}");
    assert_eq!(rules, vec![("MUG".into(), 12, Some(600), 12)]);
    assert_eq!(variant_price(&sim, "MUG"), json!("8.50"), "the base price is not this flow's");
    let (_, dead, _) = s.weft(&["dlq", "list"]);
    assert!(dead.contains("EU-BAD") || dead.contains("SHIRT-M"), "the USD row is dead-lettered: {dead}");
    assert!(dead.contains("USD") && dead.contains("EUR"), "{dead}");

    // A second flow writing the base price is refused by `weft config check`, naming the key.
    let two = Scenario::builder(&sim).build(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\n",
    );
    let (ok, out, err) = two.weft(&["config", "check"]);
    assert!(!ok, "{out}{err}");
    assert!(format!("{out}{err}").contains("flows.prices.base_price"), "{out}{err}");
}
