//! Operations on the queue and run log, shared by the admin API and the CLI (which uses the
//! database directly when no `weft serve` holds it, and the admin API when one does).

use crate::config::{Config, FlowConfig, RetentionConfig};
use crate::plugin::{LoadedPlugin, PluginHost};
use crate::store::{Aged, Outcome, RunFilter, RunStatus, Store, StoreError};
use serde_json::{json, Value};

/// The window of a flow's throughput and error rate in [`flows`].
pub const STATS_WINDOW_MS: u64 = 60 * 60 * 1000;

/// Queue depth, in-flight, dead letters and pause state per flow.
pub fn queue_status(store: &Store) -> Result<Value, StoreError> {
    Ok(json!(store.queue_status()?))
}

/// Pause or resume a flow.
pub fn set_paused(store: &Store, flow: &str, paused: bool, now_ms: u64) -> Result<Value, StoreError> {
    store.set_paused(flow, paused, now_ms)?;
    Ok(json!({"flow": flow, "paused": paused}))
}

/// Loaded plugins (id, version, kind, WIT, sha256, capabilities, compile cache) and refused
/// ones with the reason; with a config, the connections and transforms using each.
pub fn plugins(host: &PluginHost, config: Option<&Config>) -> Value {
    let used_by = |id: &str| -> Vec<String> {
        let Some(config) = config else { return Vec::new() };
        let connections =
            config.connections.iter().filter(|(_, c)| c.plugin == id).map(|(n, _)| format!("connection {n}"));
        let transforms =
            config.transforms.iter().filter(|(_, t)| t.plugin == id).map(|(n, _)| format!("transform {n}"));
        connections.chain(transforms).collect()
    };
    let mut rows: Vec<Value> = host
        .plugins()
        .map(|p| {
            let mut row = plugin_json(p);
            row["used_by"] = json!(used_by(&p.manifest.id));
            row
        })
        .collect();
    rows.extend(
        host.refused()
            .iter()
            .map(|r| json!({"id": r.id, "status": "refused", "reason": r.reason, "used_by": used_by(&r.id)})),
    );
    Value::Array(rows)
}

/// One loaded plugin as JSON.
pub fn plugin_json(p: &LoadedPlugin) -> Value {
    let m = &p.manifest;
    json!({
        "id": m.id,
        "version": m.version,
        "kind": m.kind,
        "wit": m.wit,
        "runtime": m.runtime,
        "sha256": p.sha256,
        "capabilities": m.capabilities,
        "status": "ok",
        "cache": p.cache,
    })
}

/// Runs matching `filter`, newest first.
pub fn runs(store: &Store, filter: &RunFilter, limit: usize) -> Result<Value, StoreError> {
    Ok(json!(store.runs(filter, limit)?))
}

/// Every configured flow (or only the one named `only`) with its state: queue, pause, last
/// run, and over the last hour the records moved, failed, the error rate and the throughput.
pub fn flows(store: &Store, config: &Config, now_ms: u64, only: Option<&str>) -> Result<Value, StoreError> {
    let status = store.queue_status()?;
    let mut out = Vec::new();
    for (name, flow) in config.flows.iter().filter(|(name, _)| only.is_none_or(|o| o == name.as_str())) {
        let recent = store.runs_since(name, now_ms.saturating_sub(STATS_WINDOW_MS))?;
        let last_run = match recent.first() {
            Some(run) => Some(run.clone()),
            None => store.runs(&RunFilter { flow: Some(name.clone()), ..Default::default() }, 1)?.pop(),
        };
        let last_success_ms = match recent.iter().find(|r| r.status == RunStatus::Succeeded) {
            Some(run) => run.ended_ms,
            None => store
                .runs(
                    &RunFilter { flow: Some(name.clone()), status: Some(RunStatus::Succeeded), ..Default::default() },
                    1,
                )?
                .pop()
                .and_then(|r| r.ended_ms),
        };
        let (mut records, mut failed, mut writes) = (0u64, 0u64, 0u64);
        for run in &recent {
            records += run.counts.iter().filter(|(o, _)| **o != Outcome::Pulled).map(|(_, n)| n).sum::<u64>();
            let (f, w) = run.failures_and_writes();
            failed += f;
            writes += w;
        }
        let queue = status.get(name).cloned().unwrap_or_default();
        out.push(json!({
            "name": name,
            "from": flow.from,
            "to": flow.to,
            "object": flow.object,
            "trigger": trigger_text(flow),
            "transforms": flow.transforms,
            "paused": queue.paused_since_ms.is_some(),
            "pause_reason": queue.pause_reason,
            "queue": queue,
            "last_run": last_run,
            "last_success_ms": last_success_ms,
            "last_tick_ms": store.last_tick(name)?,
            "window_ms": STATS_WINDOW_MS,
            "records": records,
            "failed": failed,
            "error_rate": if writes == 0 { 0.0 } else { failed as f64 / writes as f64 },
            "per_minute": records as f64 / (STATS_WINDOW_MS as f64 / 60_000.0),
        }));
    }
    Ok(Value::Array(out))
}

fn trigger_text(flow: &FlowConfig) -> String {
    let mut parts = Vec::new();
    if let Some(every) = &flow.trigger.every {
        parts.push(format!("every {every}"));
    }
    if let Some(cron) = &flow.trigger.cron {
        parts.push(format!("cron {cron}"));
    }
    if flow.trigger.webhook {
        parts.push("webhook".to_owned());
    }
    if parts.is_empty() {
        "manual".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A page of one run's records, optionally only one outcome (`failed` means every failure:
/// failed, dead, retrying, held) and only keys containing `search`.
pub fn run_records(
    store: &Store,
    run_id: u64,
    outcome: Option<&str>,
    search: Option<&str>,
    offset: usize,
    limit: usize,
) -> Result<Value, StoreError> {
    let matching: Vec<_> = store
        .run_records(run_id)?
        .into_iter()
        .filter(|r| match outcome {
            None => true,
            Some("failed") => r.record.outcome.is_failure(),
            Some(o) => r.record.outcome.name() == o,
        })
        .filter(|r| search.is_none_or(|q| r.record.key.contains(q)))
        .collect();
    let total = matching.len();
    let page: Vec<_> = matching.into_iter().skip(offset).take(limit).collect();
    Ok(json!({"total": total, "records": page}))
}

/// The lineage of one record key (a SKU, an order id): every time it went through a run —
/// what brought it in (webhook, event, pull), the job, the plugin, the request and the
/// response, the outcome — newest first, and its jobs still queued or dead-lettered.
pub fn lineage(store: &Store, key: &str, limit: usize) -> Result<Value, StoreError> {
    let mut steps = Vec::new();
    for entry in store.records_by_key(key, limit)? {
        let run = store.run(entry.run_id)?;
        steps.push(json!({"run": run, "record": entry}));
    }
    let (queued, dead) = store.jobs_by_key(key, limit)?;
    Ok(json!({"key": key, "steps": steps, "queued": queued, "dead": dead}))
}

/// One run, optionally with its records (only failed ones with `failed_only`).
pub fn run(store: &Store, id: u64, records: bool, failed_only: bool) -> Result<Option<Value>, StoreError> {
    let Some(run) = store.run(id)? else { return Ok(None) };
    let mut out = json!({"run": run});
    if records || failed_only {
        let records: Vec<_> =
            store.run_records(id)?.into_iter().filter(|r| !failed_only || r.record.outcome.is_failure()).collect();
        out["records"] = json!(records);
    }
    Ok(Some(out))
}

/// Dead-lettered jobs.
pub fn dead_letters(store: &Store, flow: Option<&str>) -> Result<Value, StoreError> {
    Ok(json!(store.dead_letters(flow)?))
}

/// Requeue one dead-lettered job, or all of a flow.
pub fn retry_dead(store: &Store, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> Result<Value, StoreError> {
    Ok(json!({"requeued": store.retry_dead(id, flow, now_ms)?}))
}

/// Discard a dead-lettered job with a reason (kept).
pub fn discard_dead(store: &Store, id: u64, reason: &str) -> Result<Value, StoreError> {
    Ok(json!({"discarded": store.discard_dead(id, reason)?}))
}

/// The store's size per table, with how long each growing table is kept.
pub fn store_stats(store: &Store, retention: &RetentionConfig) -> Result<Value, StoreError> {
    let mut value = json!(store.stats()?);
    value["retention"] = Aged::ALL.iter().map(|t| (t.name().to_owned(), json!(retention.setting(*t)))).collect();
    Ok(value)
}

/// Prune what `[retention]` says is old, now: the run it made (null when nothing was old) and
/// what went per table.
pub fn prune_now(store: &Store, retention: &RetentionConfig, now_ms: u64) -> Result<Value, String> {
    let (run, pruned) = crate::retention::prune_as_run(store, retention, now_ms, "manual")?;
    let removed: serde_json::Map<String, Value> =
        pruned.iter().map(|p| (p.table.name().to_owned(), json!(p.removed))).collect();
    Ok(json!({"run": run.map(|r| r.id), "removed": removed}))
}

/// Ask flow `flow_name` for the shop's orders placed since `since` (a date or RFC 3339 time):
/// one backfill job, read outside the flow's cursor; the flow's reach goes back to `since`.
pub fn backfill(store: &Store, config: &Config, flow_name: &str, since: &str, now_ms: u64) -> Result<Value, String> {
    let flow = config.flows.get(flow_name).ok_or_else(|| format!("no flow `{flow_name}`"))?;
    if !(flow.from.is_shopify() && flow.object == crate::config::ObjectKind::Order) {
        return Err(format!("flow `{flow_name}` does not read shop orders; backfill reads orders from Shopify"));
    }
    let from = crate::domain::since::parse(since)?.ok_or("backfill needs a date or time, not `now`")?;
    crate::flow::order::start::remember_backfill(store, flow_name, &from)?;
    let cursor =
        serde_json::to_string(&crate::flow::order::read::PollCursor::backfill(&from)).map_err(|e| e.to_string())?;
    let job = crate::store::NewJob {
        flow: flow_name.to_owned(),
        trigger: "backfill".into(),
        key: format!("backfill-{now_ms}"),
        payload: json!(crate::flow::Work::Backfill { cursor }),
        webhook_id: None,
    };
    store.enqueue(&[job], now_ms, None).map_err(|e| e.to_string())?;
    Ok(json!({"flow": flow_name, "since": from, "enqueued": 1}))
}
