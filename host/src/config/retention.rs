//! `[retention]`: how long what grows with use is kept, and how often `weft serve` prunes it.

use super::flow::parse_interval;
use crate::store::Aged;
use serde::Deserialize;
use std::time::Duration;

/// Shopify redelivers a webhook up to 8 times over 4 hours: receipts must outlive that, or a
/// late redelivery would be taken for a new event.
pub const SHOPIFY_REDELIVERY_WINDOW: Duration = Duration::from_secs(4 * 3600);

/// `[retention]`: ages as intervals (`"48h"`, `"30d"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Webhook ids remembered for dedupe (at least 4h, Shopify's redelivery window).
    #[serde(default = "default_receipts")]
    pub webhook_receipts: String,
    /// Runs and their records (the lineage and search of `weft runs`, the dashboard).
    #[serde(default = "default_month")]
    pub runs: String,
    /// Undo logs: `weft runs revert` works on runs younger than this.
    #[serde(default = "default_month")]
    pub undo_log: String,
    /// Shadow-mode intents not renewed since.
    #[serde(default = "default_month")]
    pub intents: String,
    /// Reconciliation reports.
    #[serde(default = "default_quarter")]
    pub reconcile_reports: String,
    /// Dead letters a person discarded (the others are kept until someone decides).
    #[serde(default = "default_month")]
    pub discarded_dead_letters: String,
    /// Ledger entries superseded by a newer write of the same record (the newest is kept).
    #[serde(default = "default_month")]
    pub superseded_ledger: String,
    /// The API calls kept with runs (payloads: larger than run records, so kept shorter).
    #[serde(default = "default_week")]
    pub api_calls: String,
    /// How often `weft serve` prunes.
    #[serde(default = "default_every")]
    pub every: String,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            webhook_receipts: default_receipts(),
            runs: default_month(),
            undo_log: default_month(),
            intents: default_month(),
            reconcile_reports: default_quarter(),
            discarded_dead_letters: default_month(),
            superseded_ledger: default_month(),
            api_calls: default_week(),
            every: default_every(),
        }
    }
}

fn default_receipts() -> String {
    "48h".into()
}
fn default_week() -> String {
    "7d".into()
}
fn default_month() -> String {
    "30d".into()
}
fn default_quarter() -> String {
    "90d".into()
}
fn default_every() -> String {
    "1h".into()
}

impl RetentionConfig {
    /// The setting of `table`, as written (`"30d"`).
    pub fn setting(&self, table: Aged) -> &str {
        match table {
            Aged::WebhookReceipts => &self.webhook_receipts,
            Aged::Runs => &self.runs,
            Aged::UndoLog => &self.undo_log,
            Aged::Intents => &self.intents,
            Aged::ReconcileReports => &self.reconcile_reports,
            Aged::DiscardedDeadLetters => &self.discarded_dead_letters,
            Aged::SupersededLedger => &self.superseded_ledger,
            Aged::ApiCalls => &self.api_calls,
        }
    }

    /// How long `table` keeps its entries; the error is (key, reason).
    pub fn keep(&self, table: Aged) -> Result<Duration, (String, String)> {
        parse_interval(self.setting(table)).map_err(|r| (format!("retention.{}", table.name()), r))
    }

    /// How often `weft serve` prunes.
    pub fn interval(&self) -> Duration {
        parse_interval(&self.every).unwrap_or(Duration::from_secs(3600))
    }

    /// Check every value; the error is (key, reason).
    pub fn validate(&self) -> Result<(), (String, String)> {
        for table in Aged::ALL {
            self.keep(table)?;
        }
        if self.keep(Aged::WebhookReceipts)? < SHOPIFY_REDELIVERY_WINDOW {
            return Err((
                "retention.webhook_receipts".into(),
                format!(
                    "`{}` is shorter than Shopify's redelivery window (8 retries over 4h): a late redelivery would be taken for a new event",
                    self.webhook_receipts
                ),
            ));
        }
        parse_interval(&self.every).map_err(|r| ("retention.every".to_owned(), r))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_must_outlive_shopifys_redelivery_window() {
        let short = RetentionConfig { webhook_receipts: "3h".into(), ..RetentionConfig::default() };
        assert_eq!(short.validate().unwrap_err().0, "retention.webhook_receipts");
        let bad = RetentionConfig { runs: "a week".into(), ..RetentionConfig::default() };
        assert_eq!(bad.validate().unwrap_err().0, "retention.runs");
        assert!(RetentionConfig::default().validate().is_ok());
        assert_eq!(RetentionConfig::default().keep(Aged::WebhookReceipts).unwrap(), Duration::from_secs(48 * 3600));
    }
}
