//! A connector's conformance spec as a file (`conformance.toml` beside `plugin.toml`), so any
//! connector, in any language, can be run through the suite without writing Rust:
//!
//! ```toml
//! [grant]                       # what the operator would grant ([connections.NAME] keys)
//! config = { inbox = "in" }
//! secrets = { password = { env = "ERP_PASSWORD" } }
//! allow_hosts = ["127.0.0.1:8000"]
//! directory = "../../tests/fixtures/sample-dataset"   # relative to this file
//!
//! [[pull]]
//! entity = "product"            # WIT entity name
//! page_size = 25
//! min_records = 298
//! max_repeats = 0               # default 0
//! repeatable = false            # default true
//!
//! [[push]]
//! entity = "order"
//! key = "conformance:order:1"
//! record = "fixtures/order.json"   # a record as JSON: {"Order": {...snake_case fields...}}
//!
//! [[failure]]
//! name = "order without lines"
//! call = "push"                 # check | pull | push
//! entity = "order"              # for pull and push
//! record = "fixtures/order-without-lines.json"   # for push
//! expect = "invalid-input"      # retryable | rate-limited | unauthorized | invalid-input | not-found | conflict | permanent
//! grant = { config = { inbox = "../etc" } }      # optional: replaces the grant for this call
//! ```

use super::{Call, ErrorClass, FailureCase, PullCase, PushCase, Spec};
use crate::config::SecretSource;
use crate::plugin::bindings::types::{Entity, Record};
use crate::plugin::policy::HostPattern;
use crate::plugin::Grant;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    grant: GrantFile,
    #[serde(default)]
    pull: Vec<PullFile>,
    #[serde(default)]
    push: Vec<PushFile>,
    #[serde(default)]
    failure: Vec<FailureFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantFile {
    #[serde(default)]
    config: toml::Table,
    #[serde(default)]
    secrets: BTreeMap<String, SecretSource>,
    #[serde(default)]
    allow_hosts: Vec<String>,
    directory: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullFile {
    entity: String,
    page_size: u32,
    #[serde(default)]
    min_records: usize,
    #[serde(default)]
    max_repeats: usize,
    #[serde(default = "yes")]
    repeatable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushFile {
    entity: String,
    key: String,
    record: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureFile {
    name: String,
    call: String,
    entity: Option<String>,
    record: Option<PathBuf>,
    expect: String,
    grant: Option<GrantFile>,
}

/// Read `path` into a spec for plugin `plugin`. Paths in it are relative to its folder. Errors
/// name the file and the entry.
pub fn load(path: &Path, plugin: &str) -> Result<Spec, String> {
    let at = |what: String| format!("{}: {what}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| at(format!("cannot read: {e}")))?;
    let file: SpecFile = toml::from_str(&text).map_err(|e| at(format!("{e}")))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let main_grant = grant(&file.grant, base).map_err(|e| at(format!("[grant]: {e}")))?;
    let mut spec = Spec { plugin: plugin.to_owned(), grant: main_grant, pulls: Vec::new(), pushes: Vec::new(), failures: Vec::new() };
    for (i, p) in file.pull.iter().enumerate() {
        let entity = entity(&p.entity).map_err(|e| at(format!("pull[{i}].entity: {e}")))?;
        spec.pulls.push(PullCase { entity, page_size: p.page_size.max(1), min_records: p.min_records, max_repeats: p.max_repeats, repeatable: p.repeatable });
    }
    for (i, p) in file.push.iter().enumerate() {
        let entity = entity(&p.entity).map_err(|e| at(format!("push[{i}].entity: {e}")))?;
        let record = record(&base.join(&p.record)).map_err(|e| at(format!("push[{i}].record: {e}")))?;
        spec.pushes.push(PushCase { entity, key: p.key.clone(), record });
    }
    for (i, f) in file.failure.iter().enumerate() {
        let ctx = |what: &str, e: String| at(format!("failure[{i}].{what}: {e}"));
        let entity = || f.entity.as_deref().ok_or("required for pull and push".to_owned()).and_then(entity).map_err(|e| ctx("entity", e));
        let call = match f.call.as_str() {
            "check" => Call::Check,
            "pull" => Call::Pull(entity()?),
            "push" => {
                let path = f.record.as_ref().ok_or_else(|| ctx("record", "required for push".into()))?;
                Call::Push(entity()?, record(&base.join(path)).map_err(|e| ctx("record", e))?)
            }
            other => return Err(ctx("call", format!("`{other}`: use check, pull or push"))),
        };
        let expect = error_class(&f.expect).map_err(|e| ctx("expect", e))?;
        let grant = f.grant.as_ref().map(|g| grant(g, base)).transpose().map_err(|e| ctx("grant", e))?;
        spec.failures.push(FailureCase { name: f.name.clone(), grant, call, expect });
    }
    Ok(spec)
}

fn grant(g: &GrantFile, base: &Path) -> Result<Grant, String> {
    let mut secrets = BTreeMap::new();
    for (name, source) in &g.secrets {
        secrets.insert(name.clone(), source.load().map_err(|e| format!("secrets.{name}: {e}"))?);
    }
    let allow_hosts = g.allow_hosts.iter().map(|h| HostPattern::parse(h).map_err(|e| format!("allow_hosts: {e}"))).collect::<Result<_, _>>()?;
    Ok(Grant { allow_hosts, config: g.config.clone(), secrets, directory: g.directory.as_ref().map(|d| base.join(d)) })
}

fn record(path: &Path) -> Result<Record, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a record: {e}", path.display()))
}

/// An entity by its WIT name.
pub fn entity(name: &str) -> Result<Entity, String> {
    Ok(match name {
        "product" => Entity::Product,
        "inventory-level" => Entity::InventoryLevel,
        "order" => Entity::Order,
        "customer" => Entity::Customer,
        "price" => Entity::Price,
        "fulfillment" => Entity::Fulfillment,
        other => return Err(format!("`{other}` is not an entity (product, inventory-level, order, customer, price, fulfillment)")),
    })
}

fn error_class(name: &str) -> Result<ErrorClass, String> {
    Ok(match name {
        "retryable" => ErrorClass::Retryable,
        "rate-limited" => ErrorClass::RateLimited,
        "unauthorized" => ErrorClass::Unauthorized,
        "invalid-input" => ErrorClass::InvalidInput,
        "not-found" => ErrorClass::NotFound,
        "conflict" => ErrorClass::Conflict,
        "permanent" => ErrorClass::Permanent,
        other => return Err(format!("`{other}` is not an error class")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Spec, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("conformance.toml");
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        load(&path, "x")
    }

    #[test]
    fn errors_name_the_file_entry_and_reason() {
        let cases = [
            ("[[pull]]\nentity = \"products\"\npage_size = 2\n", "pull[0].entity: `products` is not an entity"),
            ("[[push]]\nentity = \"order\"\nkey = \"k\"\nrecord = \"missing.json\"\n", "push[0].record: cannot read"),
            ("[[failure]]\nname = \"n\"\ncall = \"pull\"\nexpect = \"invalid-input\"\n", "failure[0].entity: required for pull and push"),
            ("[[failure]]\nname = \"n\"\ncall = \"check\"\nexpect = \"boom\"\n", "failure[0].expect: `boom` is not an error class"),
            ("[grant]\nsecrets = { p = { env = \"WEFT_NO_SUCH_VARIABLE_X\" } }\n", "[grant]: secrets.p: environment variable"),
            ("[[pull]]\nentity = \"order\"\npage_sise = 2\n", "unknown field `page_sise`"),
        ];
        for (text, want) in cases {
            let err = load_text(text).expect_err(want);
            assert!(err.contains("conformance.toml") && err.contains(want), "{err}");
        }
        let spec = load_text("[[pull]]\nentity = \"inventory-level\"\npage_size = 3\n").expect("loads");
        assert_eq!((spec.pulls[0].entity, spec.pulls[0].repeatable, spec.pulls[0].max_repeats), (Entity::InventoryLevel, true, 0));
    }
}
