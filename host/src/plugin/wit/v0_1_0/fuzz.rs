//! Fuzzing the 0.1.0 boundary (proptest): whatever a plugin returns — pages of records of every
//! kind with arbitrary text and numbers, pushed outcomes and errors — crosses into the model and
//! back unchanged, and the host's keys of each record (idempotency key, lookup keys) are made
//! without a panic. Cases: `PROPTEST_CASES` (default 48); to run long:
//! `PROPTEST_CASES=20000 cargo nextest run -p weft --lib plugin::wit::v0_1_0::fuzz`.

use super::bindings::connector::weft::plugin::types as w;
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
            m::Record::Price(m::Price { external_id, sku, channel, price, compare_at_price, ..Default::default() })
        },
    );
    let customer = (text(), opt(), opt(), prop::collection::vec(text(), 0..3)).prop_map(
        |(external_id, email, first_name, tags)| {
            m::Record::Customer(m::Customer { external_id, email, first_name, tags, ..Default::default() })
        },
    );
    let order = (text(), text(), any::<u32>(), money(), opt()).prop_map(|(external_id, name, quantity, total, sku)| {
        let line =
            m::OrderLine { external_id: name.clone(), sku, quantity, unit_price: total.clone(), ..Default::default() };
        m::Record::Order(Box::new(m::Order { external_id, name, lines: vec![line], total, ..Default::default() }))
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
        let page = m::Page { records, next_cursor: cursor, has_more };
        let guest: w::Page = page.clone().lift();
        let back: m::Page = guest.lift();
        prop_assert_eq!(&back, &page);
        for record in &back.records {
            let _ = crate::flow::idempotency_key("fuzz", record);
            let _ = record.lookup_keys();
        }
        let pushed: Vec<Result<m::Pushed, m::PluginError>> =
            outcomes.into_iter().map(|o| o.map(|(external_id, created)| m::Pushed { external_id, created })).collect();
        let guest: Vec<Result<w::Pushed, w::PluginError>> = pushed.clone().lift();
        let back: Vec<Result<m::Pushed, m::PluginError>> = guest.lift();
        prop_assert_eq!(back, pushed);
    }
}
