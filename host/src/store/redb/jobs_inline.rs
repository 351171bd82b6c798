//! Jobs stored before payloads were kept apart (the whole job in `jobs`) still run.

use super::jobs::{JOBS, LEASED, PAYLOADS, READY};
use super::{to_json, RedbStore};
use crate::store::contract::{CopyStore, QueueStore};
use crate::store::{Item, Job, NewJob};
use redb::ReadableTableMetadata;
use serde_json::json;

fn new_job(key: &str, payload: serde_json::Value) -> NewJob {
    NewJob {
        flow: "inventory".into(),
        trigger: "schedule".into(),
        key: key.into(),
        payload: payload.into(),
        dedupe_id: None,
    }
}

#[test]
fn a_job_stored_with_its_payload_inline_still_runs_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path()).unwrap();
    let payload = json!({"kind": "page", "records": [{"sku": "A-1"}]});
    // As stores before payloads were kept apart wrote it: the whole job in `jobs`.
    let old = new_job("inline", payload.clone()).ready(77, 1);
    {
        let tx = store.db.begin_write().unwrap();
        tx.open_table(JOBS).unwrap().insert(77, to_json(&old).unwrap().as_slice()).unwrap();
        tx.open_table(READY).unwrap().insert(("inventory", 1, 77), ()).unwrap();
        tx.commit().unwrap();
    }
    store.enqueue(&[new_job("apart", json!({"kind": "page", "records": []}))], 2, None).unwrap();
    let exported = |store: &RedbStore| {
        let mut jobs = Vec::new();
        store
            .export(&mut |items| {
                jobs.extend(items.into_iter().filter_map(|i| match i {
                    Item::Job(job) => Some((job.key, job.payload.value())),
                    _ => None,
                }));
                Ok(())
            })
            .unwrap();
        jobs
    };
    assert!(exported(&store).contains(&("inline".to_owned(), payload.clone())), "exported with its payload");

    let leased = store.lease(Some("inventory"), 10, 1_000, 10).unwrap();
    let payloads: Vec<(&str, serde_json::Value)> = leased.iter().map(|j| (j.key.as_str(), j.payload.value())).collect();
    assert_eq!(payloads, [("inline", payload.clone()), ("apart", json!({"kind": "page", "records": []}))]);
    assert_eq!(store.renew_leases(1_005, 1_000).unwrap(), 2);
    assert_eq!(store.recover_leases(u64::MAX, 3_000).unwrap(), 2);
    let again = store.lease(Some("inventory"), 3_000, 1_000, 10).unwrap();
    let mut again_payloads: Vec<(&str, serde_json::Value, u32)> =
        again.iter().map(|j| (j.key.as_str(), j.payload.value(), j.attempts)).collect();
    again_payloads.sort_by_key(|(key, ..)| *key);
    assert_eq!(again_payloads, [("apart", json!({"kind": "page", "records": []}), 2), ("inline", payload.clone(), 2)]);
    store.ack_all(&again.iter().map(Job::receipt).collect::<Vec<_>>()).unwrap();
    let tx = store.db.begin_read().unwrap();
    assert_eq!(tx.open_table(JOBS).unwrap().len().unwrap(), 0);
    assert_eq!(tx.open_table(PAYLOADS).unwrap().len().unwrap(), 0, "no payload outlives its job");
    assert_eq!(tx.open_table(LEASED).unwrap().len().unwrap(), 0);
}
