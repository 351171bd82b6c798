//! `weft config check`, and the same checks when `weft serve` starts: the configuration checked
//! for meaning, not only shape. Every problem is a [`Finding`] named by its config key:
//!
//! - the values ([`Config::problems`]: references, intervals, CEL expressions and the variables
//!   they read, location id shapes) and the secrets (each one loads);
//! - the plugins ([`plugins`]): each connection's and transform's plugin exists, loaded (world,
//!   WIT version, pin), is of the right kind, moves the flow's records in the flow's direction,
//!   and each connection answers `check()`;
//! - the shop ([`shop`]): the token reaches it, holds the access scopes the flows need, the
//!   location ids exist, and the ERP's prices and orders are in the shop's currency.
//!
//! An endpoint that does not answer leaves its checks [`Level::Unverified`]: `config check`
//! fails on it, `weft serve` starts anyway (the circuit breaker holds the work until it answers).

mod plugins;
mod shop;

use crate::config::{Config, SecretSource};
use crate::flow::FlowEngine;
use serde::Serialize;
use std::time::Duration;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Wrong: `weft serve` refuses to start.
    Error,
    /// Could not be checked because an endpoint did not answer: `config check` fails, `weft serve`
    /// starts.
    Unverified,
    /// Works, but probably not as meant.
    Warning,
    /// Checked and fine.
    Ok,
}

impl Level {
    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Unverified => "unverified",
            Level::Warning => "warning",
            Level::Ok => "ok",
        }
    }
}

/// One thing found, named by the config key it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad.
    pub level: Level,
    /// Dotted config key (`flows.inventory.locations.WH-EAST`).
    pub key: String,
    /// What is wrong (or what was checked), for a person.
    pub message: String,
}

impl Finding {
    /// A finding at `level`.
    pub fn new(level: Level, key: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding { level, key: key.into(), message: message.into() }
    }
}

/// Every finding of one check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The findings, worst first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings at `level`.
    pub fn at(&self, level: Level) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.level == level)
    }

    /// Whether `config check` passes: no error and nothing unverified.
    pub fn passes(&self) -> bool {
        self.at(Level::Error).next().is_none() && self.at(Level::Unverified).next().is_none()
    }

    /// One line per finding, then the totals.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> =
            self.findings.iter().map(|f| format!("{:<10} {}: {}", f.level.name(), f.key, f.message)).collect();
        let count = |l| self.at(l).count();
        lines.push(format!(
            "{} errors, {} unverified, {} warnings",
            count(Level::Error),
            count(Level::Unverified),
            count(Level::Warning)
        ));
        lines
    }
}

/// How long a check waits for an endpoint.
pub const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything `weft config check` checks, in its order: the values and the secrets, then (when
/// the secrets load) the plugins, connections and shop that `online` checks on an engine built
/// from the config (an error building it is the `plugins` finding).
pub fn everything(config: Config, online: impl FnOnce(Config) -> Result<Vec<Finding>, String>) -> Report {
    let mut findings = values(&config);
    let secrets = secrets(&config);
    if !secrets.is_empty() {
        findings.extend(secrets);
        findings.push(Finding::new(
            Level::Unverified,
            "plugins",
            "plugins, connections and the shop were not checked: the secrets above do not load",
        ));
        return report(findings);
    }
    match online(config) {
        Ok(more) => findings.extend(more),
        Err(e) => findings.push(Finding::new(Level::Error, "plugins", e)),
    }
    report(findings)
}

/// The config's values: every [`Config::problems`] as an error.
pub fn values(config: &Config) -> Vec<Finding> {
    config.problems().into_iter().map(|(key, reason)| Finding::new(Level::Error, key, reason)).collect()
}

/// Each secret the config names that does not load (an unset variable, a missing file).
pub fn secrets(config: &Config) -> Vec<Finding> {
    secret_sources(config)
        .into_iter()
        .filter_map(|(key, source)| source.load().err().map(|e| Finding::new(Level::Error, key, e.to_string())))
        .collect()
}

/// Every secret the config names, by key.
fn secret_sources(config: &Config) -> Vec<(String, &SecretSource)> {
    let mut out = Vec::new();
    for (name, shop) in config.shops() {
        let key = |k: &str| crate::config::shops::shop_key(name, k);
        out.push((key("access_token"), &shop.access_token));
        out.push((key("webhook_secret"), &shop.webhook_secret));
        if let Some(previous) = &shop.previous_webhook_secret {
            out.push((key("previous_webhook_secret"), previous));
        }
    }
    if let Some(token) = &config.server.admin_token {
        out.push(("server.admin_token".to_owned(), token));
    }
    for (name, conn) in &config.connections {
        out.extend(conn.secrets.iter().map(|(k, s)| (format!("connections.{name}.secrets.{k}"), s)));
    }
    out
}

/// Everything the engine can reach: plugins and connections, then the shop.
pub fn online(engine: &FlowEngine) -> Vec<Finding> {
    let mut out = plugins::check(engine);
    out.extend(shop::check(engine));
    out
}

/// Sort findings worst first, then by key.
pub fn report(mut findings: Vec<Finding>) -> Report {
    findings.sort_by(|a, b| (a.level, &a.key).cmp(&(b.level, &b.key)));
    Report { findings }
}

/// The checks `weft serve` runs as it starts (its config loaded, its secrets in hand): an error
/// refuses the start, anything else is logged.
pub fn at_start(engine: &FlowEngine) -> Result<(), String> {
    let report = report(online(engine));
    for f in &report.findings {
        match f.level {
            Level::Error => tracing::error!(key = %f.key, "config check: {}", f.message),
            Level::Unverified | Level::Warning => tracing::warn!(key = %f.key, "config check: {}", f.message),
            Level::Ok => tracing::info!(key = %f.key, "config check: {}", f.message),
        }
    }
    let errors: Vec<String> = report.at(Level::Error).map(|f| format!("{}: {}", f.key, f.message)).collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(format!(
        "weft serve refuses to start: the config does not check ({} error{}; `weft config check` lists everything):\n  {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        errors.join("\n  ")
    ))
}
