//! Order and customer reconciliation: counts and totals per day, customer counts. The ERP side
//! of a flow from the ERP is a read from scratch; of a flow into the ERP, the connector's
//! `fetch` of the orders (customers) Shopify has. Shopify's side is one bulk operation.

use crate::config::{flow::SHOPIFY, FlowConfig};
use crate::flow::shopify_out::block_on;
use crate::flow::FlowEngine;
use crate::plugin::bindings::types::{Entity, Record};
use crate::shopify::ShopifyClient;
use crate::store::{FlowReconcile, OrderDay};
use serde_json::Value;
use std::collections::BTreeMap;

/// Ids asked per `fetch`.
const FETCH_CHUNK: usize = 100;

/// Amount in cents of a decimal string (`"12.5"` → 1250); unreadable amounts count as 0.
fn cents(amount: &str) -> i64 {
    let (whole, frac) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap_or(0);
    let frac: i64 = format!("{:0<2}", &frac[..frac.len().min(2)]).parse().unwrap_or(0);
    let value = whole * 100 + frac;
    if negative { -value } else { value }
}

fn money(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

/// The ERP connection of a flow with Shopify on one side.
fn erp_side(flow: &FlowConfig) -> &str {
    if flow.from == SHOPIFY { &flow.to } else { &flow.from }
}

fn bulk(client: &ShopifyClient, query: &str) -> Result<Vec<Value>, String> {
    block_on(crate::shopify::bulk::export(client, query, std::time::Duration::from_millis(250), std::time::Duration::from_secs(600))).map_err(|e| format!("Shopify: {e}"))
}

/// The ERP's records of `entity` for a flow: from scratch when the ERP is the source, else the
/// ones it has of `shopify_ids`.
fn erp_records(engine: &FlowEngine, flow: &FlowConfig, entity: Entity, shopify_ids: &[String], progress: &mut dyn FnMut(&str)) -> Result<Vec<Record>, String> {
    if flow.from != SHOPIFY {
        let snapshot = engine.read_from_scratch(flow, &flow.from, entity, &mut |_| {})?;
        return Ok(snapshot.transformed.into_iter().map(|(_, r)| r).collect());
    }
    let mut out = Vec::new();
    for (i, chunk) in shopify_ids.chunks(FETCH_CHUNK).enumerate() {
        out.extend(engine.fetch_from(erp_side(flow), entity, chunk)?.into_iter().flatten());
        progress(&format!("fetched {} of {} from {}", ((i + 1) * FETCH_CHUNK).min(shopify_ids.len()), shopify_ids.len(), erp_side(flow)));
    }
    Ok(out)
}

/// Orders per day (count, total) on both sides.
pub fn orders(engine: &FlowEngine, client: &ShopifyClient, name: &str, flow: &FlowConfig, progress: &mut dyn FnMut(&str)) -> Result<FlowReconcile, String> {
    progress(&format!("reconcile {name}: reading Shopify's orders (bulk operation)"));
    let lines = bulk(client, "{ orders { edges { node { id processedAt sourceIdentifier totalPriceSet { shopMoney { amount } } } } } }")?;
    let erp = erp_side(flow);
    // Orders weft created from the ERP carry `sourceIdentifier` = `{connection}:{id}`.
    let from_erp = |o: &Value| o["sourceIdentifier"].as_str().is_some_and(|s| s.starts_with(&format!("{erp}:")));
    let shopify: Vec<&Value> = lines.iter().filter(|o| if flow.from == SHOPIFY { !from_erp(o) } else { from_erp(o) }).collect();
    let ids: Vec<String> = shopify.iter().filter_map(|o| o["id"].as_str().map(str::to_owned)).collect();
    let records = erp_records(engine, flow, Entity::Order, &ids, progress)?;
    let mut days: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for o in &shopify {
        // The business date: an imported order's `processedAt` is the ERP's date.
        let d = days.entry(day(o["processedAt"].as_str().unwrap_or(""))).or_default();
        d[1] += 1;
        d[3] += cents(o["totalPriceSet"]["shopMoney"]["amount"].as_str().unwrap_or("0"));
    }
    for r in &records {
        if let Record::Order(o) = r {
            let d = days.entry(day(&o.created_at)).or_default();
            d[0] += 1;
            d[2] += cents(&o.total.amount);
        }
    }
    let order_days = days
        .into_iter()
        .map(|(day, [ec, sc, et, st])| OrderDay { day, erp_count: ec as usize, shopify_count: sc as usize, erp_total: money(et), shopify_total: money(st) })
        .collect();
    Ok(FlowReconcile { flow: name.to_owned(), object: "order".into(), order_days, ..Default::default() })
}

/// Customer counts on both sides.
pub fn customers(engine: &FlowEngine, client: &ShopifyClient, name: &str, flow: &FlowConfig, progress: &mut dyn FnMut(&str)) -> Result<FlowReconcile, String> {
    progress(&format!("reconcile {name}: reading Shopify's customers (bulk operation)"));
    let lines = bulk(client, "{ customers { edges { node { id } } } }")?;
    let ids: Vec<String> = lines.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
    let records = erp_records(engine, flow, Entity::Customer, &ids, progress)?;
    let erp = records.iter().filter(|r| matches!(r, Record::Customer(_))).count();
    Ok(FlowReconcile { flow: name.to_owned(), object: "customer".into(), customers: Some((erp, ids.len())), ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_sum_in_cents() {
        assert_eq!(cents("12.5"), 1250);
        assert_eq!(cents("12.345"), 1234);
        assert_eq!(cents("-3.07"), -307);
        assert_eq!(cents("7"), 700);
        assert_eq!(money(cents("0.1") + cents("0.2")), "0.30");
    }
}
