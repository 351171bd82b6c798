//! Test-only connector used by the engine's tests.
//!
//! - `parse-event`: the body is a JSON array of `{"id": "...", "email": "..."}`; each becomes a
//!   customer change event carrying its record.
//! - `pull`: `count` numbered customers, 10 per page, cursor = next index.
//! - `push`: POSTs each record to `sink_url` with `idempotency-key` and `authorization: Bearer
//!   <token>`; the sink answers `{"id": "...", "created": bool}` (or `"unchanged": true`, or
//!   `"skipped": "why"`), reported as the push's outcome. Config `fail` makes every push
//!   fail with `retryable`, `invalid`, `rate-limited` (5 s) or `leak` (an error quoting the token).

use weft_sdk::http::Request;
use weft_sdk::prelude::*;

struct Relay;

fn customer(id: &str, email: Option<String>) -> Record {
    Record::Customer(Customer {
        external_id: id.to_owned(),
        sku: None,
        email,
        first_name: None,
        last_name: None,
        phone: None,
        company: None,
        addresses: Vec::new(),
        tags: Vec::new(),
        metafields: Vec::new(),
        updated_at: None,
        extra: "{}".into(),
    })
}

fn push_one(url: &str, token: &str, record: &KeyedRecord) -> Result<Pushed, PluginError> {
    if let Some(mode) = config::get("fail") {
        return Err(match mode.as_str() {
            "retryable" => PluginError::Retryable("sink is down".into()),
            "invalid" => PluginError::invalid("email", "not an address"),
            "rate-limited" => PluginError::RateLimited(5_000),
            "leak" => PluginError::Retryable(format!("sink refused token {token}")),
            other => PluginError::Permanent(format!("unknown fail mode {other}")),
        });
    }
    let response = Request::new("POST", url)
        .header("idempotency-key", &record.key)
        .header("authorization", &format!("Bearer {token}"))
        .json(&record.record)?
        .send()?
        .error_for_status()?;
    let body: serde_json::Value = response.json()?;
    let id = body["id"].as_str().unwrap_or_default();
    Ok(if let Some(why) = body["skipped"].as_str() {
        Pushed::skipped(id, why)
    } else if body["unchanged"] == true {
        Pushed::unchanged(id)
    } else if body["created"] == true {
        Pushed::created(id)
    } else {
        Pushed::updated(id)
    })
}

impl Connector for Relay {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new("relay", env!("CARGO_PKG_VERSION"), "test relay");
        info.entities = vec![EntitySupport { entity: Entity::Customer, direction: Direction::Both }];
        info
    }

    fn check() -> Result<(), PluginError> {
        Ok(())
    }

    fn pull(_entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        let count: u32 = config::get("count").and_then(|c| c.parse().ok()).unwrap_or(0);
        let start: u32 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let end = (start + limit.min(10)).min(count);
        let records = (start..end).map(|i| customer(&format!("c{i}"), Some(format!("c{i}@example.com")))).collect();
        Ok(Page { records, next_cursor: Some(end.to_string()), has_more: end < count })
    }

    fn push(_entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        let url = match config::require("sink_url") {
            Ok(u) => u,
            Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
        };
        let token = secrets::get("token").unwrap_or_default();
        records.iter().map(|r| push_one(&url, &token, r)).collect()
    }

    fn parse_event(_headers: Vec<(String, String)>, body: Vec<u8>) -> Result<Vec<ChangeEvent>, PluginError> {
        let items: Vec<serde_json::Value> = serde_json::from_slice(&body)
            .map_err(|e| PluginError::invalid("body", &format!("not a JSON array: {e}")))?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let id = item["id"].as_str()?;
                Some(ChangeEvent {
                    entity: Entity::Customer,
                    external_id: id.to_owned(),
                    record: Some(customer(id, item["email"].as_str().map(str::to_owned))),
                })
            })
            .collect())
    }
}

weft_sdk::export_connector!(Relay);
