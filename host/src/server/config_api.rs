//! The admin API of the dashboard's config editor and plugin reload (see [`crate::versions`]):
//! the running config version, an edit checked and previewed before it is saved, saving with a
//! comment, the history, a rollback, and reloading the plugins. Saving, rolling back and
//! reloading need `[server] admin_token` (the token's holder is the author).

use super::{error_response, json_response, ServerState};
use crate::versions::{edit::Edit, Live, Refusal};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

/// Who saves a version through the API: whoever holds the admin token.
/// Who saved, when the request names no one (every editor shares the admin token).
const AUTHOR: &str = "admin";

/// The `author` a request names (trimmed, at most 80 characters, no control characters), else
/// [`AUTHOR`].
fn author(request: &Value) -> String {
    let named: String =
        request["author"].as_str().unwrap_or_default().trim().chars().filter(|c| !c.is_control()).take(80).collect();
    if named.is_empty() {
        AUTHOR.to_owned()
    } else {
        named
    }
}

fn refused(refusal: &Refusal) -> Response<Full<Bytes>> {
    let status = match refusal {
        Refusal::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Conflict { .. } => StatusCode::CONFLICT,
        Refusal::NotFound { .. } => StatusCode::NOT_FOUND,
        Refusal::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
    };
    json_response(status, json!(refusal))
}

fn edits(body: &Value) -> Result<Vec<Edit>, String> {
    match body.get("edits") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => serde_json::from_value(list.clone())
            .map_err(|e| format!("`edits` must be a list of {{\"path\": [keys], \"value\": ...}}: {e}")),
    }
}

/// The editable part of a config text as JSON: each flow's kind and editable keys, the lookups.
fn editable(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut flows = serde_json::Map::new();
    if let Some(toml::Value::Table(all)) = table.get("flows") {
        for (name, flow) in all {
            let Some(flow) = flow.as_table() else { continue };
            let mut out = serde_json::Map::new();
            for key in ["from", "to", "object"].iter().chain(crate::versions::edit::HOT_FLOW_KEYS.iter()) {
                if let Some(v) = flow.get(*key) {
                    out.insert((*key).to_owned(), json!(v));
                }
            }
            flows.insert(name.clone(), Value::Object(out));
        }
    }
    json!({"flows": flows, "lookups": table.get("lookups").map(|l| json!(l)).unwrap_or_else(|| json!({}))})
}

/// Run `work` off the async threads (it may load plugins and call the ERP and the shop).
async fn blocking(
    state: &ServerState,
    work: impl FnOnce(&Live) -> Result<Value, Refusal> + Send + 'static,
) -> Response<Full<Bytes>> {
    let live: Arc<Live> = state.live.clone();
    match tokio::task::spawn_blocking(move || work(&live)).await {
        Ok(Ok(v)) => json_response(StatusCode::OK, v),
        Ok(Err(refusal)) => refused(&refusal),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("failed: {e}")),
    }
}

fn needs_token(state: &ServerState) -> Option<Response<Full<Bytes>>> {
    (!state.access.has_token()).then(|| {
        error_response(
            StatusCode::FORBIDDEN,
            "changing the config or the plugins needs [server] admin_token (the token's holder is recorded as the author)",
        )
    })
}

/// Route `/api/config...` and `/api/plugins/reload`.
pub async fn route(
    state: &ServerState,
    method: &str,
    path: &[&str],
    body: &Bytes,
    now_ms: u64,
) -> Result<Response<Full<Bytes>>, String> {
    let request = super::admin::body_json(body)?;
    let changes =
        matches!((method, path), ("POST", ["config"] | ["config", "versions", _, "rollback"] | ["plugins", "reload"]));
    if changes {
        if let Some(response) = needs_token(state) {
            return Ok(response);
        }
    }
    Ok(match (method, path) {
        ("GET", ["config"]) => {
            blocking(state, |live| {
                let v = live.running()?;
                Ok(json!({"version": v.number, "author": v.author, "saved_ms": v.saved_ms, "comment": v.comment, "text": v.text, "editable": editable(&v.text)}))
            })
            .await
        }
        ("POST", ["config", "check"]) => {
            let edits = edits(&request)?;
            blocking(state, move |live| {
                let edited = live.edited(&edits)?;
                let findings = live.values(&edited.text)?;
                let text = live.scrubbed(&edited.text);
                let diff = crate::versions::diff::lines(&edited.running.text, &text);
                Ok(json!({"base": edited.running.number, "text": text, "diff": diff, "findings": findings, "editable": editable(&text)}))
            })
            .await
        }
        ("POST", ["config", "preview"]) => {
            let edits = edits(&request)?;
            let flow = request["flow"].as_str().ok_or("give {\"flow\": NAME, \"edits\": [...], \"record\": optional}")?.to_owned();
            let given = request.get("record").filter(|r| !r.is_null()).cloned();
            blocking(state, move |live| {
                let candidate = live.candidate(&live.edited(&edits)?.text)?;
                let invalid = |e: String| Refusal::Invalid { error: e, findings: Vec::new() };
                let before = live.engine().preview(&flow, given).map_err(invalid)?;
                let after = candidate.preview(&flow, Some(before["record"].clone())).map_err(invalid)?;
                Ok(json!({"flow": flow, "before": before, "after": after}))
            })
            .await
        }
        ("POST", ["config"]) => {
            let edits = edits(&request)?;
            let comment = request["comment"].as_str().unwrap_or_default().trim().to_owned();
            if comment.is_empty() {
                return Err("saving needs a comment: {\"edits\": [...], \"comment\": \"why\"}".into());
            }
            let (base, author) = (request["base"].as_u64(), author(&request));
            blocking(state, move |live| Ok(json!(live.save(&edits, base, &author, &comment, now_ms)?))).await
        }
        ("GET", ["config", "versions"]) => {
            blocking(state, |live| {
                let running = live.running()?;
                let all = live.engine().queue().store().config_versions(200).map_err(|e| Refusal::Unavailable { error: e.to_string() })?;
                Ok(json!({"running": running.number, "versions": all.iter().map(crate::ops::config_version).collect::<Vec<_>>()}))
            })
            .await
        }
        ("GET", ["config", "versions", number]) => {
            let number: u64 = number.parse().map_err(|_| "version must be a number")?;
            blocking(state, move |live| {
                let (running, version) = (live.running()?, live.version(number)?);
                let mut out = crate::ops::config_version(&version);
                out["text"] = json!(version.text);
                out["diff_from_running"] = json!(crate::versions::diff::lines(&running.text, &version.text));
                Ok(out)
            })
            .await
        }
        ("POST", ["config", "versions", number, "rollback"]) => {
            let number: u64 = number.parse().map_err(|_| "version must be a number")?;
            let (comment, author) = (request["comment"].as_str().unwrap_or_default().to_owned(), author(&request));
            blocking(state, move |live| Ok(json!(live.rollback(number, &author, &comment, now_ms)?))).await
        }
        ("POST", ["plugins", "reload"]) => blocking(state, |live| Ok(json!(live.reload_plugins()?))).await,
        _ => error_response(StatusCode::NOT_FOUND, "no such admin route"),
    })
}
