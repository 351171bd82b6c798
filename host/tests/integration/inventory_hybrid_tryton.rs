//! Hybrid inventory end to end with a real Tryton 8.0 as the ERP (tests/erp/tryton/start.sh):
//! the scenario of `inventory_hybrid` — Shopify's sales, a POS sale and an admin adjustment while
//! Tryton receives stock of the same products, webhooks duplicated, reordered and lost, a SIGKILL
//! of `weft serve` — with Tryton booking every Shopify change as one internal shipment (reference:
//! the adjustment's id) between the warehouse's storage and its lost-and-found. Tryton's stock is
//! read back from its done moves.

use crate::connector_support::run_id;
use crate::connector_support::tryton::{env_or_skip, Tryton};
use crate::inventory_hybrid::{hybrid_flow, scenario, ErpSide, Host};
use crate::orders_support::{base_config, shop_env, Shop};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Tryton, with the scenario's two products.
struct TrytonErp {
    t: Tryton,
    /// SKU → product.product id.
    products: BTreeMap<String, i64>,
    storage: i64,
    supplier: i64,
    customer: i64,
    unit: Value,
    /// The company's currency (Tryton values moves from suppliers and to customers).
    currency: Value,
}

impl TrytonErp {
    fn new(t: Tryton, skus: &[(&str, i64)]) -> TrytonErp {
        let wh =
            t.model("stock.location", "search", vec![json!([["code", "=", "WH"]]), json!(0), json!(1), Value::Null])[0]
                .as_i64()
                .expect("warehouse WH");
        let storage = t.model("stock.location", "read", vec![json!([wh]), json!(["storage_location"])])[0]
            ["storage_location"]
            .as_i64()
            .unwrap();
        let find = |kind: &str| {
            t.model("stock.location", "search", vec![json!([["type", "=", kind]]), json!(0), json!(1), Value::Null])[0]
                .as_i64()
                .unwrap()
        };
        let (supplier, customer) = (find("supplier"), find("customer"));
        let unit =
            t.model("product.uom", "search", vec![json!([["symbol", "=", "u"]]), json!(0), json!(1), Value::Null])[0]
                .clone();
        let currency =
            t.model("company.company", "read", vec![json!([t.company]), json!(["currency"])])[0]["currency"].clone();
        let mut erp = TrytonErp { products: BTreeMap::new(), storage, supplier, customer, unit, currency, t };
        for (sku, on_hand) in skus {
            let tmpl = erp.t.model(
                "product.template",
                "create",
                vec![json!([{"name": format!("Hybrid {sku}"), "code": sku,
                "type": "goods", "default_uom": erp.unit, "list_price": {"__class__": "Decimal", "decimal": "10.00"},
                "products": [["create", [{}]]]}])],
            )[0]
            .clone();
            let product = erp.t.model(
                "product.product",
                "search",
                vec![json!([["template", "=", tmpl]]), json!(0), json!(1), Value::Null],
            )[0]
            .as_i64()
            .unwrap();
            erp.products.insert((*sku).to_owned(), product);
            erp.change(sku, *on_hand);
        }
        erp
    }

    /// Done moves of `sku` as (from, to, quantity).
    fn moves(&self, sku: &str) -> Vec<(i64, i64, f64)> {
        let found = self.t.model(
            "stock.move",
            "search_read",
            vec![
                json!([["product", "=", self.products[sku]], ["state", "=", "done"]]),
                json!(0),
                Value::Null,
                Value::Null,
                json!(["from_location", "to_location", "quantity", "shipment"]),
            ],
        );
        found
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["from_location"].as_i64().unwrap(),
                    m["to_location"].as_i64().unwrap(),
                    m["quantity"].as_f64().unwrap(),
                )
            })
            .collect()
    }
}

impl ErpSide for TrytonErp {
    fn change(&mut self, sku: &str, delta: i64) {
        let (from, to) = if delta > 0 { (self.supplier, self.storage) } else { (self.storage, self.customer) };
        let today = self.t.model("ir.date", "today", vec![]);
        let moved = self.t.model(
            "stock.move",
            "create",
            vec![json!([{"product": self.products[sku], "from_location": from,
            "to_location": to, "quantity": delta.unsigned_abs(), "unit": self.unit, "effective_date": today,
            "company": self.t.company, "unit_price": {"__class__": "Decimal", "decimal": "1"},
            "currency": self.currency}])],
        );
        self.t.model("stock.move", "do", vec![moved]);
    }

    fn book(&mut self) {}

    fn levels(&mut self) -> BTreeMap<String, i64> {
        let skus: Vec<String> = self.products.keys().cloned().collect();
        skus.into_iter()
            .map(|sku| {
                let n: f64 = self
                    .moves(&sku)
                    .iter()
                    .map(|(from, to, q)| match (*from == self.storage, *to == self.storage) {
                        (false, true) => *q,
                        (true, false) => -q,
                        _ => 0.0,
                    })
                    .sum();
                (sku, n as i64)
            })
            .collect()
    }

    fn deltas(&mut self) -> BTreeMap<String, Vec<i64>> {
        let mut out = BTreeMap::new();
        for sku in self.products.keys() {
            let shipments = self.t.model(
                "stock.shipment.internal",
                "search_read",
                vec![
                    json!([["reference", "like", format!("stock:{sku}@WH:%")]]),
                    json!(0),
                    Value::Null,
                    Value::Null,
                    json!(["state", "from_location", "moves"]),
                ],
            );
            let mut deltas = Vec::new();
            for s in shipments.as_array().into_iter().flatten() {
                assert_eq!(s["state"], "done", "every adjustment is booked to the end: {s}");
                let moves = self.t.model("stock.move", "read", vec![s["moves"].clone(), json!(["quantity"])]);
                let q: f64 = moves.as_array().into_iter().flatten().map(|m| m["quantity"].as_f64().unwrap()).sum();
                let sign = if s["from_location"].as_i64() == Some(self.storage) { -1 } else { 1 };
                deltas.push(sign * q as i64);
            }
            out.insert(sku.clone(), deltas);
        }
        out
    }
}

#[test]
fn shopify_and_tryton_changes_meet_once_across_faulty_webhooks_and_a_sigkill() {
    let Some(t) = env_or_skip("shopify_and_tryton_changes_meet_once_across_faulty_webhooks_and_a_sigkill") else {
        return;
    };
    let run = run_id();
    let (a, b) = (format!("HY-{run}-A"), format!("HY-{run}-B"));
    let shop = Shop::start(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "A", "variants": [{"sku": a, "price": "10.00", "inventory": {"Main": 0}}]},
        {"title": "B", "variants": [{"sku": b, "price": "10.00", "inventory": {"Main": 0}}]}]}));
    let main = crate::shopify_common::location_gid(&shop.sim, "Main");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    crate::common::install_as_built(&dir.join("plugins"), "tryton");
    let wh = t.model("stock.location", "search", vec![json!([["code", "=", "WH"]]), json!(0), json!(1), Value::Null])
        [0]
    .as_i64()
    .unwrap();
    let addr = format!("127.0.0.1:{}", crate::common::engine::free_port());
    let connection = format!(
        "[connections.erp]\nplugin = \"tryton\"\nallow_hosts = [{:?}]\n\
         config = {{ url = {:?}, database = {:?}, user = {:?}, company = {}, warehouses = [{wh}], overlap_seconds = 0 }}\n\
         secrets = {{ password = {{ env = \"WEFT_TRYTON_PASSWORD\" }} }}\n",
        t.authority, t.url, t.db, t.user, t.company
    );
    let config = dir.join("weft.toml");
    std::fs::write(&config, format!("{}{connection}{}", base_config(dir, &addr, &shop), hybrid_flow(&main, "1s")))
        .unwrap();
    let mut env = shop_env(&shop);
    env.push(("WEFT_TRYTON_PASSWORD", t.password.clone()));
    let mut erp = TrytonErp::new(t, &[(&a, 50), (&b, 30)]);
    scenario(&shop, &mut erp, &Host { config, addr, env, log: dir.join("serve.log") }, [&a, &b]);
}
