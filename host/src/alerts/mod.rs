//! Alerts: rules from `[alerts]` (plus the built-in circuit-breaker rule) evaluated every
//! `evaluate_every` on their own thread. One alert when a condition starts (an episode), one
//! resolve when it clears; episodes are kept in the store, so a restart neither repeats nor
//! forgets them.

pub mod deliver;
pub mod rules;

use crate::config::Config;
use crate::store::{Episode, Store, StoreError};
use deliver::{Alert, Notifier};
use rules::Reading;

/// Evaluates rules and sends transitions.
pub struct Evaluator {
    store: Store,
    flows: Vec<String>,
    rules: Vec<crate::config::alerts::RuleConfig>,
    notifier: Notifier,
    started_ms: u64,
}

fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default()
}

impl Evaluator {
    /// An evaluator of `config`'s rules over `store`, sending through `notifier`.
    pub fn new(config: &Config, store: Store, notifier: Notifier, now_ms: u64) -> Evaluator {
        Evaluator { store, flows: config.flows.keys().cloned().collect(), rules: config.alerts.rules.clone(), notifier, started_ms: now_ms }
    }

    /// One round: read every rule, open or close episodes, send the transitions. Returns them.
    pub fn round(&self, now_ms: u64) -> Result<Vec<Alert>, StoreError> {
        let episodes = self.store.alert_episodes()?;
        let mut sent = Vec::new();
        for reading in rules::evaluate(&self.store, &self.flows, &self.rules, now_ms, self.started_ms)? {
            let Some(firing) = reading.firing else { continue };
            let key = reading.key();
            if firing == episodes.contains_key(&key) {
                continue;
            }
            if firing {
                let episode = Episode { rule: reading.rule.clone(), flow: reading.flow.clone(), since_ms: now_ms, value: reading.value };
                self.store.open_alert_episode(&key, &episode)?;
            } else {
                self.store.close_alert_episode(&key)?;
            }
            let alert = alert(reading, firing, now_ms);
            self.notifier.send(alert.clone());
            sent.push(alert);
        }
        Ok(sent)
    }
}

fn alert(reading: Reading, firing: bool, now_ms: u64) -> Alert {
    Alert { message: reading.message, rule: reading.rule, flow: reading.flow, firing, value: reading.value, threshold: reading.threshold, at: rfc3339(now_ms) }
}
