//! Fuzzing the 0.1.0 boundary (proptest): whatever a plugin returns — pages of records of every
//! kind with arbitrary text and numbers, pushed outcomes and errors — crosses into the model
//! (which has 0.2.0's shape) and back: records 0.1.0 carries field by field come back unchanged,
//! an order (whose 0.1.0 money becomes shop-side amounts, discounts and shipping lines) is a fixed
//! point after one crossing, and the host's keys of each record (idempotency key, lookup keys)
//! are made without a panic. Cases: `PROPTEST_CASES` (default 48); to run long:
//! `PROPTEST_CASES=20000 cargo nextest run -p weft --lib plugin::wit::v0_1_0::fuzz`.

use super::bindings::types as w;
use super::convert::record as out;
use crate::model as m;
use crate::plugin::wit::lift::Lift;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,16}", "\\PC{0,64}", Just(String::new()), Just("\u{0}\u{1f}\u{feff}".to_owned())]
}

fn opt() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn money() -> impl Strategy<Value = m::Money> {
    (text(), text()).prop_map(|(amount, currency)| m::Money { amount, currency })
}

fn variant() -> impl Strategy<Value = m::Variant> {
    (text(), opt(), opt(), prop::collection::vec(text(), 0..3), prop::option::of(money()), any::<Option<u32>>(), text())
        .prop_map(|(external_id, sku, barcode, option_values, price, weight_grams, extra)| m::Variant {
            external_id,
            sku,
            barcode,
            option_values,
            compare_at_price: price.clone(),
            cost: price.clone(),
            price,
            weight_grams,
            updated_at: None,
            extra,
            ..m::Variant::default()
        })
}

fn record() -> impl Strategy<Value = m::Record> {
    let status =
        prop::sample::select(vec![m::ProductStatus::Active, m::ProductStatus::Archived, m::ProductStatus::Draft]);
    let product = (
        text(),
        opt(),
        text(),
        prop::collection::vec(text(), 0..3),
        status,
        prop::collection::vec(variant(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(external_id, sku, title, tags, status, variants, deleted)| {
            m::Record::Product(m::Product {
                external_id,
                sku,
                title,
                tags,
                status,
                variants,
                deleted,
                ..m::Product::default()
            })
        });
    let level = (text(), opt(), text(), any::<i64>(), any::<i64>(), any::<i64>(), any::<i64>()).prop_map(
        |(external_id, sku, location, on_hand, reserved, incoming, safety_stock)| {
            m::Record::InventoryLevel(m::InventoryLevel {
                external_id,
                sku,
                location,
                on_hand,
                reserved,
                incoming,
                safety_stock,
                ..Default::default()
            })
        },
    );
    let price = (text(), opt(), opt(), money(), prop::option::of(money())).prop_map(
        |(external_id, sku, channel, price, compare_at_price)| {
            let scope = channel.map_or(m::PriceScope::Base, m::PriceScope::Channel);
            m::Record::Price(m::Price { external_id, sku, scope, price, compare_at_price, ..Default::default() })
        },
    );
    let customer = (text(), opt(), opt(), prop::collection::vec(text(), 0..3)).prop_map(
        |(external_id, email, first_name, tags)| {
            m::Record::Customer(m::Customer { external_id, email, first_name, tags, ..Default::default() })
        },
    );
    let order = (text(), text(), any::<u32>(), money(), opt()).prop_map(|(external_id, name, quantity, total, sku)| {
        let unit_price = m::Amount::shop(total.clone());
        let line = m::OrderLine { external_id: name.clone(), sku, quantity, unit_price, ..Default::default() };
        let currency = total.currency.clone();
        let total = m::Amount::shop(total);
        m::Record::Order(Box::new(m::Order {
            external_id,
            name,
            currency,
            lines: vec![line],
            total,
            ..Default::default()
        }))
    });
    prop_oneof![product, level, price, customer, order]
}

fn error() -> impl Strategy<Value = m::PluginError> {
    prop_oneof![
        text().prop_map(m::PluginError::Retryable),
        any::<u64>().prop_map(m::PluginError::RateLimited),
        (text(), text()).prop_map(|(field, message)| m::PluginError::InvalidInput(m::FieldError { field, message })),
        text().prop_map(m::PluginError::Permanent),
    ]
}

fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn plugin_outputs_cross_the_boundary_unchanged(
        records in prop::collection::vec(record(), 0..6),
        cursor in opt(),
        has_more in any::<bool>(),
        outcomes in prop::collection::vec(prop::result::maybe_ok((text(), any::<bool>()), error()), 0..6),
    ) {
        // Into 0.1.0 (as a plugin would return them) and back into the model.
        let guest: Vec<w::Record> = records.iter().cloned().map(out).collect::<Result<_, _>>().unwrap();
        let page = w::Page { records: guest, next_cursor: cursor.clone(), has_more };
        let back: m::Page = page.lift();
        prop_assert_eq!(&back.next_cursor, &cursor);
        prop_assert_eq!(back.has_more, has_more);
        prop_assert_eq!(back.records.len(), records.len());
        for (record, came) in records.iter().zip(&back.records) {
            match record {
                // An order is told in 0.2.0's terms on the way in; once there, it crosses unchanged.
                m::Record::Order(_) => {
                    let again: m::Record = out(came.clone()).unwrap().lift();
                    prop_assert_eq!(&again, came);
                }
                _ => prop_assert_eq!(came, record),
            }
            let _ = crate::flow::idempotency_key("fuzz", came);
            let _ = came.lookup_keys();
        }
        let guest: Vec<Result<w::Pushed, w::PluginError>> = outcomes
            .iter()
            .cloned()
            .map(|o| o.map(|(external_id, created)| w::Pushed { external_id, created }).map_err(|e| e.lift()))
            .collect();
        let back: Vec<Result<m::Pushed, m::PluginError>> = guest.lift();
        prop_assert_eq!(back.len(), outcomes.len());
        for (outcome, came) in outcomes.into_iter().zip(back) {
            match (outcome, came) {
                (Ok((external_id, created)), Ok(pushed)) => {
                    let outcome = if created { m::WriteOutcome::Created } else { m::WriteOutcome::Updated };
                    prop_assert_eq!(pushed, m::Pushed { external_id, outcome });
                }
                (Err(error), Err(came)) => prop_assert_eq!(came, error),
                (sent, came) => prop_assert!(false, "{:?} came back as {:?}", sent, came),
            }
        }
    }
}
