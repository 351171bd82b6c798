//! Push checks (idempotency, batch isolation) and the expected error classes.

use super::{session, Call, FailureCase, PushCase, Report, Spec};
use crate::flow::base::ToJobError;
use crate::model::{KeyedRecord, PluginError, Pushed};
use crate::plugin::PluginHost;

fn push_once(
    host: &PluginHost,
    spec: &Spec,
    case: &PushCase,
    key: &str,
) -> Result<Result<Pushed, PluginError>, String> {
    let mut s = session(host, spec, &spec.grant)?;
    let out = s
        .push(case.entity, &[KeyedRecord { key: key.to_owned(), record: case.record.clone() }])
        .map_err(|e| e.to_string())?;
    match <[_; 1]>::try_from(out) {
        Ok([one]) => Ok(one),
        Err(v) => Err(format!("push of 1 record returned {} outcomes", v.len())),
    }
}

/// The push checks of one record.
pub(super) fn run(host: &PluginHost, spec: &Spec, case: &PushCase, report: &mut Report) {
    let name = format!("push {}: idempotent", super::entity_name(case.entity));
    report.record(name, idempotent(host, spec, case));
}

fn idempotent(host: &PluginHost, spec: &Spec, case: &PushCase) -> Result<String, String> {
    let first = push_once(host, spec, case, &case.key)?.map_err(|e| format!("first push failed: {e:?}"))?;
    let second =
        push_once(host, spec, case, &case.key)?.map_err(|e| format!("second push of the same key failed: {e:?}"))?;
    let created = |p: &crate::model::Pushed| p.outcome == crate::model::WriteOutcome::Created;
    if second.external_id != first.external_id || (second != first && created(&second)) {
        return Err(format!("same key twice: first {first:?}, then {second:?}"));
    }
    let other_key = format!("{}#conformance-rekey", case.key);
    let third = push_once(host, spec, case, &other_key)?.map_err(|e| format!("push under a new key failed: {e:?}"))?;
    if third.external_id != first.external_id || created(&third) {
        return Err(format!(
            "the same record under a new key was not found before create: first {first:?}, then {third:?}"
        ));
    }
    // Read it back when the connector can fetch this entity.
    let mut s = session(host, spec, &spec.grant)?;
    let fetched = s.fetch(case.entity, std::slice::from_ref(&first.external_id)).map_err(|e| e.to_string())?;
    let read_back = match fetched.as_slice() {
        [Ok(Some(r))] if r.external_id() == first.external_id => "read back by fetch",
        [Ok(Some(r))] => return Err(format!("fetch({}) returned record {}", first.external_id, r.external_id())),
        [Ok(None)] => return Err(format!("fetch({}) finds nothing after a successful push", first.external_id)),
        [Err(PluginError::Permanent(_))] => "fetch not supported",
        other => return Err(format!("fetch after push: {other:?}")),
    };
    Ok(format!(
        "one object {} ({:?}), same result for the same key, found under a new key, {read_back}",
        first.external_id, first.outcome
    ))
}

/// Run one failure case and compare the class.
pub(super) fn failure(host: &PluginHost, spec: &Spec, case: &FailureCase) -> Result<String, String> {
    let grant = case.grant.as_ref().unwrap_or(&spec.grant);
    let mut s = session(host, spec, grant)?;
    let error = match &case.call {
        Call::Check => s.check().map_err(|e| e.to_string())?.err(),
        Call::Pull(entity) => s.pull(*entity, None, 10).map_err(|e| e.to_string())?.err(),
        Call::Push(entity, record) => {
            let mut batch = Vec::new();
            if let Some(good) = spec.pushes.iter().find(|p| p.entity == *entity) {
                batch.push(KeyedRecord { key: good.key.clone(), record: good.record.clone() });
            }
            batch.push(KeyedRecord { key: format!("conformance-failure-{}", case.name), record: record.clone() });
            let outcomes = s.push(*entity, &batch).map_err(|e| e.to_string())?;
            if outcomes.len() != batch.len() {
                return Err(format!("a batch of {} records gave {} outcomes", batch.len(), outcomes.len()));
            }
            if batch.len() == 2 {
                if let Err(e) = &outcomes[0] {
                    return Err(format!("the good record beside a bad one failed: {e:?}"));
                }
            }
            outcomes.into_iter().last().and_then(Result::err)
        }
    };
    let error = error.ok_or_else(|| format!("expected {:?}, the call succeeded", case.expect))?;
    if error.job_error().class != case.expect {
        return Err(format!("expected {:?}, got {error:?}", case.expect));
    }
    if let PluginError::InvalidInput(f) = &error {
        if f.field.is_empty() {
            return Err(format!("invalid-input names no field: {}", f.message));
        }
    }
    Ok(format!("{error:?}"))
}
