//! The operator's settings for one Tryton server, read from config and secrets.

use weft_sdk::{config, secrets, PluginError};

/// Where and as whom to reach Tryton.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server root, e.g. `http://127.0.0.1:8000`.
    pub url: String,
    /// Login.
    pub user: String,
    /// Password (a secret: never logged or returned).
    pub password: String,
    /// RPC path with `{db}` replaced: `/<db>/rpc/` on 8.x, `/<db>/` on 7.x.
    pub base_path: String,
    /// Company id sent in every call's context.
    pub company: i64,
    /// Warehouses (stock.location ids) to report stock for; empty = every warehouse.
    pub warehouses: Vec<i64>,
    /// Warehouse set on pushed sales; default the first of `warehouses`.
    pub sale_warehouse: Option<i64>,
    /// Seconds the incremental cursors step back when caught up (late commits).
    pub overlap_seconds: i64,
}

impl Settings {
    /// Read and validate; a bad value is `invalid-input` naming the key, a missing password
    /// is `unauthorized`.
    pub fn load() -> Result<Settings, PluginError> {
        let url = config::require("url")?.trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(PluginError::invalid("url", "must start with http:// or https://"));
        }
        let database = config::require("database")?;
        let base_path = config::get("base_path").unwrap_or_else(|| "/{db}/rpc/".into()).replace("{db}", &database);
        let warehouses = match config::get("warehouses") {
            None => Vec::new(),
            Some(text) => parse_ids(&text).ok_or_else(|| {
                PluginError::invalid("warehouses", "expected a list of stock.location ids, e.g. [5, 12]")
            })?,
        };
        let sale_warehouse = match config::get("sale_warehouse") {
            None => warehouses.first().copied(),
            Some(v) => Some(int("sale_warehouse", &v)?),
        };
        Ok(Settings {
            url,
            user: config::get("user").unwrap_or_else(|| "admin".into()),
            password: secrets::require("password")?,
            base_path,
            company: int("company", &config::require("company")?)?,
            warehouses,
            sale_warehouse,
            overlap_seconds: match config::get("overlap_seconds") {
                None => 5,
                Some(v) => int("overlap_seconds", &v)?.max(0),
            },
        })
    }

    /// The URL of database calls.
    pub fn db_url(&self) -> String {
        format!("{}{}", self.url, self.base_path)
    }
}

fn int(key: &str, text: &str) -> Result<i64, PluginError> {
    text.trim()
        .trim_matches('"')
        .parse()
        .map_err(|_| PluginError::invalid(key, &format!("`{text}` is not an integer id")))
}

/// `[5, 12]` (a TOML array arrives as JSON) or `5,12`.
fn parse_ids(text: &str) -> Option<Vec<i64>> {
    if let Ok(ids) = serde_json::from_str::<Vec<i64>>(text) {
        return Some(ids);
    }
    text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().ok()).collect()
}
