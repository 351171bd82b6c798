//! Both connectors pass the shared conformance suite (weft::conformance), run through the host:
//! the file feed over the sample dataset, Tryton against the live test server.

use crate::connector_support;

use connector_support::tryton::env_or_skip;
use connector_support::*;
use weft::conformance::{self, Call, ErrorClass, FailureCase, PullCase, PushCase, Spec};
use weft::model::*;
use weft::plugin::Grant;

fn pull(entity: Entity, page_size: u32, min_records: usize, max_repeats: usize, repeatable: bool) -> PullCase {
    PullCase { entity, page_size: Some(page_size), min_records, max_repeats, repeatable }
}

fn failure(name: &str, grant: Option<Grant>, call: Call, expect: ErrorClass) -> FailureCase {
    FailureCase { name: name.into(), grant, call, expect }
}

fn assert_passes(report: &conformance::Report) {
    eprintln!("{report}");
    assert!(report.passed(), "{report}");
}

#[test]
fn file_feed_passes_the_conformance_suite() {
    let (tmp, host) = plugin_host(&["file-feed"], &[]);
    let data = tmp.path().join("data");
    copy_sample_dataset(&data);
    let grant = Grant { directory: Some(data.clone()), ..Grant::default() };
    let expected = sample_expected();
    let count = |k: &str| expected[k].as_u64().expect("count") as usize;
    let run = run_id();
    let mut no_lines = shop_order(&format!("#E{run}"), "e", &[]);
    no_lines.external_id = format!("gid://shopify/Order/E{run}");
    let spec = Spec {
        plugin: "file-feed".into(),
        grant: grant.clone(),
        pulls: vec![
            pull(Entity::Product, 25, count("product"), 0, false),
            pull(Entity::InventoryLevel, 150, count("inventory-level"), 0, false),
            pull(Entity::Customer, 30, count("customer"), 0, false),
            pull(Entity::Order, 8, count("order"), 0, false),
        ],
        pushes: vec![
            PushCase {
                entity: Entity::Order,
                key: format!("orders:{run}"),
                record: Record::Order(Box::new(shop_order(&format!("#{run}"), "c1", &[("TEE-0001-S", 1, "19.90")]))),
            },
            PushCase {
                entity: Entity::Customer,
                key: format!("customers:{run}"),
                record: Record::Customer(shop_customer(&run)),
            },
        ],
        failures: vec![
            failure(
                "order without lines is invalid-input",
                None,
                Call::Push(Entity::Order, Record::Order(Box::new(no_lines))),
                ErrorClass::InvalidInput,
            ),
            failure(
                "no directory granted is invalid-input",
                Some(Grant::default()),
                Call::Check,
                ErrorClass::InvalidInput,
            ),
            failure(
                "inbox outside the directory is invalid-input",
                Some(Grant { config: table(&[("inbox", "../etc".into())]), ..grant.clone() }),
                Call::Check,
                ErrorClass::InvalidInput,
            ),
            failure(
                // At pull time a missing inbox is the ERP's share being down (`check` at start
                // names a wrong path): retried, not dead-lettered.
                "missing inbox folder at pull time is retryable",
                Some(Grant { config: table(&[("inbox", "nowhere".into())]), ..grant.clone() }),
                Call::Pull(Entity::Product),
                ErrorClass::Retryable,
            ),
            failure("unsupported entity is permanent", None, Call::Pull(Entity::OrderChange), ErrorClass::Permanent),
        ],
    };
    let report = conformance::run(&host, &spec);
    assert_passes(&report);
    // Every check the suite knows ran: describe, check, 3 per pull, 1 per push, the failures.
    assert_eq!(report.outcomes.len(), 2 + 3 * 4 + 2 + 5, "{report}");
}

#[test]
fn tryton_passes_the_conformance_suite() {
    let Some(t) = env_or_skip("tryton_passes_the_conformance_suite") else { return };
    // Every page runs on a fresh instance, and each instance logs in (argon2, ~150 ms): keep the
    // pages few but more than one per entity.
    let closed = crate::common::engine::free_port();
    let closed_authority = format!("127.0.0.1:{closed}");
    let (_tmp, host) = plugin_host(&["tryton"], &[&t.authority, &closed_authority]);
    let run = run_id();
    let mut no_company = t.grant();
    no_company.config.remove("company");
    let spec = Spec {
        plugin: "tryton".into(),
        grant: t.grant(),
        pulls: vec![
            pull(Entity::Product, 3, 8, 0, true),
            // Other tests confirm sales meanwhile: their products' levels may come again.
            pull(Entity::InventoryLevel, 15, 39, 21, true),
            pull(Entity::Customer, 4, 1, 3, true),
            pull(Entity::Order, 4, 1, 5, true),
        ],
        pushes: vec![
            PushCase {
                entity: Entity::Order,
                key: format!("orders:{run}"),
                record: Record::Order(Box::new(shop_order(
                    &format!("#C{run}"),
                    &format!("cc{run}"),
                    &[("TT-PEN", 1, "2.50")],
                ))),
            },
            PushCase {
                entity: Entity::Customer,
                key: format!("customers:{run}"),
                record: Record::Customer(shop_customer(&format!("cp{run}"))),
            },
        ],
        failures: vec![
            failure(
                "unknown product code is not-found",
                None,
                Call::Push(
                    Entity::Order,
                    Record::Order(Box::new(shop_order(&format!("#N{run}"), "n", &[("NO-SUCH-SKU", 1, "1.00")]))),
                ),
                ErrorClass::NotFound,
            ),
            failure(
                "quantity 0 is invalid-input",
                None,
                Call::Push(
                    Entity::Order,
                    Record::Order(Box::new(shop_order(&format!("#Q{run}"), "q", &[("TT-PEN", 0, "1.00")]))),
                ),
                ErrorClass::InvalidInput,
            ),
            failure(
                "wrong credentials are unauthorized",
                Some(t.wrong_credentials()),
                Call::Check,
                ErrorClass::Unauthorized,
            ),
            failure(
                "server down is retryable",
                Some(t.grant_for(&format!("http://{closed_authority}"), &t.password)),
                Call::Pull(Entity::Product),
                ErrorClass::Retryable,
            ),
            failure("missing company is invalid-input", Some(no_company), Call::Check, ErrorClass::InvalidInput),
        ],
    };
    let report = conformance::run(&host, &spec);
    assert_passes(&report);
    assert_eq!(report.outcomes.len(), 2 + 3 * 4 + 2 + 5, "{report}");
}

/// The suite is not a rubber stamp: a connector that ignores the page limit, cannot push and
/// classifies nothing fails, with the reasons named.
#[test]
fn the_suite_fails_a_connector_that_breaks_the_contract() {
    let (_tmp, host) = plugin_host(&["hostile"], &[]);
    // In `oversized` mode the hostile connector returns 16 records per MiB asked, whatever the limit.
    let grant = Grant { config: table(&[("mode", "ok".into()), ("size", "1".into())]), ..Grant::default() };
    let spec = Spec {
        plugin: "hostile".into(),
        grant,
        pulls: vec![pull(Entity::Customer, 5, 1, 0, true)],
        pushes: vec![PushCase {
            entity: Entity::Customer,
            key: "k".into(),
            record: Record::Customer(shop_customer("x")),
        }],
        failures: vec![failure("wrong mode is unauthorized", None, Call::Check, ErrorClass::Unauthorized)],
    };
    let report = conformance::run(&host, &spec);
    eprintln!("{report}");
    assert!(!report.passed());
    let failed: Vec<&str> = report.failures().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        failed,
        [
            "describe",
            "pull customer: paging in fresh instances",
            "push customer: idempotent",
            "error class: wrong mode is unauthorized"
        ],
        "{report}"
    );
    let detail =
        |name: &str| report.outcomes.iter().find(|o| o.name == name).map(|o| o.detail.clone()).unwrap_or_default();
    assert!(detail("describe").contains("lists no entities"), "{report}");
    assert!(detail("pull customer: paging in fresh instances").contains("exceeds the limit 5"), "{report}");
    assert!(detail("error class: wrong mode is unauthorized").contains("the call succeeded"), "{report}");
}
