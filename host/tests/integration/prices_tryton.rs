//! End to end with a real Tryton 8.0 (module `product_price_list`) and the simulator, through
//! `weft run`: a Tryton price list of a company in EUR mapped to the "EU" market and a B2B list
//! mapped to the Acme company catalog land in the simulator's price lists with their fixed prices
//! and quantity breaks (lines with a quantity before the unit price's line); a list in USD mapped
//! to the EUR company location is each record's error naming both; a run with nothing changed
//! writes nothing.

use crate::connector_support;
use crate::prices_lists::{list, seed_with};
use crate::shopify_common;

use connector_support::tryton::env_or_skip;
use connector_support::{plugin_host, run_id};
use serde_json::{json, Value};

fn first_id(v: &Value) -> i64 {
    v.as_array().and_then(|a| a.first()).and_then(Value::as_i64).unwrap_or_else(|| panic!("no id in {v}"))
}

#[test]
fn tryton_price_lists_land_in_the_market_and_b2b_price_lists() {
    let Some(t) = env_or_skip("tryton_price_lists_land_in_the_market_and_b2b_price_lists") else { return };
    let run = run_id();
    // A company in EUR (a Tryton price list is in its company's currency) and a user of both
    // companies for the connector (the admin of the shared database is left as it is).
    let eur = first_id(&t.model("currency.currency", "search", vec![json!([["code", "=", "EUR"]])]));
    let party = first_id(&t.model("party.party", "create", vec![json!([{"name": format!("Weft EU {run}")}])]));
    let eu_company = first_id(&t.model("company.company", "create", vec![json!([{"party": party, "currency": eur}])]));
    let login = format!("weft-prices-{run}");
    let password = format!("Pr1ces-{run}-secret");
    let groups = t.model("res.group", "search", vec![json!([["name", "in", ["Product Administration", "Stock"]]])]);
    t.model(
        "res.user",
        "create",
        vec![json!([{"name": login, "login": login, "password": password, "companies": [["add", [t.company, eu_company]]],
                     "company": eu_company, "company_filter": "all", "groups": [["add", groups]]}])],
    );
    let erp = connector_support::tryton::Tryton {
        user: login.clone(),
        password: password.clone(),
        company: eu_company,
        ..t.clone()
    };
    let product = |code: &str| first_id(&t.model("product.product", "search", vec![json!([["code", "=", code]])]));
    let (mug, tee) = (product("TT-MUG"), product("TT-TEE-S"));
    let line =
        |p: i64, quantity: Option<f64>, formula: &str| json!({"product": p, "quantity": quantity, "formula": formula});
    let eu_name = format!("EU retail {run}");
    let acme_name = format!("Acme B2B {run}");
    let us_name = format!("US wholesale {run}");
    erp.model(
        "product.price_list",
        "create",
        vec![json!([
            {"name": eu_name, "company": eu_company, "price": "list_price", "lines": [["create", [
                line(mug, Some(50.0), "6.50"), line(mug, Some(10.0), "7.20"), line(mug, None, "7.90"),
                line(tee, None, "18.50"), line(tee, Some(5.0), "1.00")]]]},
            {"name": acme_name, "company": eu_company, "price": "list_price", "lines": [["create", [
                line(mug, Some(24.0), "5.40"), line(mug, None, "6.00")]]]},
            {"name": us_name, "company": t.company, "price": "list_price", "lines": [["create", [line(tee, None, "21.00")]]]}
        ])],
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = seed_with(
        ["TT-MUG", "TT-TEE-S"]
            .iter()
            .map(
                |sku| json!({"title": sku, "handle": sku.to_lowercase(), "variants": [{"sku": sku, "price": "10.00"}]}),
            )
            .collect(),
    );
    let sim = rt.block_on(shopify_common::start(s));
    let (tmp, _host) = plugin_host(&["tryton"], &[&t.authority]);
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[shopify]
shop = "weft-sim.myshopify.com"
endpoint = "{endpoint}"
access_token = {{ env = "WEFT_TEST_SHOPIFY_TOKEN" }}
webhook_secret = {{ env = "WEFT_TEST_SHOPIFY_TOKEN" }}
[connections.erp]
plugin = "tryton"
allow_hosts = ["{authority}"]
config = {{ url = "{url}", database = "{db}", user = "{login}", company = {company}, price_lists = {{ "{eu_name}" = "market:EU", "{acme_name}" = "catalog:Acme catalog", "{us_name}" = "company_location:ACME-BER" }} }}
secrets = {{ password = {{ env = "WEFT_TEST_TRYTON_PASSWORD" }} }}
[flows.prices]
from = "erp"
to = "shopify"
object = "price"
base_price = false
"#,
            data = tmp.path().join("data").display(),
            plugins = tmp.path().join("plugins").display(),
            endpoint = sim.base_url(),
            authority = t.authority,
            url = t.url,
            db = t.db,
            company = eu_company,
        ),
    )
    .unwrap();
    let weft = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("WEFT_TEST_SHOPIFY_TOKEN", sim.token())
            .env("WEFT_TEST_TRYTON_PASSWORD", &password)
            .output()
            .unwrap();
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let out = weft(&["run", "prices", "--once"]);
    let (currency, fixed, _) = list(&sim, "EU prices");
    assert_eq!(currency, "EUR");
    assert_eq!(
        fixed,
        vec![("TT-MUG".into(), 790, None, vec![(10, 720), (50, 650)]), ("TT-TEE-S".into(), 1850, None, vec![])],
        "the EU list: breaks from the lines before the unit price's; the line after it never applies\n{out}"
    );
    let (currency, fixed, _) = list(&sim, "Acme prices");
    assert_eq!(currency, "EUR");
    assert_eq!(fixed, vec![("TT-MUG".into(), 600, None, vec![(24, 540)])], "the B2B catalog's list\n{out}");
    let dead = weft(&["dlq", "list"]);
    assert!(
        dead.contains("USD") && dead.contains("EUR"),
        "the USD list's price for the EUR location is its record's error: {dead}"
    );

    // Nothing changed in Tryton: the next run writes nothing.
    let writes = |sim: &shopify_sim::SimHandle| {
        let c = sim.counters();
        ["priceListFixedPricesAdd", "quantityPricingByVariantUpdate"]
            .iter()
            .map(|k| c.writes.get(*k).copied().unwrap_or(0))
            .sum::<u64>()
    };
    let before = writes(&sim);
    let out = weft(&["run", "prices", "--once"]);
    assert_eq!(writes(&sim), before, "{out}");

    // Reconcile: Tryton's price records against the lists find no drift; the USD record is
    // rejected (its list is in EUR), not drift.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(&config)
        .args(["reconcile", "--flow", "prices", "--json"])
        .env("WEFT_TEST_SHOPIFY_TOKEN", sim.token())
        .env("WEFT_TEST_TRYTON_PASSWORD", &password)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("reconcile --json: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let flow = &report["flows"][0];
    assert_eq!((&flow["price_drift"], &flow["compared"]), (&json!([]), &json!(3)), "{report}");
    assert!(flow["rejected"].as_u64() >= Some(1), "{report}");
}
