//! A `weft:plugin@0.1.0` connector, built against the 0.1.0 WIT with wit-bindgen directly (no
//! SDK), so the host's 0.1.0 seam keeps being tested with a real 0.1.0 component.
//!
//! - `pull(order)`: the orders of config key `orders`, a JSON list of
//!   `{"id", "name", "email", "currency", "shipping", "tax", "total", "lines": [{"sku", "qty", "price", "discount"}]}`,
//!   one page, cursor `done`.
//! - `push(order)`: remembers each order in kv under its id (`created` the first time).
//! - `fetch(order)`: what `push` remembered, as 0.1.0 orders.

wit_bindgen::generate!({
    path: "../../../wit/weft-plugin@0.1.0",
    world: "connector-plugin",
    generate_all,
});

use exports::weft::plugin::connector::Guest;
use serde_json::Value;
use weft::plugin::types::{
    ChangeEvent, ConfigKey, Direction, Entity, EntitySupport, FinancialStatus, KeyedRecord, Money, Order, OrderLine,
    Page, PluginError, PluginInfo, Pushed, Record,
};
use weft::plugin::{config, kv};

struct Legacy;

fn money(amount: &Value, currency: &str) -> Option<Money> {
    amount.as_str().map(|a| Money { amount: a.to_owned(), currency: currency.to_owned() })
}

fn order(o: &Value) -> Result<Order, PluginError> {
    let text = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
    let currency = text("currency");
    let lines = o["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| OrderLine {
            external_id: format!("{}-{i}", text("id")),
            sku: l["sku"].as_str().map(str::to_owned),
            title: l["sku"].as_str().unwrap_or_default().to_owned(),
            quantity: l["qty"].as_u64().unwrap_or(1) as u32,
            unit_price: money(&l["price"], &currency)
                .unwrap_or(Money { amount: "0".into(), currency: currency.clone() }),
            discount: money(&l["discount"], &currency),
            extra: "{}".into(),
        })
        .collect();
    Ok(Order {
        external_id: text("id"),
        sku: None,
        name: text("name"),
        source: "legacy".into(),
        email: o["email"].as_str().map(str::to_owned),
        customer: None,
        lines,
        shipping: money(&o["shipping"], &currency),
        tax: money(&o["tax"], &currency),
        total: money(&o["total"], &currency).ok_or_else(|| {
            PluginError::InvalidInput(weft::plugin::types::FieldError {
                field: "total".into(),
                message: "required".into(),
            })
        })?,
        financial_status: FinancialStatus::Paid,
        cancelled: false,
        shipping_address: None,
        billing_address: None,
        tags: vec!["legacy".into()],
        created_at: text("created_at"),
        updated_at: None,
        extra: "{}".into(),
        currency,
    })
}

impl Guest for Legacy {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "legacy-feed".into(),
            version: "0.1.0".into(),
            description: "Test fixture: external orders from config, orders pushed into kv".into(),
            entities: vec![EntitySupport { entity: Entity::Order, direction: Direction::Both }],
            config_keys: vec![ConfigKey {
                name: "orders".into(),
                required: false,
                description: "JSON list of orders".into(),
            }],
            secrets: Vec::new(),
        }
    }

    fn check() -> Result<(), PluginError> {
        Ok(())
    }

    fn pull(entity: Entity, cursor: Option<String>, _limit: u32) -> Result<Page, PluginError> {
        if entity != Entity::Order {
            return Err(PluginError::Permanent(format!("pull of {entity:?} is not supported")));
        }
        if cursor.as_deref() == Some("done") {
            return Ok(Page { records: Vec::new(), next_cursor: Some("done".into()), has_more: false });
        }
        let list: Value = serde_json::from_str(&config::get("orders").unwrap_or_else(|| "[]".into()))
            .map_err(|e| PluginError::Permanent(format!("orders: {e}")))?;
        let records =
            list.as_array().into_iter().flatten().map(|o| order(o).map(Record::Order)).collect::<Result<_, _>>()?;
        Ok(Page { records, next_cursor: Some("done".into()), has_more: false })
    }

    fn fetch(_entity: Entity, ids: Vec<String>) -> Vec<Result<Option<Record>, PluginError>> {
        ids.iter()
            .map(|id| {
                let stored = kv::get(&format!("order/{id}"));
                Ok(stored
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .map(|v| order(&v))
                    .transpose()?
                    .map(Record::Order))
            })
            .collect()
    }

    fn push(_entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        records
            .iter()
            .map(|k| {
                let Record::Order(o) = &k.record else {
                    return Err(PluginError::Permanent("legacy-feed takes orders only".into()));
                };
                let key = format!("order/{}", o.external_id);
                let created = kv::get(&key).is_none();
                let lines: Vec<Value> = o
                    .lines
                    .iter()
                    .map(|l| serde_json::json!({"sku": l.sku, "qty": l.quantity, "price": l.unit_price.amount, "discount": l.discount.as_ref().map(|d| &d.amount)}))
                    .collect();
                let stored = serde_json::json!({"id": o.external_id, "name": o.name, "email": o.email, "currency": o.currency,
                    "shipping": o.shipping.as_ref().map(|s| &s.amount), "tax": o.tax.as_ref().map(|t| &t.amount),
                    "total": o.total.amount, "lines": lines, "created_at": o.created_at});
                kv::set(&key, stored.to_string().as_bytes())?;
                Ok(Pushed { external_id: o.external_id.clone(), created })
            })
            .collect()
    }

    fn parse_event(_headers: Vec<(String, String)>, _body: Vec<u8>) -> Result<Vec<ChangeEvent>, PluginError> {
        Ok(Vec::new())
    }
}

export!(Legacy);
