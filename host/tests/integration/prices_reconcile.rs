//! Price reconciliation (`weft reconcile` on a price flow) with the file-feed connector and the
//! simulator: after a price sync nothing drifts; a base variant price and a market list's fixed
//! price changed by hand in Shopify are exactly the two records reported; `--heal` sends them
//! again and the next run of the flow puts the ERP's prices back, after which nothing drifts.

use crate::common::scenario::Scenario;
use crate::prices_lists::{list, seed, PRICES};
use crate::shopify_common;
use serde_json::{json, Value};
use weft::shopify::price_lists::{self, FixedPrice};
use weft::shopify::products::{set_prices, variants_by_sku};

fn reconcile(s: &Scenario, heal: bool) -> Value {
    let mut args = vec!["reconcile", "--flow", "prices", "--json"];
    if heal {
        args.push("--heal");
    }
    let (ok, out, err) = s.weft(&args);
    assert!(ok, "{out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("reconcile --json: {e}: {out}{err}"))
}

/// The drifted records of a report as (SKU, scope).
fn drifted(report: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["flows"][0]["price_drift"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| (d["sku"].as_str().unwrap_or("").to_owned(), d["scope"].as_str().unwrap_or("").to_owned()))
        .collect();
    out.sort();
    out
}

#[test]
fn price_reconcile_reports_exactly_the_prices_changed_by_hand_and_heal_puts_them_back() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(seed()));
    let client = shopify_common::client(&sim);
    // One flow writes the base price (no catalog flow) and the lists.
    let s = Scenario::builder(&sim).build("[flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\n");
    s.feed_file(
        "prices-1.csv",
        &format!(
            "{PRICES}EU-MUG,MUG,market,EU,EUR,7.90,,,,,\nEU-MUG,MUG,market,EU,EUR,7.20,,10,,,\n\
             EU-SHIRT,SHIRT-S,market,EU,EUR,18.50,22.00,,,,\n\
             ACME-MUG,MUG,company_location,ACME-BER,EUR,6.00,,,12,600,12\nACME-MUG,MUG,company_location,ACME-BER,EUR,5.40,,24,,,\n\
             BASE-MUG,MUG,base,,USD,9.99,,,,,\nBASE-SHIRT,SHIRT-S,base,,USD,21.00,25.00,,,,\n"
        ),
    );
    let (ok, out, err) = s.weft(&["run", "prices", "--once"]);
    assert!(ok, "{out}{err}");

    let report = reconcile(&s, false);
    assert_eq!(drifted(&report), Vec::<(String, String)>::new(), "{report}");
    assert_eq!(report["flows"][0]["compared"], 5, "every price record compared: {report}");
    assert_eq!(report["summary"]["prices_drifted"], 0, "{report}");

    // By hand in Shopify: the mug's base price and the shirt's fixed price on the EU list.
    rt.block_on(async {
        let v = variants_by_sku(&client, &["MUG".to_owned()]).await.unwrap();
        set_prices(&client, &v[0].product_id, &[(v[0].id.clone(), "1.00".into(), None)]).await.unwrap();
        let targets = price_lists::targets(&client).await.unwrap();
        let eu = &targets.markets["EU"];
        let shirt = variants_by_sku(&client, &["SHIRT-S".to_owned()]).await.unwrap();
        let by_hand =
            FixedPrice { variant: shirt[0].id.clone(), price: "30.00".into(), compare_at: Some("22.00".into()) };
        price_lists::add_fixed(&client, &eu.id, &eu.currency, &[by_hand]).await.unwrap();
    });
    let report = reconcile(&s, false);
    assert_eq!(
        drifted(&report),
        vec![("MUG".into(), "base".into()), ("SHIRT-S".into(), "market EU".into())],
        "exactly the two prices changed by hand: {report}"
    );
    assert_eq!(report["summary"]["prices_drifted"], 2, "{report}");
    let drift = report["flows"][0]["price_drift"].as_array().unwrap();
    let mug = drift.iter().find(|d| d["sku"] == "MUG").unwrap();
    assert_eq!((&mug["erp"]["price"], &mug["shopify"]["price"]), (&json!("9.99"), &json!("1.00")), "{mug}");
    let shirt = drift.iter().find(|d| d["sku"] == "SHIRT-S").unwrap();
    assert_eq!(shirt["erp"]["price"], "18.50", "{shirt}");
    assert!(shirt["price_list"].as_str().is_some_and(|l| l.starts_with("gid://shopify/PriceList/")), "{shirt}");
    let (_, text, _) = s.weft(&["reconcile", "--flow", "prices"]);
    assert!(text.contains("2 price(s) differ") && text.contains("MUG") && text.contains("SHIRT-S"), "{text}");

    // Heal: the two records are sent again; the flow's next run writes the ERP's prices back.
    let report = reconcile(&s, true);
    assert_eq!(report["healed"], 2, "{report}");
    let (ok, out, err) = s.weft(&["run", "prices", "--once"]);
    assert!(ok, "{out}{err}");
    let mug = rt.block_on(variants_by_sku(&client, &["MUG".to_owned()])).unwrap();
    assert_eq!(mug[0].price, "9.99");
    let (_, fixed, _) = list(&sim, "EU prices");
    assert!(fixed.iter().any(|f| f.0 == "SHIRT-S" && f.1 == 1850), "{fixed:?}");
    let report = reconcile(&s, false);
    assert_eq!(drifted(&report), Vec::<(String, String)>::new(), "{report}");
    assert_eq!(report["flows"][0]["compared"], 5, "{report}");
}
