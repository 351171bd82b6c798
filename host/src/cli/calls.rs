//! `weft runs show RUN --calls`: the API calls of a run — each Shopify call (operation,
//! request id, cost, bucket, variables, answer) and each HTTP exchange of a plugin (redacted) —
//! for the run, one record, or each record listed.

use super::ops::{local, ms_to_text, Target};
use crate::store::CallPage;
use serde_json::Value;

/// Which calls `--calls` shows.
pub(super) struct Wanted {
    /// Only this record's (its seq).
    pub record: Option<u64>,
    /// After this call seq.
    pub after: Option<u64>,
    /// At most this many (per record, when records are listed).
    pub limit: usize,
}

/// One page of calls of run `run` (of `page.record` when given); an unknown record is an error.
fn page(target: &Target, run: u64, page: &CallPage) -> Result<Value, String> {
    let value = match target {
        Target::Local(s) => local(crate::ops::run_calls(s, run, page).map(|v| v.unwrap_or(Value::Null)))?,
        Target::Remote(a) => {
            let mut path = format!("/api/runs/{run}/calls?limit={}", page.limit);
            if let Some(seq) = page.record {
                path.push_str(&format!("&record={seq}"));
            }
            if let Some(after) = page.after {
                path.push_str(&format!("&after={after}"));
            }
            a.get(&path)?
        }
    };
    if value.is_null() {
        return Err(match page.record {
            Some(seq) => format!("no record {seq} in run {run}"),
            None => format!("no run {run}"),
        });
    }
    Ok(value)
}

/// Add the calls `wanted` to `shown` (a run as `weft runs show` prints it): one record's, each
/// listed record's, or the run's.
pub(super) fn attach(target: &Target, run: u64, shown: &mut Value, wanted: &Wanted) -> Result<(), String> {
    let mut call_page = CallPage { record: wanted.record, after: wanted.after, limit: wanted.limit };
    if wanted.record.is_some() || shown["records"].as_array().is_none() {
        let calls = page(target, run, &call_page)?;
        shown["calls"] = calls["calls"].clone();
        shown["next"] = calls["next"].clone();
        return Ok(());
    }
    for record in shown["records"].as_array_mut().into_iter().flatten() {
        call_page.record = record["seq"].as_u64();
        let calls = page(target, run, &call_page)?;
        record["calls"] = calls["calls"].clone();
    }
    Ok(())
}

/// Print calls as blocks: a heading line per call, then what was sent and answered.
pub(super) fn print(calls: &Value) {
    for call in calls.as_array().into_iter().flatten() {
        let served: Vec<String> = call["records"].as_array().into_iter().flatten().map(|r| r.to_string()).collect();
        let took = format!("{} ms", call["duration_ms"]);
        let when = ms_to_text(&call["at_ms"]);
        match call["kind"].as_str() {
            Some("shopify") => {
                let cost = match (call["cost_requested"].as_f64(), call["cost_actual"].as_f64()) {
                    (Some(r), Some(a)) => format!("cost {r} requested, {a} actual"),
                    (Some(r), None) => format!("cost {r} requested"),
                    _ => "no cost reported".into(),
                };
                let bucket = match call["throttle"].as_object() {
                    Some(t) => format!(
                        ", bucket {}/{} (+{}/s)",
                        t["currently_available"], t["maximum_available"], t["restore_rate"]
                    ),
                    None => String::new(),
                };
                println!(
                    "call {} · {when} · shopify {} (attempt {}) · status {} · request id {} · {cost}{bucket} · {took} · records {}",
                    call["seq"],
                    call["operation"].as_str().unwrap_or(""),
                    call["attempt"],
                    call["status"].as_u64().map_or("-".into(), |s| s.to_string()),
                    call["request_id"].as_str().unwrap_or("-"),
                    served.join(",")
                );
                println!("  variables: {}", call["variables"].as_str().unwrap_or(""));
                if let Some(response) = call["response"].as_str() {
                    println!("  response:  {response}");
                }
            }
            _ => {
                println!(
                    "call {} · {when} · http {} {} {} · status {} · {took} · records {}",
                    call["seq"],
                    call["plugin"].as_str().unwrap_or(""),
                    call["method"].as_str().unwrap_or(""),
                    call["url"].as_str().unwrap_or(""),
                    call["status"].as_u64().map_or("-".into(), |s| s.to_string()),
                    served.join(",")
                );
                print_exchange(call);
            }
        }
        if let Some(error) = call["error"].as_str() {
            println!("  error: {error}");
        }
    }
}

fn print_exchange(call: &Value) {
    let headers = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|h| format!("{}: {}", h[0].as_str().unwrap_or(""), h[1].as_str().unwrap_or("")))
            .collect()
    };
    for h in headers(&call["request_headers"]) {
        println!("  > {h}");
    }
    if let Some(body) = call["request_body"].as_str().filter(|b| !b.is_empty()) {
        println!("  > {body}");
    }
    for h in headers(&call["response_headers"]) {
        println!("  < {h}");
    }
    if let Some(body) = call["response_body"].as_str().filter(|b| !b.is_empty()) {
        println!("  < {body}");
    }
}
