//! A shop order's money in a real Tryton, end to end (`weft serve`, the simulator, Tryton 8): an
//! order with a shipping and a billing address, two shipping lines, taxes on lines and shipping,
//! an automatic line discount and a discount code, paid in EUR in a USD shop, becomes a Tryton sale
//! in EUR with both addresses, its lines at their discounted prices with their taxes, a line per
//! shipping line with its tax, and Tryton's own untaxed, tax and total amounts equal to Shopify's
//! to the cent — without the rounding line the connector adds when they would differ. An order
//! of 120 lines (read from Shopify in pages, sent to Tryton in one large request) becomes one
//! sale of 120 lines.

use crate::connector_support;
use crate::orders_support;
use crate::orders_tryton::{sales, serve};

use crate::common::engine::wait_for;
use connector_support::tryton::{env_or_skip, Tryton};
use orders_support::{dead, order_drift, unique_number, Shop};
use serde_json::{json, Value};
use shopify_sim::Checkout;
use std::str::FromStr;
use std::time::Duration;
use weft::shopify::queries::Operation;

const ORDER_TOTALS: Operation = Operation {
    name: "OrderTotals",
    document: "query OrderTotals($id: ID!) { order(id: $id) { presentmentCurrencyCode \
        subtotalPriceSet { presentmentMoney { amount } } totalShippingPriceSet { presentmentMoney { amount } } \
        totalTaxSet { presentmentMoney { amount } } totalDiscountsSet { presentmentMoney { amount } } \
        totalPriceSet { presentmentMoney { amount } } } }",
    file: "inline",
};

fn decimal(v: &Value) -> rust_decimal::Decimal {
    let text = v.as_str().map(str::to_owned).or_else(|| v.get("decimal").and_then(Value::as_str).map(str::to_owned));
    text.and_then(|t| rust_decimal::Decimal::from_str(&t).ok()).unwrap_or_else(|| panic!("not a decimal: {v}"))
}

fn address(street: &str, city: &str, zip: &str, country: &str) -> Value {
    json!({"first_name": "Ada", "last_name": "Buyer", "address1": street, "city": city, "zip": zip, "country_code": country})
}

/// The sale's fields and its lines.
fn sale(t: &Tryton, id: &Value) -> (Value, Vec<Value>) {
    let fields = json!([
        "total_amount",
        "untaxed_amount",
        "tax_amount",
        "currency.code",
        "shipment_address.street",
        "invoice_address.street",
        "lines"
    ]);
    let sale = t.model("sale.sale", "read", vec![json!([id]), fields])[0].clone();
    let lines = t.model(
        "sale.line",
        "read",
        vec![sale["lines"].clone(), json!(["description", "quantity", "unit_price", "amount", "note", "taxes"])],
    );
    (sale, lines.as_array().cloned().unwrap_or_default())
}

#[test]
fn a_eur_order_with_addresses_shipping_taxes_and_discounts_is_the_same_sale_in_tryton_to_the_cent() {
    let Some(t) =
        env_or_skip("a_eur_order_with_addresses_shipping_taxes_and_discounts_is_the_same_sale_in_tryton_to_the_cent")
    else {
        return;
    };
    let first = unique_number();
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": first,
        "exchange_rates": {"EUR": "0.92"}, "products": [
        {"title": "Pen", "variants": [{"sku": "TT-PEN", "price": "2.50", "inventory": {"Main": 1000}}]},
        {"title": "Hoodie", "variants": [{"sku": "TT-HOODIE-M", "price": "9.50", "inventory": {"Main": 1000}}]}]}));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (serve, addr) = serve(dir, &shop, &t);
    shop.subscribe(&addr, &["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_PAID"]);

    let vat = |rate: &str| json!([{"title": "VAT", "rate": rate}]);
    let checkout: Checkout = serde_json::from_value(json!({
        "email": format!("eur-{first}@example.com"),
        "presentment_currency": "EUR",
        "shipping_address": address("Hauptstrasse 1", "Berlin", "10115", "DE"),
        "billing_address": address("Rue de Rivoli 5", "Paris", "75001", "FR"),
        "lines": [
            {"sku": "TT-PEN", "quantity": 4, "price": "2.50", "discount": {"title": "Bundle", "amount": "1.00"}, "tax_lines": vat("0.10")},
            {"sku": "TT-HOODIE-M", "quantity": 2, "price": "9.50", "tax_lines": vat("0.10")}],
        "shipping_lines": [
            {"title": "Standard", "code": "STD", "price": "4.90", "tax_lines": vat("0.10")},
            {"title": "Express surcharge", "code": "EXP", "price": "3.00", "tax_lines": vat("0.20")}],
        "discount_code": {"code": "WELCOME", "type": "percentage", "value": "10"},
        "note": "ring twice"
    }))
    .expect("a checkout");
    let id = {
        let _inside = shop.runtime.enter();
        shop.sim.place_checkout(&checkout).expect("the checkout")
    };
    let name = format!("#{first}");

    wait_for(Duration::from_secs(120), "the sale in Tryton", || !sales(&t, &name).is_empty());
    let found = sales(&t, &name);
    assert_eq!(found.len(), 1, "one sale: {found:?}");
    let (sale, lines) = sale(&t, &found[0]["id"]);
    let totals = shop.graphql(&ORDER_TOTALS, json!({"id": format!("gid://shopify/Order/{id}")}))["order"].clone();
    let shopify = |field: &str| decimal(&totals[field]["presentmentMoney"]["amount"]);
    eprintln!("Shopify: {totals:#}\nTryton: {sale:#}\nlines: {lines:#?}");

    assert_eq!(totals["presentmentCurrencyCode"], "EUR");
    assert_eq!(sale["currency."]["code"], "EUR", "the sale is in the currency the buyer paid");
    assert!(
        lines.iter().all(|l| l["note"] != "shopify rounding"),
        "Tryton's own amounts match without a rounding line: {lines:#?}"
    );
    assert_eq!(decimal(&sale["total_amount"]), shopify("totalPriceSet"), "total");
    assert_eq!(decimal(&sale["tax_amount"]), shopify("totalTaxSet"), "tax on lines and shipping");
    assert_eq!(
        decimal(&sale["untaxed_amount"]),
        shopify("subtotalPriceSet") + shopify("totalShippingPriceSet"),
        "lines after their discounts, and shipping"
    );
    assert!(shopify("totalDiscountsSet") > rust_decimal::Decimal::ZERO, "the order has discounts: {totals:#}");
    assert_eq!(sale["shipment_address."]["street"], "Hauptstrasse 1");
    assert_eq!(sale["invoice_address."]["street"], "Rue de Rivoli 5");

    let by_description = |d: &str| lines.iter().find(|l| l["description"] == d).cloned().unwrap_or(Value::Null);
    for (title, price, taxes) in [("Standard", "4.90", 1), ("Express surcharge", "3.00", 1)] {
        let line = by_description(title);
        assert_eq!(decimal(&line["amount"]), rust_decimal::Decimal::from_str(price).unwrap(), "{title}: {line:#}");
        assert_eq!(line["taxes"].as_array().map(Vec::len), Some(taxes), "{title} carries its tax: {line:#}");
    }
    let products: Vec<&Value> =
        lines.iter().filter(|l| l["note"].as_str().is_some_and(|n| n.starts_with("shopify line "))).collect();
    assert_eq!(products.len(), 2, "two product lines: {lines:#?}");
    assert_eq!(dead(&addr, "orders"), vec![], "nothing dead-lettered");

    // Daily reconciliation: the order matches to the cent (in the currency the sale is in); after
    // a silent change of its shipping in Shopify, it is listed with what differs.
    let drift = || -> Vec<Value> {
        let all = order_drift(&tmp.path().join("weft.toml"), "orders");
        all.into_iter().filter(|d| d["order"] == name.as_str()).collect()
    };
    assert_eq!(drift(), Vec::<Value>::new(), "no drift for the order");
    let alteration = serde_json::from_value(json!({"shipping_lines": [{"index": 0, "price": "6.90"}]})).unwrap();
    shop.sim.alter_order(id, &alteration).expect("alter the order");
    let after = drift();
    assert_eq!(after.len(), 1, "the altered order is listed: {after:#?}");
    assert!(after[0]["fields"].to_string().contains("shipping"), "with its shipping: {after:#?}");
    serve.kill();
}

#[test]
fn an_order_of_120_lines_becomes_one_sale_of_120_lines() {
    let Some(t) = env_or_skip("an_order_of_120_lines_becomes_one_sale_of_120_lines") else { return };
    let skus = ["TT-PEN", "TT-HOODIE-M", "TT-CAP-RED", "TT-BAG", "TT-BOOK", "TT-HOODIE-L"];
    let first = unique_number();
    let products: Vec<Value> = skus
        .iter()
        .map(|sku| json!({"title": sku, "variants": [{"sku": sku, "price": "1.50", "inventory": {"Main": 100000}}]}))
        .collect();
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": first, "products": products}));
    let tmp = tempfile::tempdir().unwrap();
    let (serve, addr) = serve(tmp.path(), &shop, &t);
    shop.subscribe(&addr, &["ORDERS_CREATE"]);
    // One line per (SKU, quantity): a marketplace-style order of 120 lines.
    let lines: Vec<Value> =
        (0..120).map(|i| json!({"sku": skus[i % skus.len()], "quantity": 1 + i / skus.len()})).collect();
    let checkout: Checkout =
        serde_json::from_value(json!({"email": format!("big-{first}@example.com"), "lines": lines}))
            .expect("a checkout");
    let id = {
        let _inside = shop.runtime.enter();
        shop.sim.place_checkout(&checkout).expect("the checkout")
    };
    let name = format!("#{first}");
    wait_for(Duration::from_secs(180), "the sale in Tryton (or a dead letter)", || {
        !sales(&t, &name).is_empty() || !dead(&addr, "orders").is_empty()
    });
    assert_eq!(dead(&addr, "orders"), vec![], "nothing dead-lettered");
    let (sale, lines) = sale(&t, &sales(&t, &name)[0]["id"]);
    let products = lines.iter().filter(|l| l["note"].as_str().is_some_and(|n| n.starts_with("shopify line "))).count();
    assert_eq!(products, 120, "every line of the order is a line of the sale");
    let units: rust_decimal::Decimal = lines.iter().map(|l| decimal(&json!(l["quantity"].to_string()))).sum();
    assert_eq!(units, rust_decimal::Decimal::from((0..120).map(|i| 1 + i / skus.len() as i64).sum::<i64>()));
    let totals = shop.graphql(&ORDER_TOTALS, json!({"id": format!("gid://shopify/Order/{id}")}))["order"].clone();
    assert_eq!(decimal(&sale["total_amount"]), decimal(&totals["totalPriceSet"]["presentmentMoney"]["amount"]));
    serve.kill();
}
