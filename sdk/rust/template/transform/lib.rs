//! {{id}}: a weft transform in Rust. Build: plugins/build.sh OUT PARENT (wasm32-wasip2).
use weft_sdk::prelude::*;

struct Plugin;

impl Transform for Plugin {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new("{{id}}", env!("CARGO_PKG_VERSION"), "Upper-cases SKUs and tags products");
        info.entities = vec![EntitySupport { entity: Entity::Product, direction: Direction::Both }];
        info.config_keys = vec![ConfigKey { name: "tag".into(), required: false, description: "tag added to every product".into() }];
        info
    }

    /// The output records for one input; an `Err` fails that record only.
    fn apply_one(mut record: Record) -> Result<Vec<Record>, PluginError> {
        for sku in record.skus_mut() {
            *sku = sku.trim().to_uppercase();
        }
        if let Record::Product(p) = &mut record {
            p.tags.push(config::get("tag").unwrap_or_else(|| "{{id}}".into()));
        }
        Ok(vec![record])
    }
}

weft_sdk::export_transform!(Plugin);
