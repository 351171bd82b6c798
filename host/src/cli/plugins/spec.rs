//! `weft-test.toml` (docs/plugin-testing.md): parsed and checked against the plugin's kind before
//! anything is loaded, every problem reported at once with its key and what that key takes.

use super::canned::CannedResponse;
use crate::conformance::{Call, ErrorClass, PullCase, PushCase};
use crate::model::{Entity, Record};
use crate::plugin::PluginKind;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

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
struct ApplySpec {
    name: String,
    input: String,
    expect: String,
}

/// One entity to pull.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullSpec {
    entity: String,
    #[serde(default)]
    page_size: Option<u32>,
    #[serde(default = "one")]
    min_records: usize,
    #[serde(default)]
    max_repeats: usize,
    #[serde(default = "yes")]
    repeatable: bool,
}

fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}

/// One record to push.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushSpec {
    entity: String,
    key: String,
    record: String,
}

/// A call that must fail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureSpec {
    name: String,
    call: String,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    record: Option<String>,
    expect: String,
    #[serde(default)]
    grant: Option<GrantSpec>,
}

/// The keys each table of the spec takes (required ones first), for error messages.
const SECTIONS: [(&str, &str); 6] = [
    ("grant", "config, secrets"),
    ("apply", "name, input, expect (required)"),
    (
        "pull",
        "entity (required); page_size, min_records (default 1), max_repeats (default 0), repeatable (default true)",
    ),
    ("push", "entity, key, record (required)"),
    ("failure", "name, call, expect (required); entity (pull, push), record (push), grant"),
    ("http", "path (required); method (default GET), query, times, status (default 200), headers, body"),
];

/// One transform case, checked.
#[derive(Debug)]
pub struct ApplyCase {
    /// Name in the report.
    pub name: String,
    /// Input records.
    pub input: Vec<Record>,
    /// The outcomes expected, as JSON.
    pub expect: Value,
}

/// A connector failure case, checked (its grant is made once the canned server runs).
#[derive(Debug)]
pub struct FailureCheck {
    /// Name in the report.
    pub name: String,
    /// The grant of this call, if not the spec's.
    pub grant: Option<GrantSpec>,
    /// The call.
    pub call: Call,
    /// The class expected.
    pub expect: ErrorClass,
}

/// A `weft-test.toml` checked against the plugin's kind: nothing in it can fail later for a
/// reason the file alone shows.
#[derive(Debug)]
pub struct TestSpec {
    /// The grant the plugin runs with.
    pub grant: GrantSpec,
    /// Transform cases.
    pub apply: Vec<ApplyCase>,
    /// Connector pulls.
    pub pulls: Vec<PullCase>,
    /// Connector pushes.
    pub pushes: Vec<PushCase>,
    /// Connector calls that must fail.
    pub failures: Vec<FailureCheck>,
    /// Canned HTTP responses.
    pub http: Vec<CannedResponse>,
}

/// Read and check the spec at `path` for a plugin of `kind`. The error lists every problem,
/// each with its key (`pull[1].entity`) and what that key takes.
pub fn load_spec(path: &Path, kind: PluginKind) -> Result<TestSpec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e} (write one: see docs/plugin-testing.md; `weft plugins new` makes one)",
            path.display()
        )
    })?;
    parse_spec(&text, kind).map_err(|problems| {
        let mut out =
            format!("{}: {} problem(s) in the test spec (see docs/plugin-testing.md):", path.display(), problems.len());
        for p in problems {
            out.push_str("\n  - ");
            out.push_str(&p);
        }
        out
    })
}

/// Check spec text; every problem found, or the checked spec.
pub fn parse_spec(text: &str, kind: PluginKind) -> Result<TestSpec, Vec<String>> {
    let table: toml::Table = toml::from_str(text).map_err(|e| vec![format!("not valid TOML: {e}")])?;
    let mut problems = Vec::new();
    for key in table.keys() {
        if !SECTIONS.iter().any(|(name, _)| name == key) {
            let valid: Vec<String> = SECTIONS
                .iter()
                .map(|(n, _)| if *n == "grant" { "[grant]".to_owned() } else { format!("[[{n}]]") })
                .collect();
            problems.push(format!("unknown section `{key}`: valid are {}", valid.join(", ")));
        }
    }
    let grant: GrantSpec = match table.get("grant") {
        None => GrantSpec::default(),
        Some(v) => one_entry("grant", v.clone()).unwrap_or_else(|e| {
            problems.push(e);
            GrantSpec::default()
        }),
    };
    let apply: Vec<ApplySpec> = entries(&table, "apply", &mut problems);
    let pull: Vec<PullSpec> = entries(&table, "pull", &mut problems);
    let push: Vec<PushSpec> = entries(&table, "push", &mut problems);
    let failure: Vec<FailureSpec> = entries(&table, "failure", &mut problems);
    let http: Vec<CannedResponse> = entries(&table, "http", &mut problems);
    let mut note = |result: Result<(), String>| {
        if let Err(e) = result {
            problems.push(e);
        }
    };
    match kind {
        PluginKind::Transform => {
            for (section, n) in
                [("pull", pull.len()), ("push", push.len()), ("failure", failure.len()), ("http", http.len())]
            {
                if n > 0 {
                    note(Err(format!(
                        "[[{section}]] is for connectors; plugin.toml says kind = \"transform\": write [[apply]] cases"
                    )));
                }
            }
            if apply.is_empty() && table.get("apply").is_none() {
                note(Err("a transform's spec needs at least one [[apply]] case (name, input, expect)".into()));
            }
        }
        PluginKind::Connector => {
            if !apply.is_empty() {
                note(Err("[[apply]] is for transforms; plugin.toml says kind = \"connector\": write [[pull]], [[push]] and [[failure]] cases".into()));
            }
        }
    }
    let mut checked =
        TestSpec { grant, apply: Vec::new(), pulls: Vec::new(), pushes: Vec::new(), failures: Vec::new(), http };
    for (i, a) in apply.into_iter().enumerate() {
        let at = format!("apply[{i}] (`{}`)", a.name);
        let input = serde_json::from_str::<Vec<Record>>(&a.input)
            .map_err(|e| format!("{at}.input: not a JSON array of records: {e}"));
        let expect = serde_json::from_str::<Value>(&a.expect).map_err(|e| format!("{at}.expect: not JSON: {e}"));
        match (input, expect) {
            (Ok(input), Ok(expect)) => checked.apply.push(ApplyCase { name: a.name, input, expect }),
            (input, expect) => {
                note(input.map(drop));
                note(expect.map(drop));
            }
        }
    }
    for (i, p) in pull.into_iter().enumerate() {
        if p.page_size == Some(0) {
            note(Err(format!(
                "pull[{i}].page_size: must be at least 1 (leave it out for a source that answers in one page)"
            )));
        }
        match Entity::parse(&p.entity) {
            Ok(entity) => checked.pulls.push(PullCase {
                entity,
                page_size: p.page_size,
                min_records: p.min_records,
                max_repeats: p.max_repeats,
                repeatable: p.repeatable,
            }),
            Err(e) => note(Err(format!("pull[{i}].entity: {e}"))),
        }
    }
    for (i, p) in push.into_iter().enumerate() {
        let entity = Entity::parse(&p.entity).map_err(|e| format!("push[{i}].entity: {e}"));
        let record = record(&p.record).map_err(|e| format!("push[{i}].record: {e}"));
        match (entity, record) {
            (Ok(entity), Ok(record)) => {
                if record.entity() != entity {
                    note(Err(format!(
                        "push[{i}]: the record is a {}, the entity says {}",
                        record.entity().wit_name(),
                        entity.wit_name()
                    )));
                }
                checked.pushes.push(PushCase { entity, key: p.key, record })
            }
            (entity, record) => {
                note(entity.map(drop));
                note(record.map(drop));
            }
        }
    }
    for (i, f) in failure.into_iter().enumerate() {
        let at = format!("failure[{i}] (`{}`)", f.name);
        let entity = || -> Result<Entity, String> {
            let name =
                f.entity.as_deref().ok_or_else(|| format!("{at}: `entity` is required for call = \"{}\"", f.call))?;
            Entity::parse(name).map_err(|e| format!("{at}.entity: {e}"))
        };
        let call = match f.call.to_ascii_lowercase().as_str() {
            "check" => Ok(Call::Check),
            "pull" => entity().map(Call::Pull),
            "push" => entity().and_then(|entity| {
                let text =
                    f.record.as_deref().ok_or_else(|| format!("{at}: `record` is required for call = \"push\""))?;
                Ok(Call::Push(entity, record(text).map_err(|e| format!("{at}.record: {e}"))?))
            }),
            other => Err(format!("{at}.call: unknown call `{other}`: valid are check, pull, push")),
        };
        let expect = error_class(&f.expect).map_err(|e| format!("{at}.expect: {e}"));
        match (call, expect) {
            (Ok(call), Ok(expect)) => {
                checked.failures.push(FailureCheck { name: f.name, grant: f.grant, call, expect })
            }
            (call, expect) => {
                note(call.map(drop));
                note(expect.map(drop));
            }
        }
    }
    for (i, h) in checked.http.iter().enumerate() {
        if !h.path.starts_with('/') {
            note(Err(format!("http[{i}].path: `{}` must start with `/` (the query goes in `query`)", h.path)));
        }
        if !(100..=599).contains(&h.status) {
            note(Err(format!("http[{i}].status: {} is not an HTTP status (100-599)", h.status)));
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// Deserialize one table of the spec, naming it and the keys it takes on error.
fn one_entry<T: DeserializeOwned>(at: &str, value: toml::Value) -> Result<T, String> {
    let section = at.split('[').next().unwrap_or(at);
    let keys = SECTIONS.iter().find(|(n, _)| *n == section).map(|(_, k)| *k).unwrap_or("");
    T::deserialize(value).map_err(|e| {
        let message = e.message().trim().to_owned();
        format!(
            "{at}: {message} (a {} takes: {keys})",
            if section == "grant" { "[grant]".to_owned() } else { format!("[[{section}]]") }
        )
    })
}

/// Every entry of an array-of-tables section.
fn entries<T: DeserializeOwned>(table: &toml::Table, section: &str, problems: &mut Vec<String>) -> Vec<T> {
    match table.get(section) {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| one_entry(&format!("{section}[{i}]"), v.clone()).map_err(|e| problems.push(e)).ok())
            .collect(),
        Some(_) => {
            problems.push(format!("`{section}` must be written [[{section}]] (a list of tables)"));
            Vec::new()
        }
    }
}

/// An error class in any spelling (`rate-limited`, `rate_limited`, `RateLimited`).
fn error_class(name: &str) -> Result<ErrorClass, String> {
    const CLASSES: [(&str, ErrorClass); 8] = [
        ("retryable", ErrorClass::Retryable),
        ("rate-limited", ErrorClass::RateLimited),
        ("unauthorized", ErrorClass::Unauthorized),
        ("invalid-input", ErrorClass::InvalidInput),
        ("not-found", ErrorClass::NotFound),
        ("conflict", ErrorClass::Conflict),
        ("permanent", ErrorClass::Permanent),
        ("needs-person", ErrorClass::NeedsPerson),
    ];
    let fold =
        |s: &str| s.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).flat_map(char::to_lowercase).collect::<String>();
    CLASSES.iter().find(|(n, _)| fold(n) == fold(name)).map(|(_, c)| *c).ok_or_else(|| {
        let valid: Vec<&str> = CLASSES.iter().map(|(n, _)| *n).collect();
        format!("unknown error class `{name}`: valid are {}", valid.join(", "))
    })
}

fn record(json: &str) -> Result<Record, String> {
    serde_json::from_str(json).map_err(|e| format!("not a JSON record: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_in_every_spelling_and_every_problem_at_once() {
        let spec = "[[pull]]\nentity = \"inventory_level\"\n[[pull]]\nentity = \"InventoryLevel\"\n[[pull]]\nentity = \"inventory\"\npage_size = 3\n";
        let ok = parse_spec(spec, PluginKind::Connector).expect("valid");
        assert!(ok.pulls.iter().all(|p| p.entity == Entity::InventoryLevel));
        assert_eq!(ok.pulls[0].page_size, None);
        assert_eq!(ok.pulls[0].min_records, 1);
        let bad = "[[pull]]\nentity = \"stocks-levels\"\n[[failure]]\nname = \"x\"\ncall = \"pull\"\nentity = \"product\"\nexpect = \"boom\"\n[[push]]\nentity = \"order\"\n[pulls]\n";
        let problems = parse_spec(bad, PluginKind::Connector).unwrap_err();
        let all = problems.join("\n");
        assert!(
            all.contains("pull[0].entity: unknown entity `stocks-levels`: valid are product, inventory-level,"),
            "{all}"
        );
        assert!(
            all.contains("failure[0] (`x`).expect: unknown error class `boom`: valid are retryable, rate-limited"),
            "{all}"
        );
        assert!(
            all.contains("push[0]: missing field `key`") && all.contains("a [[push]] takes: entity, key, record"),
            "{all}"
        );
        assert!(all.contains("unknown section `pulls`"), "{all}");
        assert_eq!(problems.len(), 4, "{all}");
        let wrong_kind = parse_spec("[[pull]]\nentity = \"product\"\n", PluginKind::Transform).unwrap_err();
        assert!(wrong_kind.join("\n").contains("[[pull]] is for connectors"), "{wrong_kind:?}");
    }
}
