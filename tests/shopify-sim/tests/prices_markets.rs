//! Prices per market and B2B: seeded markets, company locations, catalogs and price lists;
//! price list mutations with their currency checks; quantity breaks and rules; the prices a
//! variant gets in a buyer's context, and a checkout priced by the market's list.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{Checkout, CheckoutLine, SimConfig, SimHandle};

fn seed() -> shopify_sim::Seed {
    let mut seed = common::seed();
    let more: shopify_sim::Seed = serde_json::from_value(json!({
        "exchange_rates": {"EUR": "0.9"},
        "markets": [{"name": "EU", "currency": "EUR", "countries": ["DE", "FR"]}],
        "companies": [{"name": "Acme", "external_id": "C-1", "locations": [{"name": "Acme Berlin", "external_id": "L-1", "currency": "EUR"}]}],
        "catalogs": [
            {"title": "EU catalog", "market": "EU", "price_list": {"name": "EU prices", "adjustment_percent": "10", "prices": [{"sku": "SHIRT-S", "price": "19.00", "compare_at": "25.00"}]}},
            {"title": "Acme catalog", "company_location": "Acme Berlin", "price_list": {"name": "Acme prices",
                "prices": [{"sku": "MUG", "price": "6.00", "breaks": [{"minimum": 10, "price": "5.50"}]}],
                "quantity_rules": [{"sku": "MUG", "minimum": 2, "increment": 2}]}}
        ]
    }))
    .expect("pricing seed");
    seed.exchange_rates = more.exchange_rates;
    seed.markets = more.markets;
    seed.companies = more.companies;
    seed.catalogs = more.catalogs;
    seed
}

async fn start() -> SimHandle {
    start_with(SimConfig { seed: seed(), ..SimConfig::default() }).await
}

/// Price list gids by name.
async fn price_list(sim: &SimHandle, name: &str) -> Json {
    let d = data(sim, "{ priceLists(first: 10) { nodes { id name } } }", json!({})).await;
    d["priceLists"]["nodes"].as_array().unwrap().iter().find(|l| l["name"] == name).unwrap()["id"].clone()
}

const PRICING: &str = "query($v: ID!, $c: ContextualPricingContext!) { productVariant(id: $v) { contextualPricing(context: $c) {
  price { amount currencyCode } compareAtPrice { amount currencyCode } quantityRule { minimum maximum increment isDefault }
  quantityPriceBreaks(first: 5) { nodes { minimumQuantity price { amount currencyCode } } } } } }";

#[tokio::test]
async fn seeded_catalogs_price_variants_per_market_and_company_location() {
    let sim = start().await;
    let d = data(&sim, "{ priceLists(first: 10) { nodes { name currency fixedPricesCount parent { adjustment { type value } }
        catalog { __typename title status ... on MarketCatalog { markets(first: 5) { nodes { name handle currencySettings { baseCurrency { currencyCode } } } } }
                  ... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { name externalId currency company { name externalId } } } } } } } }", json!({})).await;
    let lists = d["priceLists"]["nodes"].as_array().unwrap();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0]["name"], "EU prices");
    assert_eq!((lists[0]["currency"].as_str(), lists[0]["fixedPricesCount"].as_i64()), (Some("EUR"), Some(1)));
    assert_eq!(lists[0]["parent"]["adjustment"], json!({"type": "PERCENTAGE_DECREASE", "value": 10.0}));
    assert_eq!(
        lists[0]["catalog"]["markets"]["nodes"],
        json!([{"name": "EU", "handle": "eu", "currencySettings": {"baseCurrency": {"currencyCode": "EUR"}}}])
    );
    assert_eq!(lists[1]["catalog"]["__typename"], "CompanyLocationCatalog");
    assert_eq!(
        lists[1]["catalog"]["companyLocations"]["nodes"],
        json!([{"name": "Acme Berlin", "externalId": "L-1", "currency": "EUR", "company": {"name": "Acme", "externalId": "C-1"}}])
    );

    let (shirt, _) = item_of(&sim, "SHIRT-S").await;
    let (mug, _) = item_of(&sim, "MUG").await;
    let price = |v: &str, c: Json| {
        let (sim, v) = (&sim, v.to_owned());
        async move { data(sim, PRICING, json!({"v": v, "c": c})).await["productVariant"]["contextualPricing"].clone() }
    };
    let de = price(&shirt, json!({"country": "DE"})).await;
    assert_eq!(de["price"], json!({"amount": "19.00", "currencyCode": "EUR"}), "the market list's fixed price");
    assert_eq!(de["compareAtPrice"], json!({"amount": "25.00", "currencyCode": "EUR"}));
    let relative = price(&mug, json!({"country": "FR"})).await;
    assert_eq!(relative["price"], json!({"amount": "6.89", "currencyCode": "EUR"}), "8.50 USD at 0.9, less 10 %");
    let us = price(&mug, json!({"country": "US"})).await;
    assert_eq!(us["price"], json!({"amount": "8.50", "currencyCode": "USD"}), "no market: the base price");
    assert_eq!(us["quantityRule"], json!({"minimum": 1, "maximum": null, "increment": 1, "isDefault": true}));
    let location = data(&sim, "{ companyLocations(first: 1) { nodes { id } } }", json!({})).await["companyLocations"]
        ["nodes"][0]["id"]
        .clone();
    let b2b = price(&mug, json!({"companyLocationId": location})).await;
    assert_eq!(b2b["price"], json!({"amount": "6.00", "currencyCode": "EUR"}));
    assert_eq!(b2b["quantityRule"], json!({"minimum": 2, "maximum": null, "increment": 2, "isDefault": false}));
    assert_eq!(
        b2b["quantityPriceBreaks"]["nodes"],
        json!([{"minimumQuantity": 10, "price": {"amount": "5.50", "currencyCode": "EUR"}}])
    );

    let q = "query($id: ID!) { priceList(id: $id) { fixed: prices(first: 10, originType: FIXED) { nodes { variant { sku } price { amount } originType } }
        all: prices(first: 10) { nodes { originType } } one: prices(first: 10, query: \"variant_id:0\") { nodes { originType } } } }";
    let d = data(&sim, q, json!({"id": price_list(&sim, "EU prices").await})).await;
    assert_eq!(
        d["priceList"]["fixed"]["nodes"],
        json!([{"variant": {"sku": "SHIRT-S"}, "price": {"amount": "19.00"}, "originType": "FIXED"}])
    );
    assert_eq!(
        d["priceList"]["all"]["nodes"].as_array().unwrap().len(),
        5,
        "every variant has a price, relative or fixed"
    );
    assert_eq!(d["priceList"]["one"]["nodes"], json!([]));
}

const ADD: &str =
    "mutation($l: ID!, $p: [PriceListPriceInput!]!) { priceListFixedPricesAdd(priceListId: $l, prices: $p) {
  prices { price { amount currencyCode } variant { sku } } userErrors { field code message } } }";

#[tokio::test]
async fn fixed_prices_are_added_updated_and_deleted_in_the_list_currency_only() {
    let sim = start().await;
    let eu = price_list(&sim, "EU prices").await;
    let (mug, _) = item_of(&sim, "MUG").await;
    let (cap, _) = item_of(&sim, "CAP").await;
    let (shirt, _) = item_of(&sim, "SHIRT-S").await;
    let eur = |amount: &str| json!({"amount": amount, "currencyCode": "EUR"});

    let d = data(&sim, ADD, json!({"l": eu, "p": [{"variantId": cap, "price": eur("9.00")}, {"variantId": mug, "price": {"amount": "7.00", "currencyCode": "USD"}}]})).await;
    let e = &d["priceListFixedPricesAdd"]["userErrors"][0];
    assert_eq!(
        (e["code"].as_str(), e["field"].clone()),
        (Some("PRICE_LIST_CURRENCY_MISMATCH"), json!(["prices", "1", "price"]))
    );
    assert_eq!(e["message"], "The specified currency doesn't match the price list's currency.");
    let count = || async {
        data(&sim, "query($id: ID!) { priceList(id: $id) { fixedPricesCount } }", json!({"id": eu})).await["priceList"]
            ["fixedPricesCount"]
            .clone()
    };
    assert_eq!(count().await, 1, "nothing is added when one price is wrong");

    let d = data(
        &sim,
        ADD,
        json!({"l": eu, "p": [{"variantId": cap, "price": eur("9.00")}, {"variantId": mug, "price": eur("7.00")}]}),
    )
    .await;
    assert_eq!(
        d["priceListFixedPricesAdd"]["prices"],
        json!([{"price": eur("9.00"), "variant": {"sku": "CAP"}}, {"price": eur("7.00"), "variant": {"sku": "MUG"}}])
    );
    assert_eq!(count().await, 3);

    let update = "mutation($l: ID!, $add: [PriceListPriceInput!]!, $del: [ID!]!) { priceListFixedPricesUpdate(priceListId: $l, pricesToAdd: $add, variantIdsToDelete: $del) {
        pricesAdded { price { amount } } deletedFixedPriceVariantIds priceList { fixedPricesCount } userErrors { code } } }";
    let d =
        data(&sim, update, json!({"l": eu, "add": [{"variantId": mug, "price": eur("6.50")}], "del": [shirt]})).await;
    assert_eq!(d["priceListFixedPricesUpdate"]["deletedFixedPriceVariantIds"], json!([shirt]));
    assert_eq!(d["priceListFixedPricesUpdate"]["priceList"]["fixedPricesCount"], 2);

    let delete = "mutation($l: ID!, $v: [ID!]!) { priceListFixedPricesDelete(priceListId: $l, variantIds: $v) { deletedFixedPriceVariantIds userErrors { code } } }";
    let d = data(&sim, delete, json!({"l": eu, "v": [shirt]})).await;
    assert_eq!(d["priceListFixedPricesDelete"]["userErrors"][0]["code"], "PRICE_NOT_FIXED");
    let d = data(&sim, delete, json!({"l": eu, "v": [cap]})).await;
    assert_eq!(d["priceListFixedPricesDelete"]["deletedFixedPriceVariantIds"], json!([cap]));
    let d = data(&sim, ADD, json!({"l": "gid://shopify/PriceList/1", "p": []})).await;
    assert_eq!(d["priceListFixedPricesAdd"]["userErrors"][0]["code"], "PRICE_LIST_NOT_FOUND");
}

#[tokio::test]
async fn price_lists_and_catalogs_are_created_with_their_checks() {
    let sim = start().await;
    let create = "mutation($i: PriceListCreateInput!) { priceListCreate(input: $i) { priceList { id name currency catalog { title } } userErrors { field code } } }";
    let input = |name: &str, currency: &str| json!({"name": name, "currency": currency, "parent": {"adjustment": {"type": "PERCENTAGE_INCREASE", "value": 5.0}}});
    let code = |d: &Json| d["priceListCreate"]["userErrors"][0]["code"].clone();
    assert_eq!(code(&data(&sim, create, json!({"i": input("GBP list", "GBP")})).await), "CURRENCY_NOT_SUPPORTED");
    assert_eq!(code(&data(&sim, create, json!({"i": input("EU prices", "EUR")})).await), "TAKEN");
    let d = data(&sim, create, json!({"i": input("Wholesale EUR", "EUR")})).await;
    let list = d["priceListCreate"]["priceList"]["id"].clone();
    assert!(list.is_string(), "{d}");

    let catalog = "mutation($i: CatalogCreateInput!) { catalogCreate(input: $i) { catalog { __typename title status priceList { name } } userErrors { field code } } }";
    let location =
        data(&sim, "{ companyLocations(first: 1) { nodes { id } } markets(first: 1) { nodes { id } } }", json!({}))
            .await;
    let (loc, market) =
        (location["companyLocations"]["nodes"][0]["id"].clone(), location["markets"]["nodes"][0]["id"].clone());
    let d = data(&sim, catalog, json!({"i": {"title": "Both", "status": "ACTIVE", "context": {"marketIds": [market], "companyLocationIds": [loc]}}})).await;
    assert_eq!(d["catalogCreate"]["userErrors"][0]["code"], "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE");
    let usd =
        data(&sim, create, json!({"i": input("USD list", "USD")})).await["priceListCreate"]["priceList"]["id"].clone();
    let d = data(
        &sim,
        catalog,
        json!({"i": {"title": "EU 2", "status": "ACTIVE", "context": {"marketIds": [market]}, "priceListId": usd}}),
    )
    .await;
    assert_eq!(d["catalogCreate"]["userErrors"][0]["code"], "MARKET_AND_PRICE_LIST_CURRENCY_MISMATCH");
    let d = data(&sim, catalog, json!({"i": {"title": "Acme wholesale", "status": "ACTIVE", "context": {"companyLocationIds": [loc]}, "priceListId": list}})).await;
    assert_eq!(
        d["catalogCreate"]["catalog"],
        json!({"__typename": "CompanyLocationCatalog", "title": "Acme wholesale", "status": "ACTIVE", "priceList": {"name": "Wholesale EUR"}})
    );
    let catalogs = data(&sim, "{ catalogs(first: 10, type: COMPANY_LOCATION) { nodes { title } } }", json!({})).await;
    assert_eq!(catalogs["catalogs"]["nodes"], json!([{"title": "Acme catalog"}, {"title": "Acme wholesale"}]));

    let taken = json!({"name": "Another", "currency": "EUR", "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 1.0}}, "catalogId": d["catalogCreate"]["catalog"]["id"]});
    let d2 = data(&sim, "{ catalogs(first: 10) { nodes { id title } } }", json!({})).await;
    let eu_catalog =
        d2["catalogs"]["nodes"].as_array().unwrap().iter().find(|c| c["title"] == "EU catalog").unwrap()["id"].clone();
    let mut taken = taken;
    taken["catalogId"] = eu_catalog;
    assert_eq!(code(&data(&sim, create, json!({"i": taken})).await), "CATALOG_TAKEN");
}

const QUANTITY: &str = "mutation($l: ID!, $i: QuantityPricingByVariantUpdateInput!) { quantityPricingByVariantUpdate(priceListId: $l, input: $i) {
  productVariants { sku } userErrors { field code message } } }";

fn quantity_input(prices: Json, rules: Json, breaks: Json) -> Json {
    json!({"pricesToAdd": prices, "pricesToDeleteByVariantId": [], "quantityRulesToAdd": rules, "quantityRulesToDeleteByVariantId": [],
           "quantityPriceBreaksToAdd": breaks, "quantityPriceBreaksToDelete": []})
}

#[tokio::test]
async fn quantity_rules_and_price_breaks_are_checked_then_applied_together() {
    let sim = start().await;
    let (acme, eu) = (price_list(&sim, "Acme prices").await, price_list(&sim, "EU prices").await);
    let (cap, _) = item_of(&sim, "CAP").await;
    let eur = |amount: &str| json!({"amount": amount, "currencyCode": "EUR"});
    let code = |d: &Json| d["quantityPricingByVariantUpdate"]["userErrors"][0]["code"].clone();

    let rule = json!([{"variantId": cap, "minimum": 6, "maximum": 60, "increment": 6}]);
    let d = data(&sim, QUANTITY, json!({"l": eu, "i": quantity_input(json!([]), rule.clone(), json!([]))})).await;
    assert_eq!(code(&d), "QUANTITY_RULE_ADD_CATALOG_CONTEXT_NOT_SUPPORTED", "quantity rules are for B2B catalogs");
    let bad_rule = json!([{"variantId": cap, "minimum": 5, "increment": 2}]);
    let d = data(&sim, QUANTITY, json!({"l": acme, "i": quantity_input(json!([]), bad_rule, json!([]))})).await;
    assert_eq!(code(&d), "QUANTITY_RULE_ADD_MINIMUM_NOT_A_MULTIPLE_OF_INCREMENT");
    assert_eq!(
        d["quantityPricingByVariantUpdate"]["userErrors"][0]["message"],
        "Quantity rule minimum is not a multiple of increment."
    );
    let d = data(&sim, QUANTITY, json!({"l": acme, "i": quantity_input(json!([]), json!([]), json!([{"variantId": cap, "minimumQuantity": 12, "price": eur("8.00")}]))})).await;
    assert_eq!(code(&d), "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND", "a break needs a fixed price");
    let low = json!([{"variantId": cap, "minimumQuantity": 3, "price": eur("8.00")}]);
    let d = data(
        &sim,
        QUANTITY,
        json!({"l": acme, "i": quantity_input(json!([{"variantId": cap, "price": eur("9.00")}]), rule.clone(), low)}),
    )
    .await;
    assert_eq!(code(&d), "QUANTITY_PRICE_BREAK_ADD_MIN_LOWER_THAN_QUANTITY_RULES_MIN");
    let d = data(&sim, QUANTITY, json!({"l": acme, "i": quantity_input(json!([{"variantId": cap, "price": {"amount": "9.00", "currencyCode": "USD"}}]), json!([]), json!([]))})).await;
    assert_eq!(code(&d), "PRICE_ADD_CURRENCY_MISMATCH");

    let location = data(&sim, "{ companyLocations(first: 1) { nodes { id } } }", json!({})).await["companyLocations"]
        ["nodes"][0]["id"]
        .clone();
    let before = data(&sim, PRICING, json!({"v": cap, "c": {"companyLocationId": location}})).await;
    assert_eq!(
        before["productVariant"]["contextualPricing"]["quantityRule"]["isDefault"], true,
        "nothing was written by the refused calls"
    );

    let breaks = json!([{"variantId": cap, "minimumQuantity": 12, "price": eur("8.00")}, {"variantId": cap, "minimumQuantity": 24, "price": eur("7.50")}]);
    let d = data(
        &sim,
        QUANTITY,
        json!({"l": acme, "i": quantity_input(json!([{"variantId": cap, "price": eur("9.00")}]), rule, breaks)}),
    )
    .await;
    assert_eq!(d["quantityPricingByVariantUpdate"], json!({"productVariants": [{"sku": "CAP"}], "userErrors": []}));
    let after = data(&sim, PRICING, json!({"v": cap, "c": {"companyLocationId": location}})).await;
    let p = &after["productVariant"]["contextualPricing"];
    assert_eq!(p["price"], eur("9.00"));
    assert_eq!(p["quantityRule"], json!({"minimum": 6, "maximum": 60, "increment": 6, "isDefault": false}));
    assert_eq!(
        p["quantityPriceBreaks"]["nodes"],
        json!([{"minimumQuantity": 12, "price": eur("8.00")}, {"minimumQuantity": 24, "price": eur("7.50")}])
    );

    let mut clear = quantity_input(json!([]), json!([]), json!([]));
    clear["quantityPriceBreaksToDeleteByVariantId"] = json!([cap]);
    clear["quantityRulesToDeleteByVariantId"] = json!([cap]);
    data(&sim, QUANTITY, json!({"l": acme, "i": clear})).await;
    let cleared = data(&sim, PRICING, json!({"v": cap, "c": {"companyLocationId": location}})).await;
    assert_eq!(cleared["productVariant"]["contextualPricing"]["quantityPriceBreaks"]["nodes"], json!([]));
    assert_eq!(cleared["productVariant"]["contextualPricing"]["quantityRule"]["isDefault"], true);
}

#[tokio::test]
async fn a_checkout_in_a_market_is_priced_by_its_price_list() {
    let sim = start().await;
    let checkout = Checkout {
        lines: vec![CheckoutLine {
            sku: "SHIRT-S".into(),
            quantity: 1,
            price: None,
            discount: None,
            tax_lines: vec![],
        }],
        presentment_currency: Some("EUR".into()),
        shipping_address: Some(shopify_sim::Address { country_code: Some("DE".into()), ..Default::default() }),
        ..Checkout::default()
    };
    let id = sim.place_checkout(&checkout).unwrap();
    let d = data(&sim, "query($id: ID!) { order(id: $id) { lineItems(first: 1) { nodes { originalUnitPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } } } } } }", json!({"id": format!("gid://shopify/Order/{id}")})).await;
    assert_eq!(
        d["order"]["lineItems"]["nodes"][0]["originalUnitPriceSet"],
        json!({"shopMoney": {"amount": "21.11"}, "presentmentMoney": {"amount": "19.00", "currencyCode": "EUR"}})
    );
}

#[tokio::test]
async fn pricing_seed_mistakes_are_clear_errors() {
    let sim = start().await;
    let bad = |section: Json| -> String {
        let mut seed = common::seed();
        let more: shopify_sim::Seed = serde_json::from_value(section).expect("seed shape");
        seed.exchange_rates = more.exchange_rates;
        seed.markets = more.markets;
        seed.catalogs = more.catalogs;
        sim.seed(&seed).expect_err("refused")
    };
    assert!(bad(json!({"catalogs": [{"title": "X", "market": "Mars"}]})).contains("unknown market \"Mars\""));
    assert!(bad(json!({"markets": [{"name": "EU", "currency": "EUR"}], "catalogs": [{"title": "X", "market": "EU", "price_list": {"name": "P", "prices": [{"sku": "NOPE", "price": "1"}]}}]})).contains("unknown SKU \"NOPE\""));
    assert!(bad(json!({"exchange_rates": {"EUR": "-1"}})).contains("exchange rate for EUR"));
    assert!(bad(json!({"catalogs": [{"title": "X"}]})).contains("exactly one of market or company_location"));
    let (status, _, body) = post_raw(
        &format!("{}/_sim/seed", sim.base_url()),
        &[("content-type", "application/json")],
        br#"{"markets": [{"name": "EU"}]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("missing field `currency`"));
}
