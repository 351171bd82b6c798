//! Bulk query operations: `bulkOperationRunQuery` records the operation; the server runs it
//! in the background (see `crate::graphql::bulk`), then `bulkOperation(id:)` reports the JSONL URL.

use super::{rel, Ctx, Node, Rel};
use crate::store::model::{BulkOperation, UserError};
use crate::store::{gid, now, ts, Store};
use serde_json::{json, Map, Value as Json};

/// Largest number of bulk operations running at once per shop (2026-01+).
const MAX_CONCURRENT: usize = 5;

/// The public URL of a finished operation's JSONL result.
pub fn result_url(base_url: &str, id: u64) -> String {
    format!("{base_url}/bulk-results/{id}.jsonl")
}

/// A bulk operation node.
pub fn operation_node<'c>(ctx: &'c Ctx<'c>, b: &BulkOperation) -> Node<'c> {
    let done = b.status == "COMPLETED";
    let fields = json!({
        "id": gid("BulkOperation", b.id), "status": b.status, "type": "QUERY", "errorCode": b.error_code, "query": b.query,
        "createdAt": ts(&b.created_at), "completedAt": b.completed_at.as_ref().map(ts),
        "objectCount": b.object_count.to_string(), "rootObjectCount": b.root_object_count.to_string(),
        "fileSize": b.result.as_ref().filter(|_| done).map(|r| r.len().to_string()),
        "url": done.then(|| result_url(ctx.base_url, b.id)), "partialDataUrl": null,
    });
    Node::new(ctx, "BulkOperation", fields, Rel::None)
}

/// `bulkOperationRunQuery(query:)`: `validate` checks the inner document against the schema.
pub fn run_query(store: &mut Store, a: &Map<String, Json>, validate: impl Fn(&str) -> Result<(), String>) -> Json {
    let query = a.get("query").and_then(Json::as_str).unwrap_or("").to_string();
    let fail = |msg: String, code: &str| json!({"bulkOperation": null, "userErrors": super::user_errors(&[UserError::new(&["query"], msg, Some(code))])});
    if let Err(msg) = validate(&query) {
        return fail(msg, "INVALID");
    }
    let running = store.bulk_operations.values().filter(|b| b.status == "CREATED" || b.status == "RUNNING").count();
    if running >= MAX_CONCURRENT {
        return fail(
            format!("A maximum of {MAX_CONCURRENT} bulk operations can run at the same time for this app and shop."),
            "LIMIT_REACHED",
        );
    }
    let id = store.next_id();
    store.bulk_operations.insert(
        id,
        BulkOperation {
            id,
            status: "CREATED".into(),
            query,
            error_code: None,
            object_count: 0,
            root_object_count: 0,
            result: None,
            created_at: now(),
            completed_at: None,
        },
    );
    json!({"bulkOperation": rel("BulkOperation", id), "userErrors": []})
}

/// The `bulk_operations/finish` webhook payload.
pub fn finish_payload(b: &BulkOperation) -> Json {
    json!({
        "admin_graphql_api_id": gid("BulkOperation", b.id), "completed_at": b.completed_at.as_ref().map(ts),
        "created_at": ts(&b.created_at), "error_code": b.error_code.as_ref().map(|c| c.to_lowercase()),
        "status": b.status.to_lowercase(), "type": "query",
    })
}
