//! `weft plugins test DIR`: run one built plugin through the host without the rest of weft.
//!
//! The spec (`weft-test.toml`, documented in docs/plugin-testing.md) holds the operator's grant,
//! and
//! - for a transform: `[[apply]]` cases (input records and the expected outcomes, as JSON);
//! - for a connector: the conformance suite's cases (`[[pull]]`, `[[push]]`, `[[failure]]`) and
//!   `[[http]]` canned responses served on 127.0.0.1; `{server}` in grant config values is
//!   replaced by that server's URL, and the plugin is granted exactly that host:port.
//!
//! The whole spec is checked against plugin.toml before the plugin is loaded (a first load
//! compiles it: seconds to tens of seconds), and every problem is reported at once with the
//! key it is about and the values that key takes.

use super::canned::CannedServer;
use super::diff::json_diff;
use super::spec::{load_spec, GrantSpec, TestSpec};
use crate::config::Secret;
use crate::conformance::{self, FailureCase, Spec};
use crate::plugin::policy::HostPattern;
use crate::plugin::{Grant, HostOptions, PluginHost, PluginKind};
use crate::redact::Redactor;
use crate::store::Store;
use std::collections::BTreeMap;
use std::path::Path;

/// The kind and id plugin.toml in `dir` declares (read as plain TOML: the full manifest check
/// is the loader's).
pub fn manifest_kind(dir: &Path) -> Result<(String, PluginKind, toml::Table), String> {
    let path = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: toml::Table = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let id = manifest.get("id").and_then(|v| v.as_str()).ok_or_else(|| format!("{}: no `id`", path.display()))?;
    let kind = match manifest.get("kind").and_then(|k| k.as_str()) {
        Some("connector") => PluginKind::Connector,
        Some("transform") => PluginKind::Transform,
        other => return Err(format!("{}: kind = {other:?}: valid are \"connector\", \"transform\"", path.display())),
    };
    Ok((id.to_owned(), kind, manifest))
}

/// Check the spec at `spec_path` against plugin.toml in `dir` without loading anything;
/// prints what it holds.
pub fn check(dir: &Path, spec_path: &Path) -> Result<(), String> {
    let (id, kind, _) = manifest_kind(dir)?;
    let spec = load_spec(spec_path, kind)?;
    println!(
        "{}: spec for {id} ({kind}) is valid: {} apply, {} pull, {} push, {} failure case(s), {} canned response(s)",
        spec_path.display(),
        spec.apply.len(),
        spec.pulls.len(),
        spec.pushes.len(),
        spec.failures.len(),
        spec.http.len()
    );
    Ok(())
}

/// Run the spec at `spec_path` against the built plugin in `dir`; prints a report, returns
/// whether every check held. The spec is checked whole before the plugin is loaded.
pub fn run(dir: &Path, spec_path: &Path, cache_dir: &Path, as_json: bool) -> Result<bool, String> {
    let (id, kind, mut manifest) = manifest_kind(dir)?;
    let spec = load_spec(spec_path, kind)?;
    if !dir.join("plugin.wasm").is_file() {
        return Err(format!(
            "{} has no plugin.wasm: build the plugin first (plugins/build.sh OUT SRC), then test OUT/{id}",
            dir.display()
        ));
    }
    let server =
        CannedServer::start(spec.http.clone()).map_err(|e| format!("cannot start the canned HTTP server: {e}"))?;
    let scratch = Scratch::create()?;
    let plugins = scratch.0.join("plugins");
    let folder = plugins.join(&id);
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    std::fs::copy(dir.join("plugin.wasm"), folder.join("plugin.wasm"))
        .map_err(|e| format!("cannot read {}/plugin.wasm: {e} (build the plugin first)", dir.display()))?;
    if kind == PluginKind::Connector {
        let caps = manifest.entry("capabilities").or_insert_with(|| toml::Value::Table(Default::default()));
        let hosts =
            caps.as_table_mut().map(|c| c.entry("outbound_hosts").or_insert_with(|| toml::Value::Array(Vec::new())));
        if let Some(hosts) = hosts.and_then(|h| h.as_array_mut()) {
            hosts.push(toml::Value::String(server.authority()));
        }
    }
    std::fs::write(folder.join("plugin.toml"), toml::to_string(&manifest).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let store = Store::open(&scratch.0.join("store")).map_err(|e| e.to_string())?;
    let host = PluginHost::load(HostOptions {
        dir: plugins,
        cache_dir: cache_dir.to_owned(),
        pins: BTreeMap::new(),
        limits: Default::default(),
        store: Some(store),
        network: Default::default(),
        redactor: Redactor::new(),
    })?;
    if let Some(refused) = host.refused().first() {
        return Err(format!("plugin {} was refused: {}", refused.id, refused.reason));
    }
    let plugin = host.plugin(&id).ok_or_else(|| format!("plugin {id} did not load"))?;
    if !as_json {
        println!(
            "{id} {} ({}, {}), {:?}",
            plugin.manifest.version, plugin.manifest.kind, plugin.world.world, plugin.cache
        );
    }
    let grant = |g: &GrantSpec| make_grant(g, &server);
    let mut checks = Vec::new();
    let passed = match kind {
        PluginKind::Transform => run_transform(&host, &id, &spec, &grant(&spec.grant)?, as_json, &mut checks)?,
        PluginKind::Connector => {
            let spec = connector_spec(&id, spec, &grant)?;
            let report = conformance::run(&host, &spec);
            if !as_json {
                print!("{report}");
            }
            checks.extend(report.outcomes.iter().map(|o| {
                serde_json::json!({"name": o.name, "passed": o.passed, "detail": o.detail, "ms": o.elapsed.as_millis() as u64})
            }));
            report.passed()
        }
    };
    if as_json {
        let out = serde_json::json!({
            "plugin": id,
            "version": plugin.manifest.version,
            "kind": plugin.manifest.kind,
            "passed": passed,
            "checks": checks,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    } else {
        println!("{}", if passed { "PASSED" } else { "FAILED" });
    }
    Ok(passed)
}

fn make_grant(g: &GrantSpec, server: &CannedServer) -> Result<Grant, String> {
    let config = g
        .config
        .iter()
        .map(|(k, v)| {
            let v = match v {
                toml::Value::String(s) => toml::Value::String(s.replace("{server}", &server.url())),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    let secrets = g.secrets.iter().map(|(k, v)| (k.clone(), Secret::new(v.clone()))).collect();
    let allow = HostPattern::parse(&server.authority()).map_err(|e| e.to_string())?;
    Ok(Grant { config, secrets, allow_hosts: vec![allow], directory: None })
}

fn run_transform(
    host: &PluginHost,
    id: &str,
    spec: &TestSpec,
    grant: &Grant,
    as_json: bool,
    checks: &mut Vec<serde_json::Value>,
) -> Result<bool, String> {
    let mut passed = true;
    let mut report = |name: &str, result: Result<String, String>| {
        let (ok, detail) = match &result {
            Ok(detail) => (true, detail),
            Err(detail) => (false, detail),
        };
        if !as_json {
            println!("  [{}] {name}: {detail}", if ok { "ok" } else { "FAIL" });
        }
        checks.push(serde_json::json!({"name": name, "passed": ok, "detail": detail}));
        passed &= ok;
    };
    let manifest = &host.plugin(id).ok_or("not loaded")?.manifest;
    let described = host.session(id, grant).map_err(|e| e.to_string())?.describe();
    report(
        "describe",
        match described {
            Ok(info) if info.id == manifest.id && info.version == manifest.version => {
                Ok(format!("{} {}", info.id, info.version))
            }
            Ok(info) => Err(format!(
                "describe says {} {}, plugin.toml says {} {}",
                info.id, info.version, manifest.id, manifest.version
            )),
            Err(e) => Err(e.to_string()),
        },
    );
    for case in &spec.apply {
        let result = (|| {
            let out =
                host.session(id, grant).map_err(|e| e.to_string())?.apply(&case.input).map_err(|e| e.to_string())?;
            let got = serde_json::to_value(&out).map_err(|e| e.to_string())?;
            let differences = json_diff(&case.expect, &got);
            if differences.is_empty() {
                Ok(format!("{} records in, outcomes as expected", case.input.len()))
            } else {
                Err(format!("the outcomes differ from `expect`:\n{}", differences.join("\n")))
            }
        })();
        report(&format!("apply: {}", case.name), result);
    }
    Ok(passed)
}

fn connector_spec(
    id: &str,
    spec: TestSpec,
    grant: &dyn Fn(&GrantSpec) -> Result<Grant, String>,
) -> Result<Spec, String> {
    let failures = spec
        .failures
        .into_iter()
        .map(|f| {
            let g = f.grant.as_ref().map(grant).transpose()?;
            Ok(FailureCase { name: f.name, grant: g, call: f.call, expect: f.expect })
        })
        .collect::<Result<_, String>>()?;
    Ok(Spec { plugin: id.to_owned(), grant: grant(&spec.grant)?, pulls: spec.pulls, pushes: spec.pushes, failures })
}

/// A scratch directory removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn create() -> Result<Scratch, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("weft-plugins-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create scratch dir {}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
