//! Prometheus metrics of `weft serve` (`GET /metrics`: OpenMetrics or the classic text format,
//! as the scraper's `Accept` asks, see [`format`]).
//!
//! One [`Metrics`] is created per process and shared by the flow engine, the plugin host and the
//! HTTP server. Counters and histograms move where the work happens; queue depth, dead letters,
//! pauses and the Shopify client's own counters are read at scrape time.

use crate::shopify::ClientStats;
use crate::store::{ErrorClass, Outcome, QueueStatus, RunRecord};
use prometheus_client::encoding::{text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

pub mod format;

pub use format::Format;

/// Labels `shop`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ShopLabels {
    /// Shop name (`shopify` for the `[shopify]` section).
    pub shop: String,
}

/// Labels `flow`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FlowLabels {
    /// Flow name.
    pub flow: String,
}

/// Labels `flow`, `outcome`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// Flow name.
    pub flow: String,
    /// `created`, `updated`, `unchanged`, `skipped`, `shadowed`, `retried`, `dead_lettered`,
    /// `failed` or `held` (by the circuit breaker).
    pub outcome: String,
}

/// Labels `plugin`, `call`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// Plugin id.
    pub plugin: String,
    /// Function called (`pull`, `push`, `apply`, ...).
    pub call: String,
}

/// Labels `plugin`, `class`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TrapLabels {
    /// Plugin id.
    pub plugin: String,
    /// Failure class (`trap`, `deadline`, `memory_limit`, ...).
    pub class: String,
}

/// Labels `plugin`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PluginLabels {
    /// Plugin id.
    pub plugin: String,
}

/// Labels `source` (`shopify` or an ERP connection name).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// Where the webhook came from.
    pub source: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn run_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 16))
}

fn call_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 18))
}

/// Every metric weft exports.
pub struct Metrics {
    registry: Registry,
    records: Family<OutcomeLabels, Counter>,
    run_duration: HistogramFamily<FlowLabels>,
    queue_depth: Family<FlowLabels, Gauge>,
    dead_letters: Family<FlowLabels, Gauge>,
    paused: Family<FlowLabels, Gauge>,
    shopify_cost: Family<ShopLabels, Counter<f64, AtomicU64>>,
    shopify_available: Family<ShopLabels, Gauge<f64, AtomicU64>>,
    shopify_throttled: Family<ShopLabels, Counter>,
    shopify_media_uploads: Family<ShopLabels, Counter>,
    plugin_calls: HistogramFamily<CallLabels>,
    plugin_traps: Family<TrapLabels, Counter>,
    plugin_log_dropped: Family<PluginLabels, Counter>,
    plugin_memory_peak: Family<PluginLabels, Gauge>,
    webhook_receipts: Family<SourceLabels, Counter>,
    webhook_duplicates: Family<SourceLabels, Counter>,
    webhook_rejections: Family<SourceLabels, Counter>,
    /// Serialises scrapes (the scrape-time values are written, then encoded).
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The `outcome` label of a run record's outcome; `None` for a pull or a prune (not a record).
pub fn outcome_label(outcome: Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Created => Some("created"),
        Outcome::Updated => Some("updated"),
        Outcome::Unchanged => Some("unchanged"),
        Outcome::Skipped => Some("skipped"),
        Outcome::Shadowed => Some("shadowed"),
        Outcome::Retrying => Some("retried"),
        Outcome::Dead => Some("dead_lettered"),
        Outcome::Failed => Some("failed"),
        Outcome::Held => Some("held"),
        Outcome::Pulled | Outcome::Pruned => None,
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("weft");
        let m = Metrics {
            records: Family::default(),
            run_duration: Family::new_with_constructor(run_histogram),
            queue_depth: Family::default(),
            dead_letters: Family::default(),
            paused: Family::default(),
            shopify_cost: Family::default(),
            shopify_available: Family::default(),
            shopify_throttled: Family::default(),
            shopify_media_uploads: Family::default(),
            plugin_calls: Family::new_with_constructor(call_histogram),
            plugin_traps: Family::default(),
            plugin_log_dropped: Family::default(),
            plugin_memory_peak: Family::default(),
            webhook_receipts: Family::default(),
            webhook_duplicates: Family::default(),
            webhook_rejections: Family::default(),
            scrape: Mutex::new(()),
            registry: Registry::default(),
        };
        registry.register("records", "Records processed per flow and outcome (created, updated, unchanged, skipped, shadowed, retried, dead_lettered, failed, held)", m.records.clone());
        registry.register_with_unit(
            "run_duration",
            "Duration of one run (batch) of a flow",
            Unit::Seconds,
            m.run_duration.clone(),
        );
        registry.register("queue_depth", "Jobs waiting or in progress per flow", m.queue_depth.clone());
        registry.register("dead_letters", "Dead-lettered jobs (not discarded) per flow", m.dead_letters.clone());
        registry.register("flow_paused", "1 when the flow's queue is paused", m.paused.clone());
        registry.register(
            "shopify_cost_spent",
            "Shopify GraphQL cost points charged (actualQueryCost)",
            m.shopify_cost.clone(),
        );
        registry.register(
            "shopify_cost_available",
            "Shopify cost points currently available (last throttleStatus)",
            m.shopify_available.clone(),
        );
        registry.register("shopify_throttled", "THROTTLED answers received from Shopify", m.shopify_throttled.clone());
        registry.register(
            "shopify_media_uploads",
            "Images sent to Shopify (an unchanged image is never sent again)",
            m.shopify_media_uploads.clone(),
        );
        registry.register_with_unit(
            "plugin_call_duration",
            "Latency of one plugin call",
            Unit::Seconds,
            m.plugin_calls.clone(),
        );
        registry.register(
            "plugin_traps",
            "Plugin calls that failed as a whole (trap, deadline, memory limit...)",
            m.plugin_traps.clone(),
        );
        registry.register(
            "plugin_log_dropped",
            "Plugin log and stdout/stderr lines dropped by the per-plugin rate limit",
            m.plugin_log_dropped.clone(),
        );
        registry.register_with_unit(
            "plugin_memory_peak",
            "Most linear memory one instance of the plugin has held since the host started",
            Unit::Bytes,
            m.plugin_memory_peak.clone(),
        );
        registry.register("webhook_receipts", "Webhook deliveries received", m.webhook_receipts.clone());
        registry.register(
            "webhook_duplicates",
            "Webhook deliveries whose id was already received",
            m.webhook_duplicates.clone(),
        );
        registry.register(
            "webhook_rejections",
            "Webhook deliveries refused (bad signature, malformed)",
            m.webhook_rejections.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Count the records of one run and observe its duration.
    pub fn observe_run(&self, flow: &str, records: &[RunRecord], elapsed: Duration) {
        for record in records {
            if let Some(outcome) = outcome_label(record.outcome) {
                self.records.get_or_create(&OutcomeLabels { flow: flow.to_owned(), outcome: outcome.to_owned() }).inc();
            }
        }
        self.run_duration.get_or_create(&FlowLabels { flow: flow.to_owned() }).observe(elapsed.as_secs_f64());
    }

    /// Observe one plugin call; `failure` is the class of a whole-call failure.
    pub fn observe_plugin_call(&self, plugin: &str, call: &str, elapsed: Duration, failure: Option<ErrorClass>) {
        self.plugin_calls
            .get_or_create(&CallLabels { plugin: plugin.to_owned(), call: call.to_owned() })
            .observe(elapsed.as_secs_f64());
        if let Some(class) = failure {
            self.plugin_traps
                .get_or_create(&TrapLabels { plugin: plugin.to_owned(), class: class.name().to_owned() })
                .inc();
        }
    }

    /// An instance of `plugin` holds `bytes` of linear memory: kept when it is the most yet.
    pub fn observe_plugin_memory(&self, plugin: &str, bytes: usize) {
        let gauge = self.plugin_memory_peak.get_or_create(&PluginLabels { plugin: plugin.to_owned() });
        gauge.inner().fetch_max(i64::try_from(bytes).unwrap_or(i64::MAX), std::sync::atomic::Ordering::Relaxed);
    }

    /// A log line of `plugin` was dropped by its rate limit.
    pub fn plugin_log_dropped(&self, plugin: &str) {
        self.plugin_log_dropped.get_or_create(&PluginLabels { plugin: plugin.to_owned() }).inc();
    }

    /// A webhook delivery arrived from `source`.
    pub fn webhook_received(&self, source: &str) {
        self.webhook_receipts.get_or_create(&SourceLabels { source: source.to_owned() }).inc();
    }

    /// A webhook delivery from `source` was a duplicate.
    pub fn webhook_duplicate(&self, source: &str) {
        self.webhook_duplicates.get_or_create(&SourceLabels { source: source.to_owned() }).inc();
    }

    /// A webhook delivery from `source` was refused.
    pub fn webhook_rejected(&self, source: &str) {
        self.webhook_rejections.get_or_create(&SourceLabels { source: source.to_owned() }).inc();
    }

    /// The scrape in `format`, with queue state (every configured flow, zero when empty) and
    /// each shop's Shopify client counters taken now.
    pub fn render<'a>(
        &self,
        format: Format,
        flows: impl Iterator<Item = &'a String>,
        queues: &BTreeMap<String, QueueStatus>,
        shops: Vec<(String, ClientStats)>,
    ) -> String {
        let _guard = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        let empty = QueueStatus::default();
        for flow in flows {
            let q = queues.get(flow).unwrap_or(&empty);
            let labels = FlowLabels { flow: flow.clone() };
            self.queue_depth.get_or_create(&labels).set((q.ready + q.leased) as i64);
            self.dead_letters.get_or_create(&labels).set(q.dead as i64);
            self.paused.get_or_create(&labels).set(i64::from(q.paused_since_ms.is_some()));
        }
        for (shop, stats) in shops {
            // The client counts on its own; the exported counters follow it (never backwards).
            let labels = ShopLabels { shop };
            let cost = self.shopify_cost.get_or_create(&labels);
            let spent = stats.cost_spent as f64;
            if spent > cost.get() {
                cost.inc_by(spent - cost.get());
            }
            let throttled = self.shopify_throttled.get_or_create(&labels);
            throttled.inc_by(stats.throttled.saturating_sub(throttled.get()));
            let uploads = self.shopify_media_uploads.get_or_create(&labels);
            uploads.inc_by(stats.media_uploads.saturating_sub(uploads.get()));
            if let Some(available) = stats.cost_available {
                self.shopify_available.get_or_create(&labels).set(available as f64);
            }
        }
        let mut out = String::new();
        if let Err(e) = text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode metrics: {e}");
        }
        match format {
            Format::OpenMetrics => out,
            Format::Classic => format::classic(&out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_labels_and_pulls_are_not_records() {
        assert_eq!(outcome_label(Outcome::Created), Some("created"));
        assert_eq!(outcome_label(Outcome::Dead), Some("dead_lettered"));
        assert_eq!(outcome_label(Outcome::Pulled), None);
        let m = Metrics::new();
        let record = |outcome: Outcome| RunRecord { key: "k".into(), outcome, attempts: 1, ..Default::default() };
        m.observe_run(
            "inv",
            &[
                record(Outcome::Created),
                record(Outcome::Updated),
                record(Outcome::Updated),
                record(Outcome::Pulled),
                record(Outcome::Dead),
            ],
            Duration::from_millis(3),
        );
        let text = m.render(Format::OpenMetrics, ["inv".to_owned()].iter(), &BTreeMap::new(), Vec::new());
        assert!(text.contains("weft_records_total{flow=\"inv\",outcome=\"created\"} 1"), "{text}");
        assert!(text.contains("weft_records_total{flow=\"inv\",outcome=\"updated\"} 2"), "{text}");
        assert!(text.contains("weft_records_total{flow=\"inv\",outcome=\"dead_lettered\"} 1"), "{text}");
        assert!(text.contains("weft_queue_depth{flow=\"inv\"} 0"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
