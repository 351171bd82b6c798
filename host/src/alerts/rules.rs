//! Evaluating alert rules against the store: one reading per (rule, flow).

use crate::breaker::REASON_PREFIX;
use crate::config::alerts::{RuleConfig, RuleKind};
use crate::store::{QueueStatus, RunFilter, RunStatus, Store, StoreError};

/// Name of the built-in rule that reports flows paused by the circuit breaker.
pub const CIRCUIT_RULE: &str = "circuit_breaker";

/// What one rule says about one flow now.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Rule name.
    pub rule: String,
    /// Flow, for per-flow rules.
    pub flow: Option<String>,
    /// Whether the condition holds; `None` when there is not enough data to say (the alert
    /// stays as it is).
    pub firing: Option<bool>,
    /// The measured value.
    pub value: f64,
    /// The rule's threshold.
    pub threshold: f64,
    /// A sentence for people.
    pub message: String,
}

impl Reading {
    /// The episode key: rule and flow.
    pub fn key(&self) -> String {
        format!("{}\u{0}{}", self.rule, self.flow.as_deref().unwrap_or(""))
    }
}

/// The drift of the latest reconciliation report: levels whose available differs, plus
/// levels on one side only; `None` before the first report.
pub fn latest_drift(store: &Store) -> Result<Option<u64>, StoreError> {
    Ok(store
        .reconcile_reports(1)?
        .first()
        .map(|r| (r.summary.drifted + r.summary.erp_only + r.summary.shopify_only) as u64))
}

/// Read every rule (and the built-in circuit rule) for every flow it covers.
pub fn evaluate(
    store: &Store,
    flows: &[String],
    rules: &[RuleConfig],
    now_ms: u64,
    started_ms: u64,
) -> Result<Vec<Reading>, StoreError> {
    let queues = store.queue_status()?;
    let empty = QueueStatus::default();
    let mut out = Vec::new();
    for flow in flows {
        let q = queues.get(flow).unwrap_or(&empty);
        let reason = q.pause_reason.as_deref().filter(|r| r.starts_with(REASON_PREFIX));
        out.push(Reading {
            rule: CIRCUIT_RULE.into(),
            flow: Some(flow.clone()),
            firing: Some(reason.is_some()),
            value: f64::from(u8::from(reason.is_some())),
            threshold: 0.0,
            message: match reason {
                Some(r) => format!("flow {flow} paused by the circuit breaker ({r})"),
                None => format!("flow {flow} is no longer paused by the circuit breaker"),
            },
        });
    }
    for rule in rules {
        if rule.kind == RuleKind::ReconcileDrift {
            out.push(drift_reading(store, rule)?);
            continue;
        }
        let covered: Vec<&String> = flows.iter().filter(|f| rule.flow.as_ref().is_none_or(|r| r == *f)).collect();
        for flow in covered {
            out.push(read_flow(store, rule, flow, queues.get(flow).unwrap_or(&empty), now_ms, started_ms)?);
        }
    }
    Ok(out)
}

/// `reconcile_drift`: the whole store, not a flow.
fn drift_reading(store: &Store, rule: &RuleConfig) -> Result<Reading, StoreError> {
    let above = rule.above.unwrap_or(0);
    let drift = latest_drift(store)?;
    Ok(Reading {
        rule: rule.name(),
        flow: None,
        firing: drift.map(|d| d > above),
        value: drift.unwrap_or(0) as f64,
        threshold: above as f64,
        message: format!("reconciliation drift: {} records (threshold {above})", drift.unwrap_or(0)),
    })
}

fn read_flow(
    store: &Store,
    rule: &RuleConfig,
    flow: &str,
    q: &QueueStatus,
    now_ms: u64,
    started_ms: u64,
) -> Result<Reading, StoreError> {
    let reading = |firing: Option<bool>, value: f64, threshold: f64, message: String| Reading {
        rule: rule.name(),
        flow: Some(flow.to_owned()),
        firing,
        value,
        threshold,
        message,
    };
    Ok(match rule.kind {
        RuleKind::ErrorRate => {
            let window = rule.window();
            let since = now_ms.saturating_sub(window.as_millis() as u64);
            let (mut failed, mut total) = (0u64, 0u64);
            for run in store.runs_since(flow, since)? {
                let (f, w) = run.failures_and_writes();
                failed += f;
                total += w;
            }
            let threshold = rule.threshold.unwrap_or(0.0);
            let rate = if total == 0 { 0.0 } else { failed as f64 / total as f64 };
            let enough = total >= rule.min_records.unwrap_or(1).max(1);
            let message = format!(
                "flow {flow}: {failed} of {total} records failed over {window:?} ({:.0}%, threshold {:.0}%)",
                rate * 100.0,
                threshold * 100.0
            );
            reading(enough.then_some(rate > threshold), rate, threshold, message)
        }
        RuleKind::DeadLetters => {
            let above = rule.above.unwrap_or(0);
            reading(
                Some(q.dead > above),
                q.dead as f64,
                above as f64,
                format!("flow {flow}: {} dead-lettered jobs (threshold {above})", q.dead),
            )
        }
        RuleKind::Paused => {
            let paused = q.paused_since_ms.is_some();
            let why = q.pause_reason.clone().unwrap_or_else(|| "by a person".into());
            let message =
                if paused { format!("flow {flow} is paused ({why})") } else { format!("flow {flow} is running") };
            reading(Some(paused), f64::from(u8::from(paused)), 0.0, message)
        }
        RuleKind::NoSuccess => {
            let within = rule.within();
            let succeeded =
                RunFilter { flow: Some(flow.to_owned()), status: Some(RunStatus::Succeeded), ..Default::default() };
            let last = store.runs(&succeeded, 1)?.pop().and_then(|r| r.ended_ms);
            // Without any successful run yet, the clock starts with this process.
            let quiet_ms = now_ms.saturating_sub(last.unwrap_or(started_ms));
            let quiet = quiet_ms as f64 / 1000.0;
            let message = format!("flow {flow}: no successful run for {quiet:.0}s (threshold {}s)", within.as_secs());
            reading(Some(quiet_ms > within.as_millis() as u64), quiet, within.as_secs_f64(), message)
        }
        RuleKind::ReconcileDrift => drift_reading(store, rule)?,
    })
}
