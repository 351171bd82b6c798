//! Bulk operations: `bulkOperationRunQuery` records a query operation (mutations: see
//! [`super::bulk_mutation`]); the server runs them in the background (see `crate::graphql::bulk`),
//! then `bulkOperation(id:)`, `bulkOperations` and `currentBulkOperation(type:)` report status,
//! counts and the JSONL URL; `bulkOperationCancel` stops one.

use super::connection::{id_key, paginate, Item};
use super::{id_arg, rel, user_errors, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{BulkOperation, UserError};
use crate::store::{gid, now, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// Largest number of bulk operations running at once per app and shop, from 2026-01
/// (<https://shopify.dev/changelog/faster-bulk-operations>); earlier versions allow one of each type.
const MAX_CONCURRENT: usize = 5;

/// The public URL of an operation's JSONL result.
pub fn result_url(base_url: &str, id: u64) -> String {
    format!("{base_url}/bulk-results/{id}.jsonl")
}

/// True while an operation has not finished.
pub fn running(b: &BulkOperation) -> bool {
    matches!(b.status.as_str(), "CREATED" | "RUNNING" | "CANCELING")
}

/// A bulk operation node.
pub fn operation_node<'c>(ctx: &'c Ctx<'c>, b: &BulkOperation) -> Node<'c> {
    let done = b.status == "COMPLETED";
    let partial =
        matches!(b.status.as_str(), "FAILED" | "CANCELED") && b.result.as_ref().is_some_and(|r| !r.is_empty());
    let fields = json!({
        "id": gid("BulkOperation", b.id), "status": b.status, "type": b.kind, "errorCode": b.error_code, "query": b.query,
        "createdAt": ts(&b.created_at), "completedAt": b.completed_at.as_ref().map(ts),
        "objectCount": b.object_count.to_string(), "rootObjectCount": b.root_object_count.to_string(),
        "fileSize": b.result.as_ref().filter(|_| done).map(|r| r.len().to_string()),
        "url": done.then(|| result_url(ctx.base_url, b.id)), "partialDataUrl": partial.then(|| result_url(ctx.base_url, b.id)),
    });
    Node::new(ctx, "BulkOperation", fields, Rel::None)
}

/// Why a new operation of `kind` cannot start now (message, code), per the API version's limit.
pub fn concurrency_error(store: &Store, kind: &str, version: &str) -> Option<(String, &'static str)> {
    let active: Vec<&BulkOperation> = store.bulk_operations.values().filter(|b| running(b)).collect();
    if version < "2026-01" {
        let same = active.iter().find(|b| b.kind == kind)?;
        let message = format!(
            "A bulk {} operation for this app and shop is already in progress: {}.",
            kind.to_lowercase(),
            gid("BulkOperation", same.id)
        );
        return Some((message, "OPERATION_IN_PROGRESS"));
    }
    (active.len() >= MAX_CONCURRENT).then(|| {
        (
            format!("A maximum of {MAX_CONCURRENT} bulk operations can run at the same time for this app and shop."),
            "LIMIT_REACHED",
        )
    })
}

/// Records a new operation in state CREATED; returns its id.
pub fn create(
    store: &mut Store,
    kind: &str,
    query: String,
    version: &str,
    staged_upload_path: Option<String>,
    client_identifier: Option<String>,
) -> u64 {
    let id = store.next_id();
    let operation = BulkOperation {
        id,
        kind: kind.to_string(),
        status: "CREATED".into(),
        query,
        api_version: version.to_string(),
        staged_upload_path,
        client_identifier,
        error_code: None,
        object_count: 0,
        root_object_count: 0,
        result: None,
        created_at: now(),
        completed_at: None,
    };
    store.bulk_operations.insert(id, operation);
    id
}

/// `bulkOperationRunQuery(query:)`: `validate` checks the inner document against the schema.
pub fn run_query(
    store: &mut Store,
    a: &Map<String, Json>,
    version: &str,
    validate: impl Fn(&str) -> Result<(), String>,
) -> Json {
    let query = a.get("query").and_then(Json::as_str).unwrap_or("").to_string();
    let fail = |e: UserError| json!({"bulkOperation": null, "userErrors": user_errors(&[e])});
    if let Err(msg) = validate(&query) {
        return fail(UserError::new(&["query"], msg, Some("INVALID")));
    }
    if let Some((message, code)) = concurrency_error(store, "QUERY", version) {
        return fail(UserError { field: None, message, code: Some(code.into()) });
    }
    let id = create(store, "QUERY", query, version, None, None);
    json!({"bulkOperation": rel("BulkOperation", id), "userErrors": []})
}

/// `currentBulkOperation(type:)`: the app's most recent operation of that type.
pub fn current(store: &Store, a: &Map<String, Json>) -> Json {
    let kind = a.get("type").and_then(Json::as_str).unwrap_or("QUERY");
    store.bulk_operations.values().rev().find(|b| b.kind == kind).map_or(Json::Null, |b| rel("BulkOperation", b.id))
}

fn lookup(b: &BulkOperation, field: &str) -> Option<Vec<String>> {
    Some(match field {
        "status" => vec![b.status.to_lowercase()],
        "operation_type" => vec![b.kind.to_lowercase()],
        "created_at" => vec![ts(&b.created_at)],
        "id" => vec![b.id.to_string()],
        _ => return None,
    })
}

/// `Query.bulkOperations`: newest first by default (`sortKey` CREATED_AT or COMPLETED_AT), `query`
/// filters `status`, `operation_type`, `created_at`, `id`.
pub fn operations<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let by_completion = a.get("sortKey").and_then(Json::as_str) == Some("COMPLETED_AT");
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .bulk_operations
        .values()
        .filter(|b| query.matches("status", |f| lookup(b, f)))
        .map(|b| {
            let at =
                if by_completion { b.completed_at.as_ref().map(ts).unwrap_or_default() } else { ts(&b.created_at) };
            // Keys sort newest first: inverted timestamp digits, then the inverted id.
            let inverted: String =
                at.chars().map(|c| c.to_digit(10).map_or(c, |d| char::from(b'9' - d as u8))).collect();
            Item { key: format!("{inverted}{}", id_key(u64::MAX - b.id)), node: operation_node(ctx, b) }
        })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}

/// `bulkOperationCancel(id:)`: a running operation becomes CANCELING, then its runner stops it.
pub fn cancel(store: &mut Store, a: &Map<String, Json>) -> Json {
    let Some(b) = id_arg(a, "id", "BulkOperation").and_then(|id| store.bulk_operations.get_mut(&id)) else {
        return json!({"bulkOperation": null, "userErrors": user_errors(&[UserError::new(&["id"], "Bulk operation does not exist", None)])});
    };
    if !running(b) {
        let e = UserError {
            field: None,
            message: format!("A bulk operation cannot be canceled when it is {}", b.status.to_lowercase()),
            code: None,
        };
        return json!({"bulkOperation": rel("BulkOperation", b.id), "userErrors": user_errors(&[e])});
    }
    b.status = "CANCELING".into();
    json!({"bulkOperation": rel("BulkOperation", b.id), "userErrors": []})
}

/// The `bulk_operations/finish` webhook payload.
pub fn finish_payload(b: &BulkOperation) -> Json {
    json!({
        "admin_graphql_api_id": gid("BulkOperation", b.id), "completed_at": b.completed_at.as_ref().map(ts),
        "created_at": ts(&b.created_at), "error_code": b.error_code.as_ref().map(|c| c.to_lowercase()),
        "status": b.status.to_lowercase(), "type": b.kind.to_lowercase(),
    })
}
