//! Hostile interpreted guests (Python, JavaScript) are contained exactly as the Rust one: an
//! infinite loop hits the deadline, memory growth hits the memory limit, an uncaught exception is
//! a trap; each is classified the same, fails only that call, retires the instance, and a good
//! plugin in the same process keeps working.

use crate::polyglot_support;

use polyglot_support::*;
use std::time::{Duration, Instant};
use weft::config::LimitsConfig;
use weft::model::Record;
use weft::plugin::{CallError, Grant, PluginHost, PluginSession};

/// Interpreted memory limit of these tests: above the ~12 MiB Python reserves at start.
const INTERPRETED_MIB: u64 = 96;

fn limits() -> LimitsConfig {
    LimitsConfig {
        connector_deadline_ms: 500,
        transform_deadline_ms: 500,
        memory_mib: 32,
        interpreted_memory_mib: INTERPRETED_MIB,
        ..LimitsConfig::default()
    }
}

fn grant(mode: &str) -> Grant {
    let mut config = toml::Table::new();
    config.insert("mode".into(), toml::Value::String(mode.into()));
    Grant { config, ..Grant::default() }
}

fn sample() -> Vec<Record> {
    vec![Record::Product(product("p1", "Tee", &[], vec![variant("v1", Some(" straße "))]))]
}

/// Run the hostile behaviour `mode` of plugin `id`: connectors misbehave in check(), the JS
/// transform in apply().
fn misbehave(session: &mut PluginSession, id: &str, mode: &str) -> CallError {
    match id {
        "hostile-js" => session.apply(&sample()).map(|_| ()).expect_err(mode),
        _ => session.check().map(|_| ()).expect_err(mode),
    }
}

fn good_plugins_still_work(host: &PluginHost) {
    for id in ["sku-normalize", "sku-normalize-py", "sku-normalize-js"] {
        let out = host.session(id, &Grant::default()).unwrap().apply(&sample()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let Ok(records) = &out[0] else { panic!("{id}: {:?}", out[0]) };
        let Record::Product(p) = &records[0] else { panic!("{id}: not a product") };
        assert_eq!(p.variants[0].sku.as_deref(), Some("STRASSE"), "{id}");
    }
}

#[test]
fn hostile_interpreted_guests_are_contained_like_rust() {
    let ids = ["hostile", "hostile-py", "hostile-js", "sku-normalize", "sku-normalize-py", "sku-normalize-js"];
    let (_tmp, host) = host_with(&ids, limits());
    let deadline = Duration::from_millis(500);
    for (mode, class) in [("loop", "deadline"), ("memory", "memory_limit"), ("trap", "trap")] {
        for id in ["hostile", "hostile-py", "hostile-js"] {
            let mut session = host.session(id, &grant(mode)).unwrap();
            let started = Instant::now();
            let err = misbehave(&mut session, id, mode);
            assert_eq!(err.class().name(), class, "{id} {mode}: {err}");
            assert!(started.elapsed() < deadline * 20, "{id} {mode} took {:?}", started.elapsed());
            if let CallError::MemoryLimit { limit_mib, .. } = &err {
                let expected = if id == "hostile" { 32 } else { INTERPRETED_MIB };
                assert_eq!(*limit_mib, expected, "{id}: the limit follows plugin.toml `runtime`");
            }
            // The instance was retired: the next call gets a fresh one that answers.
            session.describe().unwrap_or_else(|e| panic!("{id} after {mode}: {e}"));
            assert_eq!(session.instances_created(), 2, "{id} {mode}");
            good_plugins_still_work(&host);
        }
    }
}

#[test]
fn interpreted_guests_get_the_interpreted_memory_limit() {
    // With the compiled limit (32 MiB) the Python guest could not even start comfortably; the
    // manifest's `runtime = "interpreted"` gives it the larger one, and a normal call fits.
    let (_tmp, host) = host_with(&["hostile-py", "hostile-js"], limits());
    for id in ["hostile-py", "hostile-js"] {
        assert_eq!(host.plugin(id).unwrap().manifest.runtime, weft::plugin::Runtime::Interpreted);
        let mut session = host.session(id, &grant("ok")).unwrap();
        session.describe().unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    // The same component declared `compiled` runs under the 32 MiB limit: memory growth stops there.
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_with(&plugins, "hostile-py", |m| {
        m.remove("runtime");
    });
    let host = load(&plugins, limits());
    match host.session("hostile-py", &grant("memory")).unwrap().check().unwrap_err() {
        CallError::MemoryLimit { limit_mib, .. } => assert_eq!(limit_mib, 32),
        other => panic!("unexpected {other}"),
    }
}
