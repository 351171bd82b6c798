//! Customers are parties. Pushed customers get the shop's customer id as party `code`, so the
//! same customer is found, not created twice (the code is unique in Tryton).

use crate::products::str_field;
use crate::rpc::Client;
use crate::values::{decode_cursor, domain_after, encode_cursor, next_mark, order_by_mark, updated_at, Mark};
use serde_json::{json, Value};
use weft_sdk::{Address, Customer, Page, PluginError, Pushed, Record};

const FIELDS: [&str; 6] = ["code", "name", "email", "phone", "last_modified_at", "active"];

fn fail(field: &str) -> impl Fn(crate::rpc::RpcError) -> PluginError + '_ {
    move |e| e.into_plugin_error(field)
}

/// One page of parties changed after `cursor`.
pub fn pull(client: &Client, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let start: Option<Mark> = cursor.map(decode_cursor).transpose()?;
    let rows = client
        .model(
            "party.party",
            "search_read",
            vec![domain_after(start.as_ref(), Vec::new()), json!(0), json!(limit), order_by_mark(), json!(FIELDS)],
            json!({}),
        )
        .map_err(fail("customer"))?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let records = build(client, &rows)?;
    let full = rows.len() as u32 >= limit;
    let next = next_mark(start, rows.last().and_then(Mark::of), full, client.settings().overlap_seconds);
    Ok(Page { records, next_cursor: next.map(|m| encode_cursor(&m)), has_more: full })
}

/// Parties by id.
pub fn fetch(client: &Client, ids: &[i64]) -> Result<Vec<Option<Record>>, PluginError> {
    let rows = client
        .model(
            "party.party",
            "search_read",
            vec![json!([["id", "in", ids]]), json!(0), Value::Null, Value::Null, json!(FIELDS)],
            json!({}),
        )
        .map_err(fail("customer"))?;
    let records = build(client, rows.as_array().map(Vec::as_slice).unwrap_or_default())?;
    Ok(ids.iter().map(|id| records.iter().find(|r| r.external_id() == id.to_string()).cloned()).collect())
}

fn build(client: &Client, rows: &[Value]) -> Result<Vec<Record>, PluginError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.get("id").and_then(Value::as_i64)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let addresses = client
        .model(
            "party.address",
            "search_read",
            vec![
                json!([["party", "in", ids]]),
                json!(0),
                Value::Null,
                json!([["sequence", "ASC"], ["id", "ASC"]]),
                json!(["party", "street", "postal_code", "city", "country.code"]),
            ],
            json!({}),
        )
        .map_err(fail("customer"))?;
    let addresses = addresses.as_array().cloned().unwrap_or_default();
    Ok(rows
        .iter()
        .map(|r| {
            let id = r.get("id").and_then(Value::as_i64).unwrap_or_default();
            let name = str_field(r, "name").unwrap_or_default();
            let (first, last) = match name.rsplit_once(' ') {
                Some((f, l)) => (Some(f.to_owned()), Some(l.to_owned())),
                None => (None, Some(name.clone())),
            };
            Record::Customer(Customer {
                external_id: id.to_string(),
                sku: str_field(r, "code"),
                email: str_field(r, "email"),
                first_name: first,
                last_name: last,
                phone: str_field(r, "phone"),
                company: None,
                addresses: addresses
                    .iter()
                    .filter(|a| a.get("party").and_then(Value::as_i64) == Some(id))
                    .map(address)
                    .collect(),
                tags: Vec::new(),
                metafields: Vec::new(),
                updated_at: updated_at(r),
                extra: json!({"name": name, "active": r.get("active")}).to_string(),
            })
        })
        .collect())
}

fn address(a: &Value) -> Address {
    let street = str_field(a, "street").unwrap_or_default();
    let mut lines = street.lines().map(str::to_owned);
    Address {
        first_name: None,
        last_name: None,
        company: None,
        address1: lines.next(),
        address2: lines.next(),
        city: str_field(a, "city"),
        province_code: None,
        zip: str_field(a, "postal_code"),
        country_code: a.get("country.").and_then(|c| str_field(c, "code")),
        phone: None,
    }
}

/// Guest parties carry this code prefix and the e-mail; a registered customer with the same
/// e-mail takes such a party over (its code becomes the shop's customer id).
pub const GUEST_CODE_PREFIX: &str = "email:";

/// `text` as an exact, case-insensitive `ilike` pattern (`%`, `_` and backslash escaped).
fn exact_ilike(text: &str) -> String {
    text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect()
}

/// The oldest active party with `email` among its e-mail contact mechanisms, with its code.
fn by_email(client: &Client, email: &str, field: &str) -> Result<Option<(i64, String)>, PluginError> {
    let domain =
        json!([["type", "=", "email"], ["value", "ilike", exact_ilike(email.trim())], ["party.active", "=", true]]);
    let found = client
        .model(
            "party.contact_mechanism",
            "search_read",
            vec![domain, json!(0), json!(1), json!([["party", "ASC"]]), json!(["party", "party.code"])],
            json!({}),
        )
        .map_err(fail(field))?;
    Ok(found.get(0).and_then(|m| {
        let id = m.get("party").and_then(Value::as_i64)?;
        let code = m.get("party.").and_then(|p| str_field(p, "code")).unwrap_or_default();
        Some((id, code))
    }))
}

/// The party for a customer: matched by e-mail first, then by code (the shop's customer id),
/// else created. A guest party matched by a registered customer's e-mail takes that
/// customer's id as its code. Returns the party id and whether it was created.
pub fn ensure(client: &Client, code: &str, c: &Customer, field: &str) -> Result<(i64, bool), PluginError> {
    if let Some(email) = c.email.as_deref().filter(|e| !e.trim().is_empty()) {
        if let Some((id, found_code)) = by_email(client, email, field)? {
            if found_code.starts_with(GUEST_CODE_PREFIX) && !code.starts_with(GUEST_CODE_PREFIX) {
                client
                    .model("party.party", "write", vec![json!([id]), json!({"code": code})], json!({}))
                    .map_err(fail(field))?;
            }
            return Ok((id, false));
        }
    }
    let found = client
        .model("party.party", "search", vec![json!([["code", "=", code]]), json!(0), json!(1), Value::Null], json!({}))
        .map_err(fail(field))?;
    if let Some(id) = found.get(0).and_then(Value::as_i64) {
        return Ok((id, false));
    }
    let name = c
        .company
        .clone()
        .or_else(|| {
            let full =
                [c.first_name.as_deref(), c.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            (!full.trim().is_empty()).then_some(full)
        })
        .or_else(|| c.email.clone())
        .ok_or_else(|| {
            PluginError::invalid(&format!("{field}.name"), "a customer needs a name, a company or an e-mail")
        })?;
    let mut mechanisms = Vec::new();
    if let Some(email) = &c.email {
        mechanisms.push(json!({"type": "email", "value": email}));
    }
    if let Some(phone) = &c.phone {
        mechanisms.push(json!({"type": "phone", "value": phone}));
    }
    let mut addresses: Vec<Value> = c.addresses.iter().map(to_tryton_address).collect();
    if addresses.is_empty() {
        addresses.push(json!({}));
    }
    let vals = json!({"name": name, "code": code, "addresses": [["create", addresses]], "contact_mechanisms": [["create", mechanisms]]});
    let ids = client.model("party.party", "create", vec![json!([vals])], json!({})).map_err(fail(field))?;
    let id = ids
        .get(0)
        .and_then(Value::as_i64)
        .ok_or_else(|| PluginError::Permanent("party.create returned no id".into()))?;
    Ok((id, true))
}

/// A canonical address as Tryton `party.address` values (country left out: it needs an id).
pub fn to_tryton_address(a: &Address) -> Value {
    let street = [a.address1.as_deref(), a.address2.as_deref()].into_iter().flatten().collect::<Vec<_>>().join("\n");
    json!({"street": street, "postal_code": a.zip.clone().unwrap_or_default(), "city": a.city.clone().unwrap_or_default()})
}

/// Push one customer: matched by e-mail, then by its external id as party code, else created.
pub fn push(client: &Client, c: &Customer) -> Result<Pushed, PluginError> {
    if c.external_id.trim().is_empty() {
        return Err(PluginError::invalid("external-id", "a customer needs its shop id (used as the party code)"));
    }
    let (id, created) = ensure(client, &c.external_id, c, "customer")?;
    Ok(if created { Pushed::created(id.to_string()) } else { Pushed::updated(id.to_string()) })
}
