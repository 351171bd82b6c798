//! The engine's side of the circuit breaker: probing a flow's endpoints (a cheap `shop { name }`
//! for Shopify, `check()` for a connector), holding jobs while an endpoint is down, and
//! resuming flows the breaker paused once their probes succeed.

use super::FlowEngine;
use crate::breaker::{may_be_systemic, ProbeFailure, Systemic, REASON_PREFIX};
use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::block_on;
use crate::model::PluginError;
use crate::plugin::CallError;
use crate::shopify::client::Retry;
use crate::shopify::{queries, Priority, ShopifyError};
use crate::store::{Job, JobError, StoreError};

impl FlowEngine {
    /// Probe both endpoints of `flow_name`; the first systemic failure, if any.
    pub fn probe_flow(&self, flow_name: &str) -> Option<ProbeFailure> {
        let flow = self.flow(flow_name)?;
        [&flow.from, &flow.to].into_iter().find_map(|endpoint| self.probe_endpoint(flow, endpoint))
    }

    fn probe_endpoint(&self, flow: &FlowConfig, endpoint: &Endpoint) -> Option<ProbeFailure> {
        let failure =
            |kind: Systemic, message: String| Some(ProbeFailure { kind, endpoint: endpoint.to_string(), message });
        if endpoint.is_shopify() {
            let (_, client) = self.shop_of(flow).ok()?;
            let answer = block_on(client.execute_with(
                &queries::SHOP_NAME,
                serde_json::json!({}),
                Priority::Orders,
                Retry::ThrottledOnly,
            ));
            return match answer {
                Ok(_) => None,
                Err(e @ ShopifyError::Unauthorized { .. }) => failure(Systemic::Unauthorized, e.to_string()),
                Err(e @ ShopifyError::Throttled { .. }) => failure(Systemic::Throttled, e.to_string()),
                Err(e) if e.is_retryable() => failure(Systemic::Unreachable, e.to_string()),
                Err(_) => None,
            };
        }
        let mut session = match self.connector(endpoint) {
            Ok(s) => s,
            Err(e) => return failure(Systemic::Unreachable, e.message),
        };
        match session.check() {
            Ok(Ok(())) => None,
            Ok(Err(PluginError::Unauthorized(m))) => failure(Systemic::Unauthorized, m),
            Ok(Err(PluginError::RateLimited(ms))) => failure(Systemic::Throttled, format!("retry after {ms} ms")),
            Ok(Err(PluginError::Retryable(m))) => failure(Systemic::Unreachable, m),
            Ok(Err(_)) => None,
            Err(e @ CallError::Deadline { .. }) => failure(Systemic::Unreachable, e.to_string()),
            Err(_) => None,
        }
    }

    /// Judge a settled-to-be batch of `flow_name` whose failures came from `endpoint` (the
    /// source for pulls, the destination for pushes): `true` when its possibly-systemic
    /// failures must be held. Pauses the flow when the breaker opens.
    pub(super) fn breaker_holds<'a>(
        &self,
        flow_name: &str,
        endpoint: &Endpoint,
        errors: impl IntoIterator<Item = &'a JobError>,
        successes: usize,
    ) -> bool {
        if !self.breaker.enabled() {
            return false;
        }
        if successes > 0 {
            self.breaker.clear(flow_name);
            return false;
        }
        if !errors.into_iter().any(may_be_systemic) {
            return false;
        }
        let now = self.queue.clock().now_ms();
        let Some(flow) = self.flow(flow_name) else { return false };
        // Each shop is probed on its own: one shop down says nothing of another.
        let probed = match (endpoint, self.config.shop_of(flow)) {
            (Endpoint::Shopify, Some(shop)) => crate::config::shops::shop_section(shop),
            _ => endpoint.name().to_owned(),
        };
        let probe = self.breaker.probe_cached(&probed, now, || self.probe_endpoint(flow, endpoint));
        let verdict = self.breaker.judge(flow_name, now, probe);
        if let Some(reason) = &verdict.open {
            match self.queue.store().pause_for(flow_name, reason, now) {
                Ok(true) => {
                    tracing::error!(flow = flow_name, reason, "circuit open: flow paused until a probe succeeds")
                }
                Ok(false) => {}
                Err(e) => tracing::error!(flow = flow_name, "circuit open but the pause was not stored: {e}"),
            }
        } else if verdict.hold {
            tracing::warn!(flow = flow_name, "endpoint failing systemically: jobs held without spending attempts");
        }
        verdict.hold
    }

    /// Put a job back without counting the attempt, due after one probe interval.
    pub(super) fn hold(&self, job: &Job, error: JobError) -> Result<(), StoreError> {
        let mut job = job.clone();
        job.attempts = job.attempts.saturating_sub(1);
        let due = self.queue.clock().now_ms() + self.breaker.probe_every().as_millis() as u64;
        self.queue.store().reschedule(&job, error, due)
    }

    /// Probe every flow the breaker paused; resume those whose endpoints answer. Returns the
    /// flows resumed.
    pub fn probe_open_circuits(&self) -> Result<Vec<String>, StoreError> {
        let mut resumed = Vec::new();
        for (flow, status) in self.queue.store().queue_status()? {
            if !status.pause_reason.as_deref().is_some_and(|r| r.starts_with(REASON_PREFIX)) {
                continue;
            }
            match self.probe_flow(&flow) {
                None => {
                    if self.queue.store().resume_if(&flow, REASON_PREFIX)? {
                        tracing::info!(flow, "circuit closed: probe succeeded, flow resumed");
                        resumed.push(flow);
                    }
                }
                Some(failure) => {
                    tracing::info!(flow, endpoint = failure.endpoint, kind = failure.kind.name(), "circuit still open")
                }
            }
        }
        Ok(resumed)
    }
}
