//! Ownership of the order and shipment fields the ERP sends into Shopify: the tags, note and
//! custom attributes of an external order follow the ERP when it owns them (created with the
//! order, changed later with `orderUpdate`) and are never sent when Shopify owns them; a
//! shipment's tracking goes with its fulfillment unless Shopify owns tracking.

use crate::shopify_common;

use serde_json::{json, Value};
use weft::config::Config;
use weft::flow::{idempotency_key, Written};
use weft::model::*;

fn usd(amount: &str) -> Amount {
    Amount::shop(Money::new(amount, "USD"))
}

/// External order `X-1` (one mug) with `note`, `tags` and one custom attribute `po`.
fn order(note: &str, tags: &[&str], po: &str) -> KeyedRecord {
    let record = Record::Order(Box::new(Order {
        external_id: "X-1".into(),
        name: "X-1".into(),
        source: "ERP".into(),
        email: Some("buyer@example.com".into()),
        currency: "USD".into(),
        lines: vec![OrderLine {
            external_id: "X-1-1".into(),
            sku: Some("MUG".into()),
            title: "Mug".into(),
            quantity: 1,
            current_quantity: 1,
            unit_price: usd("10.00"),
            requires_shipping: true,
            extra: "{}".into(),
            ..OrderLine::default()
        }],
        subtotal: usd("10.00"),
        total: usd("10.00"),
        financial_status: FinancialStatus::Paid,
        note: Some(note.into()),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        custom_attributes: vec![("po".into(), po.into())],
        created_at: "2026-11-02T10:00:00Z".into(),
        extra: "{}".into(),
        ..Order::default()
    }));
    KeyedRecord { key: idempotency_key("orders", &record), record }
}

fn seed() -> shopify_sim::Seed {
    serde_json::from_value(json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 100}}]}]}))
    .unwrap()
}

fn stored_order(sim: &shopify_sim::SimHandle, name: &str) -> Value {
    let state = sim.state();
    shopify_common::all(&state, "orders").into_iter().find(|o| o["name"] == json!(name)).expect("the order")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_erp_changes_the_order_fields_it_owns_and_never_those_shopify_owns() {
    let sim = shopify_common::start(seed()).await;
    let client = shopify_common::client(&sim);
    let tmp = tempfile::tempdir().unwrap();
    let store = weft::store::Store::open(tmp.path()).unwrap();
    let config: Config = shopify_common::writer_config(
        "[flows.orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\nownership = { order_tags = \"shopify\" }\n",
    );
    let push = |record: KeyedRecord| {
        tokio::task::block_in_place(|| shopify_common::push_as(&client, &store, &config, "orders", &[record])).remove(0)
    };
    let updates = || sim.counters().writes.get("orderUpdate").copied().unwrap_or(0);

    // Created with the note and attributes the ERP owns; the tags are Shopify's, so not sent.
    let created = push(order("Leave at the door", &["b2b"], "PO-1"));
    let Ok(Written::Created(id)) = &created else { panic!("created: {created:?}") };
    let o = stored_order(&sim, "X-1");
    assert_eq!(o["note"], json!("Leave at the door"), "{o:#}");
    assert_eq!(o["tags"], json!([]), "Shopify owns the order's tags: {o:#}");

    // The ERP changes the note, the attribute and the tags: the note and the attribute follow
    // with one orderUpdate, the tags never.
    let changed = push(order("Ring twice", &["b2b", "rush"], "PO-2"));
    assert_eq!(changed, Ok(Written::Updated(id.clone())));
    let o = stored_order(&sim, "X-1");
    assert_eq!(o["note"], json!("Ring twice"), "{o:#}");
    assert_eq!(o["tags"], json!([]), "{o:#}");
    let attributes = serde_json::to_string(&o).unwrap();
    assert!(attributes.contains("PO-2") && !attributes.contains("PO-1"), "{o:#}");
    assert_eq!(updates(), 1);

    // Sent again unchanged (a replay): nothing to change, no call.
    let replay = push(order("Ring twice", &["b2b", "vip"], "PO-2"));
    assert_eq!(replay, Ok(Written::Unchanged(Some(id.clone()))), "only Shopify-owned tags differ");
    assert_eq!(updates(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipment_carries_its_tracking_unless_shopify_owns_it() {
    for (ownership, tracked) in [("", true), ("ownership = { tracking = \"shopify\" }\n", false)] {
        let sim = shopify_common::start(seed()).await;
        let client = shopify_common::client(&sim);
        let tmp = tempfile::tempdir().unwrap();
        let store = weft::store::Store::open(tmp.path()).unwrap();
        let config: Config = shopify_common::writer_config(&format!(
            "[flows.shipments]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"fulfillment\"\n{ownership}"
        ));
        sim.place_order(Some("buyer@example.com"), &[("MUG".to_owned(), 1)]).expect("a shop order");
        let name = shopify_common::all(&sim.state(), "orders")[0]["name"].as_str().unwrap().to_owned();
        let record = Record::Fulfillment(Fulfillment {
            external_id: "SHIP-1".into(),
            order_external_id: "S-1".into(),
            order_name: name.clone(),
            tracking: vec![Tracking { number: "1Z999".into(), company: Some("UPS".into()), url: None }],
            extra: "{}".into(),
            ..Fulfillment::default()
        });
        let push = |number: &str| {
            let mut record = record.clone();
            if let Record::Fulfillment(f) = &mut record {
                f.tracking[0].number = number.into();
                if number == "1Z777-DHL" {
                    f.tracking[0] = Tracking { number: "1Z777".into(), company: Some("DHL".into()), url: None };
                }
            }
            let keyed = KeyedRecord { key: idempotency_key("shipments", &record), record };
            tokio::task::block_in_place(|| shopify_common::push_as(&client, &store, &config, "shipments", &[keyed]))
                .remove(0)
        };
        let out = push("1Z999");
        let Ok(Written::Created(id)) = &out else { panic!("{out:?}") };
        let tracking = || {
            let o = stored_order(&sim, &name);
            assert_eq!(o["fulfillments"].as_array().map(Vec::len), Some(1), "one fulfillment: {o:#}");
            serde_json::to_string(&o["fulfillments"]).unwrap()
        };
        assert_eq!(tracking().contains("1Z999"), tracked, "{ownership}: {}", tracking());

        // The ERP corrects the tracking number: replaced on the same fulfillment when the ERP owns
        // tracking, never sent when Shopify does; no second fulfillment either way.
        let out = push("1Z777");
        let want = if tracked { Written::Updated(id.clone()) } else { Written::Unchanged(Some(id.clone())) };
        assert_eq!(out, Ok(want), "{ownership}");
        let now = tracking();
        assert_eq!((now.contains("1Z777"), now.contains("1Z999")), (tracked, false), "{ownership}: {now}");
        let updates = || sim.counters().writes.get("fulfillmentTrackingInfoUpdate").copied().unwrap_or(0);
        assert_eq!(updates(), u64::from(tracked));

        // The same number with another carrier: the carrier follows too (when the ERP owns it).
        let out = push("1Z777-DHL");
        let want = if tracked { Written::Updated(id.clone()) } else { Written::Unchanged(Some(id.clone())) };
        assert_eq!(out, Ok(want), "{ownership}");
        assert_eq!(tracking().contains("DHL"), tracked, "{ownership}: {}", tracking());
        assert_eq!(updates(), 2 * u64::from(tracked));
    }
}
