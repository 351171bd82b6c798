//! `[flows.NAME]`: what moves where, when, and how it is retried.

use super::Config;
use crate::queue::RetryPolicy;
use serde::Deserialize;
use std::time::Duration;

/// The connection name of the Shopify store.
pub const SHOPIFY: &str = "shopify";

/// The object a flow moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// Products with variants.
    Product,
    /// Stock levels.
    Inventory,
    /// Orders.
    Order,
    /// Customers.
    Customer,
    /// Prices.
    Price,
    /// Shipments.
    Fulfillment,
}

/// When a flow runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerConfig {
    /// Pull on an interval (`"30s"`, `"5m"`, `"1h"`).
    pub every: Option<String>,
    /// Pull on a cron schedule (seconds field first: `"0 */5 * * * *"`).
    pub cron: Option<String>,
    /// Run on webhooks / ERP events from the source.
    #[serde(default)]
    pub webhook: bool,
}

/// One flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// Source connection (`shopify` or a `[connections]` name).
    pub from: String,
    /// Destination connection.
    pub to: String,
    /// Object moved.
    pub object: ObjectKind,
    /// Triggers.
    #[serde(default)]
    pub trigger: TriggerConfig,
    /// Transform instances (`[transforms]` names) applied in order.
    #[serde(default)]
    pub transforms: Vec<String>,
    /// Retry policy.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Records pulled per page and pushed per call.
    #[serde(default = "default_batch")]
    pub batch: u32,
    /// External orders into Shopify: how `orderCreate` claims stock (`bypass`,
    /// `decrement_ignoring_policy`, `decrement_obeying_policy`; default `bypass`).
    #[serde(default)]
    pub inventory_behaviour: InventoryBehaviour,
    /// Catalog: Shopify field → CEL expression over `erp` (e.g. `tags = "erp.category + ',' + erp.brand"`).
    #[serde(default)]
    pub mapping: std::collections::BTreeMap<String, String>,
    /// Catalog: CEL condition over `erp`; a record for which it holds is skipped.
    pub skip_if: Option<String>,
    /// Catalog: field → owner (`erp` or `shopify`), overriding the defaults.
    #[serde(default)]
    pub ownership: std::collections::BTreeMap<String, crate::domain::ownership::Owner>,
    /// Catalog: the shared key of variants (`sku`, `barcode`, `external_id`).
    #[serde(default)]
    pub identity: crate::domain::identity::IdentityKey,
    /// Catalog: archive the Shopify product when the ERP deletes it (default true).
    #[serde(default = "yes")]
    pub archive_on_delete: bool,
    /// Catalog: keep variants Shopify has that the ERP did not send (default true).
    #[serde(default = "yes")]
    pub keep_unsent_variants: bool,
    /// Catalog: products written to Shopify at once (1-16, default 4). Each write waits on
    /// Shopify's answers (a read and a productSet), so a few in flight keep the cost budget busy;
    /// records of the same product are still written one after another.
    #[serde(default = "default_in_flight")]
    pub in_flight: u32,
    /// Inventory: CEL formula over on_hand, reserved, incoming, safety_stock.
    pub available: Option<String>,
    /// Inventory: stock held back from the storefront.
    pub buffer: Option<crate::domain::available::Buffer>,
    /// Inventory: ERP location → Shopify location GID.
    #[serde(default)]
    pub locations: std::collections::BTreeMap<String, String>,
    /// Inventory: what to do with a level at an unmapped ERP location.
    #[serde(default)]
    pub unmapped_location: UnmappedLocation,
    /// Inventory: per-ERP-location formula/buffer overrides.
    #[serde(default)]
    pub location_overrides: std::collections::BTreeMap<String, crate::domain::available::RuleOverride>,
    /// Prices: the channel whose price list (`channels.NAME.price_list`) this flow writes.
    pub channel: Option<String>,
    /// Channel overrides (inventory rules per channel; price list per channel).
    #[serde(default)]
    pub channels: std::collections::BTreeMap<String, crate::domain::available::ChannelConfig>,
    /// `live` (default) writes to the destination; `shadow` runs everything but journals the
    /// writes instead (see `weft shadow diff`).
    #[serde(default)]
    pub mode: FlowMode,
}

/// Whether a flow writes to its destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowMode {
    /// Writes go to the destination.
    #[default]
    Live,
    /// The whole pipeline runs; intended writes go to the intent journal.
    Shadow,
}

/// What an inventory flow does with a level at an ERP location that `locations` does not map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmappedLocation {
    /// Skip it (logged).
    #[default]
    Skip,
    /// Fail the record (dead-lettered with the reason).
    Fail,
}

fn yes() -> bool {
    true
}

/// How an external order created in Shopify claims stock (`OrderCreateInputsInventoryBehavior`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InventoryBehaviour {
    /// Do not touch stock (the ERP's stock sync is the truth).
    #[default]
    Bypass,
    /// Claim stock even when it goes negative.
    DecrementIgnoringPolicy,
    /// Claim stock; refuse the order when the variant's policy forbids overselling.
    DecrementObeyingPolicy,
}

fn default_batch() -> u32 {
    100
}

fn default_in_flight() -> u32 {
    4
}

/// Parse `"30s"`, `"5m"`, `"2h"`, `"1d"` or `"250ms"`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}`: expected a number and a unit, like 30s"))?;
    let ms = match unit {
        "ms" => n,
        "s" => n * 1_000,
        "m" => n * 60_000,
        "h" => n * 3_600_000,
        "d" => n * 86_400_000,
        _ => return Err(format!("`{text}`: unit must be ms, s, m, h or d")),
    };
    if ms == 0 {
        return Err(format!("`{text}`: must be greater than zero"));
    }
    Ok(Duration::from_millis(ms))
}

impl FlowConfig {
    /// Check references and values; the error is (dotted key, reason).
    pub(super) fn validate(&self, name: &str, config: &Config) -> Result<(), (String, String)> {
        let key = |k: &str| format!("flows.{name}.{k}");
        for (field, conn) in [("from", &self.from), ("to", &self.to)] {
            let known = conn == SHOPIFY && config.shopify.is_some() || config.connections.contains_key(conn);
            if !known {
                return Err((key(field), format!("no connection `{conn}` (define [connections.{conn}] or [shopify])")));
            }
        }
        if self.from == self.to {
            return Err((key("to"), "a flow must move data between two different connections".into()));
        }
        for (i, t) in self.transforms.iter().enumerate() {
            if !config.transforms.contains_key(t) {
                return Err((key(&format!("transforms[{i}]")), format!("no [transforms.{t}]")));
            }
        }
        if let Some(every) = &self.trigger.every {
            parse_interval(every).map_err(|r| (key("trigger.every"), r))?;
        }
        if let Some(cron) = &self.trigger.cron {
            cron.parse::<cron::Schedule>().map_err(|e| (key("trigger.cron"), format!("`{cron}`: {e}")))?;
        }
        if self.retry.max_attempts == 0 {
            return Err((key("retry.max_attempts"), "must be at least 1".into()));
        }
        if self.batch == 0 || self.batch > 250 {
            return Err((key("batch"), "must be between 1 and 250".into()));
        }
        if self.in_flight == 0 || self.in_flight > 16 {
            return Err((key("in_flight"), "must be between 1 and 16".into()));
        }
        crate::domain::validate_flow(self, name)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn intervals_parse_and_bad_ones_name_the_reason() {
        assert_eq!(parse_interval("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_interval("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_interval("5 parsecs").is_err());
        assert!(parse_interval("0s").is_err());
    }

    #[test]
    fn config_errors_name_the_key() {
        let base = "[connections.erp]\nplugin = \"x\"\n[connections.sink]\nplugin = \"y\"\n";
        let cases = [
            ("[flows.a]\nfrom = \"nope\"\nto = \"erp\"\nobject = \"customer\"\n", "flows.a.from"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = { every = \"10x\" }\n", "flows.a.trigger.every"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = { cron = \"bad\" }\n", "flows.a.trigger.cron"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntransforms = [\"t\"]\n", "flows.a.transforms[0]"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"thing\"\n", "object"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\nmode = \"dry\"\n", "mode"),
            ("[reconcile]\nschedule = \"daily\"\n", "reconcile.schedule"),
            ("[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\nin_flight = 0\n", "flows.a.in_flight"),
        ];
        for (text, want) in cases {
            let err = Config::parse(&format!("{base}{text}"), Path::new("weft.toml")).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        let ok = format!("{base}[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = {{ every = \"1m\", webhook = true }}\n");
        assert!(Config::parse(&ok, Path::new("weft.toml")).is_ok());
    }
}
