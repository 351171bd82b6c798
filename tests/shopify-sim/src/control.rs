//! The control API under `/_sim/` (JSON), and the functions behind it that in-process tests
//! call directly through [`crate::SimHandle`].

use crate::bucket::Plan;
use crate::faults::FaultRule;
use crate::store::seed::Seed;
use crate::{lock, Shared};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the simulator has seen, for tests and benchmarks.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    /// GraphQL requests received (including rejected and faulted ones).
    pub requests: u64,
    /// Sum of actual query costs charged.
    pub cost_spent: u64,
    /// THROTTLED responses sent (real or injected).
    pub throttled: u64,
    /// Requests answered by an injected fault.
    pub faults_injected: u64,
    /// Successful writes per mutation name (idempotent replays don't count).
    pub writes: BTreeMap<String, u64>,
    pub webhooks_delivered: u64,
    pub webhooks_failed_attempts: u64,
    pub webhooks_dropped: u64,
    pub webhooks_duplicated: u64,
    /// Webhook subscriptions deleted by Shopify (8 consecutive failures or the control API).
    pub webhook_subscriptions_deleted: u64,
    /// Files received by staged upload targets (a client that skips unchanged images keeps it still).
    pub staged_uploads: u64,
    pub staged_upload_bytes: u64,
    /// JSONL lines bulk mutations executed (injected line errors included).
    pub bulk_mutation_lines: u64,
}

/// Replaces the store with `seed`; clears faults, counters and idempotency keys, refills the bucket.
pub fn seed(shared: &Shared, seed: &Seed) -> Result<(), String> {
    let mut store = crate::store::Store::default();
    store.load_seed(seed, &shared.config.shop_currency)?;
    *lock(&shared.store) = store;
    lock(&shared.faults).clear();
    *lock(&shared.counters) = Counters::default();
    let plan = lock(&shared.bucket).plan();
    *lock(&shared.bucket) = crate::bucket::Bucket::new(plan);
    Ok(())
}

/// The store as JSON.
pub fn state(shared: &Shared) -> Json {
    serde_json::to_value(&*lock(&shared.store)).unwrap_or(Json::Null)
}

/// A storefront checkout that fires its webhooks.
pub fn place_order(shared: &Arc<Shared>, email: Option<&str>, lines: &[(String, i64)]) -> Result<u64, String> {
    crate::control_actors::place_checkout(shared, &crate::resolve::checkout::Checkout::simple(email, lines))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanRequest {
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    maximum_available: Option<f64>,
    #[serde(default)]
    restore_rate: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketRequest {
    currently_available: f64,
}

/// Parses a JSON request body (400 with the reason when it does not fit).
pub fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, (u16, Json)> {
    serde_json::from_slice(body).map_err(|e| (400, json!({"error": format!("invalid request body: {e}")})))
}

/// Serves one control request: (HTTP status, JSON body).
pub fn handle(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> (u16, Json) {
    match route(shared, method, path, body) {
        Ok(v) => (200, v),
        Err(e) => e,
    }
}

fn route(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Result<Json, (u16, Json)> {
    let ok = json!({"ok": true});
    match (method, path) {
        ("GET", "/_sim/state") => Ok(state(shared)),
        ("POST", "/_sim/seed") => {
            let s: Seed = parse(body)?;
            seed(shared, &s).map_err(|e| (400, json!({"error": e})))?;
            Ok(ok)
        }
        ("POST", "/_sim/reset") => {
            seed(shared, &shared.config.seed).map_err(|e| (500, json!({"error": e})))?;
            Ok(ok)
        }
        ("GET", "/_sim/counters") => Ok(serde_json::to_value(&*lock(&shared.counters)).unwrap_or(Json::Null)),
        ("POST", "/_sim/counters/reset") => {
            *lock(&shared.counters) = Counters::default();
            Ok(ok)
        }
        ("GET", "/_sim/faults") => Ok(serde_json::to_value(lock(&shared.faults).rules()).unwrap_or(Json::Null)),
        ("POST", "/_sim/faults") => {
            let rule: FaultRule = parse(body)?;
            lock(&shared.faults).add(rule);
            Ok(ok)
        }
        ("DELETE", "/_sim/faults") => {
            lock(&shared.faults).clear();
            Ok(ok)
        }
        ("POST", "/_sim/plan") => {
            let req: PlanRequest = parse(body)?;
            let plan = match (req.plan.as_deref(), req.maximum_available, req.restore_rate) {
                (Some(name), None, None) => Plan::by_name(name).ok_or_else(|| {
                    (400, json!({"error": format!("unknown plan {name:?} (standard, advanced, plus)")}))
                })?,
                (None, Some(maximum_available), Some(restore_rate))
                    if maximum_available > 0.0 && restore_rate > 0.0 =>
                {
                    Plan { maximum_available, restore_rate }
                }
                _ => {
                    return Err((
                        400,
                        json!({"error": "give either plan, or positive maximum_available and restore_rate"}),
                    ))
                }
            };
            lock(&shared.bucket).set_plan(plan);
            Ok(ok)
        }
        ("POST", "/_sim/bucket") => {
            let req: BucketRequest = parse(body)?;
            lock(&shared.bucket).set_available(req.currently_available);
            Ok(ok)
        }
        ("GET", "/_sim/webhooks/deliveries") => Ok(serde_json::to_value(shared.webhooks.log()).unwrap_or(Json::Null)),
        _ => crate::control_platform::route(shared, method, path, body)
            .or_else(|| crate::control_actors::route(shared, method, path, body))
            .unwrap_or_else(|| Err((404, json!({"error": format!("no control endpoint {method} {path}")})))),
    }
}
