//! `bulkOperationRunMutation(mutation:, stagedUploadPath:)`: checks the mutation (one top-level
//! mutation field, validated against the schema) and the staged JSONL file, then records the
//! operation; `crate::graphql::bulk_mutation` runs its lines in the background. Any mutation the
//! simulator implements may run in bulk, as Shopify allows from 2026-01
//! (<https://shopify.dev/changelog/faster-bulk-operations>).

use super::bulk::{concurrency_error, create};
use super::{rel, user_errors, Ctx};
use crate::graphql::errors::validation_errors;
use crate::store::model::UserError;
use crate::store::Store;
use crate::uploads::key_of;
use apollo_compiler::executable::OperationType;
use apollo_compiler::ExecutableDocument;
use serde_json::{json, Map, Value as Json};

/// Mutations a bulk mutation may not run.
const NOT_ALLOWED: &[&str] =
    &["bulkOperationRunMutation", "bulkOperationRunQuery", "bulkOperationCancel", "stagedUploadsCreate"];

fn error(field: Option<&str>, message: impl Into<String>, code: Option<&str>) -> UserError {
    UserError { field: field.map(|f| vec![f.to_string()]), message: message.into(), code: code.map(str::to_string) }
}

/// The problem with the mutation document, if any.
fn check_mutation(ctx: &Ctx<'_>, text: &str) -> Option<UserError> {
    let doc = match ExecutableDocument::parse_and_validate(ctx.schema, text, "bulk_mutation.graphql") {
        Ok(doc) => doc,
        Err(e) => {
            let first = validation_errors(&e.errors)
                .first()
                .and_then(|e| e["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Some(error(
                Some("mutation"),
                format!("Failed to parse the mutation - {first}"),
                Some("INVALID_MUTATION"),
            ));
        }
    };
    let Ok(op) = doc.operations.get(None) else {
        return Some(error(
            Some("mutation"),
            "The mutation must contain exactly one operation.",
            Some("INVALID_MUTATION"),
        ));
    };
    if op.operation_type != OperationType::Mutation {
        return Some(error(
            None,
            "Invalid operation type. Only `mutation` operations are supported.",
            Some("INVALID_MUTATION"),
        ));
    }
    let roots: Vec<String> = op.root_fields(&doc).map(|f| f.name.to_string()).collect();
    match roots.as_slice() {
        [root] if NOT_ALLOWED.contains(&root.as_str()) => {
            Some(error(Some("mutation"), "You must use an allowed mutation name.", None))
        }
        [_] => None,
        _ => Some(error(Some("mutation"), "You must specify a single top level mutation.", None)),
    }
}

/// The problem with the staged variables file, if any.
fn check_file(store: &Store, key: &str) -> Option<UserError> {
    let upload = store.uploads.get(key).filter(|u| u.resource == "BULK_MUTATION_VARIABLES" && u.bytes.is_some());
    match upload {
        None => Some(error(
            None,
            "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.",
            Some("NO_SUCH_FILE"),
        )),
        Some(u) if u.bytes.as_ref().is_none_or(|b| b.iter().all(u8::is_ascii_whitespace)) => Some(error(None, "The input file is empty.", Some("INVALID_STAGED_UPLOAD_FILE"))),
        Some(_) => None,
    }
}

/// `bulkOperationRunMutation(mutation:, stagedUploadPath:, clientIdentifier:)`.
pub fn run_mutation(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let mutation = a.get("mutation").and_then(Json::as_str).unwrap_or("").to_string();
    let key = key_of(ctx.base_url, a.get("stagedUploadPath").and_then(Json::as_str).unwrap_or("")).to_string();
    let problem = check_mutation(ctx, &mutation).or_else(|| check_file(store, &key)).or_else(|| {
        concurrency_error(store, "MUTATION", ctx.api_version).map(|(message, code)| error(None, message, Some(code)))
    });
    if let Some(e) = problem {
        return json!({"bulkOperation": null, "userErrors": user_errors(&[e])});
    }
    let client_identifier = a.get("clientIdentifier").and_then(Json::as_str).map(str::to_string);
    let id = create(store, "MUTATION", mutation, ctx.api_version, Some(key), client_identifier);
    ctx.bulk_started.borrow_mut().push(id);
    json!({"bulkOperation": rel("BulkOperation", id), "userErrors": []})
}
