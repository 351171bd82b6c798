//! `[lookups.NAME]`: tables of key → value that mappings, rule conditions and formulas read with
//! `lookup('NAME', key)` (payment gateways, carriers, country → market, warehouse names).

use crate::domain::functions::Lookups;
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The lookup tables of the config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "BTreeMap<String, BTreeMap<String, toml::Value>>")]
pub struct LookupTables(Arc<Lookups>);

impl LookupTables {
    /// The tables, for expressions.
    pub fn tables(&self) -> &Arc<Lookups> {
        &self.0
    }
}

impl TryFrom<BTreeMap<String, BTreeMap<String, toml::Value>>> for LookupTables {
    type Error = String;

    fn try_from(raw: BTreeMap<String, BTreeMap<String, toml::Value>>) -> Result<LookupTables, String> {
        let mut tables = BTreeMap::new();
        for (name, entries) in raw {
            let mut table = BTreeMap::new();
            for (key, value) in entries {
                let value = match value {
                    toml::Value::String(s) => Json::String(s),
                    toml::Value::Integer(n) => Json::from(n),
                    toml::Value::Float(f) => serde_json::Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null),
                    toml::Value::Boolean(b) => Json::Bool(b),
                    other => {
                        return Err(format!(
                            "lookups.{name}.{key}: a lookup value is text, a number or true/false, not {}",
                            other.type_str()
                        ))
                    }
                };
                table.insert(key, value);
            }
            tables.insert(name, table);
        }
        Ok(LookupTables(Arc::new(Lookups::new(tables))))
    }
}
