//! The mapping view and its live preview. For a flow: source field → destination field with
//! its expression, condition and owner; and, for one sample record (pulled from the source or
//! given as JSON), what the flow would write — through the same transforms and the same write
//! builders the flow uses, without writing anything.

use super::base::mapped::{map_record, Mapped};
use super::base::ToJobError;
use super::catalog::SHOPIFY_TARGETS;
use super::engine::{FlowEngine, Item};
use super::{customer, objects};
use crate::config::{Endpoint, FlowConfig, ObjectKind};
use crate::domain::available::DEFAULT_FORMULA;
use crate::domain::ownership::{Field, Owner};
use crate::model::{KeyedRecord, Page, PluginError, Record};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The mapping of a flow as rows `{source, target, expression, condition, owner, sent}`, plus
/// the object-specific rules (formula, buffer, location map for inventory).
pub fn mapping_view(flow_name: &str, flow: &FlowConfig) -> Value {
    let owners = flow.ownership();
    let mut rows = Vec::new();
    match flow.object {
        ObjectKind::Product | ObjectKind::Price if flow.to.is_shopify() => {
            for (field, target) in SHOPIFY_TARGETS {
                if flow.object == ObjectKind::Price && !matches!(field, Field::Price | Field::CompareAtPrice) {
                    continue;
                }
                let name = field.name();
                let path = target.trim_start_matches("variants[].");
                let mapped_as = [name, path, &format!("variants.{path}")];
                let expression = mapped_as.iter().find_map(|k| flow.mapping.get(*k)).cloned();
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
        }
        ObjectKind::Inventory if flow.to.is_shopify() => {
            for (erp, shopify) in &flow.locations {
                rows.push(json!({
                    "source": format!("location {erp}"),
                    "target": format!("available at {shopify}"),
                    "expression": flow.location_overrides.get(erp).and_then(|o| o.available.clone()).or_else(|| flow.available.clone()).unwrap_or_else(|| DEFAULT_FORMULA.to_owned()),
                    "condition": null,
                    "owner": "erp",
                    "sent": true,
                }));
            }
        }
        // Whole records: the object's writer sends the canonical record's fields.
        ObjectKind::Product | ObjectKind::Price | ObjectKind::Inventory | ObjectKind::Order | ObjectKind::Customer | ObjectKind::Fulfillment => rows.push(json!({
            "source": format!("{} record", flow.object.entity().name()),
            "target": match &flow.to { Endpoint::Shopify => format!("Shopify {}", flow.object.entity().name()), Endpoint::Connection(c) => format!("connection {c}") },
            "expression": null,
            "condition": null,
            "owner": if flow.to.is_shopify() { "erp" } else { "shopify" },
            "sent": true,
        })),
    }
    // Every other configured target, and each rule's, with its condition.
    let shown: Vec<Value> = rows.iter().filter_map(|r| r["expression"].as_str().map(|e| json!(e))).collect();
    let source_owner = if flow.from.is_shopify() { "shopify" } else { "erp" };
    for (target, expression) in &flow.mapping {
        if !shown.contains(&json!(expression)) {
            rows.push(json!({"source": expression, "target": target, "expression": expression, "condition": flow.skip_if.as_ref().map(|c| format!("skip when {c}")), "owner": source_owner, "sent": true}));
        }
    }
    for rule in &flow.rules {
        let condition = match &rule.when {
            Some(when) => format!("rule {}: when {when}", rule.name),
            None => format!("rule {}: otherwise", rule.name),
        };
        if rule.skip {
            rows.push(json!({"source": format!("rule {}", rule.name), "target": "(the record is skipped)", "expression": "", "condition": condition, "owner": source_owner, "sent": false}));
        }
        for (target, expression) in &rule.set {
            rows.push(json!({"source": expression, "target": target, "expression": expression, "condition": condition, "owner": source_owner, "sent": true}));
        }
    }
    json!({
        "flow": flow_name,
        "from": flow.from,
        "to": flow.to,
        "object": flow.object,
        "transforms": flow.transforms,
        "skip_if": flow.skip_if,
        "rules": flow.rules,
        "writes": flow.object.mapping_shape(flow.to.is_shopify()).map(|s| s.describe()).ok(),
        "identity": flow.identity.name(),
        "rows": rows,
        "inventory": (flow.object == ObjectKind::Inventory).then(|| json!({
            "available": flow.available.clone().unwrap_or_else(|| DEFAULT_FORMULA.to_owned()),
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
        let flow = self.config().flows.get(flow_name).cloned().ok_or_else(|| format!("no flow {flow_name}"))?;
        let (source, record) = match given {
            Some(value) => (
                "given".to_owned(),
                serde_json::from_value::<Record>(value).map_err(|e| format!("not a canonical record: {e}"))?,
            ),
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
        let page: Result<Page, PluginError> = match &flow.from {
            Endpoint::Shopify => {
                objects::poll(&self.shopify_context(flow_name, flow, 0).map_err(|e| e.message)?, None, 1)
            }
            // On a scratch plugin state, so sampling consumes nothing the flow has yet to read.
            Endpoint::Connection(_) => {
                self.scratch_session(&flow.from)?.pull(flow.object.entity(), None, 1).map_err(|e| e.to_string())?
            }
        };
        let page = page.map_err(|e| e.job_error().message)?;
        page.records.into_iter().next().ok_or_else(|| {
            format!(
                "{} returned no {} record to preview; give one with --record",
                flow.from,
                flow.object.entity().name()
            )
        })
    }

    /// The write the flow would make for `record`.
    fn intended_write(
        &self,
        flow_name: &str,
        flow: &FlowConfig,
        record: &Record,
    ) -> Result<Value, crate::store::JobError> {
        if let Endpoint::Connection(connection) = &flow.to {
            let keyed = [KeyedRecord { key: String::new(), record: record.clone() }];
            let sent = customer::without_erp_owned(&keyed, flow_name, flow).remove(0);
            let mapping = flow
                .mapping(self.config().lookups.tables())
                .map_err(|e| crate::store::JobError::config(format!("flows.{flow_name}.{e}")))?;
            return Ok(match map_record(&mapping, flow, &sent).map_err(|e| e.job_error())? {
                Mapped::Write(keyed, applied) => json!({
                    "operation": "push", "connection": connection, "record": keyed.record,
                    "rule": applied.rule, "mapped": applied.targets,
                }),
                Mapped::Skip(why) => json!({"operation": null, "connection": connection, "skipped": why}),
            });
        }
        let ctx = self.shopify_context(flow_name, flow, 0)?;
        objects::preview(&ctx, record).map_err(|e| e.job_error())
    }
}
