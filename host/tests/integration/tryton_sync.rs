//! The Tryton connector against a real Tryton 8.0 server (started by tests/erp/tryton/start.sh),
//! driven through the host: pull products and stock, push an order and read it back from Tryton,
//! push it again without a second sale, and a stopped server gives a retryable error.

use crate::connector_support;

use connector_support::tryton::{env_or_skip, Tryton};
use connector_support::{plugin_host, run_id, shop_customer, shop_order as order};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use weft::model::*;
use weft::plugin::{PluginHost, PluginSession};

fn session(host: &PluginHost, t: &Tryton) -> PluginSession {
    host.session("tryton", &t.grant()).expect("session")
}

/// Every record of `entity` from `cursor` on, following has-more; returns them and the last cursor.
pub fn pull_all(
    host: &PluginHost,
    t: &Tryton,
    entity: Entity,
    cursor: Option<String>,
    limit: u32,
) -> (Vec<Record>, Option<String>) {
    let mut s = session(host, t);
    let (mut records, mut cursor) = (Vec::new(), cursor);
    for _ in 0..1000 {
        let page = s
            .pull(entity, cursor.as_deref(), limit)
            .expect("no trap")
            .unwrap_or_else(|e| panic!("pull {entity:?}: {e:?}"));
        records.extend(page.records);
        cursor = page.next_cursor.or(cursor);
        if !page.has_more {
            return (records, cursor);
        }
    }
    panic!("pull {entity:?} never ended");
}

pub fn level<'a>(levels: &'a [Record], id: &str) -> &'a InventoryLevel {
    levels
        .iter()
        .find_map(|r| match r {
            Record::InventoryLevel(l) if l.external_id == id => Some(l),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no level {id}"))
}

#[test]
fn pulls_products_and_stock_per_warehouse() {
    let Some(t) = env_or_skip("pulls_products_and_stock_per_warehouse") else { return };
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    let started = Instant::now();
    let (products, _) = pull_all(&host, &t, Entity::Product, None, 5);
    eprintln!("pulled {} products in {:?}", products.len(), started.elapsed());
    let tee = products
        .iter()
        .find_map(|r| match r {
            Record::Product(p) if p.sku.as_deref() == Some("TT-TEE") => Some(p),
            _ => None,
        })
        .expect("seeded template TT-TEE");
    assert_eq!(tee.title, "Tryton Tee");
    let skus: Vec<_> = tee.variants.iter().filter_map(|v| v.sku.clone()).collect();
    assert_eq!(skus, ["TT-TEE-S", "TT-TEE-M", "TT-TEE-L"]);
    assert_eq!(tee.variants[0].option_values, ["S"]);
    let price = tee.variants[0].price.as_ref().expect("price");
    assert_eq!((price.amount.as_str(), price.currency.as_str()), ("19.90", "USD"));
    assert_eq!(tee.variants[0].cost.as_ref().map(|c| c.amount.as_str()), Some("7.50"));

    let started = Instant::now();
    let (levels, _) = pull_all(&host, &t, Entity::InventoryLevel, None, 50);
    eprintln!("pulled {} stock levels in {:?}", levels.len(), started.elapsed());
    // Seeded: 40 on hand in WH, 2 reserved by a confirmed sale whose shipment waits.
    let tee_s = level(&levels, "TT-TEE-S@WH");
    assert_eq!((tee_s.on_hand, tee_s.reserved, tee_s.incoming), (40, 2, 0));
    assert_eq!(level(&levels, "TT-TEE-S@WH2").on_hand, 5);
    // 12 on hand, 20 planned from the supplier.
    let mug = level(&levels, "TT-MUG@WH");
    assert_eq!((mug.on_hand, mug.reserved, mug.incoming), (12, 0, 20));
    assert_eq!(level(&levels, "TT-MUG@WH3").on_hand, 30);
    assert_eq!(level(&levels, "TT-STICKER@WH2").on_hand, 150);
    // Every level carries Tryton's own numbers; on hand is its quantity rounded down.
    for r in &levels {
        let Record::InventoryLevel(l) = r else { panic!("not a level: {r:?}") };
        let extra: Value = serde_json::from_str(&l.extra).expect("extra is JSON");
        assert_eq!(l.on_hand, extra["quantity"].as_f64().expect("quantity").floor() as i64, "{}", l.external_id);
    }
}

#[test]
fn stock_and_product_changes_follow_their_own_cursors() {
    let Some(t) = env_or_skip("stock_and_product_changes_follow_their_own_cursors") else { return };
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    let (_, product_cursor) = pull_all(&host, &t, Entity::Product, None, 100);
    let (_, stock_cursor) = pull_all(&host, &t, Entity::InventoryLevel, None, 100);

    // A new product, then stock for it moved into WH2's storage (not touching the product).
    let code = format!("TT-CUR-{}", run_id());
    let unit = t.model("product.uom", "search", vec![json!([["symbol", "=", "u"]]), json!(0), json!(1), Value::Null])
        [0]
    .clone();
    let tmpl = t.model("product.template", "create", vec![json!([{"name": "Cursor probe", "code": code, "type": "goods",
        "default_uom": unit, "list_price": {"__class__": "Decimal", "decimal": "1.00"}, "products": [["create", [{}]]]}])])[0].clone();
    let product =
        t.model("product.product", "search", vec![json!([["template", "=", tmpl]]), json!(0), json!(1), Value::Null])
            [0]
        .clone();
    let (products, _) = pull_all(&host, &t, Entity::Product, product_cursor.clone(), 100);
    assert!(
        products.iter().any(|r| matches!(r, Record::Product(p) if p.sku.as_deref() == Some(code.as_str()))),
        "new template after the product cursor"
    );

    // Two templates made in one transaction share their timestamp: the (timestamp, id) cursor
    // still delivers each exactly once, and a short last page does not fall back on a tie.
    let twins = t.model("product.template", "create", vec![json!([
        {"name": "Twin A", "code": format!("{code}-A"), "type": "goods", "default_uom": unit, "list_price": {"__class__": "Decimal", "decimal": "1.00"}, "products": [["create", [{}]]]},
        {"name": "Twin B", "code": format!("{code}-B"), "type": "goods", "default_uom": unit, "list_price": {"__class__": "Decimal", "decimal": "1.00"}, "products": [["create", [{}]]]},
    ])]);
    let twin_ids: Vec<String> = twins.as_array().unwrap().iter().map(|i| i.to_string()).collect();
    let (mut seen, mut cursor) = (Vec::new(), product_cursor);
    let mut s = session(&host, &t);
    let mut pull = |limit: u32, cursor: &mut Option<String>, seen: &mut Vec<String>| {
        let page = s.pull(Entity::Product, cursor.as_deref(), limit).expect("no trap").expect("pull");
        seen.extend(page.records.iter().map(|r| r.external_id().to_owned()).filter(|id| twin_ids.contains(id)));
        *cursor = page.next_cursor.or(cursor.take());
        page.has_more
    };
    // One per page up to the first twin, then pages of two (the last one short) to the end, then
    // once more from the end.
    while !seen.contains(&twin_ids[0]) && pull(1, &mut cursor, &mut seen) {}
    for _ in 0..100 {
        if !pull(2, &mut cursor, &mut seen) {
            break;
        }
    }
    pull(2, &mut cursor, &mut seen);
    assert_eq!(seen, twin_ids, "each twin once, in id order");

    let wh2 = t.warehouses[1];
    let storage = t.model("stock.location", "read", vec![json!([wh2]), json!(["storage_location"])])[0]
        ["storage_location"]
        .clone();
    t.stock_from_lost_found(&product, &storage, 7, &unit);
    let today = t.model("ir.date", "today", vec![]);
    // Planned (draft) moves: 5 coming from the supplier, 2 going to a customer, dated ahead.
    let input =
        t.model("stock.location", "read", vec![json!([wh2]), json!(["input_location"])])[0]["input_location"].clone();
    let supplier =
        t.model("stock.location", "search", vec![json!([["type", "=", "supplier"]]), json!(0), json!(1), Value::Null])
            [0]
        .clone();
    let customer =
        t.model("stock.location", "search", vec![json!([["type", "=", "customer"]]), json!(0), json!(1), Value::Null])
            [0]
        .clone();
    let mut later = today.clone();
    later["day"] = json!(28); // any day this month or later: 28 exists in every month
    if later["day"].as_i64() <= today["day"].as_i64() {
        later["month"] = json!(today["month"].as_i64().unwrap() % 12 + 1);
        later["year"] = json!(today["year"].as_i64().unwrap() + i64::from(today["month"] == 12));
    }
    let company = t.company;
    let currency =
        t.model("company.company", "read", vec![json!([company]), json!(["currency"])])[0]["currency"].clone();
    t.model("stock.move", "create", vec![json!([
        {"product": product, "from_location": supplier, "to_location": input, "quantity": 5, "unit": unit, "planned_date": later,
         "company": company, "unit_price": {"__class__": "Decimal", "decimal": "1"}, "currency": currency},
        {"product": product, "from_location": storage, "to_location": customer, "quantity": 2, "unit": unit, "planned_date": later,
         "company": company, "unit_price": {"__class__": "Decimal", "decimal": "1"}, "currency": currency},
    ])]);
    let (levels, _) = pull_all(&host, &t, Entity::InventoryLevel, stock_cursor, 100);
    let l = level(&levels, &format!("{code}@WH2"));
    assert_eq!((l.on_hand, l.incoming, l.reserved), (7, 5, 2), "the moves show up after the stock cursor");
    // The documented mapping: Tryton's forecast = on hand + incoming - reserved.
    let extra: Value = serde_json::from_str(&l.extra).expect("extra is JSON");
    assert_eq!(extra["forecast_quantity"].as_f64(), Some(10.0), "{extra}");
    assert_eq!(level(&levels, &format!("{code}@WH")).on_hand, 0);
    assert!(levels.len() < 60, "only changed products are re-read after the cursor, got {}", levels.len());
}

fn push(host: &PluginHost, t: &Tryton, key: &str, order: &Order) -> Result<Pushed, PluginError> {
    let mut s = session(host, t);
    let mut out = s
        .push(Entity::Order, &[KeyedRecord { key: key.into(), record: Record::Order(Box::new(order.clone())) }])
        .expect("no trap");
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn pushed_order_becomes_one_confirmed_sale_and_its_shipment_is_read_back() {
    let Some(t) = env_or_skip("pushed_order_becomes_one_confirmed_sale_and_its_shipment_is_read_back") else { return };
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    let run = run_id();
    let name = format!("#W{run}");
    let o = order(&name, &format!("c{run}"), &[("TT-PEN", 3, "2.50"), ("TT-STICKER", 1, "3.00")]);

    let started = Instant::now();
    let first = push(&host, &t, &format!("orders:{name}:v1"), &o).expect("push creates the sale");
    eprintln!("pushed a new order in {:?}", started.elapsed());
    assert_eq!(first.outcome, WriteOutcome::Created);

    // Read it back from Tryton itself.
    let sales = t.model(
        "sale.sale",
        "search_read",
        vec![
            json!([["reference", "=", name]]),
            json!(0),
            Value::Null,
            Value::Null,
            json!(["state", "shipment_state", "warehouse", "party.code", "lines", "total_amount", "shipments"]),
        ],
    );
    let sales = sales.as_array().expect("list");
    assert_eq!(sales.len(), 1, "{sales:?}");
    let sale = &sales[0];
    assert_eq!(sale["id"].as_i64().map(|i| i.to_string()), Some(first.external_id.clone()));
    assert_eq!(sale["state"], "processing", "confirmed (and processed)");
    assert_eq!(sale["shipment_state"], "waiting");
    assert_eq!(sale["warehouse"].as_i64(), Some(t.warehouses[0]), "warehouse set explicitly");
    assert_eq!(sale["party."]["code"], format!("gid://shopify/Customer/c{run}"));
    assert_eq!(sale["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(sale["total_amount"]["decimal"], "10.50");

    // The same key again: same result, nothing new. A new key for the same order: found, not created.
    let started = Instant::now();
    let again = push(&host, &t, &format!("orders:{name}:v1"), &o).expect("second push");
    eprintln!("pushed the same key again in {:?}", started.elapsed());
    assert_eq!(again, first);
    let rekeyed = push(&host, &t, &format!("orders:{name}:v2"), &o).expect("push under another key");
    assert_eq!(
        (rekeyed.external_id.as_str(), &rekeyed.outcome),
        (first.external_id.as_str(), &WriteOutcome::Unchanged)
    );
    let count = t.model("sale.sale", "search_count", vec![json!([["reference", "=", name]])]);
    assert_eq!(count, 1, "no second sale");
    let parties =
        t.model("party.party", "search_count", vec![json!([["code", "=", format!("gid://shopify/Customer/c{run}")]])]);
    assert_eq!(parties, 1, "no second customer");

    // Fetch through the plugin, then ship in Tryton and see the fulfilment come back.
    let (_, fulfil_cursor) = pull_all(&host, &t, Entity::Fulfillment, None, 100);
    let fetched = session(&host, &t).fetch(Entity::Order, std::slice::from_ref(&first.external_id)).expect("no trap");
    let Ok(Some(Record::Order(read))) = &fetched[0] else { panic!("fetch: {fetched:?}") };
    assert_eq!(read.name, name);
    assert_eq!(
        read.lines.iter().map(|l| (l.sku.clone().unwrap(), l.quantity)).collect::<Vec<_>>(),
        [("TT-PEN".to_owned(), 3), ("TT-STICKER".to_owned(), 1)]
    );
    assert!(read.extra.contains("\"shipment_state\":\"waiting\""), "{}", read.extra);
    for step in ["assign_try", "pick", "pack", "do"] {
        t.model("stock.shipment.out", step, vec![sale["shipments"].clone()]);
    }
    let (fulfilments, _) = pull_all(&host, &t, Entity::Fulfillment, fulfil_cursor, 100);
    let shipped = fulfilments
        .iter()
        .find_map(|r| match r {
            Record::Fulfillment(f) if f.order_name == name => Some(f),
            _ => None,
        })
        .expect("the shipped sale comes back as a fulfilment");
    assert_eq!(shipped.order_external_id, first.external_id);
}

#[test]
fn customers_match_by_email_then_by_id_and_a_guest_party_is_taken_over() {
    let Some(t) = env_or_skip("customers_match_by_email_then_by_id_and_a_guest_party_is_taken_over") else { return };
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    let run = run_id();
    let email = format!("shopper_{run}@example.com");
    // A guest checkout: no shop customer, only the e-mail.
    let mut guest = order(&format!("#G{run}"), &format!("g{run}"), &[("TT-PEN", 1, "2.50")]);
    guest.customer = None;
    guest.email = Some(email.clone());
    push(&host, &t, &format!("orders:#G{run}:v1"), &guest).expect("guest order");
    let party_of = |reference: &str| {
        t.model(
            "sale.sale",
            "search_read",
            vec![
                json!([["reference", "=", reference]]),
                json!(0),
                Value::Null,
                Value::Null,
                json!(["party", "party.code"]),
            ],
        )[0]
        .clone()
    };
    let guest_party = party_of(&format!("#G{run}"));
    assert_eq!(guest_party["party."]["code"], format!("email:{email}"));

    // The shopper registers (same e-mail, other case): the guest party is theirs now.
    let mut registered = shop_customer(&format!("r{run}"));
    registered.email = Some(email.to_uppercase());
    let customer_id = registered.external_id.clone();
    let mut s = session(&host, &t);
    let pushed = s
        .push(
            Entity::Customer,
            &[KeyedRecord { key: format!("customers:r{run}"), record: Record::Customer(registered.clone()) }],
        )
        .expect("no trap");
    let pushed = pushed[0].clone().expect("customer push");
    assert_eq!(
        (pushed.external_id.as_str(), pushed.outcome == WriteOutcome::Created),
        (guest_party["party"].to_string().as_str(), false),
        "matched by e-mail, not created"
    );
    let codes = t.model("party.party", "read", vec![json!([guest_party["party"]]), json!(["code"])]);
    assert_eq!(codes[0]["code"], customer_id, "the guest party took the customer's id");

    // An e-mail change in the shop: matched by the id (the party code) instead.
    let mut moved = registered.clone();
    moved.email = Some(format!("moved_{run}@example.com"));
    let again = s
        .push(Entity::Customer, &[KeyedRecord { key: format!("customers:r{run}:v2"), record: Record::Customer(moved) }])
        .expect("no trap");
    assert_eq!(again[0].clone().expect("push").external_id, pushed.external_id);
    // An e-mail that is a LIKE pattern matches only itself.
    let mut pattern = registered;
    pattern.external_id = format!("gid://shopify/Customer/p{run}");
    pattern.email = Some(format!("shopper%{run}@example.com"));
    let other = s
        .push(Entity::Customer, &[KeyedRecord { key: format!("customers:p{run}"), record: Record::Customer(pattern) }])
        .expect("no trap");
    let other = other[0].clone().expect("push");
    assert!(other.outcome == WriteOutcome::Created && other.external_id != pushed.external_id, "{other:?}");
}

#[test]
fn bad_orders_are_classified_per_record() {
    let Some(t) = env_or_skip("bad_orders_are_classified_per_record") else { return };
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority]);
    let run = run_id();
    let unknown = order(&format!("#U{run}"), &format!("u{run}"), &[("TT-PEN", 1, "2.50"), ("NO-SUCH-SKU", 1, "1.00")]);
    let zero = order(&format!("#Z{run}"), &format!("z{run}"), &[("TT-PEN", 0, "2.50")]);
    let good = order(&format!("#G{run}"), &format!("g{run}"), &[("TT-PEN", 1, "2.50")]);
    let mut cancelled = order(&format!("#X{run}"), &format!("x{run}"), &[("TT-PEN", 1, "2.50")]);
    cancelled.cancelled = true;
    let batch: Vec<KeyedRecord> = [&unknown, &zero, &good, &cancelled]
        .iter()
        .enumerate()
        .map(|(i, o)| KeyedRecord { key: format!("k{run}-{i}"), record: Record::Order(Box::new((*o).clone())) })
        .collect();
    let out = session(&host, &t).push(Entity::Order, &batch).expect("no trap");
    assert_eq!(out.len(), 4);
    assert!(
        matches!(&out[3], Ok(p) if matches!(&p.outcome, WriteOutcome::Skipped(why) if why.contains("cancelled"))),
        "a cancelled order is skipped, not imported: {:?}",
        out[3]
    );
    assert!(
        matches!(&out[0], Err(PluginError::NotFound(m)) if m.contains("lines[1].sku") && m.contains("NO-SUCH-SKU")),
        "{:?}",
        out[0]
    );
    assert!(matches!(&out[1], Err(PluginError::InvalidInput(f)) if f.field == "lines[0].quantity"), "{:?}", out[1]);
    assert!(matches!(&out[2], Ok(p) if p.outcome == WriteOutcome::Created), "{:?}", out[2]);
    let none = t.model(
        "sale.sale",
        "search_count",
        vec![json!([["reference", "in", [unknown.name, zero.name, cancelled.name]]])],
    );
    assert_eq!(none, 0, "rejected orders leave nothing behind");
}

/// A second trytond over the same database on its own port, stopped by the test.
struct OwnServer(std::process::Child);

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn stopped_tryton_is_a_retryable_error_and_wrong_credentials_are_unauthorized() {
    let Some(t) = env_or_skip("stopped_tryton_is_a_retryable_error_and_wrong_credentials_are_unauthorized") else {
        return;
    };
    let port = crate::common::engine::free_port();
    let (_tmp, host) = plugin_host(&["tryton"], &[&format!("127.0.0.1:{port}")]);
    let script = connector_support::repo_root().join("tests/erp/tryton/serve.sh");
    let child = std::process::Command::new("bash")
        .arg(script)
        .arg(port.to_string())
        .arg(&t.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start a second trytond");
    let mut server = OwnServer(child);
    let url = format!("http://127.0.0.1:{port}");
    let grant = t.grant_for(&url, &t.password);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let result = host.session("tryton", &grant).unwrap().check().expect("no trap");
        match result {
            Ok(()) => break,
            Err(PluginError::Retryable(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => panic!("the second server never answered: {e:?}"),
        }
    }
    let wrong = t.grant_as(&url, &format!("nobody-{}", run_id()), "not-the-password");
    let refused = host.session("tryton", &wrong).unwrap().check().expect("no trap");
    assert!(matches!(refused, Err(PluginError::Unauthorized(ref m)) if !m.contains("not-the-password")), "{refused:?}");

    server.0.kill().expect("stop it");
    server.0.wait().expect("reap it");
    let mut s = host.session("tryton", &grant).unwrap();
    let down = s.check().expect("no trap");
    assert!(matches!(down, Err(PluginError::Retryable(_))), "check against a stopped Tryton: {down:?}");
    let pull = s.pull(Entity::Product, None, 10).expect("no trap");
    assert!(matches!(pull, Err(PluginError::Retryable(_))), "pull against a stopped Tryton: {pull:?}");
    let o = order("#never", "never", &[("TT-PEN", 1, "2.50")]);
    let pushed = s
        .push(Entity::Order, &[KeyedRecord { key: "never".into(), record: Record::Order(Box::new(o)) }])
        .expect("no trap");
    assert!(matches!(pushed.as_slice(), [Err(PluginError::Retryable(_))]), "push against a stopped Tryton: {pushed:?}");
}
