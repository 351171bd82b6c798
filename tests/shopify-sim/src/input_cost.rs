//! The "complexity cost" Shopify adds for large mutation inputs: an input field whose schema
//! description says `Complexity cost: N per ...` adds N for each value given (in 2026-04:
//! `ProductSetInput.variants` 0.2 per variant, `.metafields` 0.4, `.files` 1.9;
//! `ProductVariantSetInput.file` 0.6 and `.metafields` 0.4 per variant).

use apollo_compiler::ast::{Type, Value};
use apollo_compiler::executable::Field;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::Schema;
use serde_json::{Map, Value as Json};
use std::borrow::Cow;

/// The cost per value an input field's description declares (0 when it declares none).
fn per_value(description: Option<&str>) -> f64 {
    description
        .and_then(|d| d.split("Complexity cost: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0)
}

/// How many values an input holds (a list's length, one for a value, none for null).
fn values(v: Option<&Json>) -> f64 {
    match v {
        None | Some(Json::Null) => 0.0,
        Some(Json::Array(items)) => items.len() as f64,
        Some(_) => 1.0,
    }
}

/// The complexity cost of an input value of type `ty`.
fn value_cost(schema: &Schema, ty: &Type, value: &Json) -> f64 {
    match value {
        Json::Array(items) => items.iter().map(|i| value_cost(schema, ty.item_type(), i)).sum(),
        Json::Object(map) => {
            let Some(ExtendedType::InputObject(def)) = schema.types.get(ty.inner_named_type()) else {
                return 0.0;
            };
            def.fields
                .iter()
                .map(|(name, f)| {
                    let v = map.get(name.as_str());
                    per_value(f.description.as_deref()) * values(v) + v.map_or(0.0, |v| value_cost(schema, &f.ty, v))
                })
                .sum()
        }
        _ => 0.0,
    }
}

/// An argument's value as JSON, with variables substituted.
/// The argument's value as JSON; a variable is borrowed, not copied (an inventory mutation's
/// input holds hundreds of quantities).
fn to_json<'v>(value: &Value, variables: &'v Map<String, Json>) -> Cow<'v, Json> {
    match value {
        Value::Variable(v) => variables.get(v.as_str()).map_or(Cow::Owned(Json::Null), Cow::Borrowed),
        Value::List(items) => {
            Cow::Owned(Json::Array(items.iter().map(|i| to_json(i, variables).into_owned()).collect()))
        }
        Value::Object(fields) => Cow::Owned(Json::Object(
            fields.iter().map(|(k, v)| (k.to_string(), to_json(v, variables).into_owned())).collect(),
        )),
        Value::Null => Cow::Owned(Json::Null),
        // Scalars do not count values; their content does not matter here.
        _ => Cow::Owned(Json::Bool(true)),
    }
}

/// The complexity cost of a root mutation field's arguments.
pub fn complexity(schema: &Schema, field: &Field, variables: &Map<String, Json>) -> f64 {
    field
        .definition
        .arguments
        .iter()
        .map(|arg| {
            let given = field.arguments.iter().find(|a| a.name == arg.name).map(|a| to_json(&a.value, variables));
            given.map_or(0.0, |v| value_cost(schema, &arg.ty, &v))
        })
        .sum()
}
