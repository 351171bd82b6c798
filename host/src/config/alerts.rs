//! `[alerts]` (rules, delivery) and `[breaker]` (circuit breaker) sections.

use super::flow::parse_interval;
use super::{Config, Secret, SecretSource};
use serde::Deserialize;
use std::time::Duration;

/// Where alerts are posted: a URL in the file, or one read like a secret (it may carry a token).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UrlSource {
    /// `webhook_url = "https://..."`.
    Plain(String),
    /// `webhook_url = { env = "NAME" }` or `{ file = "..." }`.
    Secret(SecretSource),
}

impl UrlSource {
    /// The URL, as a secret value (it is never logged whole).
    pub fn load(&self) -> Result<Secret, String> {
        match self {
            UrlSource::Plain(url) => Ok(Secret::new(url.clone())),
            UrlSource::Secret(source) => source.load(),
        }
    }
}

/// Body of an alert delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertFormat {
    /// `{alert, rule, flow, state, value, threshold, at}`.
    #[default]
    Json,
    /// `{"text": "..."}` (Slack incoming webhooks and compatible chat tools).
    Slack,
}

/// `[alerts]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Where alerts are posted (they always go to the log too).
    pub webhook_url: Option<UrlSource>,
    /// Body format.
    #[serde(default)]
    pub format: AlertFormat,
    /// How often rules are evaluated (`"15s"`).
    #[serde(default = "default_evaluate_every")]
    pub evaluate_every: String,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            webhook_url: None,
            format: AlertFormat::Json,
            evaluate_every: default_evaluate_every(),
            rules: Vec::new(),
        }
    }
}

fn default_evaluate_every() -> String {
    "15s".into()
}

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Failed records / all records of a flow over `window` above `threshold` (with at least `min_records`).
    ErrorRate,
    /// Dead-lettered jobs of a flow above `above`.
    DeadLetters,
    /// A flow's queue is paused (by a person or the circuit breaker).
    Paused,
    /// No successful run of a flow within `within`.
    NoSuccess,
    /// Records drifted in the latest reconciliation report above `above`.
    ReconcileDrift,
}

/// `[[alerts.rules]]`: one rule; fields a kind does not use are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// What it watches.
    pub kind: RuleKind,
    /// Name in alerts (default: the kind); unique.
    pub name: Option<String>,
    /// The flow it watches (default: every flow).
    pub flow: Option<String>,
    /// `error_rate`: window (`"10m"`).
    pub window: Option<String>,
    /// `error_rate`: the rate (0 ≤ rate < 1) the error rate must exceed.
    pub threshold: Option<f64>,
    /// `error_rate`: fewer records in the window leave the alert as it is.
    pub min_records: Option<u64>,
    /// `dead_letters`, `reconcile_drift`: count.
    pub above: Option<u64>,
    /// `no_success`: period (`"2h"`).
    pub within: Option<String>,
}

impl RuleConfig {
    /// The rule's name.
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            format!("{:?}", self.kind).chars().fold(String::new(), |mut s, c| {
                if c.is_uppercase() && !s.is_empty() {
                    s.push('_');
                }
                s.push(c.to_ascii_lowercase());
                s
            })
        })
    }

    /// `window` (error_rate), validated at load.
    pub fn window(&self) -> Duration {
        self.window.as_deref().and_then(|w| parse_interval(w).ok()).unwrap_or(Duration::from_secs(600))
    }

    /// `within` (no_success), validated at load.
    pub fn within(&self) -> Duration {
        self.within.as_deref().and_then(|w| parse_interval(w).ok()).unwrap_or(Duration::from_secs(3600))
    }

    fn validate(&self, key: &str, config: &Config) -> Result<(), (String, String)> {
        let field = |f: &str| format!("{key}.{f}");
        if let Some(flow) = &self.flow {
            if !config.flows.contains_key(flow) {
                return Err((field("flow"), format!("no flow `{flow}`")));
            }
        }
        let (needs, allowed): (&[&str], &[&str]) = match self.kind {
            RuleKind::ErrorRate => (&["window", "threshold"], &["window", "threshold", "min_records"]),
            RuleKind::DeadLetters | RuleKind::ReconcileDrift => (&["above"], &["above"]),
            RuleKind::NoSuccess => (&["within"], &["within"]),
            RuleKind::Paused => (&[], &[]),
        };
        let given = [
            ("window", self.window.is_some()),
            ("threshold", self.threshold.is_some()),
            ("min_records", self.min_records.is_some()),
            ("above", self.above.is_some()),
            ("within", self.within.is_some()),
        ];
        for (name, set) in given {
            if set && !allowed.contains(&name) {
                return Err((field(name), format!("not used by kind {:?}", self.name())));
            }
            if !set && needs.contains(&name) {
                return Err((field(name), format!("required by kind {:?}", self.name())));
            }
        }
        for (name, value) in [("window", &self.window), ("within", &self.within)] {
            if let Some(v) = value {
                parse_interval(v).map_err(|r| (field(name), r))?;
            }
        }
        if let Some(t) = self.threshold {
            if !(0.0..1.0).contains(&t) {
                return Err((field("threshold"), "must be a rate from 0 up to, not including, 1 (0.2 = 20%)".into()));
            }
        }
        if self.kind == RuleKind::ReconcileDrift && self.flow.is_some() {
            return Err((field("flow"), "reconciliation covers the whole store; not per flow".into()));
        }
        Ok(())
    }
}

/// `[breaker]`: systemic failures (refused credentials, sustained throttling, an endpoint
/// unreachable) pause the flow, alert, and resume it when a probe succeeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    /// Whether the breaker acts at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How long throttling or unreachability must last before the flow is paused (`"2m"`).
    #[serde(default = "default_sustained_for")]
    pub sustained_for: String,
    /// How often a paused flow's endpoints are probed (`"30s"`).
    #[serde(default = "default_probe_every")]
    pub probe_every: String,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig { enabled: true, sustained_for: default_sustained_for(), probe_every: default_probe_every() }
    }
}

fn yes() -> bool {
    true
}
fn default_sustained_for() -> String {
    "2m".into()
}
fn default_probe_every() -> String {
    "30s".into()
}

impl BreakerConfig {
    /// `sustained_for`, validated at load.
    pub fn sustained(&self) -> Duration {
        parse_interval(&self.sustained_for).unwrap_or(Duration::from_secs(120))
    }

    /// `probe_every`, validated at load.
    pub fn probe_interval(&self) -> Duration {
        parse_interval(&self.probe_every).unwrap_or(Duration::from_secs(30))
    }
}

impl AlertsConfig {
    /// `evaluate_every`, validated at load.
    pub fn interval(&self) -> Duration {
        parse_interval(&self.evaluate_every).unwrap_or(Duration::from_secs(15))
    }
}

/// Check `[alerts]` and `[breaker]`; the error is (dotted key, reason).
pub(super) fn validate(config: &Config) -> Result<(), (String, String)> {
    let alerts = &config.alerts;
    if let Some(UrlSource::Plain(url)) = &alerts.webhook_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(("alerts.webhook_url".into(), "must be an http:// or https:// URL".into()));
        }
    }
    parse_interval(&alerts.evaluate_every).map_err(|r| ("alerts.evaluate_every".into(), r))?;
    let mut names = std::collections::BTreeSet::new();
    for (i, rule) in alerts.rules.iter().enumerate() {
        let key = format!("alerts.rules[{i}]");
        rule.validate(&key, config)?;
        if !names.insert(rule.name()) {
            return Err((
                format!("{key}.name"),
                format!("another rule is named {:?}; give each rule of a kind a name", rule.name()),
            ));
        }
    }
    parse_interval(&config.breaker.sustained_for).map_err(|r| ("breaker.sustained_for".into(), r))?;
    parse_interval(&config.breaker.probe_every).map_err(|r| ("breaker.probe_every".into(), r))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const BASE: &str = "[connections.erp]\nplugin = \"x\"\n[connections.sink]\nplugin = \"y\"\n[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\n";

    #[test]
    fn alert_and_breaker_errors_name_the_key() {
        let cases = [
            ("[alerts]\nwebhook_url = \"ftp://x\"\n", "alerts.webhook_url"),
            ("[alerts]\nevaluate_every = \"soon\"\n", "alerts.evaluate_every"),
            ("[[alerts.rules]]\nkind = \"error_rate\"\nwindow = \"1m\"\n", "alerts.rules[0].threshold"),
            (
                "[[alerts.rules]]\nkind = \"error_rate\"\nwindow = \"1m\"\nthreshold = 2.0\n",
                "alerts.rules[0].threshold",
            ),
            ("[[alerts.rules]]\nkind = \"paused\"\nabove = 3\n", "alerts.rules[0].above"),
            ("[[alerts.rules]]\nkind = \"paused\"\nflow = \"nope\"\n", "alerts.rules[0].flow"),
            ("[[alerts.rules]]\nkind = \"paused\"\n[[alerts.rules]]\nkind = \"paused\"\n", "alerts.rules[1].name"),
            ("[[alerts.rules]]\nkind = \"loud\"\n", "kind"),
            ("[breaker]\nprobe_every = \"0s\"\n", "breaker.probe_every"),
            ("[breaker]\nsustained = \"1m\"\n", "sustained"),
        ];
        for (text, want) in cases {
            let err = Config::parse(&format!("{BASE}{text}"), Path::new("weft.toml")).unwrap_err().to_string();
            assert!(err.contains(want), "{want}: {err}");
        }
        let ok = "[alerts]\nwebhook_url = { env = \"HOOK\" }\nformat = \"slack\"\nevaluate_every = \"5s\"\n\
                  [[alerts.rules]]\nkind = \"error_rate\"\nflow = \"a\"\nwindow = \"5m\"\nthreshold = 0.2\nmin_records = 10\n\
                  [[alerts.rules]]\nkind = \"no_success\"\nwithin = \"2h\"\n[breaker]\nsustained_for = \"1m\"\nprobe_every = \"10s\"\n";
        let config = Config::parse(&format!("{BASE}{ok}"), Path::new("weft.toml")).unwrap();
        assert_eq!(config.alerts.rules[0].name(), "error_rate");
        assert_eq!(config.alerts.rules[1].name(), "no_success");
        assert_eq!(config.breaker.probe_interval(), Duration::from_secs(10));
    }
}
