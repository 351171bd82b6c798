//! Finding 1 of issue 19: no silent wrong stock. ERP products 14 and 15 both claim SKU TEE-1:
//! the catalog flow wrote 14, then refuses 15 and records the conflict; the inventory flow then
//! refuses TEE-1's level (before the fix it pushed the ERP's 156 onto product 14's variant), and
//! prices and external order lines keyed by TEE-1 are refused too — each a dead letter naming
//! both products. Once the ERP gives 15 its own SKU, the conflict is gone and TEE-1 syncs.
//! The real binary (`weft run`), the file-feed connector and the simulator; the price and
//! order writers against the simulator directly.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};
use weft::flow::idempotency_key;
use weft::model::*;
use weft::store::Store;

const HEADER: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n";

fn product_row(id: &str, sku: &str, at: &str) -> String {
    format!("{id},{sku},Tee {id},Acme,Apparel,,active,,,,,{id}-1,{sku},,19.90,,,,{at}\n")
}

fn run(s: &Scenario, flow: &str) -> String {
    let (ok, out, err) = s.weft(&["run", flow, "--once"]);
    assert!(ok, "{out}{err}");
    format!("{out}{err}")
}

fn dead_letters(s: &Scenario) -> Vec<Value> {
    let (ok, out, err) = s.weft(&["dlq", "list", "--json"]);
    assert!(ok, "{out}{err}");
    serde_json::from_str(&out).unwrap()
}

fn tee_available(sim: &shopify_sim::SimHandle) -> Vec<i64> {
    let state = sim.state();
    let item = shopify_common::all(&state, "variants").into_iter().find(|v| v["sku"] == json!("TEE-1")).unwrap()
        ["inventory_item_id"]
        .clone();
    state["levels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["item_id"] == item)
        .map(|l| l["quantities"]["available"].as_i64().unwrap_or(0))
        .collect()
}

#[test]
fn a_sku_claimed_by_two_erp_products_is_written_for_neither_until_the_erp_is_fixed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap();
    let sim = rt.block_on(shopify_common::start(seed));
    let main = shopify_common::location_gid(&sim, "Main");
    let s = Scenario::builder(&sim).build(&format!(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nlocations = {{ WH = \"{main}\" }}\n"
    ));
    s.feed_file("products-1.csv", &format!("{HEADER}{}", product_row("14", "TEE-1", "2026-11-01T00:00:00Z")));
    run(&s, "catalog");
    assert_eq!(tee_available(&sim), [0], "14's variant, stocked at Main");

    s.feed_file("products-2.csv", &format!("{HEADER}{}", product_row("15", "TEE-1", "2026-11-02T00:00:00Z")));
    run(&s, "catalog");
    s.feed_file(
        "inventory-1.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nTEE-1,WH,156,0,0,0,2026-11-02T01:00:00Z\n",
    );
    run(&s, "inventory");
    assert_eq!(tee_available(&sim), [0], "the 156 units are not pushed onto product 14's variant");
    let dead = dead_letters(&s);
    let reasons: Vec<(&str, &str)> =
        dead.iter().map(|d| (d["job"]["flow"].as_str().unwrap(), d["error"]["message"].as_str().unwrap())).collect();
    assert_eq!(reasons.len(), 2, "{dead:#?}");
    for (flow, reason) in &reasons {
        assert!(reason.contains("\"TEE-1\" is claimed by ERP products 14 and 15"), "{flow}: {reason}");
    }
    assert!(reasons.iter().any(|(f, _)| *f == "catalog") && reasons.iter().any(|(f, _)| *f == "inventory"));
    // 14 itself is not written either while the conflict stands.
    s.feed_file("products-3.csv", &format!("{HEADER}{}", product_row("14", "TEE-1", "2026-11-03T00:00:00Z")));
    run(&s, "catalog");
    assert_eq!(dead_letters(&s).len(), 3);

    // A person gives 15 its own SKU in the ERP: the conflict is gone, TEE-1 is 14's, its stock syncs.
    s.feed_file("products-4.csv", &format!("{HEADER}{}", product_row("15", "TEE-2", "2026-11-04T00:00:00Z")));
    run(&s, "catalog");
    let (ok, out, err) = s.weft(&["dlq", "retry", "--flow", "inventory", "--all"]);
    assert!(ok, "{out}{err}");
    run(&s, "inventory");
    assert_eq!(tee_available(&sim), [156]);
}

fn price(sku: &str) -> KeyedRecord {
    let record = Record::Price(Price {
        external_id: format!("{sku}/default"),
        sku: Some(sku.into()),
        price: Money { amount: "5.00".into(), currency: "USD".into() },
        extra: "{}".into(),
        ..Price::default()
    });
    KeyedRecord { key: idempotency_key("prices", &record), record }
}

fn order(sku: &str) -> KeyedRecord {
    let usd = |amount: &str| Amount::shop(Money { amount: amount.into(), currency: "USD".into() });
    let record = Record::Order(Box::new(Order {
        external_id: "EXT-1".into(),
        name: "EXT-1".into(),
        source: "phone".into(),
        currency: "USD".into(),
        lines: vec![OrderLine {
            external_id: "l1".into(),
            sku: Some(sku.into()),
            title: "Tee".into(),
            quantity: 1,
            unit_price: usd("5.00"),
            ..OrderLine::default()
        }],
        total: usd("5.00"),
        financial_status: FinancialStatus::Paid,
        ..Order::default()
    }));
    KeyedRecord { key: idempotency_key("orders", &record), record }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_and_order_lines_keyed_by_a_conflicted_sku_are_refused() {
    let seed = serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Tee", "handle": "tee", "variants": [{"sku": "TEE-1", "price": "9.00"}]}]}))
    .unwrap();
    let sim = shopify_common::start(seed).await;
    let client = shopify_common::client(&sim);
    let store = Store::in_memory().unwrap();
    weft::flow::base::identity::record(&store, "sku", "TEE-1", &["14", "15"]);
    let config = shopify_common::writer_config(
        "[flows.prices]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"price\"\n\
         [flows.orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\n",
    );
    let write = |flow: &str, records: &[KeyedRecord]| shopify_common::push_as(&client, &store, &config, flow, records);
    let requests = sim.counters().requests;
    for (flow, record, field) in [("prices", price("TEE-1"), "sku"), ("orders", order("TEE-1"), "lines[0].sku")] {
        let out = write(flow, &[record]);
        match &out[0] {
            Err(PluginError::InvalidInput(f)) => {
                assert_eq!(f.field, field);
                assert!(f.message.contains("claimed by ERP products 14 and 15"), "{}", f.message);
            }
            other => panic!("{flow}: refused as invalid input, not {other:?}"),
        }
    }
    assert_eq!(sim.counters().requests, requests, "refused before asking Shopify anything");
}
