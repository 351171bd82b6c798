//! Two simulators in one process are two shops: own domain, token, webhook secret, currency (orders
//! included) and state; nothing leaks between them.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::webhooks::sign;
use shopify_sim::SimConfig;
use std::time::Duration;

fn shop(domain: &str, token: &str, secret: &str, currency: &str) -> SimConfig {
    SimConfig {
        seed: seed(),
        shop_domain: domain.to_string(),
        token: token.to_string(),
        webhook_secret: secret.to_string(),
        shop_currency: currency.to_string(),
        webhook_retry_base: Duration::from_millis(20),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn two_simulators_answer_as_two_shops() {
    let a = start_with(shop("alpha.myshopify.com", "shpat_alpha", "secret-alpha", "USD")).await;
    let b = start_with(shop("beta.myshopify.com", "shpat_beta", "secret-beta", "EUR")).await;
    let q = "{ shop { id myshopifyDomain currencyCode } }";
    let (sa, sb) = (data(&a, q, json!({})).await, data(&b, q, json!({})).await);
    assert_eq!(sa["shop"]["myshopifyDomain"], "alpha.myshopify.com");
    assert_eq!(sa["shop"]["currencyCode"], "USD");
    assert_eq!(sb["shop"]["myshopifyDomain"], "beta.myshopify.com");
    assert_eq!(sb["shop"]["currencyCode"], "EUR");
    assert_ne!(sa["shop"]["id"], sb["shop"]["id"]);
    assert_eq!(a.shop_domain(), "alpha.myshopify.com");

    // A's token is refused by B.
    let body = serde_json::to_vec(&json!({"query": q})).unwrap();
    let (status, _, _) = post_raw(
        &b.graphql_url(VERSION),
        &[("content-type", "application/json"), ("x-shopify-access-token", a.token())],
        body,
    )
    .await;
    assert_eq!(status, 401);

    // A burst that empties A's bucket leaves B's alone.
    a.set_bucket_available(0.0);
    let (_, throttled) = gql(&a, q, json!({})).await;
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "THROTTLED");
    assert!(gql(&b, q, json!({})).await.1.get("errors").is_none());
    a.set_bucket_available(2000.0);

    // A write to A stays in A.
    let set = "mutation($i: ProductSetInput!) { productSet(input: $i) { product { id } userErrors { message } } }";
    data(&a, set, json!({"i": {"title": "Only in alpha"}})).await;
    let count = |d: Json| d["products"]["nodes"].as_array().unwrap().len();
    let list = "{ products(first: 10) { nodes { title } } }";
    assert_eq!(count(data(&a, list, json!({})).await), 4);
    assert_eq!(count(data(&b, list, json!({})).await), 3);

    // Each shop's orders are in its own currency.
    b.place_order(None, &[("CAP".to_string(), 1)]).expect("order placed");
    let orders = "{ orders(first: 1) { nodes { currencyCode totalPriceSet { shopMoney { currencyCode } } } } }";
    let order = &data(&b, orders, json!({})).await["orders"]["nodes"][0];
    assert_eq!(order["currencyCode"], "EUR");
    assert_eq!(order["totalPriceSet"]["shopMoney"]["currencyCode"], "EUR");
}

#[tokio::test]
async fn each_shop_signs_its_webhooks_with_its_own_secret_and_domain() {
    let a = start_with(shop("alpha.myshopify.com", "shpat_alpha", "secret-alpha", "USD")).await;
    let b = start_with(shop("beta.myshopify.com", "shpat_beta", "secret-beta", "USD")).await;
    let receiver = Receiver::start(0).await;
    subscribe(&a, "ORDERS_CREATE", &receiver.url).await;
    subscribe(&b, "ORDERS_CREATE", &receiver.url).await;
    a.place_order(None, &[("MUG".to_string(), 1)]).unwrap();
    b.place_order(None, &[("CAP".to_string(), 1)]).unwrap();
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2);
    for (domain, secret, other) in
        [("alpha.myshopify.com", "secret-alpha", "secret-beta"), ("beta.myshopify.com", "secret-beta", "secret-alpha")]
    {
        let r = got.iter().find(|r| r.headers["x-shopify-shop-domain"] == domain).expect("a delivery from each shop");
        let hmac = r.headers["x-shopify-hmac-sha256"].to_str().unwrap();
        assert_eq!(hmac, sign(secret, &r.body), "{domain} signs with its own secret");
        assert_ne!(hmac, sign(other, &r.body));
    }
}
