//! Operations on the queue and run log, shared by the admin API and the CLI (which uses the
//! database directly when no `weft serve` holds it, and the admin API when one does).

use crate::config::{Config, FlowConfig, RetentionConfig};
use crate::flow::{RecordWork, Work};
use crate::model::{Entity, Record};
use crate::plugin::{LoadedPlugin, PluginHost};
use crate::store::{Aged, CallPage, DeadLetter, Outcome, RunFilter, RunStatus, Store, StoreError};
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
/// failed, dead, retrying, held) and only those whose key, error or reason contains `search`
/// (case-insensitive).
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
        .filter(|r| {
            search.map(str::to_lowercase).is_none_or(|q| {
                let rec = &r.record;
                [Some(&rec.key), rec.error.as_ref(), rec.reason.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|text| text.to_lowercase().contains(&q))
            })
        })
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

/// A page of run `id`'s API calls (`None` when there is no such run, or no such record when
/// the page asks for one's calls): `calls`, and `next`, the `after` of the next page (null on
/// the last).
pub fn run_calls(store: &Store, id: u64, page: &CallPage) -> Result<Option<Value>, StoreError> {
    if store.run(id)?.is_none() {
        return Ok(None);
    }
    if let Some(seq) = page.record {
        if store.run_record(id, seq)?.is_none() {
            return Ok(None);
        }
    }
    let calls = store.run_calls(id, page)?;
    let next = (calls.len() >= page.limit).then(|| calls.last().map(|c| c.seq)).flatten();
    Ok(Some(json!({"calls": calls, "next": next})))
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

/// Why an operation was refused, by what the caller should be told (the admin API answers 404,
/// 409, 422 and 503 for them; the CLI prints the message and exits non-zero).
#[derive(Debug)]
pub enum OpsError {
    /// What was named does not exist.
    NotFound(String),
    /// It exists, but its state does not allow it (a discarded dead letter retried).
    Conflict(String),
    /// The input is not acceptable (an edited record that is not a record of the flow's type).
    Invalid(String),
    /// The store failed.
    Store(StoreError),
}

impl std::fmt::Display for OpsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpsError::NotFound(m) | OpsError::Conflict(m) | OpsError::Invalid(m) => f.write_str(m),
            OpsError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for OpsError {
    fn from(e: StoreError) -> OpsError {
        OpsError::Store(e)
    }
}

/// Which dead letters to list: a flow, a state, words of the error (or key), a time window.
#[derive(Debug, Clone, Default)]
pub struct DeadFilter {
    /// Only this flow.
    pub flow: Option<String>,
    /// `open` (waiting for a person), `settled` (discarded or retried edited), `edited`, or all.
    pub status: Option<String>,
    /// Case-insensitive text the error class, message or the job's key contains.
    pub text: Option<String>,
    /// Dead-lettered at or after (ms).
    pub since_ms: Option<u64>,
    /// Dead-lettered before (ms).
    pub until_ms: Option<u64>,
}

/// The states [`DeadFilter::status`] knows.
pub const DEAD_STATES: [&str; 4] = ["open", "settled", "discarded", "edited"];

/// Dead-lettered jobs matching `filter`, oldest first.
pub fn dead_letters(store: &Store, filter: &DeadFilter) -> Result<Value, OpsError> {
    if let Some(s) = filter.status.as_deref().filter(|s| !DEAD_STATES.contains(s)) {
        return Err(OpsError::Invalid(format!("unknown dead letter state `{s}` ({})", DEAD_STATES.join(", "))));
    }
    let text = filter.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty());
    let list: Vec<DeadLetter> = store
        .dead_letters(filter.flow.as_deref())?
        .into_iter()
        .filter(|d| match filter.status.as_deref() {
            Some("open") => d.discarded.is_none(),
            Some("settled") => d.discarded.is_some(),
            Some("discarded") => d.discarded.is_some() && d.edit.is_none(),
            Some("edited") => d.edit.is_some(),
            _ => true,
        })
        .filter(|d| filter.since_ms.is_none_or(|t| d.dead_ms >= t) && filter.until_ms.is_none_or(|t| d.dead_ms < t))
        .filter(|d| {
            text.as_deref().is_none_or(|t| {
                [d.error.class.name(), d.error.message.as_str(), d.job.key.as_str()]
                    .iter()
                    .any(|field| field.to_lowercase().contains(t))
            })
        })
        .collect();
    Ok(json!(list))
}

/// The dead letter `id`, open (not discarded, not retried edited).
fn open_dead_letter(store: &Store, id: u64) -> Result<DeadLetter, OpsError> {
    let dead = store.dead_letters(None)?.into_iter().find(|d| d.job.id == id);
    match dead {
        None if store.job_exists(id)? => {
            Err(OpsError::NotFound(format!("job {id} is not dead-lettered: it is queued or running")))
        }
        None => Err(OpsError::NotFound(format!("no dead letter {id}"))),
        Some(d) => match d.discarded {
            Some(reason) => Err(OpsError::Conflict(format!("dead letter {id} is settled already: {reason}"))),
            None => Ok(d),
        },
    }
}

/// Requeue one dead-lettered job (an unknown or settled id is refused), or every open one of a
/// flow.
pub fn retry_dead(store: &Store, id: Option<u64>, flow: Option<&str>, now_ms: u64) -> Result<Value, OpsError> {
    if let Some(id) = id {
        open_dead_letter(store, id)?;
    }
    Ok(json!({"requeued": store.retry_dead(id, flow, now_ms)?}))
}

/// Requeue the dead letters `ids`, all of them or (when one is unknown or settled) none.
pub fn retry_many(store: &Store, ids: &[u64], now_ms: u64) -> Result<Value, OpsError> {
    for id in ids {
        open_dead_letter(store, *id)?;
    }
    let mut requeued = 0;
    for id in ids {
        requeued += store.retry_dead(Some(*id), None, now_ms)?;
    }
    Ok(json!({"requeued": requeued, "ids": ids}))
}

/// Discard a dead-lettered job with a reason (kept); an unknown or settled id is refused.
pub fn discard_dead(store: &Store, id: u64, reason: &str) -> Result<Value, OpsError> {
    discard_many(store, &[id], reason).map(|_| json!({"discarded": true}))
}

/// Discard the dead letters `ids` with one reason, all of them or (when one is unknown or
/// settled) none.
pub fn discard_many(store: &Store, ids: &[u64], reason: &str) -> Result<Value, OpsError> {
    if reason.trim().is_empty() {
        return Err(OpsError::Invalid("discarding needs a reason".into()));
    }
    for id in ids {
        open_dead_letter(store, *id)?;
    }
    let mut discarded = 0;
    for id in ids {
        discarded += usize::from(store.discard_dead(*id, reason)?);
    }
    Ok(json!({"discarded": discarded, "ids": ids}))
}

/// The record a dead letter's job carries, for a person to edit (`None`: its job carries no
/// record, only a pull, an event or a webhook body).
pub fn dead_record(job: &crate::store::Job) -> Option<Record> {
    match Work::decode(&job.payload) {
        Ok(Work::Record(work)) => Some(work.record),
        _ => None,
    }
}

/// Retry the open dead letter `id` with its record replaced by `edited`, validated as a record
/// of the type the job carries (the entity tag may be left out; an unknown field is refused).
/// The dead letter keeps the original and the edit; the new job's id is returned.
pub fn retry_edited(store: &Store, id: u64, edited: &Value, note: &str, now_ms: u64) -> Result<Value, OpsError> {
    let dead = open_dead_letter(store, id)?;
    let original = dead_record(&dead.job).ok_or_else(|| {
        OpsError::Invalid(format!(
            "dead letter {id} carries no record to edit (only a pull, an event or a webhook body)"
        ))
    })?;
    let entity = original.entity();
    let tag = serde_json::to_value(entity).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let tagged = match edited.as_object() {
        Some(o) if o.len() == 1 && o.contains_key(&tag) => edited.clone(),
        Some(o) if o.len() == 1 && serde_json::from_value::<Entity>(json!(o.keys().next())).is_ok() => {
            return Err(OpsError::Invalid(format!(
                "dead letter {id} carries a {tag} record; the edit is a {}",
                o.keys().next().map(String::as_str).unwrap_or("")
            )))
        }
        Some(_) => json!({ tag.clone(): edited }),
        None => return Err(OpsError::Invalid(format!("the edit must be a {tag} record (a JSON object)"))),
    };
    let record: Record =
        serde_json::from_value(tagged.clone()).map_err(|e| OpsError::Invalid(format!("not a {tag} record: {e}")))?;
    // Serde ignores fields it does not know: a misspelt one would be dropped without a word.
    let known = serde_json::to_value(&record).map_err(|e| OpsError::Invalid(e.to_string()))?;
    if let (Some(given), Some(kept)) = (tagged[&tag].as_object(), known[&tag].as_object()) {
        let unknown: Vec<&str> = given.keys().filter(|k| !kept.contains_key(*k)).map(String::as_str).collect();
        if !unknown.is_empty() {
            return Err(OpsError::Invalid(format!("a {tag} record has no field {}", unknown.join(", "))));
        }
    }
    let payload =
        serde_json::to_value(Work::Record(RecordWork::of(record))).map_err(|e| OpsError::Invalid(e.to_string()))?;
    match store.retry_dead_edited(id, &payload, note, now_ms)? {
        Some(job) => Ok(json!({"requeued": 1, "job": job, "dead_letter": id})),
        None => Err(OpsError::Conflict(format!("dead letter {id} was settled meanwhile"))),
    }
}

/// What `weft explain inventory SKU` shows: every remembered push of `sku` (only at `location`,
/// an ERP location code or a Shopify location GID, when given), with the computation as lines.
pub fn explain_inventory(store: &Store, sku: &str, location: Option<&str>) -> Result<Value, OpsError> {
    let mut found =
        crate::flow::inventory::state::all_for_sku(store, sku).map_err(|e| OpsError::Store(StoreError::Other(e)))?;
    if let Some(l) = location {
        found.retain(|(_, p)| p.trace.erp_location == l || p.trace.shopify_location == l);
    }
    if found.is_empty() {
        return Err(OpsError::NotFound(format!(
            "nothing was pushed for SKU {sku}{}",
            location.map(|l| format!(" at {l}")).unwrap_or_default()
        )));
    }
    Ok(Value::Array(
        found.iter().map(|(flow, p)| json!({"flow": flow, "pushed": p, "lines": p.trace.lines()})).collect(),
    ))
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
        payload: crate::flow::Work::Backfill { cursor }.payload().map_err(|e| e.message)?,
        dedupe_id: None,
    };
    store.enqueue(&[job], now_ms, None).map_err(|e| e.to_string())?;
    Ok(json!({"flow": flow_name, "since": from, "enqueued": 1}))
}

/// A config version as the history lists it (its text left out).
pub fn config_version(v: &crate::store::ConfigVersion) -> Value {
    json!({"number": v.number, "author": v.author, "saved_ms": v.saved_ms, "comment": v.comment, "restores": v.restores})
}
