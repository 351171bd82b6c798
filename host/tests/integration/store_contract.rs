//! The store contract suite: what every backend of `weft::store` must do, run against each
//! backend (redb, and PostgreSQL on a real server). A backend is added with one `contract_suite!`
//! line and a fixture that opens a fresh store and reopens the same one after a "restart".

use crate::common;

use common::postgres::PgServer;
use std::collections::BTreeMap;
use weft::store::{
    Aged, ApiCall, CallDetail, CallPage, ConfigVersion, ConfirmedWrite, CursorAdvance, EnqueueOutcome, Episode,
    ErrorClass, HttpCall, IdLink, Intent, Item, ItemKind, JobError, JournalObject, KvError, LedgerEntry, LinkedCall,
    Location, NewJob, Outcome, ReconcileReport, RunFilter, RunRecord, RunStatus, ShopifyCall, StateTable, Store,
    StoreHealth, Throttle, UndoEntry,
};

/// Opens the store under test; `open` again after dropping every handle is a restart.
trait Fixture {
    fn open(&self) -> Store;
}

/// A fresh database on a PostgreSQL server of its own.
struct Postgres {
    url: String,
    _server: PgServer,
}

impl Postgres {
    fn new() -> Postgres {
        let server = PgServer::start();
        Postgres { url: server.database(), _server: server }
    }
}

impl Fixture for Postgres {
    fn open(&self) -> Store {
        let options = weft::store::postgres::Options { url: self.url.clone(), pool_size: 4, label: "contract".into() };
        Store::connect(&Location::Postgres(options)).expect("open the postgres store")
    }
}

struct Redb(tempfile::TempDir);

impl Redb {
    fn new() -> Redb {
        Redb(tempfile::tempdir().expect("temp dir"))
    }
}

impl Fixture for Redb {
    fn open(&self) -> Store {
        Store::open(self.0.path()).expect("open the redb store")
    }
}

const T0: u64 = 1_800_000_000_000;

fn job(flow: &str, key: &str) -> NewJob {
    NewJob {
        flow: flow.into(),
        trigger: "manual".into(),
        key: key.into(),
        payload: serde_json::json!({"kind": "pull"}).into(),
        dedupe_id: None,
    }
}

fn hooked(flow: &str, webhook: &str) -> NewJob {
    NewJob { dedupe_id: Some(webhook.into()), ..job(flow, webhook) }
}

fn error(message: &str) -> JobError {
    JobError::new(ErrorClass::Retryable, message)
}

fn ids(outcomes: &[EnqueueOutcome]) -> Vec<u64> {
    outcomes.iter().filter_map(|o| if let EnqueueOutcome::Enqueued(id) = o { Some(*id) } else { None }).collect()
}

fn record(key: &str, outcome: Outcome, refs: &[&str]) -> RunRecord {
    RunRecord { key: key.into(), outcome, refs: refs.iter().map(|r| r.to_string()).collect(), ..RunRecord::default() }
}

fn undo(field: &str, after: i64) -> UndoEntry {
    UndoEntry {
        flow: "inventory".into(),
        object: JournalObject::InventoryLevel,
        key: "SKU".into(),
        target_id: "gid://shopify/InventoryItem/1".into(),
        location: Some("gid://shopify/Location/1".into()),
        field: field.into(),
        before: serde_json::json!(after - 1),
        after: serde_json::json!(after),
        at_ms: T0,
    }
}

fn intent(flow: &str, key: &str, available: i64) -> Intent {
    let values = serde_json::json!({"available": available}).as_object().cloned().unwrap_or_default();
    Intent {
        flow: flow.into(),
        key: key.into(),
        object: JournalObject::InventoryLevel,
        target_id: None,
        values,
        run_id: 1,
        at_ms: T0,
    }
}

/// Enqueue stores jobs once per webhook id and flow, and advances the cursor with the page.
fn enqueue_dedupes_webhooks_per_flow_and_advances_the_cursor(f: &dyn Fixture) {
    let store = f.open();
    let first = store.enqueue(&[hooked("orders", "w1"), hooked("customers", "w1")], T0, None).unwrap();
    assert_eq!(ids(&first).len(), 2, "one delivery may feed two flows");
    let again = store.enqueue(&[hooked("orders", "w1")], T0, None).unwrap();
    assert_eq!(again, vec![EnqueueOutcome::Duplicate]);
    assert_eq!(store.cursor("products", "erp").unwrap(), None);
    let advance = CursorAdvance { flow: "products", connection: "erp", cursor: "page-2", then: None };
    store.enqueue(&[job("products", "p1"), job("products", "p2")], T0, Some(advance)).unwrap();
    assert_eq!(store.cursor("products", "erp").unwrap().as_deref(), Some("page-2"));
    assert_eq!(store.job_count().unwrap(), 4);
    let grouped = store.enqueue_group(&[vec![job("a", "1")], vec![hooked("orders", "w1"), job("b", "2")]], T0).unwrap();
    assert_eq!(grouped.len(), 2);
    assert_eq!(grouped[1][0], EnqueueOutcome::Duplicate);
    assert_eq!(store.job_count().unwrap(), 6);
}

/// Leases take due jobs of unpaused flows, count attempts and hide leased jobs; ack removes,
/// reschedule delays, an expired lease comes back.
fn lease_ack_reschedule_and_expiry(f: &dyn Fixture) {
    let store = f.open();
    let enqueued = ids(&store.enqueue(&[job("f", "a"), job("f", "b"), job("g", "c")], T0, None).unwrap());
    let leased = store.lease(Some("f"), T0, 1_000, 10).unwrap();
    assert_eq!(leased.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert!(leased.iter().all(|j| j.attempts == 1));
    assert!(store.lease(Some("f"), T0, 1_000, 10).unwrap().is_empty(), "leased jobs are not leased twice");
    assert!(store.job_exists(enqueued[0]).unwrap());
    store.ack_all(&leased[..1]).unwrap();
    assert!(!store.job_exists(enqueued[0]).unwrap());
    store.reschedule(&leased[1], error("later"), T0 + 5_000).unwrap();
    assert!(store.lease(Some("f"), T0 + 4_999, 1_000, 10).unwrap().is_empty(), "not due yet");
    let again = store.lease(Some("f"), T0 + 5_000, 1_000, 10).unwrap();
    assert_eq!((again[0].attempts, again[0].last_error.as_ref().map(|e| e.message.as_str())), (2, Some("later")));
    assert_eq!(store.recover_leases(T0 + 5_999, T0 + 6_000).unwrap(), 0, "its lease runs until T0 + 6000");
    assert_eq!(store.recover_leases(T0 + 6_000, T0 + 6_000).unwrap(), 1);
    let held = store.lease(None, T0 + 6_000, 1_000, 1).unwrap();
    assert_eq!(held.len(), 1, "max is honoured");
    assert_eq!(store.renew_leases(T0 + 6_500, 1_000).unwrap(), 1, "a live holder renews its lease");
    assert_eq!(store.renew_leases(T0 + 6_000, 100).unwrap(), 0, "a renewal never shortens a lease");
    assert_eq!(store.recover_leases(T0 + 7_000, T0 + 7_000).unwrap(), 0, "renewed until T0 + 7500");
    store.reschedule(&held[0], error("after renewal"), T0 + 8_000).unwrap();
    let leased: u64 = store.queue_status().unwrap().values().map(|s| s.leased).sum();
    assert_eq!(leased, 0, "a renewed job is settled like any other");
    let again = store.lease(None, T0 + 8_000, 1_000, 10).unwrap();
    assert_eq!(again.len(), 2);
    assert!(again.iter().any(|j| j.id == held[0].id && j.last_error.as_ref().unwrap().message == "after renewal"));
    drop(store);
    let store = f.open();
    assert_eq!(
        store.recover_orphaned_leases(T0 + 8_000).unwrap(),
        2,
        "after a restart, leases the process that took them cannot finish are released"
    );
    assert_eq!(store.lease(None, T0 + 8_000, 1_000, 10).unwrap().len(), 2);
}

/// Dead letters keep their error; retry one or all of a flow; a discarded one stays discarded.
fn dead_letters_retry_and_discard(f: &dyn Fixture) {
    let store = f.open();
    store.enqueue(&[job("f", "a"), job("f", "b"), job("g", "c")], T0, None).unwrap();
    let leased = store.lease(None, T0, 1_000, 10).unwrap();
    for j in &leased {
        store.dead_letter(j, error(&format!("bad {}", j.key)), T0).unwrap();
    }
    assert_eq!(store.job_count().unwrap(), 0);
    let dead = store.dead_letters(Some("f")).unwrap();
    assert_eq!(dead.iter().map(|d| d.error.message.as_str()).collect::<Vec<_>>(), ["bad a", "bad b"]);
    assert!(store.discard_dead(dead[1].job.id, "a person said so").unwrap());
    assert!(!store.discard_dead(999_999, "no such").unwrap());
    assert_eq!(store.dead_letters(Some("f")).unwrap()[1].discarded.as_deref(), Some("a person said so"));
    assert_eq!(store.retry_dead(None, Some("f"), T0).unwrap(), 1, "the discarded one is not retried");
    let retried = store.lease(Some("f"), T0, 1_000, 10).unwrap();
    assert_eq!((retried[0].key.as_str(), retried[0].attempts, retried[0].trigger.as_str()), ("a", 1, "retry"));
    let c = store.dead_letters(Some("g")).unwrap()[0].job.id;
    assert_eq!(store.retry_dead(Some(c), None, T0).unwrap(), 1);
    assert_eq!(store.retry_dead(Some(c), None, T0).unwrap(), 0, "already requeued");
    let (live, dead) = store.jobs_by_key("c", 10).unwrap();
    assert_eq!((live.len(), dead.len()), (1, 0));
}

/// A dead letter retried with an edited payload: a new job of its flow and key carries the edit;
/// the dead letter stays, settled, with the original job and the edit; it is edited once.
fn dead_letters_are_retried_with_an_edit_kept_beside_the_original(f: &dyn Fixture) {
    let store = f.open();
    store.enqueue(&[job("f", "a")], T0, None).unwrap();
    let leased = store.lease(None, T0, 1_000, 10).unwrap();
    store.dead_letter(&leased[0], error("bad a"), T0).unwrap();
    let id = leased[0].id;
    let edited = serde_json::json!({"kind": "pull", "fixed": true});
    assert_eq!(store.retry_dead_edited(999_999, &edited, "none", T0).unwrap(), None, "no such dead letter");
    let new = store.retry_dead_edited(id, &edited, "fixed the location", T0 + 5).unwrap().expect("retried");
    assert_ne!(new, id, "the edit is a job of its own");
    assert_eq!(store.retry_dead_edited(id, &edited, "again", T0).unwrap(), None, "settled: edited once");
    assert_eq!(store.retry_dead(Some(id), None, T0).unwrap(), 0, "settled: not retried as it was");
    let retried = store.lease(Some("f"), T0 + 5, 1_000, 10).unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!((retried[0].id, retried[0].key.as_str(), retried[0].trigger.as_str()), (new, "a", "retry"));
    assert_eq!(retried[0].payload.value(), edited);
    let dead = store.dead_letters(Some("f")).unwrap();
    assert_eq!(dead.len(), 1, "the dead letter is kept");
    assert_eq!(dead[0].job.payload.value(), serde_json::json!({"kind": "pull"}), "with the original");
    let edit = dead[0].edit.as_ref().expect("and the edit");
    assert_eq!(
        (edit.payload.clone(), edit.note.as_str(), edit.at_ms, edit.job_id),
        (edited, "fixed the location", T0 + 5, new)
    );
    assert!(dead[0].discarded.is_some(), "settled");
    assert_eq!(store.queue_status().unwrap().get("f").map_or(0, |s| s.dead), 0, "no longer counted as dead");
    let (_, by_key) = store.jobs_by_key("a", 10).unwrap();
    assert_eq!(by_key[0].edit.as_ref().map(|e| e.job_id), Some(new));
}

/// A person's pause holds until they resume; weft's pause carries its reason and is lifted only
/// by weft; both survive a restart; the queue status shows them.
fn pauses_are_persisted_with_their_reason(f: &dyn Fixture) {
    {
        let store = f.open();
        store.enqueue(&[job("orders", "o"), job("inventory", "i")], T0, None).unwrap();
        store.set_paused("orders", true, T0).unwrap();
        assert!(store.pause_for("inventory", "circuit: shopify down", T0).unwrap());
        assert!(!store.pause_for("orders", "circuit: x", T0).unwrap(), "a person's pause stays theirs");
        assert!(store.lease(None, T0, 1_000, 10).unwrap().is_empty());
    }
    let store = f.open();
    let status = store.queue_status().unwrap();
    assert_eq!(status["orders"].paused_since_ms, Some(T0));
    assert_eq!(status["orders"].pause_reason, None);
    assert_eq!(status["inventory"].pause_reason.as_deref(), Some("circuit: shopify down"));
    assert_eq!(status["inventory"].ready, 1);
    assert!(!store.resume_if("orders", "circuit:").unwrap(), "weft never resumes a person's pause");
    assert!(store.resume_if("inventory", "circuit:").unwrap());
    store.set_paused("orders", false, T0).unwrap();
    assert!(!store.is_paused("orders").unwrap());
    assert_eq!(store.lease(None, T0, 1_000, 10).unwrap().len(), 2);
}

/// A tick fires once for what its caller read, and not while the job it fired last is queued,
/// running, or dead-lettered and not discarded; ticks persist; old webhook receipts are pruned, after which the id is new again.
fn ticks_fire_once_and_receipts_are_pruned(f: &dyn Fixture) {
    {
        let store = f.open();
        assert_eq!(store.last_tick("orders").unwrap(), None);
        assert!(store.fire_tick("orders", None, T0 - 10, Some(&job("orders", "pull@1"))).unwrap());
        assert!(!store.fire_tick("orders", None, T0 - 5, None).unwrap(), "someone fired it since it was read");
        assert!(
            !store.fire_tick("orders", Some(T0 - 10), T0 - 5, Some(&job("orders", "pull@2"))).unwrap(),
            "its last pull is still queued"
        );
        assert_eq!(store.job_count().unwrap(), 1);
        let pull = store.lease(Some("orders"), T0, 1_000, 10).unwrap();
        assert!(!store.fire_tick("orders", Some(T0 - 10), T0, None).unwrap(), "or running");
        store.ack_all(&pull).unwrap();
        assert!(store.fire_tick("orders", Some(T0 - 10), T0, Some(&job("orders", "pull@3"))).unwrap());
        let pull = store.lease(Some("orders"), T0, 1_000, 10).unwrap();
        store.dead_letter(&pull[0], error("memory limit"), T0).unwrap();
        assert!(!store.fire_tick("orders", Some(T0), T0 + 1, None).unwrap(), "a dead pull holds its schedule");
        assert_eq!(store.retry_dead(Some(pull[0].id), None, T0).unwrap(), 1);
        assert!(!store.fire_tick("orders", Some(T0), T0 + 1, None).unwrap(), "its retry is queued");
        let retried = store.lease(Some("orders"), T0, 1_000, 10).unwrap();
        store.dead_letter(&retried[0], error("memory limit"), T0).unwrap();
        assert!(store.discard_dead(pull[0].id, "plugin fixed").unwrap());
        assert!(
            store.fire_tick("orders", Some(T0), T0 + 1, Some(&job("orders", "pull@4"))).unwrap(),
            "a discarded one releases it"
        );
        let refused = store.lease(Some("orders"), T0 + 1, 1_000, 10).unwrap();
        let bad_record = JobError::new(ErrorClass::InvalidInput, "products.csv:42: bad price");
        store.dead_letter(&refused[0], bad_record, T0).unwrap();
        assert!(
            store.fire_tick("orders", Some(T0 + 1), T0 + 2, None).unwrap(),
            "a pull refused for a bad record (not retryable) holds nothing: its cursor moved past it"
        );
        store.enqueue(&[hooked("orders", "old"), hooked("orders", "old2")], T0, None).unwrap();
        store.enqueue(&[hooked("orders", "new")], T0 + 10_000, None).unwrap();
    }
    let store = f.open();
    assert_eq!(store.last_tick("orders").unwrap(), Some(T0 + 2));
    assert_eq!(store.prune(Aged::WebhookReceipts, T0 + 1, 1).unwrap(), 1, "a round removes at most its limit");
    assert_eq!(store.prune(Aged::WebhookReceipts, T0 + 1, 10).unwrap(), 1);
    assert_eq!(store.prune(Aged::WebhookReceipts, T0 + 1, 10).unwrap(), 0);
    assert_eq!(ids(&store.enqueue(&[hooked("orders", "old")], T0 + 20_000, None).unwrap()).len(), 1);
    assert_eq!(store.enqueue(&[hooked("orders", "new")], T0 + 20_000, None).unwrap(), vec![EnqueueOutcome::Duplicate]);
}

/// Runs (with their records and the key index), undo logs and reports go by age, oldest first,
/// at most `limit` per round; younger ones stay whole.
fn runs_undo_and_reports_are_pruned_by_age(f: &dyn Fixture) {
    let store = f.open();
    let mut runs = Vec::new();
    for (i, at) in [T0, T0 + 1_000, T0 + 2_000].into_iter().enumerate() {
        let run = store.start_run("orders", "schedule", None, at).unwrap();
        store.add_run_records(run.id, &[record(&format!("#{i}"), Outcome::Created, &["SKU-SHARED"])]).unwrap();
        store.finish_run(run.id, at + 10, None).unwrap();
        store.add_undo(run.id, &[UndoEntry { at_ms: at, ..undo("available", i as i64) }]).unwrap();
        runs.push(run.id);
    }
    assert_eq!(store.prune(Aged::Runs, T0 + 1_500, 1).unwrap(), 1);
    assert_eq!(store.prune(Aged::Runs, T0 + 1_500, 10).unwrap(), 1);
    assert_eq!(store.prune(Aged::Runs, T0 + 1_500, 10).unwrap(), 0);
    assert_eq!(store.run(runs[0]).unwrap(), None);
    assert!(store.run_records(runs[1]).unwrap().is_empty());
    assert_eq!(store.run_records(runs[2]).unwrap().len(), 1);
    let found: Vec<u64> = store.records_by_key("SKU-SHARED", 10).unwrap().iter().map(|r| r.run_id).collect();
    assert_eq!(found, [runs[2]], "the key index forgets pruned records");
    assert_eq!(store.prune(Aged::UndoLog, T0 + 1_500, 10).unwrap(), 2);
    assert!(store.undo_log(runs[0]).unwrap().is_empty());
    assert_eq!(store.undo_log(runs[2]).unwrap().len(), 1);
    for finished_ms in [T0, T0 + 5_000] {
        store.add_reconcile_report(&ReconcileReport { finished_ms, ..ReconcileReport::default() }).unwrap();
    }
    assert_eq!(store.prune(Aged::ReconcileReports, T0 + 1, 10).unwrap(), 1);
    assert_eq!(store.reconcile_reports(10).unwrap().iter().map(|r| r.finished_ms).collect::<Vec<_>>(), [T0 + 5_000]);
}

/// Intents not renewed go; only discarded dead letters go (the others wait for a person); the
/// ledger loses only entries a newer write of the same record superseded, never a record's newest.
fn intents_discarded_dead_letters_and_the_superseded_ledger(f: &dyn Fixture) {
    let store = f.open();
    store.add_intents(&[intent("inv", "A@1", 3), Intent { at_ms: T0 + 5_000, ..intent("inv", "B@1", 4) }]).unwrap();
    assert_eq!(store.prune(Aged::Intents, T0 + 1, 10).unwrap(), 1);
    assert_eq!(store.intents("inv").unwrap().iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), ["B@1"]);

    store.enqueue(&[job("f", "a"), job("f", "b")], T0, None).unwrap();
    for j in store.lease(None, T0, 1_000, 10).unwrap() {
        store.dead_letter(&j, error("bad"), T0).unwrap();
    }
    let first = store.dead_letters(None).unwrap()[0].job.id;
    store.discard_dead(first, "a person said so").unwrap();
    assert_eq!(store.prune(Aged::DiscardedDeadLetters, T0 + 1, 10).unwrap(), 1);
    let left: Vec<String> = store.dead_letters(None).unwrap().into_iter().map(|d| d.job.key).collect();
    assert_eq!(left, ["b"], "an undecided dead letter stays whatever its age");

    let at = |key: &str, at_ms: u64| ConfirmedWrite {
        key: key.into(),
        entry: LedgerEntry { outcome: Outcome::Updated, destination_id: "gid://shopify/Product/1".into(), at_ms },
        object: "product".into(),
        object_key: "A".into(),
        link: IdLink::default(),
    };
    store
        .confirm_writes(&[
            at("f/product/A/h1", T0),
            at("f/product/A/h2", T0 + 1_000),
            at("f/product/A/h3", T0 + 2_000),
            at("f/product/B/h1", T0),
            at("f/order/gid://shopify/Order/1/h1", T0),
            at("f/order/gid://shopify/Order/1/h2", T0 + 1),
        ])
        .unwrap();
    assert_eq!(store.prune(Aged::SupersededLedger, T0 + 1_500, 2).unwrap(), 2);
    assert_eq!(store.prune(Aged::SupersededLedger, T0 + 1_500, 10).unwrap(), 1);
    assert_eq!(store.prune(Aged::SupersededLedger, T0 + 1_500, 10).unwrap(), 0);
    let kept: Vec<&str> = ["f/product/A/h1", "f/product/A/h2", "f/product/A/h3", "f/product/B/h1"]
        .into_iter()
        .chain(["f/order/gid://shopify/Order/1/h1", "f/order/gid://shopify/Order/1/h2"])
        .filter(|k| store.ledger_get(k).unwrap().is_some())
        .collect();
    assert_eq!(kept, ["f/product/A/h3", "f/product/B/h1", "f/order/gid://shopify/Order/1/h2"]);
}

/// The store counts the entries of its tables: what is added shows, what is pruned goes.
fn stats_count_what_is_kept(f: &dyn Fixture) {
    let store = f.open();
    let empty = store.stats().unwrap().entries();
    store.enqueue(&[hooked("orders", "w1"), hooked("orders", "w2")], T0, None).unwrap();
    let full = store.stats().unwrap();
    assert!(full.entries() >= empty + 4, "two jobs and two receipts: {full:?}");
    assert!(full.tables.iter().all(|t| !t.table.is_empty()));
    store.prune(Aged::WebhookReceipts, T0 + 1, 10).unwrap();
    assert_eq!(store.stats().unwrap().entries(), full.entries() - 2);
}

/// Confirmed writes are in the ledger and their ids merge into the id map; forgotten ones are not.
fn ledger_and_id_map(f: &dyn Fixture) {
    let store = f.open();
    let entry = LedgerEntry { outcome: Outcome::Created, destination_id: "gid://shopify/Product/1".into(), at_ms: T0 };
    let write = |key: &str, link: IdLink| ConfirmedWrite {
        key: key.into(),
        entry: entry.clone(),
        object: "product".into(),
        object_key: "T1".into(),
        link,
    };
    store
        .confirm_writes(&[write("k1", IdLink { shopify: Some("gid://shopify/Product/1".into()), erp: None })])
        .unwrap();
    assert_eq!(store.ledger_get("k1").unwrap(), Some(entry.clone()));
    assert_eq!(store.ledger_get("k2").unwrap(), None);
    assert_eq!(
        store.ledger_get_all(&["k2", "k1", "k1"]).unwrap(),
        [None, Some(entry.clone()), Some(entry.clone())],
        "a batch read answers in the order asked, repeats too"
    );
    store.link_ids_all("product", &[("T1".into(), IdLink { shopify: None, erp: Some("T1".into()) })]).unwrap();
    let link = store.id_link("product", "T1").unwrap().unwrap();
    assert_eq!(
        (link.shopify.as_deref(), link.erp.as_deref()),
        (Some("gid://shopify/Product/1"), Some("T1")),
        "None keeps the other side"
    );
    assert_eq!(store.id_link("customer", "T1").unwrap(), None, "links are per object");
    let found = store.id_links("product", &["T9", "T1"]).unwrap();
    assert_eq!((found[0].as_ref(), found[1].as_ref()), (None, Some(&link)), "a batch read answers in the order asked");
    store.forget_writes(&["k1".into()]).unwrap();
    assert_eq!(store.ledger_get("k1").unwrap(), None);
    assert!(store.id_link("product", "T1").unwrap().is_some(), "forgetting a write keeps the link");
}

/// Runs count their records' outcomes; records are found by key and by ref, once; a discarded
/// run is gone with its records.
fn runs_and_their_records(f: &dyn Fixture) {
    let store = f.open();
    let run = store.start_run("products", "schedule", None, T0).unwrap();
    let written = record("products/product/42/ab12", Outcome::Updated, &["42", "TEE", "TEE-S"]);
    store
        .add_run_records(run.id, &[written.clone(), record("products/product/7/cd34", Outcome::Created, &["7", "MUG"])])
        .unwrap();
    store.add_run_records(run.id, &[record("products/product/8/ef56", Outcome::Dead, &["8"])]).unwrap();
    let finished = store.finish_run(run.id, T0 + 5, None).unwrap();
    assert_eq!(finished.status, RunStatus::Partial);
    assert_eq!(finished.counts, BTreeMap::from([(Outcome::Created, 1), (Outcome::Updated, 1), (Outcome::Dead, 1)]));
    let records = store.run_records(run.id).unwrap();
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(store.run_record(run.id, 0).unwrap().map(|r| r.record), Some(written.clone()));
    for key in ["products/product/42", "42", "TEE-S"] {
        let found = store.records_by_key(key, 10).unwrap();
        assert_eq!(found.iter().map(|f| &f.record).collect::<Vec<_>>(), [&written], "{key}");
    }
    assert_eq!(store.records_by_key("TEE", 10).unwrap().len(), 1, "a record found under several keys is listed once");
    let ok = store.start_run("orders", "webhook", None, T0 + 10).unwrap();
    store.finish_run(ok.id, T0 + 11, None).unwrap();
    let failed = store.start_run("orders", "schedule", None, T0 + 20).unwrap();
    assert_eq!(store.finish_run(failed.id, T0 + 21, Some("boom".into())).unwrap().status, RunStatus::Failed);
    let orders = RunFilter { flow: Some("orders".into()), ..RunFilter::default() };
    assert_eq!(
        store.runs(&orders, 10).unwrap().iter().map(|r| r.id).collect::<Vec<_>>(),
        [failed.id, ok.id],
        "newest first"
    );
    assert_eq!(store.runs(&RunFilter { before: Some(failed.id), ..orders.clone() }, 10).unwrap()[0].id, ok.id);
    assert_eq!(
        store.runs(&RunFilter { status: Some(RunStatus::Succeeded), ..RunFilter::default() }, 10).unwrap()[0].id,
        ok.id
    );
    assert_eq!(store.runs_since("orders", T0 + 15).unwrap().len(), 1);
    let window = RunFilter { since_ms: Some(T0 + 10), until_ms: Some(T0 + 20), ..orders.clone() };
    assert_eq!(
        store.runs(&window, 10).unwrap().iter().map(|r| r.id).collect::<Vec<_>>(),
        [ok.id],
        "started in [since, until)"
    );
    store.discard_run(run.id).unwrap();
    assert_eq!(store.run(run.id).unwrap(), None);
    assert!(store.run_records(run.id).unwrap().is_empty());
    assert!(store.records_by_key("TEE", 10).unwrap().is_empty(), "its index entries are gone too");
}

/// The undo log keeps write order per run across calls; an intent replaces the previous one of
/// its flow and key.
fn journals(f: &dyn Fixture) {
    let store = f.open();
    store.add_undo(1, &[undo("available", 5), undo("available", 6)]).unwrap();
    store.add_undo(2, &[undo("available", 9)]).unwrap();
    store.add_undo(1, &[undo("price", 7)]).unwrap();
    let log: Vec<(String, serde_json::Value)> =
        store.undo_log(1).unwrap().into_iter().map(|e| (e.field, e.after)).collect();
    assert_eq!(
        log,
        [
            ("available".into(), serde_json::json!(5)),
            ("available".into(), serde_json::json!(6)),
            ("price".into(), serde_json::json!(7))
        ]
    );
    store.add_intents(&[intent("inv", "A@1", 3), intent("inv", "B@1", 4), intent("other", "A@1", 9)]).unwrap();
    store.add_intents(&[intent("inv", "A@1", 5)]).unwrap();
    let intents = store.intents("inv").unwrap();
    assert_eq!(
        intents.iter().map(|i| (i.key.as_str(), i.values["available"].as_i64())).collect::<Vec<_>>(),
        [("A@1", Some(5)), ("B@1", Some(4))]
    );
}

/// Reports are listed newest first; alert episodes open and close and survive a restart.
fn reports_and_alert_episodes(f: &dyn Fixture) {
    {
        let store = f.open();
        let first = store
            .add_reconcile_report(&ReconcileReport { trigger: "manual".into(), ..ReconcileReport::default() })
            .unwrap();
        let second = store
            .add_reconcile_report(&ReconcileReport { trigger: "schedule".into(), ..ReconcileReport::default() })
            .unwrap();
        assert_eq!(store.reconcile_reports(10).unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), [second, first]);
        assert_eq!(store.reconcile_report(first).unwrap().map(|r| r.trigger), Some("manual".into()));
        let episode = Episode { rule: "error_rate".into(), flow: Some("orders".into()), since_ms: T0, value: 0.5 };
        assert!(store.open_alert_episode("error_rate/orders", &episode).unwrap());
        assert!(!store.open_alert_episode("error_rate/orders", &episode).unwrap(), "it is firing already");
        assert!(store.open_alert_episode("dead_letters", &Episode { flow: None, ..episode }).unwrap());
        assert!(store.close_alert_episode("dead_letters").unwrap());
        assert!(!store.close_alert_episode("dead_letters").unwrap(), "closed once");
    }
    let store = f.open();
    assert_eq!(store.alert_episodes().unwrap().keys().collect::<Vec<_>>(), ["error_rate/orders"]);
}

/// Plugin kv is scoped per plugin, bounded by its quota (a refused batch writes nothing) and
/// persistent.
fn plugin_kv_is_scoped_bounded_and_persistent(f: &dyn Fixture) {
    {
        let store = f.open();
        let (a, b) = (store.plugin_kv("a", 100), store.plugin_kv("b", 100));
        a.set("cursor", b"42").unwrap();
        a.set("cursor2", b"43").unwrap();
        assert_eq!(b.get("cursor").unwrap(), None);
        assert_eq!(a.list_keys("cur", 10).unwrap(), ["cursor", "cursor2"]);
        assert_eq!(a.list_keys("cur", 1).unwrap(), ["cursor"]);
        assert!(matches!(a.set("big", &[0u8; 200]), Err(KvError::Quota { .. })));
        let batch: [(&str, Option<&[u8]>); 2] = [("x", Some(b"1")), ("y", Some(&[0u8; 200]))];
        assert!(a.write_all(&batch).is_err());
        assert_eq!(a.get("x").unwrap(), None, "all or nothing");
        a.delete("cursor2").unwrap();
        assert!(matches!(a.set(&"k".repeat(600), b"v"), Err(KvError::TooLarge(_))));
    }
    let store = f.open();
    let a = store.plugin_kv("a", 100);
    assert_eq!(a.get("cursor").unwrap().as_deref(), Some(&b"42"[..]));
    assert_eq!(a.get("cursor2").unwrap(), None);
}

/// The host's flow state: one table per kind, keys by prefix, never visible as plugin kv.
fn flow_state_tables(f: &dyn Fixture) {
    let store = f.open();
    let put = |k: &str, v: &str| (k.to_owned(), Some(v.as_bytes().to_vec()));
    store
        .state_write(
            StateTable::InventoryLevels,
            &[put("A\u{1f}inv\u{1f}L1", "1"), put("A\u{1f}inv\u{1f}L2", "2"), put("B\u{1f}inv\u{1f}L1", "3")],
        )
        .unwrap();
    store.state_write(StateTable::CatalogHashes, &[put("A\u{1f}inv\u{1f}L1", "hash")]).unwrap();
    assert_eq!(store.state_keys(StateTable::InventoryLevels, "A\u{1f}", 10).unwrap().len(), 2);
    assert_eq!(store.state_keys(StateTable::InventoryLevels, "", 1).unwrap().len(), 1);
    // No bound at all (a whole flow's keys, as the catalog index reads them).
    assert_eq!(store.state_keys(StateTable::InventoryLevels, "A\u{1f}", usize::MAX).unwrap().len(), 2);
    assert_eq!(
        store.state_get(StateTable::CatalogHashes, "A\u{1f}inv\u{1f}L1").unwrap().as_deref(),
        Some(&b"hash"[..])
    );
    assert_eq!(store.state_get(StateTable::PriceOverrides, "A\u{1f}inv\u{1f}L1").unwrap(), None, "tables are separate");
    assert_eq!(
        store.state_get_all(StateTable::InventoryLevels, &["B\u{1f}inv\u{1f}L1", "C", "A\u{1f}inv\u{1f}L2"]).unwrap(),
        [Some(b"3".to_vec()), None, Some(b"2".to_vec())],
        "a batch read answers in the order asked"
    );
    store.state_write(StateTable::InventoryLevels, &[("A\u{1f}inv\u{1f}L1".into(), None)]).unwrap();
    assert_eq!(store.state_get(StateTable::InventoryLevels, "A\u{1f}inv\u{1f}L1").unwrap(), None);
    assert!(store.plugin_kv("weft:inventory", 1 << 20).list_keys("", 10).unwrap().is_empty());
}

/// A record is claimed by one writer until released.
fn shopify_call(at_ms: u64, operation: &str) -> ApiCall {
    ApiCall {
        at_ms,
        duration_ms: 12,
        detail: CallDetail::Shopify(ShopifyCall {
            operation: operation.into(),
            variables: r#"{"input":{"quantities":[]}}"#.into(),
            attempt: 1,
            status: Some(200),
            request_id: Some(format!("req-{operation}")),
            response: Some(r#"{"data":null}"#.into()),
            error: None,
            cost_requested: Some(10.0),
            cost_actual: Some(4.0),
            throttle: Some(Throttle { maximum_available: 2000.0, currently_available: 1996.0, restore_rate: 100.0 }),
        }),
    }
}

/// A run's API calls are kept with its records, each linked to the records it served (by their
/// seq in the run, across several batches of records), read in pages per run or per record,
/// and removed with the run or by age.
fn api_calls_are_kept_with_the_records_they_served(f: &dyn Fixture) {
    let store = f.open();
    let run = store.start_run("inventory", "schedule", None, T0).unwrap();
    store.add_run_records(run.id, &[record("pull", Outcome::Pulled, &[])]).unwrap();
    let http = ApiCall {
        at_ms: T0 + 1,
        duration_ms: 3,
        detail: CallDetail::Http(HttpCall {
            plugin: "tryton".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:8000/db/".into(),
            status: Some(200),
            request_headers: vec![("authorization".into(), "[REDACTED]".into())],
            ..HttpCall::default()
        }),
    };
    let records =
        [record("A", Outcome::Updated, &[]), record("B", Outcome::Dead, &[]), record("C", Outcome::Created, &[])];
    let calls = [
        LinkedCall { call: http, records: vec![2] },
        LinkedCall { call: shopify_call(T0 + 2, "InventorySet"), records: vec![0, 1, 2] },
        LinkedCall { call: shopify_call(T0 + 3, "InventorySet"), records: vec![1, 7] },
    ];
    store.add_run_log(run.id, &records, &calls).unwrap();
    assert_eq!(store.run(run.id).unwrap().unwrap().counts.values().sum::<u64>(), 4, "the records are counted");
    let all = store.run_calls(run.id, &CallPage { limit: 10, ..CallPage::default() }).unwrap();
    assert_eq!(all.iter().map(|c| c.seq).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(all[1].records, [1, 2, 3], "linked to the seqs the records got after the first batch");
    assert_eq!(all[2].records, [2], "an index past the records links nothing");
    assert_eq!(all[0].call, calls[0].call, "stored as given");
    assert_eq!(all[1].call, calls[1].call);
    let of_b = store.run_calls(run.id, &CallPage { record: Some(2), limit: 10, ..CallPage::default() }).unwrap();
    assert_eq!(of_b.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2]);
    let page = store.run_calls(run.id, &CallPage { record: Some(2), after: Some(1), limit: 10 }).unwrap();
    assert_eq!(page.iter().map(|c| c.seq).collect::<Vec<_>>(), [2], "paged after a seq");
    assert_eq!(store.run_calls(run.id, &CallPage { limit: 1, ..CallPage::default() }).unwrap().len(), 1);
    let more = [LinkedCall { call: shopify_call(T0 + 50, "ProductSet"), records: vec![0] }];
    store.add_run_log(run.id, &[record("D", Outcome::Created, &[])], &more).unwrap();
    let last = store.run_calls(run.id, &CallPage { after: Some(2), limit: 10, ..CallPage::default() }).unwrap();
    assert_eq!((last[0].seq, last[0].records.clone()), (3, vec![4]), "calls continue after the run's calls");

    assert_eq!(store.prune(Aged::ApiCalls, T0 + 3, 1).unwrap(), 1, "by age, at most `limit` a round");
    assert_eq!(store.prune(Aged::ApiCalls, T0 + 3, 10).unwrap(), 1);
    assert_eq!(store.prune(Aged::ApiCalls, T0 + 3, 10).unwrap(), 0);
    let left = store.run_calls(run.id, &CallPage { limit: 10, ..CallPage::default() }).unwrap();
    assert_eq!(left.iter().map(|c| c.seq).collect::<Vec<_>>(), [2, 3], "younger calls stay");
    assert_eq!(store.run_records(run.id).unwrap().len(), 5, "records stay");

    let other = store.start_run("inventory", "schedule", None, T0 + 100).unwrap();
    store.add_run_log(other.id, &[record("E", Outcome::Updated, &[])], &more).unwrap();
    store.discard_run(run.id).unwrap();
    assert!(store.run_calls(run.id, &CallPage { limit: 10, ..CallPage::default() }).unwrap().is_empty());
    assert_eq!(store.prune(Aged::Runs, T0 + 200, 10).unwrap(), 1);
    assert!(
        store.run_calls(other.id, &CallPage { limit: 10, ..CallPage::default() }).unwrap().is_empty(),
        "a pruned run's calls go with it"
    );
}

/// A pull that stopped at its page cap enqueues the pull that reads on with its cursor
/// advance; that pull is the flow's scheduled job, so no tick starts a second pull from the same
/// cursor until it ends.
fn a_pull_that_reads_on_holds_its_flows_schedule(f: &dyn Fixture) {
    let store = f.open();
    assert!(store.fire_tick("products", None, T0, Some(&job("products", "pull@1"))).unwrap());
    let first = store.lease(Some("products"), T0, 1_000, 10).unwrap();
    let reads_on = job("products", "pull@2");
    let advance = CursorAdvance { flow: "products", connection: "erp", cursor: "page-50", then: Some(&reads_on) };
    store.enqueue(&[job("products", "page 50")], T0, Some(advance)).unwrap();
    store.ack_all(&first).unwrap();
    assert_eq!(store.cursor("products", "erp").unwrap().as_deref(), Some("page-50"));
    assert!(!store.fire_tick("products", Some(T0), T0 + 1, None).unwrap(), "the pull that reads on is queued");
    let queued = store.lease(Some("products"), T0 + 1, 1_000, 10).unwrap();
    let keys: Vec<&str> = queued.iter().map(|j| j.key.as_str()).collect();
    assert_eq!(keys, ["page 50", "pull@2"], "enqueued with the page, ready at once");
    assert!(!store.fire_tick("products", Some(T0), T0 + 1, None).unwrap(), "or running");
    store.ack_all(&queued).unwrap();
    assert!(store.fire_tick("products", Some(T0), T0 + 2, None).unwrap(), "its end frees the schedule");
}

fn claims_are_exclusive_until_released(f: &dyn Fixture) {
    let store = f.open();
    assert!(store.claim("orders/1").unwrap());
    assert!(!store.claim("orders/1").unwrap());
    assert!(store.claim("orders/2").unwrap());
    store.release(&["orders/1".into()]).unwrap();
    assert!(store.claim("orders/1").unwrap());
}

/// Everything a store holds moves to another store of the same kind, ids and all; the copy
/// counts the same and keeps working (ids continue after the copied ones).
fn a_copy_holds_everything(from: &dyn Fixture, to: &dyn Fixture) {
    let source = from.open();
    let hooked_ids = ids(&source.enqueue(&[hooked("orders", "w1"), job("f", "a"), job("f", "b")], T0, None).unwrap());
    let leased = source.lease(Some("f"), T0, 1_000, 1).unwrap();
    source.dead_letter(&leased[0], error("bad"), T0).unwrap();
    source.set_paused("f", true, T0).unwrap();
    source.fire_tick("orders", None, T0, None).unwrap();
    let advance = CursorAdvance { flow: "products", connection: "erp", cursor: "c-9", then: None };
    source.enqueue(&[], T0, Some(advance)).unwrap();
    let entry = LedgerEntry { outcome: Outcome::Created, destination_id: "gid://shopify/Order/1".into(), at_ms: T0 };
    let link = IdLink { shopify: Some("gid://shopify/Order/1".into()), erp: Some("SO-1".into()) };
    source
        .confirm_writes(&[ConfirmedWrite {
            key: "k1".into(),
            entry: entry.clone(),
            object: "order".into(),
            object_key: "SO-1".into(),
            link: link.clone(),
        }])
        .unwrap();
    let run = source.start_run("orders", "webhook", None, T0).unwrap();
    source.add_run_records(run.id, &[record("orders/1", Outcome::Created, &["#1001"])]).unwrap();
    source.finish_run(run.id, T0 + 1, None).unwrap();
    source.add_undo(run.id, &[undo("available", 3)]).unwrap();
    source.add_intents(&[intent("inv", "A@1", 3)]).unwrap();
    let report = source.add_reconcile_report(&ReconcileReport::default()).unwrap();
    let episode = Episode { rule: "paused".into(), flow: Some("f".into()), since_ms: T0, value: 1.0 };
    source.open_alert_episode("paused/f", &episode).unwrap();
    source.plugin_kv("tryton", 1_000).set("session", b"s1").unwrap();
    source.state_write(StateTable::CatalogHashes, &[("T1".into(), Some(b"h".to_vec()))]).unwrap();

    let target = to.open();
    let mut pages = 0;
    source
        .export(&mut |items: Vec<Item>| {
            pages += 1;
            target.import(&items)
        })
        .unwrap();
    assert!(pages >= 1);
    let counts = source.counts().unwrap();
    assert_eq!(target.counts().unwrap(), counts, "the copy counts the same");
    assert_eq!(counts[&ItemKind::Job], 2);
    assert_eq!(counts[&ItemKind::DeadLetter], 1);
    assert_eq!(counts[&ItemKind::Record], 1);
    assert_eq!(target.ledger_get("k1").unwrap(), Some(entry));
    assert_eq!(target.id_link("order", "SO-1").unwrap(), Some(link));
    assert_eq!(target.cursor("products", "erp").unwrap().as_deref(), Some("c-9"));
    assert_eq!(target.last_tick("orders").unwrap(), Some(T0));
    assert!(target.is_paused("f").unwrap());
    assert_eq!(target.dead_letters(None).unwrap()[0].error.message, "bad");
    assert_eq!(target.records_by_key("#1001", 10).unwrap().len(), 1, "records are found by their refs");
    assert_eq!(target.undo_log(run.id).unwrap().len(), 1);
    assert_eq!(target.intents("inv").unwrap().len(), 1);
    assert_eq!(target.reconcile_report(report).unwrap().map(|r| r.id), Some(report));
    assert!(target.alert_episodes().unwrap().contains_key("paused/f"));
    assert_eq!(target.plugin_kv("tryton", 1_000).get("session").unwrap().as_deref(), Some(&b"s1"[..]));
    assert_eq!(target.state_get(StateTable::CatalogHashes, "T1").unwrap().as_deref(), Some(&b"h"[..]));
    assert_eq!(target.enqueue(&[hooked("orders", "w1")], T0, None).unwrap(), [EnqueueOutcome::Duplicate]);
    let next = ids(&target.enqueue(&[job("g", "new")], T0, None).unwrap());
    assert!(next[0] > *hooked_ids.iter().max().unwrap(), "new ids continue after the copied ones");
    assert!(target.start_run("orders", "webhook", None, T0).unwrap().id > run.id);
    target.set_paused("f", false, T0).unwrap();
    assert_eq!(target.lease(Some("f"), T0, 1_000, 10).unwrap().len(), 1, "jobs copied are ready to run");
}

/// A store that writes says so (`/healthz` asks it); a backend that cannot write says why (see
/// `harden_store.rs` for the redb backend on a full disk).
fn health_says_writable_when_writes_work(f: &dyn Fixture) {
    let store = f.open();
    store.enqueue(&[job("f", "k")], T0, None).unwrap();
    assert_eq!(store.health(), StoreHealth::Writable);
    drop(store);
    assert_eq!(f.open().health(), StoreHealth::Writable, "after a restart too");
}

/// Config versions are numbered in order, each only after the version its saver started from
/// (a save racing another is refused, not numbered twice), kept whole, and listed newest first;
/// a run records the version it ran with.
fn config_versions_are_numbered_after_the_one_they_follow(f: &dyn Fixture) {
    let store = f.open();
    let version = |text: &str, restores: Option<u64>| ConfigVersion {
        number: 0,
        author: "admin".into(),
        saved_ms: T0,
        comment: format!("why {text}"),
        restores,
        text: text.into(),
    };
    assert_eq!(store.config_versions(10).unwrap(), []);
    assert_eq!(store.add_config_version(&version("# one\n", None), Some(3)).unwrap(), None, "no version 3 to follow");
    assert_eq!(store.add_config_version(&version("# one\n", None), None).unwrap(), Some(1));
    assert_eq!(store.add_config_version(&version("# two\n", None), None).unwrap(), None, "version 1 came first");
    assert_eq!(store.add_config_version(&version("# two\n", None), Some(1)).unwrap(), Some(2));
    assert_eq!(store.add_config_version(&version("# late\n", None), Some(1)).unwrap(), None, "a racing save");
    assert_eq!(store.add_config_version(&version("# one\n", Some(1)), Some(2)).unwrap(), Some(3));
    let all = store.config_versions(10).unwrap();
    assert_eq!(all.iter().map(|v| v.number).collect::<Vec<_>>(), [3, 2, 1], "newest first");
    assert_eq!(store.config_versions(1).unwrap()[0].number, 3);
    let rollback = store.config_version(3).unwrap().unwrap();
    assert_eq!(
        (rollback.text.as_str(), rollback.restores, rollback.comment.as_str()),
        ("# one\n", Some(1), "why # one\n")
    );
    assert_eq!(store.config_version(2).unwrap().unwrap().text, "# two\n");
    assert_eq!(store.config_version(9).unwrap(), None);
    let run = store.start_run("products", "schedule", Some(3), T0).unwrap();
    assert_eq!(store.run(run.id).unwrap().unwrap().config_version, Some(3));
    drop(store);
    assert_eq!(f.open().config_versions(10).unwrap().len(), 3, "after a restart too");
}

macro_rules! contract_suite {
    ($backend:ident, $fixture:expr) => {
        mod $backend {
            use super::*;
            contract_suite!(@cases $fixture;
                enqueue_dedupes_webhooks_per_flow_and_advances_the_cursor, lease_ack_reschedule_and_expiry, dead_letters_retry_and_discard,
                dead_letters_are_retried_with_an_edit_kept_beside_the_original,
                pauses_are_persisted_with_their_reason, ticks_fire_once_and_receipts_are_pruned, ledger_and_id_map, runs_and_their_records, journals,
                reports_and_alert_episodes, plugin_kv_is_scoped_bounded_and_persistent, flow_state_tables, claims_are_exclusive_until_released, a_pull_that_reads_on_holds_its_flows_schedule,
                health_says_writable_when_writes_work, runs_undo_and_reports_are_pruned_by_age,
                intents_discarded_dead_letters_and_the_superseded_ledger, stats_count_what_is_kept,
                api_calls_are_kept_with_the_records_they_served, config_versions_are_numbered_after_the_one_they_follow);
            #[test]
            fn a_copy_holds_everything() {
                super::a_copy_holds_everything(&$fixture, &$fixture);
            }
        }
    };
    (@cases $fixture:expr; $($case:ident),* $(,)?) => {
        $(#[test]
        fn $case() {
            super::$case(&$fixture);
        })*
    };
}

contract_suite!(redb, Redb::new());
contract_suite!(postgres, Postgres::new());
