//! Revert of variant prices a run set: read by SKU, only values still as the run wrote them put
//! back, one update per product.

use crate::flow::base::block_on;
use crate::flow::base::revert::RevertReport;
use crate::shopify::products::{set_prices, variants_by_sku};
use crate::shopify::ShopifyClient;
use crate::store::UndoEntry;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Put back the variant prices of `entries` (dry run: only report).
pub fn revert(client: &ShopifyClient, list: &[&UndoEntry], report: &mut RevertReport) -> Result<(), String> {
    let mut skus: Vec<String> = list.iter().map(|e| e.key.clone()).collect();
    skus.sort();
    skus.dedup();
    let read = block_on(variants_by_sku(client, &skus)).map_err(|e| format!("Shopify: {e}"))?;
    let field = |e: &UndoEntry| {
        let v = read.iter().find(|v| v.id == e.target_id);
        match e.field.as_str() {
            "price" => v.map_or(Value::Null, |v| json!(v.price)),
            _ => v.and_then(|v| v.compare_at_price.clone()).map_or(Value::Null, |c| json!(c)),
        }
    };
    let todo = report.triage(list, field);
    // One update per product: each variant's restored fields, its current value for the others.
    let mut by_product: BTreeMap<String, Vec<(String, String, Option<String>)>> = BTreeMap::new();
    for v in read.iter().filter(|v| todo.iter().any(|(e, _)| e.target_id == v.id)) {
        let restore =
            |f: &str| todo.iter().find(|(e, _)| e.target_id == v.id && e.field == f).map(|(e, _)| e.before.clone());
        let price = restore("price").and_then(|p| p.as_str().map(str::to_owned)).unwrap_or_else(|| v.price.clone());
        let cmp = match restore("compare_at_price") {
            Some(c) => c.as_str().map(str::to_owned),
            None => v.compare_at_price.clone(),
        };
        by_product.entry(v.product_id.clone()).or_default().push((v.id.clone(), price, cmp));
    }
    let mut result = Ok(());
    if !report.dry_run {
        for (product, prices) in by_product {
            if let Err(e) = block_on(set_prices(client, &product, &prices)) {
                result = Err(e.to_string());
            }
        }
    }
    report.settle(todo, &result);
    Ok(())
}
