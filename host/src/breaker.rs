//! The circuit breaker's decisions: when failures are systemic, how long they must last, and
//! what a flow's jobs do meanwhile. The engine supplies the probes (`flow::probe`).
//!
//! ```text
//! batch with failures and no success ─▶ probe the flow's endpoints
//!   probe fine      ─▶ record-level errors: settle as usual
//!   probe systemic  ─▶ hold the jobs (rescheduled, no attempt spent)
//!                      unauthorized at once / throttled or unreachable for `sustained_for`
//!                      ─▶ pause the flow "circuit: ..." (alerted by the built-in circuit rule)
//! paused "circuit: ..." ─ every `probe_every` ─▶ probe ─▶ fine: resume
//! ```

use crate::config::BreakerConfig;
use crate::store::{ErrorClass, JobError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Prefix of the pause reason the breaker writes; only such pauses are resumed by it.
pub const REASON_PREFIX: &str = "circuit:";

/// How long a probe's answer is reused by other batches of the same endpoint.
const PROBE_TTL_MS: u64 = 1_000;

/// A failure of a whole endpoint, not of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Systemic {
    /// 401/403: the credentials are refused.
    Unauthorized,
    /// Throttled on every call.
    Throttled,
    /// No answer, transport errors, 5xx.
    Unreachable,
}

impl Systemic {
    /// Name used in pause reasons and logs.
    pub fn name(self) -> &'static str {
        match self {
            Systemic::Unauthorized => "unauthorized",
            Systemic::Throttled => "throttled",
            Systemic::Unreachable => "unreachable",
        }
    }
}

/// A probe that failed systemically: kind, endpoint and message (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFailure {
    /// What kind of failure.
    pub kind: Systemic,
    /// `shopify` or a connection name.
    pub endpoint: String,
    /// What the probe saw.
    pub message: String,
}

/// What to do with a batch's failed jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Hold jobs that failed with a possibly systemic error (no attempt spent).
    pub hold: bool,
    /// Pause the flow with this reason.
    pub open: Option<String>,
}

/// Whether an error could come from a failing endpoint rather than from the record.
pub fn may_be_systemic(error: &JobError) -> bool {
    matches!(
        error.class,
        ErrorClass::Unauthorized | ErrorClass::RateLimited | ErrorClass::Retryable | ErrorClass::Deadline
    )
}

/// Breaker state of every flow (suspicions are in memory; pauses are in the store).
pub struct Breaker {
    config: BreakerConfig,
    /// Flow → (kind, first seen ms).
    suspects: Mutex<HashMap<String, (Systemic, u64)>>,
    /// Endpoint → (probed at ms, result).
    probes: Mutex<HashMap<String, (u64, Option<ProbeFailure>)>>,
}

impl Breaker {
    /// A breaker with its config.
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker { config, suspects: Mutex::default(), probes: Mutex::default() }
    }

    /// Whether it acts at all.
    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// How often paused flows are probed.
    pub fn probe_every(&self) -> Duration {
        self.config.probe_interval()
    }

    /// The answer of a recent probe of `endpoint`, or run `probe` now and remember it.
    pub fn probe_cached(
        &self,
        endpoint: &str,
        now_ms: u64,
        probe: impl FnOnce() -> Option<ProbeFailure>,
    ) -> Option<ProbeFailure> {
        if let Some((at, result)) = lock(&self.probes).get(endpoint) {
            if now_ms.saturating_sub(*at) < PROBE_TTL_MS {
                return result.clone();
            }
        }
        let result = probe();
        lock(&self.probes).insert(endpoint.to_owned(), (now_ms, result.clone()));
        result
    }

    /// Judge a batch of `flow` from the probe of its endpoints (`None`: they answer fine).
    pub fn judge(&self, flow: &str, now_ms: u64, probe: Option<ProbeFailure>) -> Verdict {
        let mut suspects = lock(&self.suspects);
        let Some(failure) = probe else {
            suspects.remove(flow);
            return Verdict { hold: false, open: None };
        };
        let since = suspects.entry(flow.to_owned()).or_insert((failure.kind, now_ms));
        since.0 = failure.kind;
        let lasted = Duration::from_millis(now_ms.saturating_sub(since.1));
        let open = (failure.kind == Systemic::Unauthorized || lasted >= self.config.sustained())
            .then(|| format!("{REASON_PREFIX} {} at {}: {}", failure.kind.name(), failure.endpoint, failure.message));
        if open.is_some() {
            suspects.remove(flow);
        }
        Verdict { hold: true, open }
    }

    /// A batch of `flow` succeeded at least once: whatever was suspected is over.
    pub fn clear(&self, flow: &str) {
        lock(&self.suspects).remove(flow);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: Systemic) -> Option<ProbeFailure> {
        Some(ProbeFailure { kind, endpoint: "shopify".into(), message: "HTTP 503".into() })
    }

    #[test]
    fn unauthorized_opens_at_once_others_after_sustained_for() {
        let config = BreakerConfig { sustained_for: "10s".into(), ..BreakerConfig::default() };
        let breaker = Breaker::new(config);
        let v = breaker.judge("inv", 0, failure(Systemic::Unauthorized));
        assert!(
            v.hold && v.open.as_deref().is_some_and(|r| r.starts_with("circuit: unauthorized at shopify")),
            "{v:?}"
        );
        assert_eq!(breaker.judge("inv", 1_000, failure(Systemic::Unreachable)), Verdict { hold: true, open: None });
        assert_eq!(breaker.judge("inv", 9_000, failure(Systemic::Unreachable)).open, None);
        assert!(breaker.judge("inv", 11_000, failure(Systemic::Unreachable)).open.is_some());
        // A good probe in between starts the clock again.
        breaker.judge("inv", 12_000, failure(Systemic::Throttled));
        assert_eq!(breaker.judge("inv", 13_000, None), Verdict { hold: false, open: None });
        assert_eq!(breaker.judge("inv", 20_000, failure(Systemic::Throttled)).open, None);
    }

    #[test]
    fn probes_are_reused_for_a_moment() {
        let breaker = Breaker::new(BreakerConfig::default());
        let mut calls = 0;
        for now in [0, 500, 999, 1_000] {
            breaker.probe_cached("erp", now, || {
                calls += 1;
                None
            });
        }
        assert_eq!(calls, 2);
    }
}
