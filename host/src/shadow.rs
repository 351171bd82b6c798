//! Shadow mode's comparison (`weft shadow diff FLOW`): the intent journal of a flow against what
//! its destination holds now. Shopify: inventory levels, variant prices, product fields, whether
//! an order exists; an ERP: the connector's `fetch` of each record, field by field.

use crate::config::{flow::SHOPIFY, FlowConfig};
use crate::flow::catalog::{PRICE_OBJECT, PRODUCT_OBJECT};
use crate::flow::inventory::LEVEL_OBJECT;
use crate::flow::journal::record_fields;
use crate::flow::shopify_out::block_on;
use crate::flow::{entity, FlowEngine};
use crate::shopify::ShopifyClient;
use crate::store::Intent;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Ids asked per `fetch`.
const FETCH_CHUNK: usize = 100;

/// One field whose intended value differs from the destination's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The intent's key (`SKU@location`, SKU, handle, record id).
    pub key: String,
    /// The intent's object.
    pub object: String,
    /// Field (`available`, `price`, `title`, `exists`...).
    pub field: String,
    /// What the flow would have written.
    pub intended: Value,
    /// What the destination holds (null: nothing).
    pub actual: Value,
}

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
    if flow.to == SHOPIFY {
        let client = engine.shopify_client().ok_or("the flow writes to Shopify but there is no [shopify] section")?;
        let mut by_object: BTreeMap<&str, Vec<&Intent>> = BTreeMap::new();
        for i in &intents {
            by_object.entry(i.object.as_str()).or_default().push(i);
        }
        for (object, list) in by_object {
            progress(&format!("shadow diff {flow_name}: reading {} {object}(s) from Shopify", list.len()));
            let found = match object {
                LEVEL_OBJECT => levels(client, &list)?,
                PRICE_OBJECT => prices(client, &list)?,
                PRODUCT_OBJECT => products(client, &list)?,
                "order" => orders(client, flow, &list)?,
                _ => {
                    out.not_compared += list.len();
                    continue;
                }
            };
            out.compared += list.len();
            out.differences.extend(found);
        }
    } else {
        out.differences = erp(engine, flow, &intents, progress)?;
        out.compared = intents.len();
    }
    out.differences.sort_by(|a, b| (&a.key, &a.field).cmp(&(&b.key, &b.field)));
    Ok(out)
}

/// The intended value of `field` (absent: null).
fn intended(i: &Intent, field: &str) -> Value {
    i.values.get(field).cloned().unwrap_or(Value::Null)
}

fn differs(i: &Intent, field: &str, actual: Value) -> Option<Difference> {
    let want = intended(i, field);
    (want != actual).then(|| Difference { key: i.key.clone(), object: i.object.clone(), field: field.to_owned(), intended: want, actual })
}

fn skus(list: &[&Intent]) -> Vec<String> {
    let mut skus: Vec<String> = list.iter().filter_map(|i| i.values.get("sku").and_then(Value::as_str).map(str::to_owned)).collect();
    skus.sort();
    skus.dedup();
    skus
}

fn levels(client: &ShopifyClient, list: &[&Intent]) -> Result<Vec<Difference>, String> {
    let read = block_on(crate::shopify::inventory::levels_by_sku(client, &skus(list))).map_err(|e| format!("Shopify: {e}"))?;
    let now: BTreeMap<(&str, &str), i64> = read.iter().map(|l| ((l.sku.as_str(), l.location_id.as_str()), l.available)).collect();
    Ok(list
        .iter()
        .filter_map(|i| {
            let (sku, location) = (intended(i, "sku"), intended(i, "location"));
            let actual = now.get(&(sku.as_str().unwrap_or(""), location.as_str().unwrap_or(""))).map_or(Value::Null, |a| json!(a));
            differs(i, "available", actual)
        })
        .collect())
}

fn prices(client: &ShopifyClient, list: &[&Intent]) -> Result<Vec<Difference>, String> {
    let read = block_on(crate::shopify::products::variants_by_sku(client, &skus(list))).map_err(|e| format!("Shopify: {e}"))?;
    let mut out = Vec::new();
    for i in list {
        let v = read.iter().find(|v| Some(v.sku.as_str()) == i.values.get("sku").and_then(Value::as_str));
        out.extend(differs(i, "price", v.map_or(Value::Null, |v| json!(v.price))));
        out.extend(differs(i, "compare_at_price", v.and_then(|v| v.compare_at_price.clone()).map_or(Value::Null, |c| json!(c))));
    }
    Ok(out)
}

fn products(client: &ShopifyClient, list: &[&Intent]) -> Result<Vec<Difference>, String> {
    let mut out = Vec::new();
    for i in list {
        let now = block_on(crate::shopify::products::product_fields(client, &i.key)).map_err(|e| format!("Shopify: {e}"))?;
        let Some(now) = now else {
            out.push(Difference { key: i.key.clone(), object: i.object.clone(), field: "exists".into(), intended: json!(true), actual: json!(false) });
            continue;
        };
        for field in i.values.keys() {
            out.extend(differs(i, field, now.get(field).cloned().unwrap_or(Value::Null)));
        }
    }
    Ok(out)
}

fn orders(client: &ShopifyClient, flow: &FlowConfig, list: &[&Intent]) -> Result<Vec<Difference>, String> {
    let mut out = Vec::new();
    for i in list {
        let found = block_on(crate::shopify::orders::find_by_source_identifier(client, &format!("{}:{}", flow.from, i.key))).map_err(|e| format!("Shopify: {e}"))?;
        if found.is_none() {
            out.push(Difference { key: i.key.clone(), object: i.object.clone(), field: "exists".into(), intended: json!(true), actual: json!(false) });
        }
    }
    Ok(out)
}

fn erp(engine: &FlowEngine, flow: &FlowConfig, intents: &[Intent], progress: &mut dyn FnMut(&str)) -> Result<Vec<Difference>, String> {
    let kind = entity(flow.object);
    let mut out = Vec::new();
    for (n, chunk) in intents.chunks(FETCH_CHUNK).enumerate() {
        let ids: Vec<String> = chunk.iter().map(|i| i.key.clone()).collect();
        let found = engine.fetch_from(&flow.to, kind, &ids)?;
        progress(&format!("fetched {} of {} from {}", (n * FETCH_CHUNK + chunk.len()), intents.len(), flow.to));
        for (i, record) in chunk.iter().zip(found) {
            let Some(record) = record else {
                out.push(Difference { key: i.key.clone(), object: i.object.clone(), field: "exists".into(), intended: json!(true), actual: json!(false) });
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
