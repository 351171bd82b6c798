//! The non-Rust connector (plugins/http-erp-py, Python) passes the connector conformance suite
//! through the host, against a local HTTP/JSON ERP on 127.0.0.1.

use crate::polyglot_support;

use polyglot_support::erp::FakeErp;
use polyglot_support::*;
use weft::config::{LimitsConfig, Secret};
use weft::conformance::{self, Call, ErrorClass, FailureCase, PullCase, PushCase, Spec};
use weft::model::*;
use weft::plugin::policy::HostPattern;
use weft::plugin::{Grant, PluginHost};

const ID: &str = "http-erp-py";

fn connector_host(erp: &FakeErp) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plugins = tmp.path().join("plugins");
    install_with(&plugins, ID, |m| {
        let caps = m.entry("capabilities").or_insert_with(|| toml::Value::Table(Default::default()));
        if let Some(caps) = caps.as_table_mut() {
            caps.insert("outbound_hosts".into(), toml::Value::Array(vec![toml::Value::String(erp.authority())]));
        }
    });
    let host = load(&plugins, LimitsConfig::default());
    (tmp, host)
}

fn grant(erp: &FakeErp, prefix: &str, token: &str) -> Grant {
    let mut config = toml::Table::new();
    config.insert("base_url".into(), toml::Value::String(erp.url(prefix)));
    let mut secrets = std::collections::BTreeMap::new();
    secrets.insert("token".to_owned(), Secret::new(token.to_owned()));
    Grant {
        config,
        secrets,
        allow_hosts: vec![HostPattern::parse(&erp.authority()).expect("pattern")],
        directory: None,
    }
}

fn spec(erp: &FakeErp, run: &str) -> Spec {
    let good = grant(erp, "", &erp.token);
    let mut order = order(&format!("gid://shopify/Order/{run}"), &["SKU-001-S", "SKU-002-M"]);
    order.email = Some("buyer@example.com".into());
    let mut no_lines = order.clone();
    no_lines.external_id = format!("{run}-empty");
    no_lines.lines.clear();
    let mut unknown_sku = order.clone();
    unknown_sku.external_id = format!("{run}-unknown");
    unknown_sku.lines[0].sku = Some("NOPE-1".into());
    let fail = |name: &str, grant: Option<Grant>, call: Call, expect: ErrorClass| FailureCase {
        name: name.into(),
        grant,
        call,
        expect,
    };
    Spec {
        plugin: ID.into(),
        grant: good,
        pulls: vec![
            PullCase { entity: Entity::Product, page_size: Some(3), min_records: 10, max_repeats: 0, repeatable: true },
            PullCase {
                entity: Entity::InventoryLevel,
                page_size: Some(7),
                min_records: 40,
                max_repeats: 0,
                repeatable: true,
            },
        ],
        pushes: vec![PushCase {
            entity: Entity::Order,
            key: format!("order-{run}"),
            record: Record::Order(Box::new(order)),
        }],
        failures: vec![
            fail("wrong token", Some(grant(erp, "", "wrong-token")), Call::Check, ErrorClass::Unauthorized),
            fail("ERP down", Some(grant(erp, "/down", &erp.token)), Call::Pull(Entity::Product), ErrorClass::Retryable),
            fail(
                "ERP busy",
                Some(grant(erp, "/busy", &erp.token)),
                Call::Pull(Entity::InventoryLevel),
                ErrorClass::RateLimited,
            ),
            fail(
                "order without lines",
                None,
                Call::Push(Entity::Order, Record::Order(Box::new(no_lines))),
                ErrorClass::InvalidInput,
            ),
            fail(
                "unknown SKU",
                None,
                Call::Push(Entity::Order, Record::Order(Box::new(unknown_sku))),
                ErrorClass::InvalidInput,
            ),
            fail("unsupported entity", None, Call::Pull(Entity::Customer), ErrorClass::Permanent),
        ],
    }
}

#[test]
fn python_connector_passes_the_conformance_suite() {
    let erp = FakeErp::start(10);
    let (_tmp, host) = connector_host(&erp);
    let spec = spec(&erp, "1");
    let report = conformance::run(&host, &spec);
    eprintln!("{report}");
    assert!(report.passed(), "{report}");
    assert!(report.outcomes.len() >= 12, "{report}");
    // The push really reached the ERP once, with the lines, despite three pushes.
    let orders = erp.orders();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["reference"], "gid://shopify/Order/1");
    assert_eq!(orders[0]["lines"][1]["sku"], "SKU-002-M");
    assert!(erp.requests() > 20);
    // A key pushed before is answered from the plugin's kv, without asking the ERP.
    let before = erp.requests();
    let again = KeyedRecord { key: spec.pushes[0].key.clone(), record: spec.pushes[0].record.clone() };
    let out = host.session(ID, &spec.grant).unwrap().push(Entity::Order, &[again]).expect("no trap");
    assert_eq!(out, vec![Ok(Pushed { external_id: "SO-0001".into(), outcome: WriteOutcome::Unchanged })]);
    assert_eq!(erp.requests(), before, "answered from plugin kv");
}

#[test]
fn pulled_records_map_the_erp_fields() {
    let erp = FakeErp::start(4);
    let (_tmp, host) = connector_host(&erp);
    let mut session = host.session(ID, &grant(&erp, "", &erp.token)).expect("session");
    let page = session.pull(Entity::Product, None, 10).expect("no trap").expect("pull");
    assert_eq!((page.records.len(), page.has_more), (4, false));
    let Record::Product(p) = &page.records[0] else { panic!("not a product") };
    assert_eq!(
        (p.external_id.as_str(), p.sku.as_deref(), p.title.as_str()),
        ("P001", Some("T001"), "Product 1 – Straße")
    );
    assert_eq!(p.variants[1].sku.as_deref(), Some("SKU-001-M"));
    assert_eq!(p.variants[0].price, Some(money("11.90", "EUR")));
    assert_eq!(p.options, ["Size"]);
    let page = session.pull(Entity::InventoryLevel, None, 3).expect("no trap").expect("pull");
    let Record::InventoryLevel(l) = &page.records[0] else { panic!("not a level") };
    assert_eq!((l.external_id.as_str(), l.on_hand, l.reserved), ("SKU-001-M@WH1", 3, 1));
    assert!(page.has_more);
    // The token never shows in what the plugin returns on failure.
    let err = host.session(ID, &grant(&erp, "", "wrong-token")).unwrap().check().expect("no trap").expect_err("401");
    assert!(!format!("{err:?}").contains("wrong-token"), "{err:?}");
}

#[test]
fn weft_plugins_test_runs_the_suite_against_canned_responses() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!("[store]\npath = {:?}\n[plugins]\ncache_dir = {:?}\n", tmp.path().join("data"), shared_cache()),
    )
    .unwrap();
    let spec = repo_root().join("plugins/http-erp-py/weft-test.toml");
    let run_with = |spec: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("--config")
            .arg(&config)
            .args(["plugins", "test"])
            .arg(built(ID))
            .arg("--spec")
            .arg(spec)
            .args(extra)
            .output()
            .expect("run weft")
    };
    let run = |spec: &std::path::Path| run_with(spec, &[]);
    let out = run(&spec);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));
    for check in [
        "[ok] check",
        "[ok] pull product: paging in fresh instances",
        "[ok] push order: idempotent",
        "[ok] error class: ERP down",
        "PASSED",
    ] {
        assert!(report.contains(check), "missing `{check}` in\n{report}");
    }
    // The same spec with the ERP failing the first order search: the push check fails, exit 1.
    let broken = tmp.path().join("broken.toml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("times = 1\nbody = '{\"items\": []}'", "times = 1\nstatus = 500\nbody = 'boom'");
    std::fs::write(&broken, text).unwrap();
    let out = run(&broken);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("[FAIL] push order: idempotent") && report.contains("FAILED"), "{report}");
    // --json: the same verdict, every check with whether it held, and nothing but the JSON.
    let out = run_with(&broken, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(report["passed"], serde_json::json!(false), "{report:#}");
    let checks = report["checks"].as_array().expect("checks");
    let held = |name: &str| checks.iter().find(|c| c["name"] == name).map(|c| c["passed"].clone());
    assert_eq!(held("check"), Some(serde_json::json!(true)), "{report:#}");
    assert_eq!(held("push order: idempotent"), Some(serde_json::json!(false)), "{report:#}");
}
