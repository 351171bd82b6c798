//! `sku-normalize`: trims and upper-cases every SKU a record carries, then maps aliases.
//!
//! Config: `aliases` — a table `{ "OLD-1" = "NEW-1" }`, keys compared after normalization.
//! A record whose SKU is empty after trimming fails alone with `invalid-input` on `sku`.

use std::collections::HashMap;
use std::sync::OnceLock;
use weft_sdk::prelude::*;

struct SkuNormalize;

/// Aliases, read once per instance.
fn aliases() -> &'static Result<HashMap<String, String>, PluginError> {
    static ALIASES: OnceLock<Result<HashMap<String, String>, PluginError>> = OnceLock::new();
    ALIASES.get_or_init(|| {
        let raw: HashMap<String, String> = config::json("aliases")?.unwrap_or_default();
        Ok(raw.into_iter().map(|(k, v)| (normalize(&k), normalize(&v))).collect())
    })
}

fn normalize(sku: &str) -> String {
    sku.trim().to_uppercase()
}

impl Transform for SkuNormalize {
    fn describe() -> PluginInfo {
        let mut info =
            PluginInfo::new("sku-normalize", env!("CARGO_PKG_VERSION"), "Trims, upper-cases and de-aliases SKUs");
        info.entities = [Entity::Product, Entity::InventoryLevel, Entity::Order, Entity::Price, Entity::Fulfillment]
            .into_iter()
            .map(|entity| EntitySupport { entity, direction: Direction::Both })
            .collect();
        info.config_keys = vec![ConfigKey {
            name: "aliases".into(),
            required: false,
            description: "table mapping an alias SKU to the real SKU".into(),
        }];
        info
    }

    fn apply_one(mut record: Record) -> Result<Vec<Record>, PluginError> {
        let aliases = aliases().as_ref().map_err(Clone::clone)?;
        for sku in record.skus_mut() {
            let normalized = normalize(sku);
            if normalized.is_empty() {
                return Err(PluginError::invalid("sku", "SKU is empty after trimming"));
            }
            *sku = aliases.get(&normalized).cloned().unwrap_or(normalized);
        }
        Ok(vec![record])
    }
}

weft_sdk::export_transform!(SkuNormalize);
