//! Revert of product fields a run set: each product read by its id, only values still as the
//! run wrote them put back, in one `productSet` per product.

use crate::flow::base::block_on;
use crate::flow::base::revert::RevertReport;
use crate::shopify::products::{product_fields, product_set_json, ProductKey};
use crate::shopify::ShopifyClient;
use crate::store::UndoEntry;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Put back the product fields of `entries` (dry run: only report).
pub fn revert(client: &ShopifyClient, entries: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let mut by_product: BTreeMap<&str, Vec<&UndoEntry>> = BTreeMap::new();
    for e in entries {
        by_product.entry(e.target_id.as_str()).or_default().push(e);
    }
    for (id, entries) in by_product {
        let now = block_on(product_fields(client, ProductKey::Id(id)))
            .map_err(|e| format!("Shopify: {e}"))?
            .unwrap_or_default();
        let todo = report.triage(&entries, |e| now.get(&e.field).cloned().unwrap_or(Value::Null));
        let input: Map<String, Value> = todo.iter().map(|(e, _)| (e.field.clone(), e.before.clone())).collect();
        let result = if report.dry_run || input.is_empty() {
            Ok(())
        } else {
            block_on(product_set_json(client, ProductKey::Id(id), Value::Object(input)))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        report.settle(todo, &result);
    }
    Ok(())
}
