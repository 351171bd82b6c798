//! How much a plugin may write to the log: its log lines and what it prints to stdout/stderr
//! share one token bucket per plugin (all its instances together), so a plugin printing in a
//! loop cannot grow the log without bound. What is dropped is counted
//! (`weft_plugin_log_dropped_total`) and said in the log at most once per [`NOTICE_EVERY`].

use crate::metrics::Metrics;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Lines a plugin may write at once after a quiet spell.
pub const BURST_LINES: f64 = 1000.0;
/// Lines per second a plugin may write over time.
pub const LINES_PER_SECOND: f64 = 100.0;
/// Least time between two notices that lines were dropped.
const NOTICE_EVERY: Duration = Duration::from_secs(10);

struct Bucket {
    tokens: f64,
    refilled: Instant,
    noticed: Option<Instant>,
    dropped_since_notice: u64,
}

/// The log budget of one plugin.
pub struct Chatter {
    plugin: Arc<str>,
    bucket: Mutex<Bucket>,
    dropped: AtomicU64,
    metrics: OnceLock<Arc<Metrics>>,
}

impl Chatter {
    /// A full budget for `plugin`.
    pub fn new(plugin: &str) -> Chatter {
        let bucket = Bucket { tokens: BURST_LINES, refilled: Instant::now(), noticed: None, dropped_since_notice: 0 };
        Chatter {
            plugin: Arc::from(plugin),
            bucket: Mutex::new(bucket),
            dropped: AtomicU64::new(0),
            metrics: OnceLock::new(),
        }
    }

    /// Count dropped lines in `metrics` too.
    pub fn report_to(&self, metrics: Arc<Metrics>) {
        let _ = self.metrics.set(metrics);
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Whether one more line may be written now; a refused line is counted as dropped.
    pub fn allow(&self) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(b.refilled).as_secs_f64() * LINES_PER_SECOND;
        b.tokens = (b.tokens + refill).min(BURST_LINES);
        b.refilled = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            return true;
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
        if let Some(metrics) = self.metrics.get() {
            metrics.plugin_log_dropped(&self.plugin);
        }
        b.dropped_since_notice += 1;
        if b.noticed.is_none_or(|t| now.duration_since(t) >= NOTICE_EVERY) {
            tracing::warn!(
                target: "weft::plugin",
                plugin = %self.plugin,
                dropped = b.dropped_since_notice,
                "plugin writes more than {LINES_PER_SECOND} log lines per second; dropping lines"
            );
            b.noticed = Some(now);
            b.dropped_since_notice = 0;
        }
        false
    }
}
