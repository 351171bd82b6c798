//! Running bulk query operations in the background and writing their JSONL result:
//! one line per node, nested connection nodes on their own lines with `__parentId`.

use crate::resolve::bulk::finish_payload;
use crate::resolve::query::QueryRoot;
use crate::resolve::Ctx;
use crate::store::now;
use crate::{lock, Shared};
use apollo_compiler::resolvers::Execution;
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

/// Executes a bulk query over the whole store; returns (JSONL, object count, root object count).
fn execute(shared: &Shared, query: &str) -> Result<(String, u64, u64), String> {
    let doc = super::document(shared, query).map_err(|e| Json::Array(e).to_string())?;
    let op = doc.operations.get(None).map_err(|e| e.message().to_string())?;
    let variables = Map::new();
    let mut guard = lock(&shared.store);
    let ctx = Ctx::new(
        std::mem::take(&mut *guard),
        &shared.schema,
        &variables,
        &shared.base_url,
        crate::schema::SCHEMA_VERSION,
        true,
    );
    let result = Execution::new(&shared.schema, &doc).operation(op).execute_sync(&QueryRoot { ctx: &ctx });
    *guard = ctx.into_store();
    drop(guard);
    let response = result.map_err(|e| e.message().to_string())?;
    let data = serde_json::to_value(response.data).map_err(|e| e.to_string())?;
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

fn set_status(shared: &Shared, id: u64, status: &str) {
    if let Some(b) = lock(&shared.store).bulk_operations.get_mut(&id) {
        b.status = status.to_string();
    }
}

/// Runs bulk operation `id`: CREATED -> RUNNING -> COMPLETED (or FAILED), then `bulk_operations/finish`.
pub async fn run(shared: Arc<Shared>, id: u64) {
    let half = shared.config.bulk_delay / 2;
    tokio::time::sleep(half).await;
    set_status(&shared, id, "RUNNING");
    let Some(query) = lock(&shared.store).bulk_operations.get(&id).map(|b| b.query.clone()) else { return };
    let worker = shared.clone();
    let result =
        tokio::task::spawn_blocking(move || execute(&worker, &query)).await.unwrap_or_else(|e| Err(e.to_string()));
    tokio::time::sleep(half).await;
    let event = {
        let mut store = lock(&shared.store);
        let Some(b) = store.bulk_operations.get_mut(&id) else { return };
        match result {
            Ok((jsonl, objects, roots)) => {
                b.status = "COMPLETED".into();
                b.object_count = objects;
                b.root_object_count = roots;
                b.result = Some(jsonl);
            }
            Err(_) => {
                b.status = "FAILED".into();
                b.error_code = Some("INTERNAL_SERVER_ERROR".into());
            }
        }
        b.completed_at = Some(now());
        crate::store::Event { topic: "bulk_operations/finish", payload: finish_payload(b) }
    };
    shared.webhooks.enqueue(&shared, vec![event]);
}
