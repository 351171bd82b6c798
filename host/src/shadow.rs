//! Shadow mode's comparison (`weft shadow diff FLOW`): the intent journal of a flow against what
//! its destination holds now. Into Shopify, each journal object is compared by its object's
//! shadow role (levels, variant prices, product fields, whether an order exists; see
//! `flow::objects`); into an ERP, by the connector's `fetch` of each record, field by field.

use crate::config::FlowConfig;
use crate::flow::base::record_fields;
use crate::flow::base::shadow::{differs, missing, Difference};
use crate::flow::objects::{self, Compared};
use crate::flow::FlowEngine;
use crate::store::{Intent, JournalObject};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Ids asked per `fetch`.
const FETCH_CHUNK: usize = 100;

/// The comparison of a flow's journal with its destination.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShadowDiff {
    /// Flow.
    pub flow: String,
    /// Intents compared.
    pub compared: usize,
    /// Intents this build cannot compare (customers and fulfillments written to Shopify).
    pub not_compared: usize,
    /// The differences, by key and field.
    pub differences: Vec<Difference>,
}

/// Compare `flow_name`'s intent journal with its destination now.
pub fn diff(engine: &FlowEngine, flow_name: &str, progress: &mut dyn FnMut(&str)) -> Result<ShadowDiff, String> {
    let flow = engine.config().flows.get(flow_name).ok_or_else(|| format!("no flow `{flow_name}`"))?;
    let intents = engine.queue().store().intents(flow_name).map_err(|e| e.to_string())?;
    progress(&format!("shadow diff {flow_name}: {} intent(s) in the journal", intents.len()));
    let mut out = ShadowDiff { flow: flow_name.to_owned(), ..Default::default() };
    if flow.to.is_shopify() {
        let (_, client) = engine.shop_of(flow)?;
        let mut by_object: BTreeMap<JournalObject, Vec<&Intent>> = BTreeMap::new();
        for i in &intents {
            by_object.entry(i.object).or_default().push(i);
        }
        for (object, list) in by_object {
            progress(&format!("shadow diff {flow_name}: reading {} {object}(s) from Shopify", list.len()));
            match objects::shadow_compare(client, flow, object, &list)? {
                Compared::Differences(found) => {
                    out.compared += list.len();
                    out.differences.extend(found);
                }
                Compared::NotCompared(why) => {
                    progress(&format!("shadow diff {flow_name}: {} {object}(s) not compared: {why}", list.len()));
                    out.not_compared += list.len();
                }
            }
        }
    } else {
        out.differences = erp(engine, flow, &intents, progress)?;
        out.compared = intents.len();
    }
    out.differences.sort_by(|a, b| (&a.key, &a.field).cmp(&(&b.key, &b.field)));
    Ok(out)
}

fn erp(
    engine: &FlowEngine,
    flow: &FlowConfig,
    intents: &[Intent],
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Difference>, String> {
    let kind = flow.object.entity();
    let mut out = Vec::new();
    for (n, chunk) in intents.chunks(FETCH_CHUNK).enumerate() {
        let ids: Vec<String> = chunk.iter().map(|i| i.key.clone()).collect();
        let found = engine.fetch_from(&flow.to, kind, &ids)?;
        progress(&format!("fetched {} of {} from {}", (n * FETCH_CHUNK + chunk.len()), intents.len(), flow.to));
        for (i, record) in chunk.iter().zip(found) {
            let Some(record) = record else {
                out.push(missing(i));
                continue;
            };
            let now = record_fields(&record);
            for field in i.values.keys() {
                out.extend(differs(i, field, now.get(field).cloned().unwrap_or(Value::Null)));
            }
        }
    }
    Ok(out)
}
