//! weft connector for Tryton (8.x JSON-RPC; 7.x with `base_path = "/{db}/"`).
//!
//! Pulls products (templates with their variants), stock per warehouse, customers (parties),
//! sales (with their state), fulfilments (done shipments, line by line, with tracking) and
//! price lists as prices per market or B2B catalog;
//! pushes shop orders as confirmed sales with every cent, their changes (refunds, returns,
//! cancellations, edits) and customers as parties. See README.md for the mapping.

mod adjustments;
mod changes;
mod customers;
mod inventory;
mod money;
mod orders;
mod prices;
mod products;
mod rpc;
mod settings;
mod shipments;
mod values;

use rpc::Client;
use serde_json::{json, Value};
use settings::Settings;
use weft_sdk::prelude::*;

struct Tryton;

/// Pushes already applied are remembered under this kv prefix with their result.
const PUSHED_PREFIX: &str = "pushed/";

fn client() -> Result<Client, PluginError> {
    Ok(Client::new(Settings::load()?))
}

fn key(name: &str, description: &str, required: bool) -> ConfigKey {
    ConfigKey { name: name.into(), required, description: description.into() }
}

/// The company's currency code (prices and costs are in it).
fn company_currency(client: &Client) -> Result<String, PluginError> {
    let rows = client
        .model("company.company", "read", vec![json!([client.settings().company]), json!(["currency.code"])], json!({}))
        .map_err(|e| e.into_plugin_error("company"))?;
    rows.get(0)
        .and_then(|r| r.get("currency."))
        .and_then(|c| c.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            PluginError::invalid(
                "company",
                &format!("company {} does not exist or has no currency", client.settings().company),
            )
        })
}

fn ids(ids: &[String]) -> Vec<i64> {
    ids.iter().filter_map(|i| i.parse().ok()).collect()
}

impl Connector for Tryton {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new(
            "tryton",
            env!("CARGO_PKG_VERSION"),
            "Tryton ERP over JSON-RPC: products, stock, customers, sales",
        );
        info.entities = vec![
            EntitySupport { entity: Entity::Product, direction: Direction::Pull },
            EntitySupport { entity: Entity::InventoryLevel, direction: Direction::Pull },
            EntitySupport { entity: Entity::Customer, direction: Direction::Both },
            EntitySupport { entity: Entity::Order, direction: Direction::Both },
            EntitySupport { entity: Entity::Fulfillment, direction: Direction::Pull },
            EntitySupport { entity: Entity::Price, direction: Direction::Pull },
            EntitySupport { entity: Entity::OrderChange, direction: Direction::Push },
            EntitySupport { entity: Entity::InventoryAdjustment, direction: Direction::Push },
        ];
        info.config_keys = vec![
            key("url", "Server root, e.g. http://127.0.0.1:8000", true),
            key("database", "Database name", true),
            key("company", "Company id (sent in every call's context)", true),
            key("user", "Login (default admin)", false),
            key("base_path", "RPC path; `{db}` is replaced (default /{db}/rpc/ for 8.x; /{db}/ for 7.x)", false),
            key("warehouses", "Warehouse ids to report stock for, e.g. [5, 12] (default: all)", false),
            key("sale_warehouse", "Warehouse of pushed sales (default: the first of `warehouses`)", false),
            key("overlap_seconds", "How far incremental cursors step back once caught up (default 5)", false),
            key(
                "taxes",
                "Shopify tax title → account.tax id, e.g. {\"VAT 19%\" = 3} (default: the tax of that rate)",
                false,
            ),
            key(
                "shipping_product",
                "Product code of shipping lines (a service; default: lines without product)",
                false,
            ),
            key("carrier", "Tracking company of shipments (their reference is the tracking number)", false),
            key(
                "price_lists",
                "Price list name → scope, e.g. {\"EU\" = \"market:EU\", \"Acme\" = \"company_location:ACME-BER\"} (needed to pull prices)",
                false,
            ),
            key(
                "adjustment_location",
                "stock.location id Shopify's stock changes are booked to/from (default: the warehouse's lost-and-found)",
                false,
            ),
        ];
        info.secrets = vec!["password".into()];
        info
    }

    fn check() -> Result<(), PluginError> {
        let client = client()?;
        company_currency(&client)?;
        // Also proves the warehouses exist.
        inventory::pull(&client, None, 0).map(|_| ())
    }

    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        let client = client()?;
        let limit = limit.max(1);
        let cursor = cursor.as_deref();
        match entity {
            Entity::Product => products::pull(&client, &company_currency(&client)?, cursor, limit),
            Entity::InventoryLevel => inventory::pull(&client, cursor, limit),
            Entity::Customer => customers::pull(&client, cursor, limit),
            Entity::Order => orders::pull(&client, cursor, limit),
            Entity::Fulfillment => shipments::pull(&client, cursor, limit),
            Entity::Price => prices::pull(&client, cursor, limit),
            other => Err(PluginError::Permanent(format!("pull of {other:?} is not supported by the Tryton connector"))),
        }
    }

    fn fetch(entity: Entity, external_ids: Vec<String>) -> Vec<Result<Option<Record>, PluginError>> {
        let found = client().and_then(|client| {
            let wanted = ids(&external_ids);
            match entity {
                Entity::Product => products::fetch(&client, &company_currency(&client)?, &wanted),
                Entity::Customer => customers::fetch(&client, &wanted),
                Entity::Order => orders::fetch(&client, &wanted),
                other => {
                    Err(PluginError::Permanent(format!("fetch of {other:?} is not supported by the Tryton connector")))
                }
            }
        });
        match found {
            // `wanted` dropped unparsable ids: map back by id text.
            Ok(records) => external_ids
                .iter()
                .map(|id| Ok(records.iter().flatten().find(|r| r.external_id() == id).cloned()))
                .collect(),
            Err(e) => external_ids.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    fn push(entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        let client = match client() {
            Ok(c) => c,
            Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
        };
        records.iter().map(|r| push_one(&client, entity, r)).collect()
    }
}

/// One push, idempotent per key: a key seen before returns its first result untouched.
fn push_one(client: &Client, entity: Entity, keyed: &KeyedRecord) -> Result<Pushed, PluginError> {
    let kv_key = format!("{PUSHED_PREFIX}{}", keyed.key);
    if let Some(first) = kv::get_json::<Pushed>(&kv_key) {
        return Ok(first);
    }
    let pushed = match (entity, &keyed.record) {
        (Entity::Order, Record::Order(o)) => orders::push(client, o)?,
        (Entity::Customer, Record::Customer(c)) => customers::push(client, c)?,
        (Entity::OrderChange, Record::OrderChange(c)) => changes::push(client, c)?,
        (Entity::InventoryAdjustment, Record::InventoryAdjustment(a)) => adjustments::push(client, a)?,
        (Entity::Order | Entity::Customer | Entity::OrderChange | Entity::InventoryAdjustment, other) => {
            return Err(PluginError::invalid(
                "record",
                &format!("a {:?} record was pushed as {entity:?}", other.entity()),
            ))
        }
        (other, _) => {
            return Err(PluginError::Permanent(format!("push of {other:?} is not supported by the Tryton connector")))
        }
    };
    if let Err(e) = kv::set_json(&kv_key, &pushed) {
        // Not fatal: the next push of this key finds the object by reference/code instead.
        log::warn(&format!("cannot remember push {}: {e:?}", keyed.key));
    }
    Ok(pushed)
}

weft_sdk::export_connector!(Tryton);
