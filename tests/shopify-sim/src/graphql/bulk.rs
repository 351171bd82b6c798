//! Running bulk operations in the background; bulk queries write their JSONL result here:
//! one line per node, nested connection nodes on their own lines with `__parentId`.

use crate::resolve::bulk::finish_payload;
use crate::store::now;
use crate::{lock, Shared};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// The nodes of a connection-shaped value (`edges[].node` or `nodes[]`), if it is one.
fn connection_nodes(v: &Json) -> Option<Vec<Json>> {
    let map = v.as_object()?;
    if let Some(nodes) = map.get("nodes").and_then(Json::as_array) {
        return Some(nodes.clone());
    }
    let edges = map.get("edges")?.as_array()?;
    Some(edges.iter().filter_map(|e| e.get("node").cloned()).collect())
}

/// Removes nested connections from `v`, collecting their nodes.
fn strip(v: &mut Json, children: &mut Vec<Json>) {
    let Json::Object(map) = v else { return };
    let keys: Vec<String> = map.iter().filter(|(_, x)| connection_nodes(x).is_some()).map(|(k, _)| k.clone()).collect();
    for k in keys {
        if let Some(nodes) = map.remove(&k).as_ref().and_then(connection_nodes) {
            children.extend(nodes);
        }
    }
    for (_, x) in map.iter_mut() {
        strip(x, children);
    }
}

fn emit(mut node: Json, parent: Option<&str>, out: &mut Vec<String>) {
    let mut children = Vec::new();
    strip(&mut node, &mut children);
    if let (Some(p), Json::Object(map)) = (parent, &mut node) {
        map.insert("__parentId".into(), Json::String(p.to_string()));
    }
    let id = node.get("id").and_then(Json::as_str).map(str::to_string);
    out.push(node.to_string());
    for child in children {
        emit(child, id.as_deref(), out);
    }
}

/// Executes a bulk query over the whole store; returns (JSONL, object count, root object count),
/// or the operation's `errorCode` (`ACCESS_DENIED` when the token lacks a scope the query needs).
fn execute(shared: &Shared, query: &str) -> Result<(String, u64, u64), &'static str> {
    const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
    let doc = super::document(shared, query).map_err(|_| INTERNAL)?;
    let op = doc.operations.get(None).map_err(|_| INTERNAL)?;
    let run = super::run(shared, &doc, op, &Map::new(), crate::schema::SCHEMA_VERSION, true);
    if run.errors.iter().any(|e| e.pointer("/extensions/code").and_then(Json::as_str) == Some("ACCESS_DENIED")) {
        return Err("ACCESS_DENIED");
    }
    let data = run.data.ok_or(INTERNAL)?;
    let mut lines = Vec::new();
    let mut roots = 0;
    for (_, value) in data.as_object().into_iter().flatten() {
        for node in connection_nodes(value).unwrap_or_default() {
            roots += 1;
            emit(node, None, &mut lines);
        }
    }
    let count = lines.len() as u64;
    let mut jsonl = lines.join("\n");
    if !jsonl.is_empty() {
        jsonl.push('\n');
    }
    Ok((jsonl, count, roots))
}

/// Marks a created operation RUNNING (a canceled one stays CANCELING).
pub(super) fn start(shared: &Shared, id: u64) {
    if let Some(b) = lock(&shared.store).bulk_operations.get_mut(&id).filter(|b| b.status == "CREATED") {
        b.status = "RUNNING".into();
    }
}

/// Runs bulk operation `id` (a query here, a mutation in [`super::bulk_mutation`]).
pub async fn run(shared: Arc<Shared>, id: u64) {
    let kind = lock(&shared.store).bulk_operations.get(&id).map(|b| b.kind.clone());
    match kind.as_deref() {
        Some("MUTATION") => super::bulk_mutation::run(shared, id).await,
        Some(_) => run_query(shared, id).await,
        None => {}
    }
}

/// Runs bulk query `id`: CREATED -> RUNNING -> COMPLETED (FAILED, or CANCELED when canceled meanwhile), then `bulk_operations/finish`.
async fn run_query(shared: Arc<Shared>, id: u64) {
    let half = shared.config.bulk_delay / 2;
    tokio::time::sleep(half).await;
    start(&shared, id);
    let Some(query) = lock(&shared.store).bulk_operations.get(&id).map(|b| b.query.clone()) else {
        return;
    };
    let worker = shared.clone();
    let result =
        tokio::task::spawn_blocking(move || execute(&worker, &query)).await.unwrap_or(Err("INTERNAL_SERVER_ERROR"));
    tokio::time::sleep(half).await;
    let event = {
        let mut store = lock(&shared.store);
        let Some(b) = store.bulk_operations.get_mut(&id) else {
            return;
        };
        match result {
            _ if b.status == "CANCELING" => b.status = "CANCELED".into(),
            Ok((jsonl, objects, roots)) => {
                b.status = "COMPLETED".into();
                b.object_count = objects;
                b.root_object_count = roots;
                b.result = Some(jsonl);
            }
            Err(code) => {
                b.status = "FAILED".into();
                b.error_code = Some(code.into());
            }
        }
        b.completed_at = Some(now());
        crate::store::Event { topic: "bulk_operations/finish", payload: finish_payload(b) }
    };
    shared.webhooks.enqueue(&shared, vec![event]);
}
