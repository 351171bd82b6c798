//! Each shop order's stock counted once in a real Tryton (`stock_counted_by`), end to end with
//! `weft serve` and the simulator, on a product made for the test (20 units in WH):
//! - hybrid inventory + orders `stock_counted_by = "adjustment"`: the order becomes a sale with
//!   `shipment_method = "manual"`, which creates no shipment and moves nothing; the product's
//!   stock in Tryton changes by the adjustment the hybrid flow booked, once (20 → 18); cancelled
//!   in Shopify, the sale (which Tryton cannot cancel once confirmed) says not to ship it; a
//!   returned order's return sale is `manual` too;
//! - no hybrid flow, orders counted by the order (the default): the sale's shipment takes the
//!   stock (20 → 18 once shipped).

use crate::common;
use crate::connector_support;
use crate::inventory_hybrid::{hybrid_flow, shopify_levels};
use crate::orders_support;
use crate::orders_tryton::ORDER_CANCEL;
use crate::orders_tryton_changes::{gid, ok, return_closed, FULFILL, ORDER_PARTS};

use common::engine::{free_port, wait_for, Serve};
use connector_support::tryton::{env_or_skip, Tryton};
use orders_support::{base_config, shop_env, unique_number, Running, Shop};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Units of the test's product in WH's storage before the order.
const START: i64 = 20;
/// Units the order takes.
const SOLD: i64 = 2;

/// WH: its id and its storage location.
struct Places {
    warehouse: i64,
    storage: i64,
}

fn places(t: &Tryton) -> Places {
    let wh = t.model(
        "stock.location",
        "search_read",
        vec![
            json!([["type", "=", "warehouse"], ["code", "=", "WH"]]),
            json!(0),
            json!(1),
            Value::Null,
            json!(["storage_location"]),
        ],
    );
    Places {
        warehouse: wh[0]["id"].as_i64().expect("WH"),
        storage: wh[0]["storage_location"].as_i64().expect("storage"),
    }
}

/// A new salable product `code` with [`START`] units in WH's storage: its id and the id of the
/// move that stocked it.
fn product(t: &Tryton, code: &str, at: &Places) -> (i64, i64) {
    let unit = t.model("product.uom", "search", vec![json!([["symbol", "=", "u"]]), json!(0), json!(1), Value::Null])
        [0]
    .clone();
    let template = t.model(
        "product.template",
        "create",
        vec![json!([{"name": format!("Stock probe {code}"), "code": code,
        "type": "goods", "default_uom": unit, "salable": true, "sale_uom": unit,
        "list_price": {"__class__": "Decimal", "decimal": "5.00"}, "products": [["create", [{}]]]}])],
    )[0]
    .clone();
    let product = t.model(
        "product.product",
        "search",
        vec![json!([["template", "=", template]]), json!(0), json!(1), Value::Null],
    )[0]
    .as_i64()
    .expect("product");
    (product, t.stock_from_lost_found(&json!(product), &json!(at.storage), START, &unit))
}

/// Every move of `product` but the one that stocked it (`seed`), cancelled ones left out.
fn moves(t: &Tryton, product: i64, seed: i64) -> Vec<Value> {
    let found = t.model(
        "stock.move",
        "search_read",
        vec![
            json!([["product", "=", product], ["id", "!=", seed], ["state", "!=", "cancelled"]]),
            json!(0),
            Value::Null,
            json!([["id", "ASC"]]),
            json!(["from_location", "to_location", "quantity", "state", "origin", "shipment"]),
        ],
    );
    found.as_array().cloned().unwrap_or_default()
}

/// Units of `product` in `storage`, from its done moves.
fn on_hand(t: &Tryton, product: i64, storage: i64) -> i64 {
    let done = t.model(
        "stock.move",
        "search_read",
        vec![
            json!([["product", "=", product], ["state", "=", "done"]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["from_location", "to_location", "quantity"]),
        ],
    );
    let quantity = |m: &Value| m["quantity"].as_f64().unwrap_or(0.0).round() as i64;
    done.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let into = i64::from(m["to_location"].as_i64() == Some(storage));
            let out = i64::from(m["from_location"].as_i64() == Some(storage));
            (into - out) * quantity(m)
        })
        .sum()
}

/// The first sale whose reference is like `reference` (`#1001`, `#1001 return %`): shipment
/// method and shipments.
fn sale(t: &Tryton, reference: &str) -> Option<Value> {
    let found = t.model(
        "sale.sale",
        "search_read",
        vec![
            json!([["reference", "like", reference]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["state", "shipment_method", "shipment_state", "shipments"]),
        ],
    );
    found.as_array().and_then(|a| a.first().cloned())
}

/// Start `weft serve` on the Tryton connection `erp` (warehouse WH) with `flows`.
fn serve(dir: &Path, shop: &Shop, t: &Tryton, warehouse: i64, flows: &str) -> (Running, String) {
    common::install_as_built(&dir.join("plugins"), "tryton");
    let addr = format!("127.0.0.1:{}", free_port());
    let config = format!(
        "{}[connections.erp]\nplugin = \"tryton\"\nallow_hosts = [{:?}]\n\
         config = {{ url = {:?}, database = {:?}, user = {:?}, company = {}, warehouses = [{warehouse}], overlap_seconds = 0 }}\n\
         secrets = {{ password = {{ env = \"WEFT_TRYTON_PASSWORD\" }} }}\n{flows}",
        base_config(dir, &addr, shop),
        t.authority,
        t.url,
        t.db,
        t.user,
        t.company,
    );
    let path = dir.join("weft.toml");
    std::fs::write(&path, config).unwrap();
    let mut env = shop_env(shop);
    env.push(("WEFT_TRYTON_PASSWORD", t.password.clone()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (Running(Some(Serve::start(&path, &addr, &env, &dir.join("serve.log")))), addr)
}

fn orders_flow(counted_by: &str) -> String {
    format!(
        "[flows.orders]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\n{counted_by}\
         trigger = {{ webhook = true, every = \"2s\" }}\n"
    )
}

fn log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
}

#[test]
fn with_hybrid_inventory_a_shop_order_moves_no_stock_in_tryton_only_its_adjustment_does() {
    let Some(t) = env_or_skip("with_hybrid_inventory_a_shop_order_moves_no_stock_in_tryton_only_its_adjustment_does")
    else {
        return;
    };
    let run = unique_number();
    let code = format!("TT-HYB-{run}");
    let at = places(&t);
    let (product, seed) = product(&t, &code, &at);
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": run,
        "products": [{"title": "Probe", "variants": [{"sku": code, "price": "5.00", "inventory": {"Main": 0}}]}]}));
    let main = crate::shopify_common::location_gid(&shop.sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let flows = format!("{}{}", hybrid_flow(&main, "1s"), orders_flow("stock_counted_by = \"adjustment\"\n"));
    let (serve, addr) = serve(dir, &shop, &t, at.warehouse, &flows);
    shop.subscribe(
        &addr,
        &["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "RETURNS_CLOSE", "INVENTORY_LEVELS_UPDATE"],
    );
    // Tryton's level reaches Shopify first: weft knows the level before the sale moves it.
    wait_for(Duration::from_secs(120), "Tryton's 20 in Shopify", || {
        shopify_levels(&shop, &[&code]).get(&code) == Some(&START)
    });

    let placed = shop.place_order(&format!("hybrid-{run}@example.com"), &[(&code, SOLD)]);
    let name = format!("#{run}");
    wait_for(Duration::from_secs(120), "the sale in Tryton", || sale(&t, &name).is_some());
    wait_for(Duration::from_secs(120), "the adjustment booked in Tryton", || on_hand(&t, product, at.storage) != START);
    // Polls of both flows go on meanwhile; nothing more may move.
    std::thread::sleep(Duration::from_secs(6));

    let imported = sale(&t, &name).expect("the sale");
    assert_eq!(imported["shipment_method"], "manual", "imported without moving stock: {imported}");
    assert!(matches!(imported["state"].as_str(), Some("confirmed" | "processing")), "confirmed: {imported}");
    assert_eq!(imported["shipments"], json!([]), "Tryton made no shipment for the sale: {imported}");
    let moved = moves(&t, product, seed);
    assert_eq!(moved.len(), 1, "one move, the adjustment's: {moved:#?}\n{}", log(dir));
    assert_eq!(moved[0]["from_location"].as_i64(), Some(at.storage), "{moved:#?}");
    assert_eq!((moved[0]["quantity"].as_f64(), moved[0]["state"].as_str()), (Some(SOLD as f64), Some("done")));
    assert!(moved[0]["shipment"].as_str().is_some_and(|s| s.starts_with("stock.shipment.internal,")), "{moved:#?}");
    assert_eq!(on_hand(&t, product, at.storage), START - SOLD, "the sale counted once, by its adjustment");
    assert_eq!(
        shopify_levels(&shop, &[&code]).get(&code),
        Some(&(START - SOLD)),
        "Shopify and Tryton agree: weft's writes of Tryton's level kept the sale\n{}",
        log(dir)
    );

    // Cancelled in Shopify (no restock): Tryton cannot cancel the confirmed sale and has nothing
    // to stop; its comment says not to ship it, and still nothing moves.
    let cancelled = shop.graphql(&ORDER_CANCEL, json!({"id": format!("gid://shopify/Order/{placed}")}));
    assert_eq!(cancelled["orderCancel"]["orderCancelUserErrors"], json!([]));
    let comment = || {
        let found = t.model(
            "sale.sale",
            "search_read",
            vec![json!([["reference", "=", name]]), json!(0), json!(1), Value::Null, json!(["comment"])],
        );
        found[0]["comment"].as_str().unwrap_or_default().to_owned()
    };
    wait_for(Duration::from_secs(120), "the cancellation noted on the sale", || {
        comment().contains("Cancelled in Shopify")
    });
    let noted = comment();
    assert!(
        noted.contains("do not create a shipment") && noted.contains(&format!("gid://shopify/Order/{placed}")),
        "{noted}"
    );
    assert_eq!(moves(&t, product, seed).len(), 1, "still only the adjustment's move");
    assert_eq!(on_hand(&t, product, at.storage), START - SOLD);

    // A second order, fulfilled in Shopify and returned (closed): its return sale takes the
    // sale's method and moves nothing either; only adjustments (internal shipments) move stock.
    let second = shop.place_order(&format!("return-{run}@example.com"), &[(&code, 1)]);
    let second_name = format!("#{}", run + 1);
    wait_for(Duration::from_secs(120), "the second sale in Tryton", || sale(&t, &second_name).is_some());
    let parts = shop.graphql(&ORDER_PARTS, json!({"id": gid(second)}));
    let fo = parts["order"]["fulfillmentOrders"]["nodes"][0]["id"].clone();
    let shipped = shop.graphql(&FULFILL, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}}));
    ok(&shipped, "fulfillmentCreate");
    let item = shipped["fulfillmentCreate"]["fulfillment"]["fulfillmentLineItems"]["nodes"][0]["id"].clone();
    return_closed(&shop, second, item);
    let returns = format!("{second_name} return %");
    wait_for(Duration::from_secs(120), "the return sale in Tryton", || sale(&t, &returns).is_some());
    let returned = sale(&t, &returns).expect("the return sale");
    assert_eq!(
        (returned["shipment_method"].as_str(), &returned["shipments"]),
        (Some("manual"), &json!([])),
        "{returned}"
    );
    let moved = moves(&t, product, seed);
    assert!(
        moved.iter().all(|m| m["shipment"].as_str().is_some_and(|s| s.starts_with("stock.shipment.internal,"))),
        "only adjustments moved stock: {moved:#?}"
    );
    serve.kill();
}

#[test]
fn without_hybrid_inventory_a_shop_order_ships_its_stock_from_tryton() {
    let Some(t) = env_or_skip("without_hybrid_inventory_a_shop_order_ships_its_stock_from_tryton") else { return };
    let run = unique_number();
    let code = format!("TT-ORD-{run}");
    let at = places(&t);
    let (product, seed) = product(&t, &code, &at);
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "first_order_number": run,
        "products": [{"title": "Probe", "variants": [{"sku": code, "price": "5.00", "inventory": {"Main": START}}]}]}));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (serve, addr) = serve(dir, &shop, &t, at.warehouse, &orders_flow(""));
    shop.subscribe(&addr, &["ORDERS_CREATE", "ORDERS_UPDATED"]);

    shop.place_order(&format!("order-{run}@example.com"), &[(&code, SOLD)]);
    let name = format!("#{run}");
    wait_for(Duration::from_secs(120), "the sale and its shipment in Tryton", || {
        sale(&t, &name).is_some_and(|s| s["shipments"].as_array().is_some_and(|a| !a.is_empty()))
    });
    let sale = sale(&t, &name).expect("the sale");
    assert_eq!(sale["shipment_method"], "order", "{sale}");
    let moved = moves(&t, product, seed);
    assert!(
        moved.iter().any(|m| m["origin"].as_str().is_some_and(|o| o.starts_with("sale.line,"))
            && m["quantity"].as_f64() == Some(SOLD as f64)),
        "the sale's move takes the stock: {moved:#?}"
    );
    assert_eq!(on_hand(&t, product, at.storage), START, "nothing left the storage before the shipment");
    for step in ["assign_try", "pick", "pack", "do"] {
        t.model("stock.shipment.out", step, vec![sale["shipments"].clone()]);
    }
    assert_eq!(on_hand(&t, product, at.storage), START - SOLD, "the sale counted once, by its shipment");
    serve.kill();
}
