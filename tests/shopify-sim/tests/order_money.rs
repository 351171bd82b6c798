//! Orders with money detail: a storefront checkout and `orderCreate` with addresses, shipping
//! lines, taxes, discounts and a presentment currency, totals to the cent in both currencies,
//! and orders with more lines than one page.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{
    Address, Checkout, CheckoutCode, CheckoutDiscount, CheckoutLine, CheckoutShipping, CheckoutTax, SimConfig,
};

/// The test seed plus an EU market (EUR at 0.9 per USD) and a B2B company.
fn seed() -> shopify_sim::Seed {
    let mut seed = common::seed();
    seed.exchange_rates.insert("EUR".into(), json!("0.9"));
    seed.markets =
        serde_json::from_value(json!([{"name": "EU", "currency": "EUR", "countries": ["DE", "FR"]}])).unwrap();
    seed.companies = serde_json::from_value(
        json!([{"name": "Acme", "external_id": "C-1", "locations": [{"name": "Acme Berlin", "currency": "EUR"}]}]),
    )
    .unwrap();
    seed
}

async fn start() -> shopify_sim::SimHandle {
    start_with(SimConfig {
        seed: seed(),
        webhook_retry_base: std::time::Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await
}

fn vat() -> Vec<CheckoutTax> {
    vec![CheckoutTax { title: "VAT".into(), rate: json!("0.19") }]
}

fn address(first: &str, city: &str) -> Address {
    Address {
        first_name: Some(first.into()),
        last_name: Some("Lovelace".into()),
        address1: Some("Hauptstr. 1".into()),
        city: Some(city.into()),
        zip: Some("10115".into()),
        country_code: Some("DE".into()),
        ..Address::default()
    }
}

/// Two lines (one with a line discount), two shipping lines, VAT on lines and shipping, a fixed
/// discount code, paid in EUR.
fn rich_checkout() -> Checkout {
    Checkout {
        email: Some("ada@example.com".into()),
        phone: Some("+49301234567".into()),
        lines: vec![
            CheckoutLine {
                sku: "SHIRT-S".into(),
                quantity: 2,
                price: None,
                discount: Some(CheckoutDiscount { title: "Bundle".into(), amount: json!("2.00") }),
                tax_lines: vat(),
            },
            CheckoutLine { sku: "MUG".into(), quantity: 3, price: None, discount: None, tax_lines: vat() },
        ],
        shipping_address: Some(address("Ada", "Berlin")),
        billing_address: Some(address("Augusta", "Hamburg")),
        shipping_lines: vec![
            CheckoutShipping {
                title: "Standard".into(),
                code: Some("STD".into()),
                price: json!("4.90"),
                tax_lines: vat(),
            },
            CheckoutShipping { title: "Gift wrap".into(), code: None, price: json!("1.00"), tax_lines: vec![] },
        ],
        discount_code: Some(CheckoutCode {
            code: "TENOFF".into(),
            kind: "fixed_amount".into(),
            value: Some(json!("5.00")),
        }),
        presentment_currency: Some("EUR".into()),
        note: Some("Ring twice".into()),
        custom_attributes: vec![shopify_sim::CheckoutAttribute { key: "gift".into(), value: "yes".into() }],
        po_number: Some("PO-77".into()),
        ..Checkout::default()
    }
}

const ORDER: &str = "query($id: ID!) { order(id: $id) {
  currencyCode presentmentCurrencyCode taxesIncluded note phone poNumber sourceName displayFinancialStatus discountCodes
  customAttributes { key value }
  shippingAddress { firstName city countryCodeV2 } billingAddress { firstName city }
  subtotalPriceSet { ...bag } totalPriceSet { ...bag } totalTaxSet { ...bag } totalShippingPriceSet { ...bag } totalDiscountsSet { ...bag }
  currentTotalPriceSet { ...bag } totalOutstandingSet { ...bag } totalReceivedSet { ...bag }
  taxLines { title rate priceSet { ...bag } }
  shippingLines(first: 5) { nodes { title code originalPriceSet { ...bag } discountedPriceSet { ...bag } taxLines { title priceSet { ...bag } } } }
  discountApplications(first: 5) { nodes { __typename index targetSelection allocationMethod
    ... on DiscountCodeApplication { code } ... on AutomaticDiscountApplication { title }
    value { ... on MoneyV2 { amount currencyCode } ... on PricingPercentageValue { percentage } } } }
  lineItems(first: 10) { nodes { sku quantity originalUnitPriceSet { ...bag } totalDiscountSet { ...bag } discountedTotalSet { ...bag }
    discountAllocations { allocatedAmountSet { ...bag } discountApplication { index } } taxLines { title rate priceSet { ...bag } } } }
  transactions { kind gateway amountSet { ...bag } }
} }
fragment bag on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }";

/// (shop, presentment) amounts of a MoneyBag.
fn amounts(bag: &Json) -> (String, String) {
    (
        bag["shopMoney"]["amount"].as_str().unwrap().to_owned(),
        bag["presentmentMoney"]["amount"].as_str().unwrap().to_owned(),
    )
}

fn cents(s: &str) -> i64 {
    let (w, f) = s.split_once('.').unwrap();
    w.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
}

#[tokio::test]
async fn a_rich_storefront_order_adds_up_to_the_cent_in_both_currencies() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "ORDERS_CREATE", &receiver.url).await;
    let id = sim.place_checkout(&rich_checkout()).expect("checkout");
    let d = data(&sim, ORDER, json!({"id": format!("gid://shopify/Order/{id}")})).await;
    let o = &d["order"];
    assert_eq!((o["currencyCode"].as_str(), o["presentmentCurrencyCode"].as_str()), (Some("USD"), Some("EUR")));
    assert_eq!(o["totalPriceSet"]["presentmentMoney"]["currencyCode"], "EUR");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["currencyCode"], "USD");
    // Worked by hand: EUR prices are the USD prices × 0.9; the code is spread over the lines in
    // proportion to their prices after the line discount; VAT is on the discounted amounts.
    assert_eq!(amounts(&o["subtotalPriceSet"]), ("57.72".into(), "51.95".into()));
    assert_eq!(amounts(&o["totalShippingPriceSet"]), ("6.55".into(), "5.90".into()));
    assert_eq!(amounts(&o["totalTaxSet"]), ("12.00".into(), "10.80".into()));
    assert_eq!(amounts(&o["totalDiscountsSet"]), ("7.78".into(), "7.00".into()));
    assert_eq!(amounts(&o["totalPriceSet"]), ("76.27".into(), "68.65".into()));
    assert_eq!(amounts(&o["currentTotalPriceSet"]), amounts(&o["totalPriceSet"]));
    assert_eq!(amounts(&o["totalReceivedSet"]), amounts(&o["totalPriceSet"]), "the checkout paid the total");
    assert_eq!(amounts(&o["totalOutstandingSet"]), ("0.00".into(), "0.00".into()));
    assert_eq!(o["displayFinancialStatus"], "PAID");

    let lines = o["lineItems"]["nodes"].as_array().unwrap();
    assert_eq!(amounts(&lines[0]["originalUnitPriceSet"]), ("20.00".into(), "18.00".into()));
    assert_eq!(amounts(&lines[0]["totalDiscountSet"]), ("2.22".into(), "2.00".into()), "only the line-level discount");
    assert_eq!(
        lines[0]["discountAllocations"].as_array().unwrap().len(),
        2,
        "the line discount and its share of the code"
    );
    assert_eq!(amounts(&lines[0]["taxLines"][0]["priceSet"]), ("6.55".into(), "5.89".into()));
    assert_eq!(lines[0]["taxLines"][0]["rate"], 0.19);
    assert_eq!(amounts(&lines[1]["discountAllocations"][0]["allocatedAmountSet"]), ("2.24".into(), "2.01".into()));
    for bag in ["shopMoney", "presentmentMoney"] {
        let sum = |path: &dyn Fn(&Json) -> i64| lines.iter().map(path).sum::<i64>();
        let original = sum(&|l| {
            cents(l["originalUnitPriceSet"][bag]["amount"].as_str().unwrap()) * l["quantity"].as_i64().unwrap()
        });
        let allocated = sum(&|l| {
            l["discountAllocations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| cents(a["allocatedAmountSet"][bag]["amount"].as_str().unwrap()))
                .sum()
        });
        assert_eq!(
            original - allocated,
            cents(o["subtotalPriceSet"][bag]["amount"].as_str().unwrap()),
            "{bag}: subtotal = lines - discounts"
        );
        let parts = ["subtotalPriceSet", "totalShippingPriceSet", "totalTaxSet"]
            .iter()
            .map(|k| cents(o[k][bag]["amount"].as_str().unwrap()))
            .sum::<i64>();
        assert_eq!(
            parts,
            cents(o["totalPriceSet"][bag]["amount"].as_str().unwrap()),
            "{bag}: total = subtotal + shipping + tax"
        );
    }

    let shipping = o["shippingLines"]["nodes"].as_array().unwrap();
    assert_eq!(shipping.len(), 2);
    assert_eq!((shipping[0]["title"].as_str(), shipping[0]["code"].as_str()), (Some("Standard"), Some("STD")));
    assert_eq!(amounts(&shipping[0]["originalPriceSet"]), ("5.44".into(), "4.90".into()));
    assert_eq!(amounts(&shipping[0]["taxLines"][0]["priceSet"]), ("1.03".into(), "0.93".into()));
    assert_eq!(
        o["taxLines"],
        json!([{"title": "VAT", "rate": 0.19, "priceSet": o["totalTaxSet"]}]),
        "taxes summed by title and rate"
    );
    let apps = o["discountApplications"]["nodes"].as_array().unwrap();
    assert_eq!(apps[0]["__typename"], "AutomaticDiscountApplication");
    assert_eq!((apps[0]["title"].as_str(), apps[0]["targetSelection"].as_str()), (Some("Bundle"), Some("ENTITLED")));
    assert_eq!(apps[1]["__typename"], "DiscountCodeApplication");
    assert_eq!(apps[1]["value"], json!({"amount": "5.00", "currencyCode": "EUR"}));
    assert_eq!(o["discountCodes"], json!(["TENOFF"]));
    assert_eq!(
        (o["shippingAddress"]["city"].as_str(), o["billingAddress"]["city"].as_str()),
        (Some("Berlin"), Some("Hamburg"))
    );
    assert_eq!(o["shippingAddress"]["countryCodeV2"], "DE");
    assert_eq!(
        (o["note"].as_str(), o["phone"].as_str(), o["poNumber"].as_str(), o["sourceName"].as_str()),
        (Some("Ring twice"), Some("+49301234567"), Some("PO-77"), Some("web"))
    );
    assert_eq!(o["customAttributes"], json!([{"key": "gift", "value": "yes"}]));

    let got = receiver.wait_for(1).await;
    let body: Json = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!((body["total_price"].as_str(), body["presentment_currency"].as_str()), (Some("76.27"), Some("EUR")));
    assert_eq!(body["total_price_set"]["presentment_money"], json!({"amount": "68.65", "currency_code": "EUR"}));
    assert_eq!(body["discount_codes"], json!([{"code": "TENOFF", "amount": "5.56", "type": "fixed_amount"}]));
    assert_eq!(body["total_shipping_price_set"]["presentment_money"]["amount"], "5.90");
    assert_eq!(
        (body["subtotal_price"].as_str(), body["total_tax"].as_str(), body["total_discounts"].as_str()),
        (Some("57.72"), Some("12.00"), Some("7.78"))
    );
    assert_eq!(body["tax_lines"][0]["price_set"]["presentment_money"]["amount"], "10.80");
    assert_eq!(body["shipping_lines"].as_array().unwrap().len(), 2);
    assert_eq!(body["note_attributes"], json!([{"name": "gift", "value": "yes"}]));
    assert_eq!(body["line_items"][0]["discount_allocations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_rich_checkout_is_placed_over_the_control_api_too() {
    let sim = start().await;
    let body = json!({"email": "bo@example.com", "presentment_currency": "EUR", "taxes_included": true,
        "lines": [{"sku": "MUG", "quantity": 2, "tax_lines": [{"title": "VAT", "rate": "0.19"}]}],
        "shipping_lines": [{"title": "Standard", "price": "4.90"}], "discount_code": {"code": "FREESHIP", "type": "free_shipping"},
        "shipping_address": {"country_code": "FR", "city": "Paris"}});
    let (status, _, bytes) = post_raw(
        &format!("{}/_sim/orders", sim.base_url()),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let id = serde_json::from_slice::<Json>(&bytes).unwrap()["order_id"].clone();
    let d = data(&sim, "query($id: ID!) { order(id: $id) { taxesIncluded totalPriceSet { presentmentMoney { amount } } totalTaxSet { presentmentMoney { amount } }
        shippingLines(first: 1) { nodes { discountedPriceSet { presentmentMoney { amount } } } } } }", json!({"id": id})).await;
    // 2 × 7.65 = 15.30 with VAT included (2.44), free shipping.
    assert_eq!(d["order"]["taxesIncluded"], true);
    assert_eq!(d["order"]["totalPriceSet"]["presentmentMoney"]["amount"], "15.30");
    assert_eq!(d["order"]["totalTaxSet"]["presentmentMoney"]["amount"], "2.44");
    assert_eq!(d["order"]["shippingLines"]["nodes"][0]["discountedPriceSet"]["presentmentMoney"]["amount"], "0.00");

    let bad = json!({"lines": [{"sku": "MUG", "quantity": 1}], "presentment_currency": "JPY"});
    let (status, _, bytes) = post_raw(
        &format!("{}/_sim/orders", sim.base_url()),
        &[("content-type", "application/json")],
        bad.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(String::from_utf8_lossy(&bytes).contains("does not take JPY"), "{}", String::from_utf8_lossy(&bytes));
}

const ORDER_CREATE: &str = "mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) {
  order { id currencyCode presentmentCurrencyCode poNumber note customAttributes { key value } discountCodes
    purchasingEntity { __typename ... on PurchasingCompany { company { name } location { name } } }
    shippingAddress { address1 provinceCode countryCodeV2 } billingAddress { company }
    totalPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } } totalTaxSet { shopMoney { amount } }
    totalDiscountsSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
    lineItems(first: 5) { nodes { taxLines { title priceSet { shopMoney { amount } } } } }
    shippingLines(first: 5) { nodes { title taxLines { priceSet { shopMoney { amount } } } } } }
  userErrors { field message code } } }";

fn money(shop: &str, eur: &str) -> Json {
    json!({"shopMoney": {"amount": shop, "currencyCode": "USD"}, "presentmentMoney": {"amount": eur, "currencyCode": "EUR"}})
}

#[tokio::test]
async fn order_create_takes_shipping_taxes_a_discount_code_addresses_and_a_company_location() {
    let sim = start().await;
    let (mug, _) = item_of(&sim, "MUG").await;
    let company = data(&sim, "{ companyLocations(first: 5) { nodes { id name } } }", json!({})).await
        ["companyLocations"]["nodes"][0]["id"]
        .clone();
    let order = json!({
        "currency": "USD", "presentmentCurrency": "EUR", "poNumber": "PO-1", "note": "from the ERP",
        "customAttributes": [{"key": "erp", "value": "SO-9"}], "companyLocationId": company,
        "lineItems": [{"variantId": mug, "quantity": 4, "priceSet": money("10.00", "9.00")},
                      {"title": "Engraving", "quantity": 1, "priceSet": money("5.00", "4.50"), "taxable": false}],
        "shippingLines": [{"title": "Freight", "priceSet": money("7.00", "6.30"), "taxLines": [{"title": "VAT", "rate": "0.2", "priceSet": money("1.40", "1.26")}]}],
        "taxLines": [{"title": "VAT", "rate": "0.2", "priceSet": money("7.20", "6.48")}],
        "discountCode": {"itemPercentageDiscountCode": {"code": "TEN", "percentage": 10.0}},
        "shippingAddress": {"address1": "1 Rue", "provinceCode": "IDF", "countryCode": "FR"}, "billingAddress": {"company": "Acme"},
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "amountSet": money("49.60", "44.64")}],
    });
    let d = data(&sim, ORDER_CREATE, json!({"order": order})).await;
    assert_eq!(d["orderCreate"]["userErrors"], json!([]), "{d}");
    let o = &d["orderCreate"]["order"];
    assert_eq!(o["presentmentCurrencyCode"], "EUR");
    assert_eq!((o["poNumber"].as_str(), o["note"].as_str()), (Some("PO-1"), Some("from the ERP")));
    assert_eq!(o["customAttributes"], json!([{"key": "erp", "value": "SO-9"}]));
    assert_eq!(
        o["purchasingEntity"],
        json!({"__typename": "PurchasingCompany", "company": {"name": "Acme"}, "location": {"name": "Acme Berlin"}})
    );
    assert_eq!(o["shippingAddress"], json!({"address1": "1 Rue", "provinceCode": "IDF", "countryCodeV2": "FR"}));
    assert_eq!(o["discountCodes"], json!(["TEN"]));
    // 45.00 of lines, 10 % off = 40.50; order VAT 7.20 goes to the taxable line only; freight 7.00 + 1.40.
    assert_eq!(o["subtotalPriceSet"]["shopMoney"]["amount"], "40.50");
    assert_eq!(o["totalDiscountsSet"]["shopMoney"]["amount"], "4.50");
    assert_eq!(o["totalTaxSet"]["shopMoney"]["amount"], "8.60");
    assert_eq!(o["totalShippingPriceSet"]["shopMoney"]["amount"], "7.00");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["amount"], "56.10");
    assert_eq!(o["totalPriceSet"]["presentmentMoney"], json!({"amount": "50.49", "currencyCode": "EUR"}));
    assert_eq!(o["lineItems"]["nodes"][0]["taxLines"][0]["priceSet"]["shopMoney"]["amount"], "7.20");
    assert_eq!(o["lineItems"]["nodes"][1]["taxLines"], json!([]), "untaxable lines get no share of order taxes");
}

#[tokio::test]
async fn order_create_refuses_what_shopify_refuses() {
    let sim = start().await;
    let (mug, _) = item_of(&sim, "MUG").await;
    let line = |price: Json| json!([{"variantId": mug, "quantity": 1, "priceSet": price}]);
    let errors = |d: &Json| d["orderCreate"]["userErrors"].clone();
    let usd = json!({"shopMoney": {"amount": "1.00", "currencyCode": "USD"}});
    let d = data(&sim, ORDER_CREATE, json!({"order": {"currency": "JPY", "lineItems": line(usd.clone())}})).await;
    assert_eq!(errors(&d)[0]["field"], json!(["order", "currency"]));
    assert!(errors(&d)[0]["message"].as_str().unwrap().contains("JPY"), "names the currency: {d}");
    let d = data(&sim, ORDER_CREATE, json!({"order": {"presentmentCurrency": "EUR", "lineItems": line(json!({"shopMoney": {"amount": "1.00", "currencyCode": "USD"}, "presentmentMoney": {"amount": "1.00", "currencyCode": "GBP"}}))}})).await;
    assert_eq!(
        errors(&d)[0]["field"],
        json!(["order", "lineItems", "0", "priceSet", "presentmentMoney", "currencyCode"])
    );
    let both = json!({"lineItems": [{"variantId": mug, "quantity": 1, "taxLines": [{"title": "T", "rate": "0.1"}]}], "taxLines": [{"title": "T", "rate": "0.1"}]});
    let d = data(&sim, ORDER_CREATE, json!({"order": both})).await;
    assert_eq!(
        (errors(&d)[0]["field"].clone(), errors(&d)[0]["code"].clone()),
        (json!(["order", "taxLines"]), json!("INVALID"))
    );
    let d = data(
        &sim,
        ORDER_CREATE,
        json!({"order": {"lineItems": line(usd.clone()), "companyLocationId": "gid://shopify/CompanyLocation/1"}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["field"], json!(["order", "companyLocationId"]));
    let two = json!({"lineItems": line(usd), "discountCode": {"freeShippingDiscountCode": {"code": "A"}, "itemPercentageDiscountCode": {"code": "B", "percentage": 5.0}}});
    assert_eq!(
        errors(&data(&sim, ORDER_CREATE, json!({"order": two})).await)[0]["field"],
        json!(["order", "discountCode"])
    );
    let (_, body) = gql(&sim, "mutation { orderCreate(order: {lineItems: [{title: \"x\", quantity: 1}], shippingLines: [{title: \"x\"}]}) { userErrors { message } } }", json!({})).await;
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("priceSet"),
        "required input fields are checked by the schema: {body}"
    );
    assert_eq!(sim.counters().writes.get("orderCreate"), None, "nothing was created");
}

#[tokio::test]
async fn an_order_with_120_lines_is_read_page_by_page() {
    let sim = start().await;
    let lines: Vec<Json> = (0..120).map(|i| json!({"title": format!("Part {i}"), "sku": format!("P-{i:03}"), "quantity": 1, "priceSet": {"shopMoney": {"amount": "1.25", "currencyCode": "USD"}}})).collect();
    let d = data(&sim, "mutation($o: OrderCreateOrderInput!) { orderCreate(order: $o) { order { id totalPriceSet { shopMoney { amount } } } userErrors { message } } }", json!({"o": {"lineItems": lines}})).await;
    let id = d["orderCreate"]["order"]["id"].clone();
    assert_eq!(d["orderCreate"]["order"]["totalPriceSet"]["shopMoney"]["amount"], "150.00");
    let q = "query($id: ID!, $after: String) { order(id: $id) { lineItems(first: 50, after: $after) { nodes { sku } pageInfo { hasNextPage endCursor } } } }";
    let mut after = Json::Null;
    let mut skus = Vec::new();
    let mut pages = Vec::new();
    loop {
        let (_, body) = gql(&sim, q, json!({"id": id, "after": after})).await;
        assert_eq!(
            body["extensions"]["cost"]["requestedQueryCost"],
            1 + 2 + 50,
            "a page of 50 lines is charged as one"
        );
        let page = &body["data"]["order"]["lineItems"];
        let nodes = page["nodes"].as_array().unwrap();
        pages.push(nodes.len());
        skus.extend(nodes.iter().map(|n| n["sku"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, [50, 50, 20]);
    assert_eq!(skus, (0..120).map(|i| format!("P-{i:03}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn checkouts_can_be_placed_back_in_time() {
    let sim = start().await;
    let mut old = Checkout {
        lines: vec![CheckoutLine { sku: "MUG".into(), quantity: 1, price: None, discount: None, tax_lines: vec![] }],
        ..Checkout::default()
    };
    old.processed_at = Some("2025-11-03T09:30:00Z".into());
    let id = sim.place_checkout(&old).unwrap();
    sim.place_order(None, &[("CAP".into(), 1)]).unwrap();
    let d = data(&sim, "{ orders(first: 5, query: \"created_at:<'2026-01-01T00:00:00Z'\") { nodes { id createdAt processedAt transactions { processedAt } } } }", json!({})).await;
    assert_eq!(
        d["orders"]["nodes"],
        json!([{"id": format!("gid://shopify/Order/{id}"), "createdAt": "2025-11-03T09:30:00Z", "processedAt": "2025-11-03T09:30:00Z",
        "transactions": [{"processedAt": "2025-11-03T09:30:00Z"}]}])
    );
    old.lines.clear();
    assert_eq!(sim.place_checkout(&old), Err("an order needs at least one line".to_string()));
}
