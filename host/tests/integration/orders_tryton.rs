//! Shop orders into a real Tryton through `weft serve`, end to end with the simulator: an order
//! becomes one confirmed sale however its webhooks arrive (`orders/updated` before a late
//! `orders/create`; duplicated; lost, so only polling finds it) and while polling reads it again;
//! two guest checkouts with one e-mail make one party; the Tryton shipment comes back as a
//! fulfillment; a cancellation after Tryton confirmed the sale, before it shipped, cancels what
//! is left to ship there.

use crate::common;
use crate::connector_support;
use crate::orders_support;

use common::engine::{free_port, wait_for, Serve};
use connector_support::tryton::{env_or_skip, Tryton};
use orders_support::{base_config, dead, shop_env, unique_number, Running, Shop};
use serde_json::{json, Value};
use shopify_sim::{Fault, FaultRule};
use std::time::Duration;
use weft::shopify::queries::Operation;

const ORDER_CLOSE: Operation = Operation {
    name: "OrderClose",
    document: "mutation OrderClose($input: OrderCloseInput!) { orderClose(input: $input) { order { id } userErrors { field message } } }",
    file: "inline",
};
/// Cancel an order (reason CUSTOMER, no restock).
pub const ORDER_CANCEL: Operation = Operation {
    name: "OrderCancel",
    document: "mutation OrderCancel($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: false) { orderCancelUserErrors { field message } } }",
    file: "inline",
};

/// POST a webhook signed like Shopify signs it.
pub fn late_webhook(addr: &str, topic: &str, body: &str) -> (u16, String) {
    use base64::Engine;
    use hmac::Mac;
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(shopify_sim::SimConfig::default().webhook_secret.as_bytes())
            .unwrap();
    mac.update(body.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let id = format!("late-{}", unique_number());
    let headers = [
        ("x-shopify-topic", topic),
        ("x-shopify-hmac-sha256", signature.as_str()),
        ("x-shopify-webhook-id", id.as_str()),
        ("content-type", "application/json"),
    ];
    common::engine::post(addr, "/webhooks/shopify", &headers, body.as_bytes()).expect("weft answers")
}

/// Webhook deliveries of orders/* with `outcome`.
fn delivered(shop: &Shop, outcome: &str) -> usize {
    shop.sim.deliveries().iter().filter(|d| d.topic.starts_with("orders/") && d.outcome == outcome).count()
}

/// The sales with reference `name` (state, party, shipments).
pub fn sales(t: &Tryton, name: &str) -> Vec<Value> {
    let found = t.model(
        "sale.sale",
        "search_read",
        vec![
            json!([["reference", "=", name]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["state", "party", "party.code", "shipments"]),
        ],
    );
    found.as_array().cloned().unwrap_or_default()
}

/// Ship the sale of order `name` in Tryton. A sale is readable before the connector confirmed
/// it, and only a confirmed sale has its shipment, so this waits for the shipment first.
pub fn ship(t: &Tryton, name: &str) {
    let shipments = || sales(t, name).into_iter().next().map(|s| s["shipments"].clone()).unwrap_or(Value::Null);
    wait_for(Duration::from_secs(120), &format!("the shipment of {name} in Tryton"), || {
        shipments().as_array().is_some_and(|a| !a.is_empty())
    });
    let shipments = shipments();
    for step in ["assign_try", "pick", "pack", "do"] {
        t.model("stock.shipment.out", step, vec![shipments.clone()]);
    }
    let states = t.model("stock.shipment.out", "read", vec![shipments, json!(["state"])]);
    assert!(states.as_array().into_iter().flatten().all(|r| r["state"] == "done"), "{name} shipped: {states}");
}

/// A config with the Tryton connection, a flow of shop orders and one of shipments back.
pub fn config(dir: &std::path::Path, addr: &str, shop: &Shop, t: &Tryton) -> String {
    let warehouses: Vec<String> = t.warehouses.iter().map(i64::to_string).collect();
    format!(
        "{}[connections.erp]\nplugin = \"tryton\"\nallow_hosts = [{:?}]\n\
         config = {{ url = {:?}, database = {:?}, user = {:?}, company = {}, warehouses = [{}], overlap_seconds = 0 }}\n\
         secrets = {{ password = {{ env = \"WEFT_TRYTON_PASSWORD\" }} }}\n\
         [flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = {{ webhook = true, every = \"2s\" }}\n\
         [flows.fulfillments]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"fulfillment\"\ntrigger = {{ every = \"2s\" }}\n",
        base_config(dir, addr, shop),
        t.authority,
        t.url,
        t.db,
        t.user,
        t.company,
        warehouses.join(", ")
    )
}

/// Install the Tryton connector into `dir`, write [`config`] and start `weft serve`; returns it
/// and its address.
pub fn serve(dir: &std::path::Path, shop: &Shop, t: &Tryton) -> (Running, String) {
    common::install_as_built(&dir.join("plugins"), "tryton");
    let addr = format!("127.0.0.1:{}", free_port());
    let config_path = dir.join("weft.toml");
    std::fs::write(&config_path, config(dir, &addr, shop, t)).unwrap();
    let mut env = shop_env(shop);
    env.push(("WEFT_TRYTON_PASSWORD", t.password.clone()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (Running(Some(Serve::start(&config_path, &addr, &env, &dir.join("serve.log")))), addr)
}

#[test]
fn a_shop_order_becomes_one_tryton_sale_and_its_shipment_a_fulfillment() {
    let Some(t) = env_or_skip("a_shop_order_becomes_one_tryton_sale_and_its_shipment_a_fulfillment") else { return };
    let first = unique_number();
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": first,
        "products": [{"title": "Pen", "variants": [{"sku": "TT-PEN", "price": "2.50", "inventory": {"Main": 1000}}]}]}));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (serve, addr) = serve(dir, &shop, &t);
    shop.subscribe(&addr, &["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_PAID", "ORDERS_CANCELLED"]);

    // Order A: its orders/create and orders/paid are lost, so closing it (orders/updated)
    // is the first word weft hears of it; the orders/create comes late, further down.
    shop.sim.inject(FaultRule::times(Fault::WebhookDrop, 2));
    let a = shop.place_order(&format!("buyer-{first}@example.com"), &[("TT-PEN", 2)]);
    let closed = shop.graphql(&ORDER_CLOSE, json!({"input": {"id": format!("gid://shopify/Order/{a}")}}));
    assert_eq!(closed["orderClose"]["userErrors"], json!([]));
    wait_for(Duration::from_secs(30), "order A's orders/updated delivered", || {
        delivered(&shop, "dropped") == 2 && delivered(&shop, "delivered") >= 1
    });
    // Order D: its webhooks are lost; only the polling safety net can bring it in.
    shop.sim.inject(FaultRule::times(Fault::WebhookDrop, 2));
    shop.place_order(&format!("lost-{first}@example.com"), &[("TT-PEN", 1)]);
    wait_for(Duration::from_secs(30), "order D's webhooks lost", || delivered(&shop, "dropped") == 4);
    // Orders B and C: two guest checkouts with the same e-mail, every webhook delivered twice.
    shop.sim.inject(FaultRule::times(Fault::WebhookDuplicate, 4));
    let guest = format!("guest-{first}@example.com");
    let b = shop.place_order(&guest, &[("TT-PEN", 1)]);
    shop.place_order(&guest, &[("TT-PEN", 1)]);
    let names: Vec<String> = (0..4).map(|i| format!("#{}", first + i)).collect();

    wait_for(Duration::from_secs(180), "four sales in Tryton", || names.iter().all(|n| !sales(&t, n).is_empty()));
    // Let duplicates and at least two more polls of the safety net go through.
    std::thread::sleep(Duration::from_secs(6));
    let first_delivered = shop
        .sim
        .deliveries()
        .into_iter()
        .find(|d| d.topic.starts_with("orders/") && d.outcome == "delivered")
        .map(|d| d.topic);
    assert_eq!(first_delivered.as_deref(), Some("orders/updated"), "order A's orders/updated came first");
    // The late orders/create of order A (a redelivery under a new webhook id).
    let body =
        json!({"id": a, "admin_graphql_api_id": format!("gid://shopify/Order/{a}"), "name": names[0]}).to_string();
    let (status, answer) = late_webhook(&addr, "orders/create", &body);
    assert_eq!(status, 200, "{answer}");
    std::thread::sleep(Duration::from_secs(4));
    for name in &names {
        let found = sales(&t, name);
        assert_eq!(found.len(), 1, "exactly one sale for {name}: {found:?}");
        assert!(
            matches!(found[0]["state"].as_str(), Some("confirmed" | "processing")),
            "{name} is confirmed: {}",
            found[0]["state"]
        );
    }
    let (sale_b, sale_c) = (&sales(&t, &names[2])[0], &sales(&t, &names[3])[0]);
    assert_eq!(sale_b["party"], sale_c["party"], "two guest checkouts with one e-mail share one party");
    let code = sale_b["party."]["code"].clone();
    assert_eq!(
        t.model("party.party", "search_count", vec![json!([["code", "=", code]])]),
        1,
        "one party with code {code}"
    );

    // Ship order A in Tryton: it becomes one fulfillment in Shopify.
    ship(&t, &names[0]);
    let fulfillments =
        |id: u64| shop.sim.state()["orders"][id.to_string()]["fulfillments"].as_array().map(Vec::len).unwrap_or(0);
    let started = std::time::Instant::now();
    while fulfillments(a) == 0 {
        if started.elapsed() > Duration::from_secs(120) {
            let log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().filter(|l| l.contains("fulfil")).rev().take(15).collect();
            panic!(
                "the Tryton shipment did not become a Shopify fulfillment; dead letters: {:?}\nlog: {tail:#?}",
                dead(&addr, "fulfillments").iter().rev().take(5).collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(fulfillments(a), 1, "one fulfillment, however often the shipment is read");
    assert_eq!(shop.sim.state()["orders"][a.to_string()]["line_items"][0]["fulfilled_quantity"], 2);

    // Cancel order B in Shopify after Tryton confirmed it, before it shipped: Tryton cancels
    // what is left to ship and notes why; nothing is dead-lettered.
    let cancelled = shop.graphql(&ORDER_CANCEL, json!({"id": format!("gid://shopify/Order/{b}")}));
    assert_eq!(cancelled["orderCancel"]["orderCancelUserErrors"], json!([]));
    let open_shipments = || {
        let ids = sales(&t, &names[2])[0]["shipments"].clone();
        let rows = t.model("stock.shipment.out", "read", vec![ids, json!(["state"])]);
        rows.as_array().into_iter().flatten().filter(|r| r["state"] != "cancelled").count()
    };
    let noted = || {
        let comment = t.model("sale.sale", "read", vec![json!([sales(&t, &names[2])[0]["id"]]), json!(["comment"])]);
        comment[0]["comment"].as_str().is_some_and(|c| c.contains("Cancelled in Shopify"))
    };
    wait_for(Duration::from_secs(60), "order B's cancellation noted on its Tryton sale", noted);
    assert_eq!(open_shipments(), 0, "order B's shipment is cancelled");
    assert_eq!(dead(&addr, "orders"), vec![], "nothing dead-lettered");
    assert_eq!(sales(&t, &names[2]).len(), 1);
    serve.kill();
}
