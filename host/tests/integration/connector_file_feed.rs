//! The file-feed connector over the sample dataset, through the host: every deliberately bad row
//! is one invalid-input error naming file:line while the rest proceeds; processed files are
//! remembered in kv; a rewritten file is read again; shop orders become JSON files for the ERP.

use crate::connector_support;

use connector_support::*;
use std::collections::BTreeSet;
use weft::model::*;
use weft::plugin::{Grant, PluginHost};

/// Follow the pull protocol for `entity` from `cursor`: records, reported `file:line`s, last cursor.
fn follow(
    host: &PluginHost,
    grant: &Grant,
    entity: Entity,
    cursor: Option<String>,
    limit: u32,
) -> (Vec<Record>, Vec<String>, Option<String>) {
    let (mut records, mut reported, mut cursor) = (Vec::new(), Vec::new(), cursor);
    for _ in 0..10_000 {
        let mut s = host.session("file-feed", grant).expect("session");
        match s.pull(entity, cursor.as_deref(), limit).expect("no trap") {
            Ok(page) => {
                assert!(page.records.len() <= limit as usize);
                records.extend(page.records);
                cursor = page.next_cursor.or(cursor);
                if !page.has_more {
                    return (records, reported, cursor);
                }
            }
            Err(PluginError::InvalidInput(f)) => reported.push(f.field),
            Err(e) => panic!("pull {entity:?}: {e:?}"),
        }
    }
    panic!("pull {entity:?} never ended");
}

fn ids(records: &[Record]) -> BTreeSet<String> {
    records.iter().map(|r| r.external_id().to_owned()).collect()
}

#[test]
fn bad_rows_are_reported_once_by_file_and_line_and_the_rest_proceeds() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    copy_sample_dataset(&data);
    let grant = Grant { directory: Some(data.clone()), ..Grant::default() };
    let expected = sample_expected();
    let mut all_reported = Vec::new();
    for (entity, key, limit) in [
        (Entity::Product, "product", 50),
        (Entity::InventoryLevel, "inventory-level", 200),
        (Entity::Customer, "customer", 40),
        (Entity::Order, "order", 10),
    ] {
        let (records, reported, cursor) = follow(&host, &grant, entity, None, limit);
        let want = expected[key].as_u64().unwrap() as usize;
        assert_eq!(records.len(), want, "{entity:?} records");
        assert_eq!(ids(&records).len(), want, "{entity:?}: each record once");
        all_reported.extend(reported);
        // Resuming from the last cursor delivers nothing again; it marks the last file processed.
        let (again, reported_again, _) = follow(&host, &grant, entity, cursor, limit);
        assert!(
            again.is_empty() && reported_again.is_empty(),
            "{entity:?} after the last cursor: {} records, {reported_again:?}",
            again.len()
        );
        // And a fresh start (no cursor) skips files remembered as processed in kv.
        let (fresh, _, _) = follow(&host, &grant, entity, None, limit);
        assert!(fresh.is_empty(), "{entity:?} from no cursor re-read {} processed records", fresh.len());
    }
    all_reported.sort();
    let want: Vec<String> =
        expected["bad_rows"].as_array().unwrap().iter().map(|b| b["at"].as_str().unwrap().to_owned()).collect();
    assert_eq!(all_reported, want, "each bad row reported exactly once, by file:line");

    // Spot-check the mapping of a product with variants.
    let (tmp2, host2) = plugin_host(&["file-feed"], &[]);
    copy_sample_dataset(&tmp2.path().join("data"));
    let grant2 = Grant { directory: Some(tmp2.path().join("data")), ..Grant::default() };
    let (products, _, _) = follow(&host2, &grant2, Entity::Product, None, 500);
    let Some(Record::Product(p)) = products.iter().find(|r| r.external_id() == "P0003") else { panic!("P0003") };
    assert_eq!(p.options, ["Size", "Color"]);
    assert!(
        !p.variants.is_empty()
            && p.variants
                .iter()
                .all(|v| v.sku.as_deref().is_some_and(|s| s.starts_with("CAP-0003")) && v.price.is_some()),
        "{p:?}"
    );
}

#[test]
fn a_rewritten_export_is_read_again() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    copy_sample_dataset(&data);
    let grant = Grant { directory: Some(data.clone()), ..Grant::default() };
    let (first, _, cursor) = follow(&host, &grant, Entity::Customer, None, 50);
    let (none, _, cursor) = follow(&host, &grant, Entity::Customer, cursor, 50);
    assert!(none.is_empty());
    // The ERP rewrites customers.csv with one more customer (and the same bad row).
    let path = data.join("in/customers.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("C9999,new.customer@example.com,New,Customer,+15550009999,,9 Side St,Boston,MA,02108,US,retail\n");
    std::fs::write(&path, text).unwrap();
    let (again, reported, _) = follow(&host, &grant, Entity::Customer, cursor, 50);
    assert_eq!(again.len(), first.len() + 1, "the new version of the file is read in full");
    assert!(ids(&again).contains("C9999"));
    assert_eq!(reported, ["customers.csv:65"], "the new version's bad row is reported again");
}

#[test]
fn shop_orders_are_written_once_as_json_files() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    copy_sample_dataset(&data);
    let grant = Grant { directory: Some(data.clone()), ..Grant::default() };
    let order = shop_order("#1001", "c42", &[("TEE-0001-S", 2, "19.90"), ("MUG-0002", 1, "11.30")]);
    let mut bad = shop_order("#1002", "c43", &[("TEE-0001-S", 1, "19.90")]);
    bad.lines[0].sku = None;
    let batch = [
        KeyedRecord { key: "orders:1001:v1".into(), record: Record::Order(Box::new(order.clone())) },
        KeyedRecord { key: "orders:1002:v1".into(), record: Record::Order(Box::new(bad)) },
    ];
    let out = host.session("file-feed", &grant).unwrap().push(Entity::Order, &batch).expect("no trap");
    let Ok(first) = &out[0] else { panic!("{out:?}") };
    assert_eq!(first.outcome, WriteOutcome::Created);
    assert!(matches!(&out[1], Err(PluginError::InvalidInput(f)) if f.field == "lines[0].sku"), "{:?}", out[1]);

    let dir = data.join("out/orders");
    let files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(files, [format!("{}.json", first.external_id)], "one file, no temporary left behind");
    let written: Record =
        serde_json::from_slice(&std::fs::read(dir.join(&files[0])).unwrap()).expect("the file is a record");
    assert_eq!(written, Record::Order(Box::new(order.clone())));

    // Same key: same result. New key, same order: found, not written again. Even after the ERP
    // took the file away, the order is remembered.
    let again = host.session("file-feed", &grant).unwrap().push(Entity::Order, &batch[..1]).expect("no trap");
    assert_eq!(again[0].as_ref().ok(), Some(first));
    std::fs::remove_file(dir.join(&files[0])).unwrap();
    let rekeyed = KeyedRecord { key: "orders:1001:v2".into(), record: Record::Order(Box::new(order)) };
    let out = host.session("file-feed", &grant).unwrap().push(Entity::Order, &[rekeyed]).expect("no trap");
    assert!(
        matches!(&out[0], Ok(p) if p.external_id == first.external_id && p.outcome == WriteOutcome::Unchanged),
        "{out:?}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "not written a second time");
}

/// Issue 21: at 40,000 SKUs × 3 locations the whole 120,000-row file no longer has to fit in the
/// plugin's memory (64 MiB by default): each page reads its own rows from the cursor's offset.
#[test]
fn a_file_of_120000_rows_is_read_page_by_page_within_the_default_memory_limit() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("in")).unwrap();
    let mut csv = String::from("sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n");
    for sku in 0..40_000 {
        for location in ["WH1", "WH2", "WH3"] {
            csv.push_str(&format!("SKU-{sku:05},{location},{},0,0,0,2026-11-26T06:00:00Z\n", sku % 97));
        }
    }
    std::fs::write(data.join("in/inventory.csv"), &csv).unwrap();
    let grant = Grant { directory: Some(data), ..Grant::default() };
    let (records, reported, _) = follow(&host, &grant, Entity::InventoryLevel, None, 250);
    assert!(reported.is_empty(), "{reported:?}");
    assert_eq!(records.len(), 120_000);
    assert_eq!(ids(&records).len(), 120_000, "each level once");
    let Some(Record::InventoryLevel(last)) = records.last() else { panic!("levels") };
    assert_eq!((last.sku.as_deref(), last.location.as_str(), last.on_hand), (Some("SKU-39999"), "WH3", 39_999 % 97));
}

/// A cursor saved by an earlier version (file, line and sha256, no byte offset) goes on where it
/// stood: nothing before its line again, nothing after it lost.
#[test]
fn a_cursor_without_a_byte_offset_goes_on_from_its_line() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    copy_sample_dataset(&data);
    let grant = Grant { directory: Some(data), ..Grant::default() };
    let (all, _, _) = follow(&host, &grant, Entity::Customer, None, 500);
    let (tmp2, host2) = plugin_host(&["file-feed"], &[]);
    copy_sample_dataset(&tmp2.path().join("data"));
    let grant2 = Grant { directory: Some(tmp2.path().join("data")), ..Grant::default() };
    let mut session = host2.session("file-feed", &grant2).expect("session");
    let page = session.pull(Entity::Customer, None, 10).expect("no trap").expect("a page");
    let mut cursor: serde_json::Value = serde_json::from_str(page.next_cursor.as_deref().unwrap()).unwrap();
    let old = cursor.as_object_mut().unwrap();
    assert!(old.remove("offset").is_some() && old.remove("stamp").is_some(), "{cursor}");
    drop(session);
    let (rest, _, _) = follow(&host2, &grant2, Entity::Customer, Some(cursor.to_string()), 500);
    let mut resumed = ids(&page.records);
    assert!(rest.iter().all(|r| resumed.insert(r.external_id().to_owned())), "no record twice");
    assert_eq!(resumed, ids(&all), "none lost");
}
