//! The shared connector conformance suite: runs any connector plugin, in any language, through
//! the host (fresh sessions, real grants) and checks the contract every connector must keep.
//!
//! ```text
//! describe   id/version match plugin.toml; entities listed once; config keys and secrets declared
//! check      passes with the operator's grant
//! pull       pages never exceed the limit; a cursor resumes in a fresh instance; paging finds
//!            everything one big pull finds; resuming from the last cursor does not start over
//! push       the same key twice gives the same result and one object; the same record under a
//!            new key is found, not created again; one outcome per record in a mixed batch
//! errors     each failure case gives the expected class (retryable, unauthorized, ...)
//! ```
//!
//! A spec is built in Rust ([`Spec`]); `weft plugins test` builds one from a `weft-test.toml`.
//!
//! Pull protocol the suite follows (and the flow engine must follow): `has-more` means "call
//! again with `next-cursor`"; an `invalid-input` error means "one bad item was reported and
//! skipped: call again with the same cursor".

mod pull;
mod push;

use crate::model::{Entity, Record};
use crate::plugin::{Grant, PluginHost, PluginSession};
pub use crate::store::ErrorClass;
use std::fmt;
use std::time::{Duration, Instant};

/// What to run against one connector.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Plugin id.
    pub plugin: String,
    /// The grant the connector works with (config, secrets, hosts, directory).
    pub grant: Grant,
    /// Entities to pull.
    pub pulls: Vec<PullCase>,
    /// Records to push (each must be valid and new for this run).
    pub pushes: Vec<PushCase>,
    /// Calls that must fail with a given class.
    pub failures: Vec<FailureCase>,
}

/// One entity to pull.
#[derive(Debug, Clone)]
pub struct PullCase {
    /// The entity.
    pub entity: Entity,
    /// Small page size for the paging checks (the data must span several pages). None for a
    /// source that answers in one page whatever the limit (a snapshot): the paging checks are
    /// left out, completeness and resuming from the last cursor are still checked.
    pub page_size: Option<u32>,
    /// Fewest records the source must hold.
    pub min_records: usize,
    /// Records a connector may deliver again (overlap windows); 0 for exact cursors.
    pub max_repeats: usize,
    /// Whether pulling from no cursor reads everything again. A consuming feed (files marked
    /// processed once the host confirms them) is not: the suite then skips the big-pull baseline
    /// and checks completeness with `min_records` alone.
    pub repeatable: bool,
}

/// One record to push.
#[derive(Debug, Clone)]
pub struct PushCase {
    /// The entity.
    pub entity: Entity,
    /// The idempotency key.
    pub key: String,
    /// The record.
    pub record: Record,
}

/// A call that must fail, and how.
#[derive(Debug, Clone)]
pub struct FailureCase {
    /// Name in the report.
    pub name: String,
    /// A different grant (a wrong password, an unreachable server); none = the spec's grant.
    pub grant: Option<Grant>,
    /// The call.
    pub call: Call,
    /// The class it must fail with.
    pub expect: ErrorClass,
}

/// A connector call of a failure case.
#[derive(Debug, Clone)]
pub enum Call {
    /// `check()`.
    Check,
    /// `pull(entity, none, 10)`.
    Pull(Entity),
    /// `push(entity, [record])`, sent behind the first push case's record to prove that one bad
    /// record does not fail the batch.
    Push(Entity, Record),
}

/// The result of one check.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// Evidence or the reason it failed.
    pub detail: String,
    /// Time the check took (since the previous outcome was recorded).
    pub elapsed: Duration,
}

/// Every check's outcome for one connector.
#[derive(Debug, Clone)]
pub struct Report {
    /// Plugin id.
    pub plugin: String,
    /// Outcomes in the order run.
    pub outcomes: Vec<Outcome>,
    lap: Instant,
}

impl Report {
    /// True when every check held (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.outcomes.is_empty() && self.outcomes.iter().all(|o| o.passed)
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| !o.passed).collect()
    }

    fn record(&mut self, name: impl Into<String>, result: Result<String, String>) {
        let (passed, detail) = match result {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        let elapsed = self.lap.elapsed();
        self.lap = Instant::now();
        self.outcomes.push(Outcome { name: name.into(), passed, detail, elapsed });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().len();
        writeln!(f, "conformance of {}: {} checks, {} failed", self.plugin, self.outcomes.len(), failed)?;
        for o in &self.outcomes {
            writeln!(
                f,
                "  [{}] {} ({} ms): {}",
                if o.passed { "ok" } else { "FAIL" },
                o.name,
                o.elapsed.as_millis(),
                o.detail
            )?;
        }
        Ok(())
    }
}

/// Run the whole suite. Never panics on plugin behaviour: every deviation is a failed outcome.
pub fn run(host: &PluginHost, spec: &Spec) -> Report {
    let mut report = Report { plugin: spec.plugin.clone(), outcomes: Vec::new(), lap: Instant::now() };
    report.record("describe", describe(host, spec));
    report.record(
        "check",
        session(host, spec, &spec.grant).and_then(|mut s| match s.check() {
            Ok(Ok(())) => Ok("passes with the operator's grant".into()),
            Ok(Err(e)) => Err(format!("check failed: {e:?}")),
            Err(e) => Err(e.to_string()),
        }),
    );
    for case in &spec.pulls {
        pull::run(host, spec, case, &mut report);
    }
    for case in &spec.pushes {
        push::run(host, spec, case, &mut report);
    }
    for case in &spec.failures {
        report.record(format!("error class: {}", case.name), push::failure(host, spec, case));
    }
    report
}

/// A fresh session (a fresh instance) of the plugin under test.
fn session(host: &PluginHost, spec: &Spec, grant: &Grant) -> Result<PluginSession, String> {
    host.session(&spec.plugin, grant).map_err(|e| e.to_string())
}

fn describe(host: &PluginHost, spec: &Spec) -> Result<String, String> {
    let manifest = &host.plugin(&spec.plugin).ok_or_else(|| format!("plugin {} is not loaded", spec.plugin))?.manifest;
    let info = session(host, spec, &spec.grant)?.describe().map_err(|e| e.to_string())?;
    let again = session(host, spec, &spec.grant)?.describe().map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    if info.id != manifest.id {
        problems.push(format!("describe id `{}` differs from plugin.toml id `{}`", info.id, manifest.id));
    }
    if info.version != manifest.version {
        problems.push(format!(
            "describe version `{}` differs from plugin.toml version `{}`",
            info.version, manifest.version
        ));
    }
    if info.entities.is_empty() {
        problems.push("describe lists no entities".into());
    }
    for (i, e) in info.entities.iter().enumerate() {
        if info.entities[..i].iter().any(|o| o.entity == e.entity) {
            problems.push(format!("entity {:?} listed twice", e.entity));
        }
    }
    let caps = &manifest.capabilities;
    for key in &info.config_keys {
        if !caps.config.contains(&key.name) {
            problems.push(format!("config key `{}` is not declared in plugin.toml capabilities.config", key.name));
        }
        if key.required && !spec.grant.config.contains_key(&key.name) {
            problems.push(format!("required config key `{}` is missing from the grant", key.name));
        }
    }
    for secret in &info.secrets {
        if !caps.secrets.contains(secret) {
            problems.push(format!("secret `{secret}` is not declared in plugin.toml capabilities.secrets"));
        }
    }
    if info != again {
        problems.push("describe answers differently on a fresh instance".into());
    }
    if problems.is_empty() {
        Ok(format!(
            "{} {}: {} entities, {} config keys, {} secrets",
            info.id,
            info.version,
            info.entities.len(),
            info.config_keys.len(),
            info.secrets.len()
        ))
    } else {
        Err(problems.join("; "))
    }
}

/// The WIT name of an entity (`inventory-level`), for reports.
pub fn entity_name(entity: Entity) -> &'static str {
    entity.wit_name()
}
