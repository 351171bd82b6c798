//! The mapping view and its live preview. For a flow: source field → destination field with
//! its expression, condition and owner; and, for one sample record (pulled from the source or
//! given as JSON), what the flow would write — through the same transforms and the same write
//! builders the flow uses, without writing anything.

use super::catalog::{self, SHOPIFY_TARGETS};
use super::{customers, entity, inventory, orders, plugin_error, FlowEngine, Item};
use crate::config::flow::SHOPIFY;
use crate::config::{FlowConfig, ObjectKind};
use crate::domain::available::Rules;
use crate::domain::mapping::Mapping;
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::plugin::bindings::types::{KeyedRecord, Record};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The mapping of a flow as rows `{source, target, expression, condition, owner, sent}`, plus
/// the object-specific rules (formula, buffer, location map for inventory).
pub fn mapping_view(flow_name: &str, flow: &FlowConfig) -> Value {
    let owners = Ownership::new(&flow.ownership);
    let mut rows = Vec::new();
    match flow.object {
        ObjectKind::Product | ObjectKind::Price if flow.to == SHOPIFY => {
            for (field, target) in SHOPIFY_TARGETS {
                if flow.object == ObjectKind::Price && !matches!(field, Field::Price | Field::CompareAtPrice) {
                    continue;
                }
                let name = field.name();
                let expression = flow.mapping.get(name).cloned();
                let owner = owners.owner(*field);
                rows.push(json!({
                    "source": expression.clone().unwrap_or_else(|| format!("erp.{name}")),
                    "target": target,
                    "expression": expression,
                    "condition": flow.skip_if.as_ref().map(|c| format!("skip when {c}")),
                    "owner": owner_name(owner),
                    "sent": owner == Owner::Erp,
                }));
            }
            for field in [Field::Seo, Field::Collections, Field::Metafields] {
                rows.push(json!({"source": null, "target": field.name(), "expression": null, "condition": null, "owner": owner_name(owners.owner(field)), "sent": false}));
            }
        }
        ObjectKind::Inventory if flow.to == SHOPIFY => {
            for (erp, shopify) in &flow.locations {
                rows.push(json!({
                    "source": format!("location {erp}"),
                    "target": format!("available at {shopify}"),
                    "expression": flow.location_overrides.get(erp).and_then(|o| o.available.clone()).or_else(|| flow.available.clone()).unwrap_or_else(|| crate::domain::available::DEFAULT_FORMULA.to_owned()),
                    "condition": null,
                    "owner": "erp",
                    "sent": true,
                }));
            }
        }
        _ => rows.push(json!({
            "source": format!("{} record", entity(flow.object).name()),
            "target": if flow.to == SHOPIFY { format!("Shopify {}", entity(flow.object).name()) } else { format!("connection {}", flow.to) },
            "expression": null,
            "condition": null,
            "owner": if flow.to == SHOPIFY { "erp" } else { "shopify" },
            "sent": true,
        })),
    }
    json!({
        "flow": flow_name,
        "from": flow.from,
        "to": flow.to,
        "object": flow.object,
        "transforms": flow.transforms,
        "skip_if": flow.skip_if,
        "identity": flow.identity.name(),
        "rows": rows,
        "inventory": (flow.object == ObjectKind::Inventory).then(|| json!({
            "available": flow.available.clone().unwrap_or_else(|| crate::domain::available::DEFAULT_FORMULA.to_owned()),
            "buffer": flow.buffer,
            "locations": flow.locations,
            "unmapped_location": format!("{:?}", flow.unmapped_location).to_lowercase(),
            "location_overrides": flow.location_overrides,
            "channels": flow.channels,
        })),
    })
}

fn owner_name(owner: Owner) -> &'static str {
    match owner {
        Owner::Erp => "erp",
        Owner::Shopify => "shopify",
    }
}

impl FlowEngine {
    /// What `flow_name` would write for `given` (a canonical record as JSON, as `weft plugins
    /// call` and the run records show them) or, without one, for the first record its source
    /// returns. Nothing is written and no cursor moves.
    pub fn preview(&self, flow_name: &str, given: Option<Value>) -> Result<Value, String> {
        let flow = self.flow(flow_name).cloned().ok_or_else(|| format!("no flow {flow_name}"))?;
        let (source, record) = match given {
            Some(value) => ("given".to_owned(), serde_json::from_value::<Record>(value).map_err(|e| format!("not a canonical record: {e}"))?),
            None => (format!("first record from {}", flow.from), self.sample(flow_name, &flow)?),
        };
        let mut failures = BTreeMap::new();
        let items = self.transform(&flow, vec![Item { job: 0, record: record.clone() }], &mut failures);
        let mut out = json!({"flow": flow_name, "source": source, "record": record, "transformed": [], "writes": [], "error": null});
        if let Some(error) = failures.remove(&0) {
            out["error"] = json!({"class": error.class, "message": error.message, "at": "transforms"});
            return Ok(out);
        }
        out["transformed"] = json!(items.iter().map(|i| &i.record).collect::<Vec<_>>());
        let mut writes = Vec::new();
        for item in &items {
            match self.intended_write(flow_name, &flow, &item.record) {
                Ok(write) => writes.push(write),
                Err(error) => {
                    out["error"] = json!({"class": error.class, "message": error.message, "at": "write"});
                }
            }
        }
        out["writes"] = Value::Array(writes);
        Ok(out)
    }

    /// The first record the flow's source returns, read from the beginning (no cursor, no
    /// connector state).
    fn sample(&self, flow_name: &str, flow: &FlowConfig) -> Result<Record, String> {
        let page = if flow.from == SHOPIFY {
            let ctx = self.shopify_context(flow_name, flow, 0).map_err(|e| e.message)?;
            super::shopify_in::pull(&ctx, None, 1)
        } else {
            // On a scratch plugin state, so sampling consumes nothing the flow has yet to read.
            let mut session = self.scratch_session(&flow.from)?;
            session.pull(entity(flow.object), None, 1).map_err(|e| e.to_string())?
        }
        .map_err(|e| plugin_error(&e).message)?;
        page.records.into_iter().next().ok_or_else(|| format!("{} returned no {} record to preview; give one with --record", flow.from, entity(flow.object).name()))
    }

    /// The write the flow would make for `record`.
    fn intended_write(&self, flow_name: &str, flow: &FlowConfig, record: &Record) -> Result<Value, crate::store::JobError> {
        if flow.to != SHOPIFY {
            let keyed = [KeyedRecord { key: String::new(), record: record.clone() }];
            let sent = customers::without_erp_owned(&keyed, flow_name, flow).remove(0).record;
            return Ok(json!({"operation": "push", "connection": flow.to, "record": sent}));
        }
        let ctx = self.shopify_context(flow_name, flow, 0)?;
        let err = |e: crate::plugin::bindings::types::PluginError| plugin_error(&e);
        let config_err = |message: String| crate::store::JobError { class: "config".into(), message, retryable: false, retry_after_ms: None };
        Ok(match record {
            Record::Product(p) if p.deleted => match flow.archive_on_delete {
                true => json!({"operation": "productSet", "handle": catalog::handle(p), "input": {"status": "ARCHIVED"}, "dropped": []}),
                false => json!({"operation": null, "skipped": "deleted in the ERP; archive_on_delete is off"}),
            },
            Record::Product(p) => {
                let mapping = Mapping::new(flow).map_err(config_err)?;
                match catalog::product_write(flow_name, flow, &mapping, &Ownership::new(&flow.ownership), p).map_err(err)? {
                    Some(w) => json!({"operation": "productSet", "handle": catalog::handle(p), "input": w.input, "dropped": w.dropped}),
                    None => json!({"operation": null, "skipped": format!("skip_if holds: {}", flow.skip_if.clone().unwrap_or_default())}),
                }
            }
            Record::Price(p) => {
                let owners = Ownership::new(&flow.ownership);
                let mut dropped = Vec::new();
                let mut input = json!({"sku": p.sku, "channel": p.channel});
                for (field, key, value) in [(Field::Price, "price", Some(&p.price)), (Field::CompareAtPrice, "compareAtPrice", p.compare_at_price.as_ref())] {
                    match value {
                        Some(money) if owners.owner(field) == Owner::Erp => input[key] = json!(money.amount),
                        Some(_) => dropped.push(field.name()),
                        None => {}
                    }
                }
                json!({"operation": "productVariantsBulkUpdate", "input": input, "dropped": dropped})
            }
            Record::InventoryLevel(_) => {
                let rules = Rules::from_flow(flow).map_err(|(k, r)| config_err(format!("flows.{flow_name}.{k}: {r}")))?;
                match inventory::trace(flow_name, flow, &rules, record).map_err(err)? {
                    Some(t) => json!({"operation": "inventorySetQuantities", "input": {"sku": t.sku, "locationId": t.shopify_location, "name": "available", "quantity": t.available}, "explain": t.lines(), "dropped": []}),
                    None => json!({"operation": null, "skipped": "the ERP location is not mapped (unmapped_location = skip)"}),
                }
            }
            Record::Order(o) => {
                let variants = orders::variants(&ctx, o).map_err(err)?;
                json!({"operation": "orderCreate", "input": orders::order_input(o, &variants).map_err(err)?, "dropped": []})
            }
            Record::Customer(c) => {
                let (sent, dropped) = customers::owned_fields(c, &Ownership::for_flow(flow), Owner::Shopify, flow_name);
                json!({"operation": "customerSet", "input": customers::input(&sent), "dropped": dropped})
            }
            Record::Fulfillment(_) => json!({"operation": "fulfillmentCreate", "record": record, "dropped": []}),
        })
    }
}
