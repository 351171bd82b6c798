//! `weft plugins test DIR`: run one built plugin through the host without the rest of weft.
//!
//! The spec (`weft-test.toml`) holds the operator's grant, and
//! - for a transform: `[[apply]]` cases (input records and the expected outcomes, as JSON);
//! - for a connector: the conformance suite's cases (`[[pull]]`, `[[push]]`, `[[failure]]`) and
//!   `[[http]]` canned responses served on 127.0.0.1; `{server}` in grant config values is
//!   replaced by that server's URL, and the plugin is granted exactly that host:port.

use super::canned::{CannedResponse, CannedServer};
use crate::config::Secret;
use crate::conformance::{self, Call, ErrorClass, FailureCase, PullCase, PushCase, Spec};
use crate::model::{Entity, Record};
use crate::plugin::policy::HostPattern;
use crate::plugin::{Grant, HostOptions, PluginHost, PluginKind};
use crate::redact::Redactor;
use crate::store::Store;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A `weft-test.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// The grant the plugin runs with.
    #[serde(default)]
    pub grant: GrantSpec,
    /// Transform cases.
    #[serde(default)]
    pub apply: Vec<ApplyCase>,
    /// Connector pulls (conformance paging checks).
    #[serde(default)]
    pub pull: Vec<PullSpec>,
    /// Connector pushes (conformance idempotency checks).
    #[serde(default)]
    pub push: Vec<PushSpec>,
    /// Calls that must fail with a given class.
    #[serde(default)]
    pub failure: Vec<FailureSpec>,
    /// Canned HTTP responses.
    #[serde(default)]
    pub http: Vec<CannedResponse>,
}

/// Config and secrets of a grant.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSpec {
    /// Config values (`{server}` in strings becomes the canned server's URL).
    #[serde(default)]
    pub config: toml::Table,
    /// Secret values (test values only).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

/// One `apply` case: JSON input records and the JSON outcomes expected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyCase {
    /// Name in the report.
    pub name: String,
    /// A JSON array of records (the form `weft plugins call` reads).
    pub input: String,
    /// The JSON array of outcomes (`{"Ok": [records]}` or `{"Err": {...}}`) expected.
    pub expect: String,
}

/// One entity to pull.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSpec {
    /// Entity name (`product`, `inventory-level`, ...).
    pub entity: String,
    /// Small page size for the paging checks.
    pub page_size: u32,
    /// Fewest records the source holds.
    pub min_records: usize,
    /// Records allowed twice while paging.
    #[serde(default)]
    pub max_repeats: usize,
}

/// One record to push.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSpec {
    /// Entity name.
    pub entity: String,
    /// Idempotency key.
    pub key: String,
    /// The record as JSON.
    pub record: String,
}

/// A call that must fail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// Name in the report.
    pub name: String,
    /// `check`, `pull` or `push`.
    pub call: String,
    /// Entity for pull and push.
    #[serde(default)]
    pub entity: Option<String>,
    /// Record (JSON) for push.
    #[serde(default)]
    pub record: Option<String>,
    /// Expected class: `retryable`, `rate-limited`, `unauthorized`, `invalid-input`, `not-found`,
    /// `conflict`, `permanent`.
    pub expect: String,
    /// A different grant for this call.
    #[serde(default)]
    pub grant: Option<GrantSpec>,
}

/// Run the spec at `spec_path` against the built plugin in `dir`; prints a report, returns
/// whether every check held.
pub fn run(dir: &Path, spec_path: &Path, cache_dir: &Path, as_json: bool) -> Result<bool, String> {
    let text = std::fs::read_to_string(spec_path).map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec: TestSpec = toml::from_str(&text).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let manifest_text = std::fs::read_to_string(dir.join("plugin.toml"))
        .map_err(|e| format!("cannot read {}/plugin.toml: {e}", dir.display()))?;
    let mut manifest: toml::Table =
        toml::from_str(&manifest_text).map_err(|e| format!("{}/plugin.toml: {e}", dir.display()))?;
    let id = manifest.get("id").and_then(|v| v.as_str()).ok_or("plugin.toml has no id")?.to_owned();
    let server =
        CannedServer::start(spec.http.clone()).map_err(|e| format!("cannot start the canned HTTP server: {e}"))?;
    let scratch = Scratch::create()?;
    let plugins = scratch.0.join("plugins");
    let folder = plugins.join(&id);
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    std::fs::copy(dir.join("plugin.wasm"), folder.join("plugin.wasm"))
        .map_err(|e| format!("cannot read {}/plugin.wasm: {e} (build the plugin first)", dir.display()))?;
    if manifest.get("kind").and_then(|k| k.as_str()) == Some("connector") {
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
    let passed = match plugin.manifest.kind {
        PluginKind::Transform => run_transform(&host, &id, &spec, &grant(&spec.grant)?, as_json, &mut checks)?,
        PluginKind::Connector => {
            let spec = connector_spec(&id, &spec, &grant)?;
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
    if spec.apply.is_empty() {
        report("apply cases", Err("the spec has no [[apply]] case".into()));
    }
    for case in &spec.apply {
        let result = (|| {
            let input: Vec<Record> =
                serde_json::from_str(&case.input).map_err(|e| format!("input is not a JSON array of records: {e}"))?;
            let expect: serde_json::Value =
                serde_json::from_str(&case.expect).map_err(|e| format!("expect is not JSON: {e}"))?;
            let out = host.session(id, grant).map_err(|e| e.to_string())?.apply(&input).map_err(|e| e.to_string())?;
            let got = serde_json::to_value(&out).map_err(|e| e.to_string())?;
            if got == expect {
                Ok(format!("{} records in, outcomes as expected", input.len()))
            } else {
                Err(format!("expected {expect}, got {got}"))
            }
        })();
        report(&format!("apply: {}", case.name), result);
    }
    Ok(passed)
}

fn entity(name: &str) -> Result<Entity, String> {
    Ok(match name {
        "product" => Entity::Product,
        "inventory-level" => Entity::InventoryLevel,
        "order" => Entity::Order,
        "customer" => Entity::Customer,
        "price" => Entity::Price,
        "fulfillment" => Entity::Fulfillment,
        "order-change" => Entity::OrderChange,
        "inventory-adjustment" => Entity::InventoryAdjustment,
        other => return Err(format!("unknown entity `{other}`")),
    })
}

fn class(name: &str) -> Result<ErrorClass, String> {
    Ok(match name {
        "retryable" => ErrorClass::Retryable,
        "rate-limited" => ErrorClass::RateLimited,
        "unauthorized" => ErrorClass::Unauthorized,
        "invalid-input" => ErrorClass::InvalidInput,
        "not-found" => ErrorClass::NotFound,
        "conflict" => ErrorClass::Conflict,
        "permanent" => ErrorClass::Permanent,
        other => return Err(format!("unknown error class `{other}`")),
    })
}

fn record(json: &str) -> Result<Record, String> {
    serde_json::from_str(json).map_err(|e| format!("not a JSON record: {e}"))
}

fn connector_spec(
    id: &str,
    spec: &TestSpec,
    grant: &dyn Fn(&GrantSpec) -> Result<Grant, String>,
) -> Result<Spec, String> {
    let pulls = spec
        .pull
        .iter()
        .map(|p| {
            Ok(PullCase {
                entity: entity(&p.entity)?,
                page_size: p.page_size,
                min_records: p.min_records,
                max_repeats: p.max_repeats,
                repeatable: true,
            })
        })
        .collect::<Result<_, String>>()?;
    let pushes = spec
        .push
        .iter()
        .map(|p| Ok(PushCase { entity: entity(&p.entity)?, key: p.key.clone(), record: record(&p.record)? }))
        .collect::<Result<_, String>>()?;
    let failures = spec
        .failure
        .iter()
        .map(|f| {
            let need_entity =
                || entity(f.entity.as_deref().ok_or_else(|| format!("failure `{}`: `entity` is required", f.name))?);
            let call = match f.call.as_str() {
                "check" => Call::Check,
                "pull" => Call::Pull(need_entity()?),
                "push" => Call::Push(
                    need_entity()?,
                    record(f.record.as_deref().ok_or_else(|| format!("failure `{}`: `record` is required", f.name))?)?,
                ),
                other => return Err(format!("failure `{}`: unknown call `{other}` (check, pull, push)", f.name)),
            };
            let g = f.grant.as_ref().map(grant).transpose()?;
            Ok(FailureCase { name: f.name.clone(), grant: g, call, expect: class(&f.expect)? })
        })
        .collect::<Result<_, String>>()?;
    Ok(Spec { plugin: id.to_owned(), grant: grant(&spec.grant)?, pulls, pushes, failures })
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
