//! The GraphQL request pipeline: parse the body, validate the document against the schema
//! (cached by text), price it, take the cost from the bucket, execute, refund, and shape the
//! response with `extensions.cost`. Fault injection happens around it in [`crate::server`].

pub mod bulk;
pub mod bulk_mutation;
pub mod errors;

use crate::cost::Pricer;
use crate::resolve::mutation::MutationRoot;
use crate::resolve::query::QueryRoot;
use crate::resolve::Ctx;
use crate::store::Event;
use crate::{lock, Shared};
use apollo_compiler::executable::{Operation, OperationType};
use apollo_compiler::resolvers::Execution;
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use apollo_compiler::ExecutableDocument;
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

/// Shopify's single-query cost limit.
pub const MAX_COST: u64 = 1000;

/// Most documents kept in the validation cache.
const DOCUMENT_CACHE: usize = 512;

/// A parsed, validated request ready to run.
pub struct Prepared {
    doc: Arc<Valid<ExecutableDocument>>,
    operation_name: Option<String>,
    variables: Map<String, Json>,
    /// `query` or `mutation`.
    pub operation_type: &'static str,
    /// Root field names of the selected operation.
    pub root_fields: Vec<String>,
}

/// What executing a request produced.
pub struct Executed {
    /// The response body (always HTTP 200).
    pub body: Json,
    /// Webhook events raised by the request.
    pub events: Vec<Event>,
    /// Bulk operations to start.
    pub bulk_started: Vec<u64>,
}

/// A response that ends the request before execution: HTTP status and JSON body.
pub type Rejection = (u16, Json);

fn cost_extension(shared: &Shared, requested: u64, actual: Option<u64>) -> Json {
    let status = lock(&shared.bucket).throttle_status();
    json!({"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}})
}

/// An errors-only 200 response with the cost extension.
fn error_response(shared: &Shared, errors: Vec<Json>, requested: u64) -> Json {
    json!({"errors": errors, "extensions": cost_extension(shared, requested, Some(0))})
}

/// Parses the body (`application/json` or `application/graphql`) and validates the document.
pub fn prepare(shared: &Shared, content_type: &str, body: &[u8]) -> Result<Prepared, Rejection> {
    let bad = || (400, json!({"errors": {"query": "Required parameter missing or invalid"}}));
    let (query, variables, operation_name) = if content_type.starts_with("application/graphql") {
        (String::from_utf8(body.to_vec()).map_err(|_| bad())?, Map::new(), None)
    } else {
        let mut request: Json = serde_json::from_slice(body).map_err(|_| bad())?;
        let query = request.get("query").and_then(Json::as_str).ok_or_else(bad)?.to_string();
        let variables = match request.get_mut("variables").map(Json::take) {
            Some(Json::Object(v)) => v,
            Some(Json::Null) | None => Map::new(),
            Some(_) => return Err(bad()),
        };
        let name = request.get("operationName").and_then(Json::as_str).map(str::to_string);
        (query, variables, name)
    };
    let doc = document(shared, &query).map_err(|errors| (200, error_response(shared, errors, 0)))?;
    let op = doc.operations.get(operation_name.as_deref()).map_err(|e| {
        (200, error_response(shared, vec![errors::request_error(&e.message().to_string(), "OPERATION_NOT_FOUND")], 0))
    })?;
    let operation_type = match op.operation_type {
        OperationType::Mutation => "mutation",
        _ => "query",
    };
    let root_fields = op.root_fields(&doc).map(|f| f.name.to_string()).collect();
    Ok(Prepared { doc: doc.clone(), operation_name, variables, operation_type, root_fields })
}

/// Validates `query` against the schema, reusing earlier results for the same text.
pub fn document(shared: &Shared, query: &str) -> Result<Arc<Valid<ExecutableDocument>>, Vec<Json>> {
    if let Some(doc) = lock(&shared.documents).get(query) {
        return Ok(doc.clone());
    }
    let doc = ExecutableDocument::parse_and_validate(&shared.schema, query, "request.graphql")
        .map_err(|e| errors::validation_errors(&e.errors))?;
    let doc = Arc::new(doc);
    let mut cache = lock(&shared.documents);
    if cache.len() >= DOCUMENT_CACHE {
        cache.clear();
    }
    cache.insert(query.to_string(), doc.clone());
    Ok(doc)
}

/// What running one operation over the store produced.
pub struct Run {
    /// The `data` of the response; None when the variables were refused before execution.
    pub data: Option<Json>,
    /// GraphQL errors (resolver errors with their Shopify `extensions`).
    pub errors: Vec<Json>,
    /// Webhook events raised.
    pub events: Vec<Event>,
    /// Root mutation fields that wrote something.
    pub writes: Vec<String>,
    /// Bulk operations created, to be started.
    pub bulk_started: Vec<u64>,
}

/// Executes `op` of a validated document over the store with `variables`, without cost or rate
/// limit (the caller charges); `bulk` makes connections return every item (bulk queries).
pub fn run(
    shared: &Shared,
    doc: &Valid<ExecutableDocument>,
    op: &Operation,
    variables: &Map<String, Json>,
    version: &str,
    bulk: bool,
) -> Run {
    let mut guard = lock(&shared.store);
    let ctx = Ctx::new(
        std::mem::take(&mut *guard),
        &shared.schema,
        variables,
        &shared.base_url,
        &shared.config,
        version,
        bulk,
    );
    let raw_variables = JsonMap::deserialize(variables).unwrap_or_default();
    let execution = Execution::new(&shared.schema, doc).operation(op).raw_variable_values(&raw_variables);
    let result = if op.operation_type.is_mutation() {
        execution.execute_sync(&MutationRoot { ctx: &ctx })
    } else {
        execution.execute_sync(&QueryRoot { ctx: &ctx })
    };
    let writes = ctx.writes.take();
    let mut errors = ctx.errors.take();
    let bulk_started = ctx.bulk_started.take();
    let extensions = ctx.error_extensions.take();
    let mut store = ctx.into_store();
    let events = std::mem::take(&mut store.events);
    *guard = store;
    drop(guard);
    let data = match result {
        Ok(response) => {
            errors.extend(response.errors.iter().map(|e| {
                let mut error = serde_json::to_value(e).unwrap_or(Json::Null);
                // apollo-compiler prefixes resolver messages; coded errors carry Shopify's own wording.
                let bare = e.message.strip_prefix("resolver error: ").unwrap_or(&e.message);
                if let Some((message, ext)) = extensions.iter().find(|(message, _)| message == bare) {
                    error["message"] = Json::String(message.clone());
                    error["extensions"] = ext.clone();
                }
                error
            }));
            Some(response.data.map(|d| serde_json::to_value(d).unwrap_or(Json::Null)).unwrap_or(Json::Null))
        }
        Err(e) => {
            errors.push(errors::request_error(&e.message().to_string(), "INVALID_VARIABLE"));
            None
        }
    };
    Run { data, errors, events, writes, bulk_started }
}

/// Adds successful writes to the writes-per-mutation counter.
pub fn count_writes(shared: &Shared, writes: Vec<String>) {
    let mut counters = lock(&shared.counters);
    for w in writes {
        *counters.writes.entry(w).or_insert(0) += 1;
    }
}

/// Prices, rate-limits and executes a prepared request against the store.
pub fn execute(shared: &Shared, version: &str, req: &Prepared, force_throttle: bool) -> Executed {
    let nothing = |body| Executed { body, events: Vec::new(), bulk_started: Vec::new() };
    let Ok(op) = req.doc.operations.get(req.operation_name.as_deref()) else {
        return nothing(error_response(
            shared,
            vec![errors::request_error("Operation not found", "OPERATION_NOT_FOUND")],
            0,
        ));
    };
    let pricer = Pricer { schema: &shared.schema, doc: &req.doc, variables: &req.variables };
    let requested = pricer.requested(op);
    if requested > MAX_COST {
        return nothing(error_response(shared, vec![errors::max_cost_exceeded(requested, MAX_COST)], requested));
    }
    if force_throttle || !lock(&shared.bucket).try_take(requested) {
        lock(&shared.counters).throttled += 1;
        return nothing(
            json!({"errors": [errors::throttled()], "extensions": cost_extension(shared, requested, None)}),
        );
    }
    let Run { data, errors, events, writes, bulk_started } = run(shared, &req.doc, op, &req.variables, version, false);
    let (data, actual) = match data {
        Some(data) => {
            let actual = pricer.actual(op, &data).min(requested);
            (data, actual)
        }
        None => (Json::Null, 0),
    };
    lock(&shared.bucket).refund(requested - actual);
    lock(&shared.counters).cost_spent += actual;
    count_writes(shared, writes);
    let mut body = json!({"data": data});
    if !errors.is_empty() {
        body["errors"] = Json::Array(errors);
    }
    body["extensions"] = cost_extension(shared, requested, Some(actual));
    Executed { body, events, bulk_started }
}
