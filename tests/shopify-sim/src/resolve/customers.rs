//! Customers: read model, `customers` query, `customerSet` / `customerCreate` and webhook payloads.

use super::connection::{paginate, Item};
use super::products::sort_key;
use super::{rel, user_errors, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::model::{Customer, UserError};
use crate::store::{gid, now, parse_gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

/// A customer node.
pub fn customer_node<'c>(ctx: &'c Ctx<'c>, store: &Store, c: &Customer) -> Node<'c> {
    let orders = store.orders.values().filter(|o| o.customer_id == Some(c.id)).count();
    let name = [c.first_name.as_deref(), c.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let display = if name.is_empty() { c.email.clone().unwrap_or_default() } else { name };
    let fields = json!({
        "id": gid("Customer", c.id), "legacyResourceId": c.id.to_string(), "email": c.email, "phone": c.phone,
        "firstName": c.first_name, "lastName": c.last_name, "displayName": display, "note": c.note, "tags": c.tags,
        "taxExempt": c.tax_exempt, "taxExemptions": [], "state": "ENABLED", "verifiedEmail": true, "validEmailAddress": true,
        "locale": "en", "numberOfOrders": orders.to_string(), "amountSpent": {"amount": "0.00", "currencyCode": "USD"},
        "defaultEmailAddress": c.email.as_ref().map(|e| json!({"emailAddress": e})),
        "defaultPhoneNumber": c.phone.as_ref().map(|p| json!({"phoneNumber": p})), "addresses": [], "defaultAddress": null,
        "createdAt": ts(&c.created_at), "updatedAt": ts(&c.updated_at),
    });
    Node::new(ctx, "Customer", fields, Rel::None)
}

/// `Query.customers` (`email`, `updated_at`, ... filters; `updated_at` matches whole days, like Shopify).
pub fn customers<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let sort = a.get("sortKey").and_then(Json::as_str);
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .customers
        .values()
        .filter(|c| {
            query.matches("email", |f| match f {
                "email" => c.email.clone().map(|e| vec![e]),
                "phone" => c.phone.clone().map(|p| vec![p]),
                "first_name" => c.first_name.clone().map(|n| vec![n]),
                "last_name" => c.last_name.clone().map(|n| vec![n]),
                "tag" => Some(c.tags.clone()),
                "id" => Some(vec![c.id.to_string()]),
                "updated_at" => Some(vec![c.updated_at.format("%Y-%m-%d").to_string()]),
                "created_at" => Some(vec![c.created_at.format("%Y-%m-%d").to_string()]),
                _ => None,
            })
        })
        .map(|c| Item { key: sort_key(sort, &c.updated_at, &c.created_at, c.id), node: customer_node(ctx, &store, c) })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}

/// The REST-shaped customer for `customers/*` webhooks.
pub fn customer_payload(c: &Customer) -> Json {
    json!({
        "id": c.id, "admin_graphql_api_id": gid("Customer", c.id), "email": c.email, "phone": c.phone,
        "first_name": c.first_name, "last_name": c.last_name, "note": c.note, "tags": c.tags.join(", "),
        "tax_exempt": c.tax_exempt, "state": "enabled", "created_at": ts(&c.created_at), "updated_at": ts(&c.updated_at),
    })
}

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

/// Applies a `CustomerSetInput`/`CustomerInput` to a customer (creating it when `id` is None).
fn write(store: &mut Store, id: Option<u64>, input: &Json) -> u64 {
    let t = now();
    let created = id.is_none();
    let id = id.unwrap_or_else(|| store.next_id());
    let c = store.customers.entry(id).or_insert_with(|| Customer {
        id,
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        note: None,
        tags: Vec::new(),
        tax_exempt: false,
        created_at: t,
        updated_at: t,
    });
    for (key, slot) in [
        ("email", &mut c.email),
        ("phone", &mut c.phone),
        ("firstName", &mut c.first_name),
        ("lastName", &mut c.last_name),
        ("note", &mut c.note),
    ] {
        if let Some(v) = input.get(key) {
            *slot = v.as_str().map(str::to_string);
        }
    }
    if let Some(tags) = input.get("tags").and_then(Json::as_array) {
        c.tags = tags.iter().filter_map(Json::as_str).map(str::to_string).collect();
    }
    if let Some(t) = input.get("taxExempt").and_then(Json::as_bool) {
        c.tax_exempt = t;
    }
    c.updated_at = t;
    let body = customer_payload(c);
    store.emit(if created { "customers/create" } else { "customers/update" }, body);
    id
}

fn email_taken(store: &Store, email: Option<&str>, except: Option<u64>) -> bool {
    email.is_some_and(|e| store.customers.values().any(|c| c.email.as_deref() == Some(e) && Some(c.id) != except))
}

/// Finds a customer by email or creates one; returns its id.
pub fn upsert_by_email(store: &mut Store, email: &str) -> u64 {
    match store.customers.values().find(|c| c.email.as_deref() == Some(email)) {
        Some(c) => c.id,
        None => write(store, None, &json!({"email": email})),
    }
}

/// `customerSet(input:, identifier:)`: create, update by id, or upsert by email/phone.
pub fn customer_set(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let identifier = a.get("identifier").cloned().unwrap_or(Json::Null);
    let fail = |field: &[&str], msg: &str, code: &str| json!({"customer": null, "userErrors": user_errors(&[UserError::new(field, msg, Some(code))])});
    let too_long = crate::limits::customer(&input, &["input"], true);
    if !too_long.is_empty() {
        return json!({"customer": null, "userErrors": user_errors(&too_long)});
    }
    let target = if let Some(raw) = s(&identifier, "id") {
        match parse_gid("Customer", raw).filter(|id| store.customers.contains_key(id)) {
            Some(id) => Some(id),
            None => return fail(&["identifier", "id"], "Customer does not exist", "NOT_FOUND"),
        }
    } else if let Some(email) = s(&identifier, "email") {
        if s(&input, "email").is_some_and(|e| e != email) {
            return fail(&["input", "email"], "The identifier and input values must match", "INPUT_MISMATCH");
        }
        store.customers.values().find(|c| c.email.as_deref() == Some(email)).map(|c| c.id)
    } else if let Some(phone) = s(&identifier, "phone") {
        store.customers.values().find(|c| c.phone.as_deref() == Some(phone)).map(|c| c.id)
    } else {
        None
    };
    if email_taken(store, s(&input, "email"), target) {
        return fail(&["input", "email"], "Email has already been taken", "TAKEN");
    }
    let mut input = input;
    if target.is_none() && input.get("email").is_none() {
        if let (Some(email), Some(map)) = (s(&identifier, "email").map(str::to_string), input.as_object_mut()) {
            map.insert("email".into(), Json::String(email));
        }
    }
    let id = write(store, target, &input);
    json!({"customer": rel("Customer", id), "userErrors": []})
}

/// `customerCreate(input:)`.
pub fn customer_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    let too_long = crate::limits::customer(&input, &[], false);
    if !too_long.is_empty() {
        return json!({"customer": null, "userErrors": user_errors(&too_long)});
    }
    if email_taken(store, s(&input, "email"), None) {
        let e = UserError::new(&["email"], "Email has already been taken", None);
        return json!({"customer": null, "userErrors": user_errors(&[e])});
    }
    if s(&input, "email").is_none() && s(&input, "phone").is_none() && s(&input, "lastName").is_none() {
        let e = UserError::new(&["customer"], "A name, phone number, or email address must be present", None);
        return json!({"customer": null, "userErrors": user_errors(&[e])});
    }
    let id = write(store, None, &input);
    json!({"customer": rel("Customer", id), "userErrors": []})
}
