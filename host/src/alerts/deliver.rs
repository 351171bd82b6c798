//! Sending alerts: always to the log, and to `[alerts] webhook_url` (generic JSON or Slack's
//! `{"text": ...}`) in order, each retried with exponential backoff. The URL may carry a
//! token, so logs show only its scheme and host.

use crate::config::alerts::AlertFormat;
use crate::config::Secret;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::mpsc;

/// Attempts per delivery.
const ATTEMPTS: u32 = 6;
/// First backoff step (doubles per attempt).
const BACKOFF: Duration = Duration::from_millis(250);
/// Deadline of one POST.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One alert transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// A sentence for people.
    pub message: String,
    /// Rule name.
    pub rule: String,
    /// Flow, for per-flow rules.
    pub flow: Option<String>,
    /// `true` when it starts, `false` when it resolves.
    pub firing: bool,
    /// Measured value.
    pub value: f64,
    /// The rule's threshold.
    pub threshold: f64,
    /// When (RFC 3339).
    pub at: String,
}

impl Alert {
    fn state(&self) -> &'static str {
        if self.firing {
            "firing"
        } else {
            "resolved"
        }
    }

    /// The body posted in `format`.
    pub fn body(&self, format: AlertFormat) -> Value {
        match format {
            AlertFormat::Json => json!({
                "alert": self.message,
                "rule": self.rule,
                "flow": self.flow,
                "state": self.state(),
                "value": self.value,
                "threshold": self.threshold,
                "at": self.at,
            }),
            AlertFormat::Slack => {
                let mark = if self.firing { ":rotating_light: FIRING" } else { ":white_check_mark: RESOLVED" };
                json!({"text": format!("{mark} [{}] {}", self.rule, self.message)})
            }
        }
    }
}

/// `scheme://host[:port]/…`: what a log may say about a URL that can carry a token.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let rest = if u.path() != "/" || u.query().is_some() { "/…" } else { "" };
            format!("{}://{}{port}{rest}", u.scheme(), u.host_str().unwrap_or("?"))
        }
        Err(_) => "(unparseable URL)".into(),
    }
}

/// The sender: logs every alert and queues it for the webhook.
pub struct Notifier {
    queue: Option<mpsc::UnboundedSender<Alert>>,
}

impl Notifier {
    /// A notifier posting to `url` from a task on `runtime` (only logging without a URL).
    pub fn start(
        url: Option<Secret>,
        format: AlertFormat,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Notifier, String> {
        let Some(url) = url else { return Ok(Notifier { queue: None }) };
        let client = reqwest::Client::builder().timeout(TIMEOUT).build().map_err(|e| format!("alerts: {e}"))?;
        let (tx, mut rx) = mpsc::unbounded_channel::<Alert>();
        runtime.spawn(async move {
            while let Some(alert) = rx.recv().await {
                post(&client, &url, format, &alert).await;
            }
        });
        Ok(Notifier { queue: Some(tx) })
    }

    /// Log `alert` and queue it for the webhook.
    pub fn send(&self, alert: Alert) {
        let flow = alert.flow.as_deref().unwrap_or("");
        if alert.firing {
            tracing::warn!(
                rule = alert.rule,
                flow,
                value = alert.value,
                threshold = alert.threshold,
                "ALERT firing: {}",
                alert.message
            );
        } else {
            tracing::info!(
                rule = alert.rule,
                flow,
                value = alert.value,
                threshold = alert.threshold,
                "ALERT resolved: {}",
                alert.message
            );
        }
        if let Some(queue) = &self.queue {
            if queue.send(alert).is_err() {
                tracing::error!("alert delivery task is gone; the alert was only logged");
            }
        }
    }
}

async fn post(client: &reqwest::Client, url: &Secret, format: AlertFormat, alert: &Alert) {
    let body = alert.body(format);
    let shown = redact_url(url.expose());
    for attempt in 0..ATTEMPTS {
        match client.post(url.expose()).json(&body).send().await {
            Ok(r) if r.status().is_success() => {
                tracing::debug!(url = shown, rule = alert.rule, "alert delivered");
                return;
            }
            Ok(r) => tracing::warn!(url = shown, status = r.status().as_u16(), attempt, "alert delivery refused"),
            Err(e) => tracing::warn!(url = shown, attempt, "alert delivery failed: {}", e.without_url()),
        }
        tokio::time::sleep(BACKOFF * 2u32.pow(attempt)).await;
    }
    tracing::error!(
        url = shown,
        rule = alert.rule,
        "alert not delivered after {ATTEMPTS} attempts (it is in this log)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_path_and_query_in_logs_and_bodies_have_both_shapes() {
        assert_eq!(redact_url("https://hooks.slack.com/services/T0/B0/secret"), "https://hooks.slack.com/…");
        assert_eq!(redact_url("http://127.0.0.1:9000/?token=abc"), "http://127.0.0.1:9000/…");
        assert_eq!(redact_url("http://alerts.example"), "http://alerts.example");
        let alert = Alert {
            message: "m".into(),
            rule: "r".into(),
            flow: Some("f".into()),
            firing: false,
            value: 0.5,
            threshold: 0.2,
            at: "t".into(),
        };
        assert_eq!(alert.body(AlertFormat::Json)["state"], "resolved");
        assert!(alert.body(AlertFormat::Slack)["text"].as_str().unwrap().contains("RESOLVED [r] m"));
    }
}
