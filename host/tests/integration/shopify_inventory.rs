//! Inventory writes: a 5,000-quantity burst on a Standard plan never surfaces THROTTLED and
//! costs what the simulator counts; compare-and-set conflicts are isolated per record.

use crate::shopify_common;

use shopify_common::*;
use weft::shopify::inventory::{levels_by_sku, set_quantities, QuantityName, QuantitySet, SetQuantities};
use weft::shopify::{RecordError, WriteError};

fn request(scope: &str) -> SetQuantities<'_> {
    SetQuantities {
        name: QuantityName::Available,
        reason: "correction",
        reference_document_uri: Some("weft://test/run"),
        key_scope: scope,
    }
}

#[tokio::test]
async fn a_burst_of_5000_quantities_paces_without_throttling() {
    let sim = start(seed(50, 50)).await;
    let all = levels(&sim);
    assert_eq!(all.len(), 5000);
    let client = client(&sim);
    // Start nearly drained so the budget has to pace (a full Standard bucket would absorb it).
    sim.set_bucket_available(50.0);
    sim.reset_counters();
    let mut callers = Vec::new();
    for (n, chunk) in all.chunks(500).enumerate() {
        let items: Vec<QuantitySet> = chunk
            .iter()
            .enumerate()
            .map(|(i, ((item, loc), current))| QuantitySet {
                inventory_item_id: item.clone(),
                location_id: loc.clone(),
                quantity: (n * 1000 + i) as i64,
                change_from: Some(*current),
            })
            .collect();
        let client = client.clone();
        callers.push(tokio::spawn(async move {
            let scope = format!("burst-{n}");
            set_quantities(&client, &request(&scope), &items).await
        }));
    }
    for caller in callers {
        for outcome in caller.await.expect("caller") {
            outcome.expect("every quantity is written");
        }
    }
    let counters = sim.counters();
    assert_eq!(counters.throttled, 0, "the budget paced the burst: Shopify never had to throttle");
    assert_eq!(client.stats().throttled, 0);
    assert_eq!(counters.writes["inventorySetQuantities"], 20, "5,000 quantities in 20 batches of 250");
    assert_eq!(counters.cost_spent, 20 * 10, "each mutation costs 10 points");
    let after = levels(&sim);
    for (n, chunk) in after.chunks(500).enumerate() {
        for (i, (_, q)) in chunk.iter().enumerate() {
            assert_eq!(*q, (n * 1000 + i) as i64);
        }
    }
}

#[tokio::test]
async fn a_stale_record_is_isolated_and_the_rest_is_written() {
    let sim = start(seed(1, 4)).await;
    let client = client(&sim);
    let all = levels(&sim);
    let items: Vec<QuantitySet> = all
        .iter()
        .enumerate()
        .map(|(i, ((item, loc), current))| QuantitySet {
            inventory_item_id: item.clone(),
            location_id: loc.clone(),
            quantity: 3,
            change_from: Some(if i == 2 { current + 99 } else { *current }),
        })
        .collect();
    let outcomes = set_quantities(&client, &request("cas"), &items).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        match (i, outcome) {
            (2, Err(WriteError::Record(RecordError { code, field, .. }))) => {
                assert_eq!(code.as_deref(), Some("CHANGE_FROM_QUANTITY_STALE"));
                assert_eq!(field.last().map(String::as_str), Some("changeFromQuantity"));
            }
            (2, other) => panic!("record 2 must fail as stale, got {other:?}"),
            (_, other) => assert!(other.is_ok(), "record {i}: {other:?}"),
        }
    }
    let after = levels(&sim);
    assert_eq!(after.iter().filter(|(_, q)| *q == 3).count(), all.len() - 1);
    assert_eq!(after[2].1, 10, "the stale record is untouched");
}

#[tokio::test]
async fn levels_are_read_back_by_sku() {
    let sim = start(seed(2, 3)).await;
    let client = client(&sim);
    let skus = vec!["SKU-0-1".to_string(), "SKU-1-2".to_string()];
    let levels = levels_by_sku(&client, &skus).await.expect("read");
    assert_eq!(levels.len(), 4, "two items at two locations");
    assert!(levels.iter().all(|l| skus.contains(&l.sku) && l.available == 10 && l.on_hand == 10));
}
