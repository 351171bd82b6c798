//! Alerts: rules from `[alerts]` (plus the built-in circuit-breaker rule) evaluated every
//! `evaluate_every` on their own thread. One alert when a condition starts (an episode), one
//! resolve when it clears; episodes are kept in the store, so a restart neither repeats nor
//! forgets them, and with several hosts on one store only the host whose call opened (or closed)
//! an episode sends its alert.

pub mod deliver;
pub mod rules;

use crate::clock::rfc3339;
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

impl Evaluator {
    /// An evaluator of `config`'s rules over `store`, sending through `notifier`.
    pub fn new(config: &Config, store: Store, notifier: Notifier, now_ms: u64) -> Evaluator {
        Evaluator {
            store,
            flows: config.flows.keys().cloned().collect(),
            rules: config.alerts.rules.clone(),
            notifier,
            started_ms: now_ms,
        }
    }

    /// One round: read every rule, open or close episodes, send the transitions. Returns them.
    pub fn round(&self, now_ms: u64) -> Result<Vec<Alert>, StoreError> {
        let episodes = self.store.alert_episodes()?;
        let readings = rules::evaluate(&self.store, &self.flows, &self.rules, now_ms, self.started_ms)?;
        // Episodes of rules or flows no longer configured end without an alert.
        for (key, episode) in &episodes {
            if !readings.iter().any(|r| &r.key() == key) {
                tracing::info!(
                    rule = episode.rule,
                    flow = episode.flow.as_deref().unwrap_or(""),
                    "alert rule no longer configured; episode closed"
                );
                self.store.close_alert_episode(key)?;
            }
        }
        let mut sent = Vec::new();
        for reading in readings {
            let Some(firing) = reading.firing else { continue };
            let key = reading.key();
            if firing == episodes.contains_key(&key) {
                continue;
            }
            let ours = if firing {
                let episode = Episode {
                    rule: reading.rule.clone(),
                    flow: reading.flow.clone(),
                    since_ms: now_ms,
                    value: reading.value,
                };
                self.store.open_alert_episode(&key, &episode)?
            } else {
                self.store.close_alert_episode(&key)?
            };
            if !ours {
                continue;
            }
            let alert = alert(reading, firing, now_ms);
            self.notifier.send(alert.clone());
            sent.push(alert);
        }
        Ok(sent)
    }
}

fn alert(reading: Reading, firing: bool, now_ms: u64) -> Alert {
    Alert {
        message: reading.message,
        rule: reading.rule,
        flow: reading.flow,
        firing,
        value: reading.value,
        threshold: reading.threshold,
        at: rfc3339(now_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ErrorClass, JobError, NewJob, Outcome, RunRecord};

    fn record(outcome: Outcome) -> RunRecord {
        RunRecord { key: "k".into(), outcome, attempts: 1, ..Default::default() }
    }

    #[test]
    fn every_rule_kind_reads_the_store_and_an_episode_alerts_once() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path()).unwrap();
        let run = store.start_run("inv", "schedule", None, 1_000).unwrap();
        store
            .add_run_records(
                run.id,
                &[
                    record(Outcome::Created),
                    record(Outcome::Dead),
                    record(Outcome::Dead),
                    record(Outcome::Dead),
                    record(Outcome::Pulled),
                ],
            )
            .unwrap();
        store.finish_run(run.id, 1_100, None).unwrap();
        let job = NewJob {
            flow: "inv".into(),
            trigger: "schedule".into(),
            key: "k".into(),
            payload: serde_json::json!({}).into(),
            dedupe_id: None,
        };
        store.enqueue(&[job], 1_000, None).unwrap();
        let leased = store.lease(None, 1_000, 60_000, 10).unwrap();
        let error = JobError::new(ErrorClass::Permanent, "no");
        store.dead_letter(&leased[0], error, 1_000).unwrap();
        store.set_paused("inv", true, 1_200).unwrap();
        let text = "[connections.a]\nplugin = \"x\"\n[connections.b]\nplugin = \"y\"\n\
                    [flows.inv]\nfrom = \"a\"\nto = \"b\"\nobject = \"customer\"\n[flows.other]\nfrom = \"a\"\nto = \"b\"\nobject = \"customer\"\n\
                    [[alerts.rules]]\nkind = \"error_rate\"\nwindow = \"1m\"\nthreshold = 0.5\nmin_records = 2\n\
                    [[alerts.rules]]\nkind = \"dead_letters\"\nabove = 0\n[[alerts.rules]]\nkind = \"paused\"\n\
                    [[alerts.rules]]\nkind = \"no_success\"\nwithin = \"1s\"\n[[alerts.rules]]\nkind = \"reconcile_drift\"\nabove = 0\n";
        let config = Config::parse(text, std::path::Path::new("weft.toml")).unwrap();
        let flows: Vec<String> = config.flows.keys().cloned().collect();
        let readings = rules::evaluate(&store, &flows, &config.alerts.rules, 2_500, 0).unwrap();
        let find = |rule: &str, flow: Option<&str>| {
            readings.iter().find(|r| r.rule == rule && r.flow.as_deref() == flow).unwrap().clone()
        };
        let rate = find("error_rate", Some("inv"));
        assert_eq!((rate.firing, rate.value), (Some(true), 0.75), "3 of 4 records failed; the pull is not a record");
        assert_eq!(find("error_rate", Some("other")).firing, None, "no records: not enough to say");
        assert_eq!(find("dead_letters", Some("inv")).firing, Some(true));
        assert_eq!(find("dead_letters", Some("other")).firing, Some(false));
        assert_eq!(find("paused", Some("inv")).firing, Some(true));
        assert_eq!(find("no_success", Some("inv")).firing, Some(true), "the only run was partial");
        assert_eq!(find("reconcile_drift", None).firing, None, "no reconciliation report to read");
        assert_eq!(find(rules::CIRCUIT_RULE, Some("inv")).firing, Some(false), "paused by a person, not the breaker");

        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let notifier = Notifier::start(None, config.alerts.format, runtime.handle()).unwrap();
        let evaluator = Evaluator::new(&config, store.clone(), notifier, 0);
        let first = evaluator.round(2_500).unwrap();
        // inv: error_rate, dead_letters, paused, no_success; other: no_success.
        assert_eq!(first.len(), 5, "{first:?}");
        assert!(first.iter().all(|a| a.firing));
        assert!(evaluator.round(3_000).unwrap().is_empty(), "one alert per episode");
        store.set_paused("inv", false, 3_100).unwrap();
        let resolved = evaluator.round(3_200).unwrap();
        assert_eq!(resolved.len(), 1);
        assert_eq!((resolved[0].rule.as_str(), resolved[0].firing), ("paused", false));
    }
}
