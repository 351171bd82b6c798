//! Metafields: `metafieldsSet` (atomic, at most 25, typed by the shop's definition or the input,
//! `compareDigest` compare-and-set), `metafieldsDelete`, `metafieldDefinitionCreate`, the
//! `metafieldDefinitions` / `metafieldDefinition` queries, and `metafield` / `metafields` on owners.

use super::connection::{id_key, paginate, Item};
use super::metafield_types::{json_value, problems, supported, validation_problems};
use super::{rel, Ctx, Node, Rel};
use crate::store::metafields::{owner_type, resolve_namespace, Metafield, MetafieldDefinition, OWNER_TYPES};
use crate::store::{gid, now, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// Most metafields one `metafieldsSet` takes (schema: "Allows a maximum of 25 metafields to be set at a time").
const MAX_SET: usize = 25;

/// Most definitions an app creates per owner type (<https://shopify.dev/docs/apps/build/metafields/metafield-limits>).
const MAX_DEFINITIONS: usize = 256;

/// Namespaces Shopify reserves.
const RESERVED_NAMESPACES: &[&str] = &["shopify_standard", "protected", "shopify-l10n-fields"];

/// A `MetafieldsSetUserError` / `MetafieldDefinitionCreateUserError` as JSON.
fn user_error(
    field: Vec<String>,
    message: impl Into<String>,
    code: Option<&str>,
    element_index: Option<usize>,
) -> Json {
    json!({"field": field, "message": message.into(), "code": code, "elementIndex": element_index})
}

fn at(prefix: &str, i: usize, field: &str) -> Vec<String> {
    [prefix.to_string(), i.to_string(), field.to_string()].into_iter().filter(|s| !s.is_empty()).collect()
}

/// A `gid://shopify/{Kind}/{id}` split into its kind and number.
pub fn split_gid(value: &str) -> Option<(&str, u64)> {
    let (kind, id) = value.strip_prefix("gid://shopify/")?.split_once('/')?;
    Some((kind, id.split('?').next()?.parse().ok()?))
}

/// The problem with a namespace or key, if any (`what` is "Namespace" or "Key").
fn name_problem(what: &str, value: &str, min: usize, max: usize) -> Option<(&'static str, String)> {
    let len = value.chars().count();
    if len < min {
        Some(("TOO_SHORT", format!("{what} is too short (minimum is {min} characters)")))
    } else if len > max {
        Some(("TOO_LONG", format!("{what} is too long (maximum is {max} characters)")))
    } else if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Some(("INVALID", format!("{what} contains one or more invalid characters.")))
    } else {
        None
    }
}

/// The definition of `namespace.key` on an owner type.
fn definition<'s>(store: &'s Store, owner_type: &str, namespace: &str, key: &str) -> Option<&'s MetafieldDefinition> {
    store
        .metafield_definitions
        .values()
        .find(|d| d.owner_type == owner_type && d.namespace == namespace && d.key == key)
}

/// One checked `MetafieldsSetInput`, ready to write.
struct Planned {
    owner_kind: String,
    owner_id: u64,
    namespace: String,
    key: String,
    type_name: String,
    value: String,
}

/// Checks input `i` of `metafieldsSet`; the errors in Shopify's shape when it is refused.
fn check(store: &Store, input: &Json, i: usize, currency: &str) -> Result<Planned, Vec<Json>> {
    let s = |k: &str| input.get(k).and_then(Json::as_str);
    let owner =
        s("ownerId").and_then(split_gid).filter(|(kind, id)| owner_type(kind).is_some() && store.has_record(kind, *id));
    let Some((owner_kind, owner_id)) = owner else {
        return Err(vec![user_error(at("metafields", i, "ownerId"), "Owner does not exist.", Some("INVALID"), None)]);
    };
    let namespace = resolve_namespace(s("namespace"));
    let key = s("key").unwrap_or("").to_string();
    if RESERVED_NAMESPACES.contains(&namespace.as_str()) {
        return Err(vec![user_error(
            at("metafields", i, "namespace"),
            format!("Namespace {namespace} is a reserved namespace"),
            None,
            None,
        )]);
    }
    for (field, what, value, min, max) in
        [("namespace", "Namespace", namespace.as_str(), 3, 255), ("key", "Key", key.as_str(), 2, 64)]
    {
        if let Some((code, message)) = name_problem(what, value, min, max) {
            return Err(vec![user_error(at("metafields", i, field), message, Some(code), None)]);
        }
    }
    let def = definition(store, owner_type(owner_kind).unwrap_or(""), &namespace, &key);
    let existing = store.find_metafield(owner_kind, owner_id, &namespace, &key);
    let Some(type_name) = s("type").map(str::to_string).or_else(|| def.map(|d| d.type_name.clone())) else {
        return Err(vec![user_error(at("metafields", i, "type"), "Type can't be blank", Some("BLANK"), None)]);
    };
    let type_error = if !supported(&type_name) {
        Some(format!("Type {type_name} is not a metafield type shopify-sim supports."))
    } else if def.is_some_and(|d| d.type_name != type_name) {
        def.map(|d| format!("Type must be {} to match the metafield definition.", d.type_name))
    } else {
        existing
            .filter(|m| m.type_name != type_name)
            .map(|m| format!("Type must be {} to match the existing metafield.", m.type_name))
    };
    if let Some(message) = type_error {
        return Err(vec![user_error(at("metafields", i, "type"), message, Some("INVALID_TYPE"), None)]);
    }
    let value = s("value").unwrap_or("").to_string();
    let exists = |reference: &str| split_gid(reference).is_some_and(|(kind, id)| store.has_record(kind, id));
    let mut errors: Vec<Json> = problems(&type_name, &value, currency, &exists)
        .into_iter()
        .map(|(element, message)| user_error(at("metafields", i, "value"), message, Some("INVALID_VALUE"), element))
        .collect();
    if let Some(d) = def.filter(|_| errors.is_empty()) {
        errors.extend(
            validation_problems(&type_name, &value, &d.validations)
                .into_iter()
                .map(|m| user_error(at("metafields", i, "value"), m, Some("INVALID_VALUE"), None)),
        );
    }
    if let Some(expected) = input.get("compareDigest") {
        let current = existing.map(Metafield::digest);
        if expected.as_str() != current.as_deref() {
            let message =
                "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.";
            errors.push(user_error(at("metafields", i, ""), message, Some("STALE_OBJECT"), None));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Planned { owner_kind: owner_kind.to_string(), owner_id, namespace, key, type_name, value })
}

/// Writes a checked metafield (creating or updating); returns its id.
fn upsert(store: &mut Store, p: Planned) -> u64 {
    let existing = store.find_metafield(&p.owner_kind, p.owner_id, &p.namespace, &p.key).map(|m| m.id);
    let id = existing.unwrap_or_else(|| store.next_id());
    let t = now();
    let created_at = store.metafields.get(&id).map_or(t, |m| m.created_at);
    let m = Metafield {
        id,
        owner_kind: p.owner_kind,
        owner_id: p.owner_id,
        namespace: p.namespace,
        key: p.key,
        type_name: p.type_name,
        value: p.value,
        created_at,
        updated_at: t,
    };
    store.metafields.insert(id, m);
    id
}

/// `metafieldsSet(metafields:)`: all or nothing.
pub fn metafields_set(store: &mut Store, a: &Map<String, Json>, currency: &str) -> Json {
    let inputs = a.get("metafields").and_then(Json::as_array).cloned().unwrap_or_default();
    if inputs.len() > MAX_SET {
        let e = user_error(
            vec!["metafields".into()],
            format!("Exceeded the maximum metafields input limit of {MAX_SET}."),
            Some("LESS_THAN_OR_EQUAL_TO"),
            None,
        );
        return json!({"metafields": [], "userErrors": [e]});
    }
    let checked: Vec<Result<Planned, Vec<Json>>> =
        inputs.iter().enumerate().map(|(i, input)| check(store, input, i, currency)).collect();
    let errors: Vec<Json> = checked.iter().filter_map(|c| c.as_ref().err()).flatten().cloned().collect();
    if !errors.is_empty() {
        return json!({"metafields": [], "userErrors": errors});
    }
    let ids: Vec<u64> = checked.into_iter().flatten().map(|p| upsert(store, p)).collect();
    json!({"metafields": ids.iter().map(|id| rel("Metafield", *id)).collect::<Vec<_>>(), "userErrors": []})
}

/// `metafieldsDelete(metafields:)`: each identifier deleted, or null when there was nothing to delete.
pub fn metafields_delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let deleted: Vec<Json> = a
        .get("metafields")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let owner = m.get("ownerId").and_then(Json::as_str).unwrap_or("");
            let namespace = resolve_namespace(m.get("namespace").and_then(Json::as_str));
            let key = m.get("key").and_then(Json::as_str).unwrap_or("");
            let found =
                split_gid(owner).and_then(|(kind, id)| store.find_metafield(kind, id, &namespace, key)).map(|f| f.id);
            match found.and_then(|id| store.metafields.remove(&id)) {
                Some(_) => json!({"ownerId": owner, "namespace": namespace, "key": key}),
                None => Json::Null,
            }
        })
        .collect();
    json!({"deletedMetafields": deleted, "userErrors": []})
}

/// A metafield node.
pub fn metafield_node<'c>(ctx: &'c Ctx<'c>, store: &Store, m: &Metafield) -> Node<'c> {
    let owner_type = owner_type(&m.owner_kind).unwrap_or("");
    let def = definition(store, owner_type, &m.namespace, &m.key);
    let fields = json!({
        "id": gid("Metafield", m.id), "legacyResourceId": m.id.to_string(), "namespace": m.namespace, "key": m.key, "value": m.value,
        "type": m.type_name, "jsonValue": json_value(&m.type_name, &m.value), "compareDigest": m.digest(), "ownerType": owner_type,
        "owner": rel(&m.owner_kind, m.owner_id), "definition": def.map(|d| rel("MetafieldDefinition", d.id)), "description": null,
        "reference": super::metafield_types::reference_kind(&m.type_name).and_then(|_| split_gid(&m.value)).map(|(kind, id)| rel(kind, id)),
        "createdAt": ts(&m.created_at), "updatedAt": ts(&m.updated_at),
    });
    Node::new(ctx, "Metafield", fields, Rel::None)
}

/// `metafield(namespace:, key:)` and `metafields(namespace:, keys:, first:...)` on an owner.
pub fn owner_field<'a>(
    ctx: &'a Ctx<'a>,
    kind: &str,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let a = super::args(info);
    let store = ctx.store();
    let namespace = a.get("namespace").and_then(Json::as_str);
    match info.field_name() {
        "metafield" => {
            let key = a.get("key").and_then(Json::as_str).unwrap_or("");
            let found = store.find_metafield(kind, id, &resolve_namespace(namespace), key);
            Ok(Some(found.map_or(ResolvedValue::null(), |m| ResolvedValue::object(metafield_node(ctx, &store, m)))))
        }
        "metafields" => {
            let keys: Option<Vec<String>> = a
                .get("keys")
                .and_then(Json::as_array)
                .map(|k| k.iter().filter_map(Json::as_str).map(str::to_string).collect());
            let namespace = namespace.map(|n| resolve_namespace(Some(n)));
            let items: Vec<Item> = store
                .metafields
                .values()
                .filter(|m| m.owner_kind == kind && m.owner_id == id)
                .filter(|m| namespace.as_ref().is_none_or(|n| *n == m.namespace))
                .filter(|m| keys.as_ref().is_none_or(|k| k.contains(&format!("{}.{}", m.namespace, m.key))))
                .map(|m| Item { key: id_key(m.id), node: metafield_node(ctx, &store, m) })
                .collect();
            drop(store);
            paginate(ctx, info, &a, items).map(Some)
        }
        _ => Ok(None),
    }
}

/// The category Shopify files a metafield type under.
fn category(type_name: &str) -> &'static str {
    match type_name.trim_start_matches("list.") {
        "number_integer" | "number_decimal" => "NUMBER",
        "date" | "date_time" => "DATE_TIME",
        "weight" | "dimension" | "volume" => "MEASUREMENT",
        "boolean" => "TRUE_FALSE",
        "color" => "COLOR",
        "url" => "URL",
        "json" => "JSON",
        "money" => "MONEY",
        "rating" => "RATING",
        t if t.ends_with("_reference") => "REFERENCE",
        _ => "TEXT",
    }
}

/// A metafield definition node.
pub fn definition_node<'c>(ctx: &'c Ctx<'c>, store: &Store, d: &MetafieldDefinition) -> Node<'c> {
    let count = store
        .metafields
        .values()
        .filter(|m| {
            owner_type(&m.owner_kind) == Some(d.owner_type.as_str()) && m.namespace == d.namespace && m.key == d.key
        })
        .count();
    let value_type = match d.type_name.as_str() {
        "number_integer" => "INTEGER",
        "boolean" => "BOOLEAN",
        "json" => "JSON_STRING",
        _ => "STRING",
    };
    let fields = json!({
        "id": gid("MetafieldDefinition", d.id), "name": d.name, "namespace": d.namespace, "key": d.key, "description": d.description,
        "ownerType": d.owner_type, "pinnedPosition": null, "useAsCollectionCondition": false, "validationStatus": "ALL_VALID",
        "type": {"name": d.type_name, "category": category(&d.type_name), "supportedValidations": [], "supportsDefinitionMigrations": false, "valueType": value_type},
        "validations": d.validations.iter().map(|(n, v)| json!({"name": n, "type": "string", "value": v})).collect::<Vec<_>>(),
        "access": {"admin": "PUBLIC_READ_WRITE", "storefront": "NONE", "customerAccount": "NONE"}, "metafieldsCount": count,
        "standardTemplate": null,
    });
    Node::new(ctx, "MetafieldDefinition", fields, Rel::None)
}

/// `metafieldDefinitionCreate(definition:)`.
pub fn definition_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("definition").cloned().unwrap_or(Json::Null);
    let s = |k: &str| input.get(k).and_then(Json::as_str);
    let fail = |field: &str, message: String, code: &str| json!({"createdDefinition": null, "userErrors": [user_error(vec!["definition".into(), field.into()], message, Some(code), None)]});
    let owner = s("ownerType").unwrap_or("");
    if !OWNER_TYPES.iter().any(|(_, t)| *t == owner) {
        return fail(
            "ownerType",
            format!("shopify-sim does not support metafield definitions on {owner}."),
            "INCLUSION",
        );
    }
    let namespace = resolve_namespace(s("namespace"));
    let key = s("key").unwrap_or("").to_string();
    for (field, what, value, min, max) in
        [("namespace", "Namespace", namespace.as_str(), 3, 255), ("key", "Key", key.as_str(), 2, 64)]
    {
        if let Some((code, message)) = name_problem(what, value, min, max) {
            return fail(field, message, code);
        }
    }
    let name = s("name").unwrap_or("").trim().to_string();
    if name.is_empty() {
        return fail("name", "Name can't be blank".into(), "BLANK");
    }
    let type_name = s("type").unwrap_or("").to_string();
    if !supported(&type_name) {
        return fail("type", format!("Type {type_name} is not a metafield type shopify-sim supports."), "INCLUSION");
    }
    if definition(store, owner, &namespace, &key).is_some() {
        return fail(
            "key",
            format!("Key is in use for {} metafields on the '{namespace}' namespace.", owner.to_lowercase()),
            "TAKEN",
        );
    }
    if store.metafield_definitions.values().filter(|d| d.owner_type == owner).count() >= MAX_DEFINITIONS {
        return fail(
            "ownerType",
            format!("Limit of {MAX_DEFINITIONS} definitions per resource type reached."),
            "RESOURCE_TYPE_LIMIT_EXCEEDED",
        );
    }
    let validations = input
        .get("validations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v.get("name")?.as_str()?.to_string(), v.get("value")?.as_str()?.to_string())))
        .collect();
    let id = store.next_id();
    let description = s("description").map(str::to_string);
    store.metafield_definitions.insert(
        id,
        MetafieldDefinition {
            id,
            owner_type: owner.to_string(),
            namespace,
            key,
            name,
            description,
            type_name,
            validations,
            created_at: now(),
        },
    );
    json!({"createdDefinition": rel("MetafieldDefinition", id), "userErrors": []})
}

/// `Query.metafieldDefinitions(ownerType:, namespace:, key:, first:...)`.
pub fn definitions<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let s = |k: &str| a.get(k).and_then(Json::as_str);
    let namespace = s("namespace").map(|n| resolve_namespace(Some(n)));
    let store = ctx.store();
    let items: Vec<Item> = store
        .metafield_definitions
        .values()
        .filter(|d| {
            Some(d.owner_type.as_str()) == s("ownerType")
                && namespace.as_ref().is_none_or(|n| *n == d.namespace)
                && s("key").is_none_or(|k| k == d.key)
        })
        .map(|d| Item { key: id_key(d.id), node: definition_node(ctx, &store, d) })
        .collect();
    drop(store);
    paginate(ctx, info, a, items)
}

/// `Query.metafieldDefinition(identifier: {ownerType, namespace, key})`.
pub fn definition_by_identifier(store: &Store, a: &Map<String, Json>) -> Json {
    let ident = a.get("identifier").cloned().unwrap_or(Json::Null);
    let s = |k: &str| ident.get(k).and_then(Json::as_str);
    definition(store, s("ownerType").unwrap_or(""), &resolve_namespace(s("namespace")), s("key").unwrap_or(""))
        .map_or(Json::Null, |d| rel("MetafieldDefinition", d.id))
}
