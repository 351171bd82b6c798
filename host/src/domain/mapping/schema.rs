//! The part of Shopify's Admin schema that mappings write into: the input types of the mutations
//! weft sends (`productSet`, `productVariantsBulkUpdate`, `orderCreate`, `customerSet`,
//! `fulfillmentCreate`, `inventorySetQuantities`) and every input type and enum they reach,
//! embedded as compact SDL (`shopify_inputs.graphql`). `host/tests/integration/mapping_schema.rs` generates
//! it from the real schema in `tests/shopify-sim/schema/` and fails when it differs.

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The embedded excerpt.
pub const SDL: &str = include_str!("shopify_inputs.graphql");

/// The input types the excerpt starts from (everything they reach is included).
pub const ROOTS: &[&str] = &[
    "ProductSetInput",
    "ProductVariantsBulkInput",
    "OrderCreateOrderInput",
    "CustomerSetInput",
    "FulfillmentInput",
    "InventoryQuantityInput",
];

/// A GraphQL type reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A named type (scalar, enum or input object).
    Named(String),
    /// A list of the inner type.
    List(Box<TypeRef>),
    /// The inner type, required.
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    /// Parse `[Foo!]!`.
    fn parse(text: &str) -> Option<TypeRef> {
        let text = text.trim();
        if let Some(inner) = text.strip_suffix('!') {
            return Some(TypeRef::NonNull(Box::new(TypeRef::parse(inner)?)));
        }
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Some(TypeRef::List(Box::new(TypeRef::parse(inner)?)));
        }
        (!text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then(|| TypeRef::Named(text.to_owned()))
    }

    /// The type without its `!`.
    pub fn nullable(&self) -> &TypeRef {
        match self {
            TypeRef::NonNull(inner) => inner.nullable(),
            other => other,
        }
    }

    /// The named type at the bottom of lists and `!`s.
    pub fn name(&self) -> &str {
        match self {
            TypeRef::Named(n) => n,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => inner.name(),
        }
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Named(n) => f.write_str(n),
            TypeRef::List(inner) => write!(f, "[{inner}]"),
            TypeRef::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

/// The input types and enums of the excerpt.
#[derive(Debug, Default)]
pub struct Schema {
    inputs: BTreeMap<String, Vec<(String, TypeRef)>>,
    enums: BTreeMap<String, Vec<String>>,
}

/// The embedded schema, parsed once.
pub static SHOPIFY: LazyLock<Schema> = LazyLock::new(|| Schema::parse(SDL));

/// Scalars whose values are strings on the wire (numbers given for them are written as text).
const TEXT_SCALARS: &[&str] = &[
    "String",
    "ID",
    "URL",
    "HTML",
    "DateTime",
    "Date",
    "Decimal",
    "Money",
    "FormattedString",
    "UnsignedInt64",
    "ARN",
    "StorefrontID",
    "UtcOffset",
    "Color",
];

impl Schema {
    /// Parse compact SDL (`input Name {` / `enum Name {` blocks, one field or value a line).
    pub fn parse(sdl: &str) -> Schema {
        let mut schema = Schema::default();
        let mut current: Option<(bool, String)> = None;
        for line in sdl.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if line == "}" {
                current = None;
                continue;
            }
            if let Some(rest) = line.strip_suffix('{').map(str::trim) {
                if let Some(name) = rest.strip_prefix("input ") {
                    schema.inputs.entry(name.trim().to_owned()).or_default();
                    current = Some((true, name.trim().to_owned()));
                } else if let Some(name) = rest.strip_prefix("enum ") {
                    schema.enums.entry(name.trim().to_owned()).or_default();
                    current = Some((false, name.trim().to_owned()));
                }
                continue;
            }
            match &current {
                Some((true, name)) => {
                    let Some((field, ty)) = line.split_once(':') else { continue };
                    let ty = ty.split('=').next().unwrap_or_default();
                    if let (Some(ty), Some(fields)) = (TypeRef::parse(ty), schema.inputs.get_mut(name)) {
                        fields.push((field.trim().to_owned(), ty));
                    }
                }
                Some((false, name)) => {
                    if let Some(values) = schema.enums.get_mut(name) {
                        values.push(line.to_owned());
                    }
                }
                None => {}
            }
        }
        schema
    }

    /// The fields of input type `name`.
    pub fn fields(&self, name: &str) -> Option<&[(String, TypeRef)]> {
        self.inputs.get(name).map(Vec::as_slice)
    }

    /// The type of field `field` of input type `input`.
    pub fn field(&self, input: &str, field: &str) -> Option<&TypeRef> {
        self.fields(input)?.iter().find(|(f, _)| f == field).map(|(_, t)| t)
    }

    /// Whether `name` is an input object type of the excerpt.
    pub fn is_input(&self, name: &str) -> bool {
        self.inputs.contains_key(name)
    }

    /// `value` as a value of type `ty`: text for text scalars, the enum value matched without
    /// regard to case, a comma-separated text split for a list, every key of an input object
    /// checked. `Err` says what does not fit, at `at`.
    pub fn coerce(&self, ty: &TypeRef, value: Json, at: &str) -> Result<Json, String> {
        if value.is_null() {
            return Ok(Json::Null);
        }
        match ty.nullable() {
            TypeRef::List(inner) => {
                let items = match value {
                    Json::Array(items) => items,
                    Json::String(s) if inner.name() == "String" || inner.name() == "ID" => {
                        s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(Json::from).collect()
                    }
                    other => vec![other],
                };
                let items = items.into_iter().filter(|v| !v.is_null());
                items
                    .enumerate()
                    .map(|(i, v)| self.coerce(inner, v, &format!("{at}[{i}]")))
                    .collect::<Result<_, _>>()
                    .map(Json::Array)
            }
            TypeRef::Named(name) => self.coerce_named(name, value, at),
            TypeRef::NonNull(inner) => self.coerce(inner, value, at),
        }
    }

    fn coerce_named(&self, name: &str, value: Json, at: &str) -> Result<Json, String> {
        let wrong = |what: &str, value: &Json| format!("{at}: gives {value}, Shopify's {name} wants {what}");
        if TEXT_SCALARS.contains(&name) {
            return match value {
                Json::String(_) => Ok(value),
                Json::Number(n) => Ok(Json::String(n.to_string())),
                Json::Bool(b) => Ok(Json::String(b.to_string())),
                other => Err(wrong("text", &other)),
            };
        }
        match name {
            "Int" => match &value {
                Json::Number(n) if n.is_i64() || n.is_u64() => Ok(value),
                Json::String(s) => s.trim().parse::<i64>().map(Json::from).map_err(|_| wrong("a whole number", &value)),
                _ => Err(wrong("a whole number", &value)),
            },
            "Float" => match &value {
                Json::Number(_) => Ok(value),
                Json::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .ok_or_else(|| wrong("a number", &value)),
                _ => Err(wrong("a number", &value)),
            },
            "Boolean" => match &value {
                Json::Bool(_) => Ok(value),
                Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(Json::Bool(true)),
                Json::String(s) if s.eq_ignore_ascii_case("false") => Ok(Json::Bool(false)),
                _ => Err(wrong("true or false", &value)),
            },
            "JSON" => Ok(value),
            _ if self.enums.contains_key(name) => {
                let values = &self.enums[name];
                let text = match &value {
                    Json::String(s) => s.trim().to_ascii_uppercase().replace([' ', '-'], "_"),
                    _ => return Err(wrong(&format!("one of {}", values.join(", ")), &value)),
                };
                values
                    .iter()
                    .find(|v| **v == text)
                    .map(|v| Json::String(v.clone()))
                    .ok_or_else(|| wrong(&format!("one of {}", values.join(", ")), &value))
            }
            _ if self.is_input(name) => {
                let Json::Object(map) = value else { return Err(wrong("an object", &value)) };
                let mut out = serde_json::Map::new();
                for (key, v) in map {
                    let ty = self.field(name, &key).ok_or_else(|| {
                        let known: Vec<&str> =
                            self.fields(name).unwrap_or_default().iter().map(|(f, _)| f.as_str()).collect();
                        format!("{at}: {name} has no field `{key}` (fields: {})", known.join(", "))
                    })?;
                    let v = self.coerce(ty, v, &format!("{at}.{key}"))?;
                    if !v.is_null() {
                        out.insert(key, v);
                    }
                }
                Ok(Json::Object(out))
            }
            other => Err(format!("{at}: the type {other} is not in weft's copy of the schema")),
        }
    }

    /// The excerpt as compact SDL, in the form of [`SDL`] (the generator test writes this).
    pub fn to_sdl(inputs: &BTreeMap<String, Vec<(String, String)>>, enums: &BTreeMap<String, Vec<String>>) -> String {
        let mut out = String::from(
            "# Generated by host/tests/integration/mapping_schema.rs from tests/shopify-sim/schema (WEFT_BLESS=1 rewrites it).\n",
        );
        for (name, fields) in inputs {
            out.push_str(&format!("\ninput {name} {{\n"));
            for (field, ty) in fields {
                out.push_str(&format!("  {field}: {ty}\n"));
            }
            out.push_str("}\n");
        }
        for (name, values) in enums {
            out.push_str(&format!("\nenum {name} {{\n"));
            for v in values {
                out.push_str(&format!("  {v}\n"));
            }
            out.push_str("}\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_coerced_to_the_input_types() {
        let s = &*SHOPIFY;
        let tags = s.field("ProductSetInput", "tags").unwrap().clone();
        assert_eq!(s.coerce(&tags, json!("a, b,,c"), "tags").unwrap(), json!(["a", "b", "c"]));
        let status = s.field("ProductSetInput", "status").unwrap().clone();
        assert_eq!(s.coerce(&status, json!("active"), "status").unwrap(), json!("ACTIVE"));
        let err = s.coerce(&status, json!("gone"), "status").unwrap_err();
        assert!(err.contains("one of ACTIVE, ARCHIVED, DRAFT"), "{err}");
        let price = s.field("ProductVariantSetInput", "price").unwrap().clone();
        assert_eq!(s.coerce(&price, json!(12.5), "price").unwrap(), json!("12.5"));
        let item = s.field("ProductVariantSetInput", "inventoryItem").unwrap().clone();
        let err = s.coerce(&item, json!({"colour": 1}), "inventoryItem").unwrap_err();
        assert!(err.contains("has no field `colour` (fields: "), "{err}");
    }
}
