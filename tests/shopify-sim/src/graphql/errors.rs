//! Errors shaped like Shopify's (graphql-ruby wording and `extensions.code`).

use apollo_compiler::validation::DiagnosticList;
use serde_json::{json, Value as Json};

/// The 401 body Shopify sends for a missing or wrong access token.
pub const INVALID_TOKEN: &str = "[API] Invalid API key or access token (unrecognized login or wrong password)";

/// Names quoted in backticks in an apollo-compiler message, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The field name of a coordinate such as `QueryRoot.products` or `QueryRoot.product(id:)`.
fn field_of(coordinate: &str) -> &str {
    let tail = coordinate.rsplit('.').next().unwrap_or(coordinate);
    tail.split('(').next().unwrap_or(tail)
}

fn camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Converts apollo-compiler diagnostics into Shopify-style GraphQL errors.
pub fn validation_errors(list: &DiagnosticList) -> Vec<Json> {
    list.iter()
        .map(|d| {
            let raw = d.error.to_string();
            let q = quoted(&raw);
            let locations: Vec<Json> = d
                .line_column_range()
                .map(|r| vec![json!({"line": r.start.line, "column": r.start.column})])
                .unwrap_or_default();
            let name = d.error.unstable_error_name();
            let (message, extensions) = match (name, q.as_slice()) {
                (Some("UndefinedField"), [ty, field, ..]) => (
                    format!("Field '{field}' doesn't exist on type '{ty}'"),
                    json!({"code": "undefinedField", "typeName": ty, "fieldName": field}),
                ),
                (Some("UndefinedArgument"), [arg, coordinate, ..]) => {
                    let (kind, owner) = match coordinate.strip_prefix('@') {
                        Some(directive) => ("Directive", directive),
                        None => ("Field", field_of(coordinate)),
                    };
                    (
                        format!("{kind} '{owner}' doesn't accept argument '{arg}'"),
                        json!({"code": "argumentNotAccepted", "name": owner, "typeName": kind, "argumentName": arg}),
                    )
                }
                (Some("RequiredArgument"), [coordinate, ..]) => {
                    let arg = coordinate.rsplit('(').next().unwrap_or("").trim_end_matches([':', ')']);
                    let (kind, owner) = match coordinate.strip_prefix('@') {
                        Some(d) => ("Directive", d.split('(').next().unwrap_or(d)),
                        None => ("Field", field_of(coordinate)),
                    };
                    (
                        format!("{kind} '{owner}' is missing required arguments: {arg}"),
                        json!({"code": "missingRequiredArguments", "className": kind, "name": owner, "arguments": arg}),
                    )
                }
                (Some("UndefinedDirective"), [directive, ..]) => {
                    let directive = directive.trim_start_matches('@');
                    (
                        format!("Directive @{directive} is not defined"),
                        json!({"code": "undefinedDirective", "directiveName": directive}),
                    )
                }
                (Some("UndefinedVariable"), [var, ..]) => {
                    let var = var.trim_start_matches('$');
                    (
                        format!("Variable ${var} is used but not declared"),
                        json!({"code": "variableNotDefined", "variableName": var}),
                    )
                }
                (Some("UnusedVariable"), [var, ..]) => {
                    let var = var.trim_start_matches('$');
                    (
                        format!("Variable ${var} is declared but not used"),
                        json!({"code": "variableNotUsed", "variableName": var}),
                    )
                }
                (Some("MissingSubselection"), _) => {
                    (format!("Field must have selections ({raw})"), json!({"code": "selectionMismatch"}))
                }
                (Some("SubselectionOnScalarType" | "SubselectionOnEnumType"), _) => {
                    (format!("Selections can't be made on scalars ({raw})"), json!({"code": "selectionMismatch"}))
                }
                (Some(other), _) => (raw.clone(), json!({"code": camel(other)})),
                (None, _) => {
                    let at = d
                        .line_column_range()
                        .map(|r| format!(" at [{}, {}]", r.start.line, r.start.column))
                        .unwrap_or_default();
                    (format!("syntax error, {}{at}", raw.trim_start_matches("syntax error: ")), Json::Null)
                }
            };
            let mut error = json!({"message": message, "locations": locations});
            if !extensions.is_null() {
                error["extensions"] = extensions;
            }
            error
        })
        .collect()
}

/// `THROTTLED` (HTTP 200).
pub fn throttled() -> Json {
    json!({"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}})
}

/// `MAX_COST_EXCEEDED` for a request whose static cost is over the single-query limit.
pub fn max_cost_exceeded(cost: u64, max: u64) -> Json {
    json!({
        "message": format!("Query cost is {cost}, which exceeds the single query max cost limit ({max})."),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": max, "documentation": "https://shopify.dev/api/usage/rate-limits"},
    })
}

/// A request-level error (bad operation name, invalid variables).
pub fn request_error(message: &str, code: &str) -> Json {
    json!({"message": message, "extensions": {"code": code}})
}
