//! `[flows.NAME]`: what moves where, when, and how it is retried.

use super::catalog::Decision;
use super::Config;
use crate::domain::available::{Buffer, ChannelRule, Rule, Rules, DEFAULT_FORMULA, INPUTS};
use crate::domain::expr::Expr;
use crate::domain::identity::IdentityKey;
use crate::domain::mapping::RuleSpec;
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::model::{Entity, PriceScope};
use crate::queue::RetryPolicy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The connection name of the Shopify store.
pub const SHOPIFY: &str = "shopify";

/// One end of a flow: the Shopify store (spoken natively), or a `[connections]` name (an ERP
/// reached through a connector plugin).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// The `[shopify]` store.
    Shopify,
    /// A connection.
    Connection(String),
}

impl Endpoint {
    /// Whether it is the Shopify store.
    pub fn is_shopify(&self) -> bool {
        matches!(self, Endpoint::Shopify)
    }

    /// Its name in config and messages (`shopify`, or the connection's name).
    pub fn name(&self) -> &str {
        match self {
            Endpoint::Shopify => SHOPIFY,
            Endpoint::Connection(name) => name,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Endpoint, D::Error> {
        let name = String::deserialize(d)?;
        Ok(if name == SHOPIFY { Endpoint::Shopify } else { Endpoint::Connection(name) })
    }
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A formula and/or buffer that replaces the flow's for some levels.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// CEL formula over on_hand, reserved, incoming, safety_stock.
    pub available: Option<String>,
    /// Buffer.
    pub buffer: Option<Buffer>,
}

/// A sales channel: the Shopify locations (or ERP warehouses) that feed it, with its own rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// ERP location codes or Shopify location GIDs this channel sells from.
    #[serde(default)]
    pub locations: Vec<String>,
    /// CEL formula for this channel.
    pub available: Option<String>,
    /// Buffer for this channel.
    pub buffer: Option<Buffer>,
    /// ERP price list (price `channel`) whose prices this channel uses.
    pub price_list: Option<String>,
}

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

impl ObjectKind {
    /// Every object kind.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::Product,
        ObjectKind::Inventory,
        ObjectKind::Order,
        ObjectKind::Customer,
        ObjectKind::Price,
        ObjectKind::Fulfillment,
    ];

    /// The entity of its records.
    pub fn entity(self) -> Entity {
        match self {
            ObjectKind::Product => Entity::Product,
            ObjectKind::Inventory => Entity::InventoryLevel,
            ObjectKind::Order => Entity::Order,
            ObjectKind::Customer => Entity::Customer,
            ObjectKind::Price => Entity::Price,
            ObjectKind::Fulfillment => Entity::Fulfillment,
        }
    }

    /// Its name in the config (`inventory`).
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Product => "product",
            ObjectKind::Inventory => "inventory",
            ObjectKind::Order => "order",
            ObjectKind::Customer => "customer",
            ObjectKind::Price => "price",
            ObjectKind::Fulfillment => "fulfillment",
        }
    }
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
    pub from: Endpoint,
    /// The shop `shopify` means in `from` or `to` (`[shops.<name>]`, or `shopify` for the
    /// `[shopify]` section); needed only when the host serves several shops.
    pub shop: Option<String>,
    /// Destination connection.
    pub to: Endpoint,
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
    /// Shop orders from Shopify: where the flow starts (`now`, the default: the moment it first
    /// looks; or a date / RFC 3339 time). Orders placed before it are history, read only by
    /// `weft backfill`.
    pub since: Option<String>,
    /// Shipments into Shopify: whether Shopify e-mails the buyer about each fulfillment
    /// (default false).
    #[serde(default)]
    pub notify_customer: bool,
    /// External orders into Shopify: how `orderCreate` claims stock (`bypass`,
    /// `decrement_ignoring_policy`, `decrement_obeying_policy`; default `bypass`).
    #[serde(default)]
    pub inventory_behaviour: InventoryBehaviour,
    /// Target field → CEL expression over the source record (`erp` for flows from an ERP,
    /// `shopify` for flows from Shopify; `record` either way), e.g. `tags = "join([erp.category,
    /// erp.brand], ',')"`. The targets are the fields of the Shopify input the flow writes
    /// (`productSet`, `orderCreate`...), or of the canonical record an ERP receives; checked when
    /// the config loads.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// CEL condition over the source; a record for which it holds is skipped.
    pub skip_if: Option<String>,
    /// Ordered rule sets (`[[flows.NAME.rules]]`): the first whose `when` holds sets its targets
    /// over `mapping` (or skips the record); a rule without `when` is the default and comes last.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Catalog: field → owner (`erp` or `shopify`), overriding the defaults.
    #[serde(default)]
    pub ownership: BTreeMap<String, Owner>,
    /// Products, customers and external orders into Shopify: the metafields the ERP owns
    /// (`"namespace.key" = { type = "...", owner = "variant", definition = true }`); see
    /// [`super::metafields`]. No other metafield is ever written.
    #[serde(default)]
    pub metafields: BTreeMap<String, super::metafields::ManagedMetafield>,
    /// Catalog: the shared key of variants (`sku`, `barcode`, `external_id`).
    #[serde(default)]
    pub identity: IdentityKey,
    /// Catalog: archive the Shopify product when the ERP deletes it (default true).
    #[serde(default = "yes")]
    pub archive_on_delete: bool,
    /// Catalog: keep variants Shopify has that the ERP did not send (default true).
    #[serde(default = "yes")]
    pub keep_unsent_variants: bool,
    /// Catalog: what a person decided for ERP products the shop makes ambiguous (a SKU on two
    /// Shopify variants, variants spread over two products), by ERP product id: `"skip"`,
    /// `"create"` or the Shopify product to update (`"gid://shopify/Product/N"`). `weft onboard`
    /// lists what needs deciding; until then such a product is not written.
    #[serde(default)]
    pub decisions: BTreeMap<String, Decision>,
    /// Catalog: products written to Shopify at once (1-16, default 4). Each write waits on
    /// Shopify's answers (a read and a productSet), so a few in flight keep the cost budget busy;
    /// records of the same product are still written one after another.
    #[serde(default = "default_in_flight")]
    pub in_flight: u32,
    /// Catalog: above this many records waiting in the flow's queue (a large or initial load),
    /// new products are created through one bulk mutation per batch instead of one `productSet`
    /// each, until the queue is drained (default 1000; 0: never).
    #[serde(default = "default_bulk_above")]
    pub bulk_above: u32,
    /// Inventory: CEL formula over on_hand, reserved, incoming, safety_stock.
    pub available: Option<String>,
    /// Inventory: stock held back from the storefront.
    pub buffer: Option<Buffer>,
    /// Inventory: ERP location → Shopify location GID.
    #[serde(default)]
    pub locations: BTreeMap<String, String>,
    /// Inventory: what to do with a level at an unmapped ERP location.
    #[serde(default)]
    pub unmapped_location: UnmappedLocation,
    /// Inventory: per-ERP-location formula/buffer overrides.
    #[serde(default)]
    pub location_overrides: BTreeMap<String, RuleOverride>,
    /// Inventory: who changes stock, `erp` (default) or `hybrid` (see [`super::hybrid`]).
    #[serde(default)]
    pub direction: super::hybrid::StockDirection,
    /// Orders from Shopify into an ERP: what counts the stock they take, `order` (default: the
    /// ERP's import of the order moves it) or `adjustment` (a hybrid inventory flow on the same
    /// connection booked it; see [`super::hybrid`]).
    pub stock_counted_by: Option<super::hybrid::CountedBy>,
    /// Prices: the channel whose price list (`channels.NAME.price_list`) this flow writes.
    pub channel: Option<String>,
    /// Prices: the price list scopes this flow writes (`market:EU`, `catalog:Acme`,
    /// `company_location:L-1`); records of other markets, catalogs and company locations are
    /// skipped (one ERP feeding shops that each have their own). Default: every scope.
    #[serde(default)]
    pub price_scopes: Vec<String>,
    /// Products and prices into Shopify: whether this flow writes the variants' base price and
    /// compare-at price (default true). Exactly one flow into Shopify may: the catalog flow
    /// (the ERP product's variant prices) or a price flow (its base and channel price records);
    /// the config check refuses two. A price flow with `false` writes price lists only (markets,
    /// B2B catalogs, company locations).
    #[serde(default = "yes")]
    pub base_price: bool,
    /// Channel overrides (inventory rules per channel; price list per channel).
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
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

fn default_bulk_above() -> u32 {
    1000
}

/// Whether `id` has the shape of a Shopify location id (`gid://shopify/Location/123`).
pub fn is_location_gid(id: &str) -> bool {
    id.strip_prefix("gid://shopify/Location/").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
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
    /// Every problem of the flow's references and values, as (dotted key, reason).
    pub(super) fn problems(&self, name: &str, config: &Config) -> Vec<(String, String)> {
        let key = |k: &str| format!("flows.{name}.{k}");
        let mut out = Vec::new();
        for (field, end) in [("from", &self.from), ("to", &self.to)] {
            let known = match end {
                Endpoint::Shopify => config.shops().next().is_some(),
                Endpoint::Connection(c) => config.connections.contains_key(c),
            };
            if !known {
                out.push((
                    key(field),
                    format!("no connection `{end}` (define [connections.{end}], or [shopify] or [shops.NAME])"),
                ));
            }
        }
        if self.from == self.to {
            out.push((key("to"), "a flow must move data between two different connections".into()));
        }
        for (i, t) in self.transforms.iter().enumerate() {
            if !config.transforms.contains_key(t) {
                out.push((key(&format!("transforms[{i}]")), format!("no [transforms.{t}]")));
            }
        }
        if let Some(every) = &self.trigger.every {
            out.extend(parse_interval(every).err().map(|r| (key("trigger.every"), r)));
        }
        if let Some(cron) = &self.trigger.cron {
            out.extend(cron.parse::<cron::Schedule>().err().map(|e| (key("trigger.cron"), format!("`{cron}`: {e}"))));
        }
        if self.retry.max_attempts == 0 {
            out.push((key("retry.max_attempts"), "must be at least 1".into()));
        }
        if self.batch == 0 || self.batch > 250 {
            out.push((key("batch"), "must be between 1 and 250".into()));
        }
        if let Some(since) = &self.since {
            out.extend(crate::domain::since::parse(since).err().map(|r| (key("since"), r)));
        }
        if self.in_flight == 0 || self.in_flight > 16 {
            out.push((key("in_flight"), "must be between 1 and 16".into()));
        }
        let mapping = self.mapping(config.lookups.tables());
        if let Err(e) = &mapping {
            out.push((key(&e.key), e.reason()));
        }
        out.extend(self.ownership_problems(mapping.as_ref().ok()).into_iter().map(|(k, r)| (key(&k), r)));
        for (i, scope) in self.price_scopes.iter().enumerate() {
            if self.object != ObjectKind::Price || !self.to.is_shopify() {
                out.push((key("price_scopes"), "only a price flow into Shopify takes it".into()));
                break;
            }
            if PriceScope::parse_list(scope).is_none() {
                out.push((
                    key(&format!("price_scopes[{i}]")),
                    format!("`{scope}` is not a price list scope: market:NAME, catalog:TITLE or company_location:ID"),
                ));
            }
        }
        if let Some(channel) = &self.channel {
            if self.channels.get(channel).is_none_or(|c| c.price_list.is_none()) {
                out.push((key("channel"), format!("no [flows.{name}.channels.{channel}] with a price_list")));
            }
        }
        out.extend(self.rules().err().map(|(k, r)| (key(&k), r)));
        for (erp, gid) in &self.locations {
            if !is_location_gid(gid) {
                out.push((
                    key(&format!("locations.{erp}")),
                    format!("`{gid}` is not a Shopify location id (gid://shopify/Location/<number>; `weft shopify locations` lists them)"),
                ));
            }
        }
        out.extend(self.unknown_variables().into_iter().map(|(k, r)| (key(&k), r)));
        out.extend(self.direction_problems().into_iter().map(|(k, r)| (key(&k), r)));
        out.extend(self.metafield_problems().into_iter().map(|(k, r)| (key(&k), r)));
        out
    }

    /// Expressions that name a variable the flow does not provide: (key under the flow, reason
    /// listing the variables it does provide).
    fn unknown_variables(&self) -> Vec<(String, String)> {
        // Mappings, rules and `skip_if` are checked as they compile (see `mapping`).
        let mut exprs: Vec<(String, &str, &[&str])> = Vec::new();
        if let Some(formula) = &self.available {
            exprs.push(("available".into(), formula, &INPUTS));
        }
        for (name, c) in &self.channels {
            if let Some(formula) = &c.available {
                exprs.push((format!("channels.{name}.available"), formula, &INPUTS));
            }
        }
        for (location, o) in &self.location_overrides {
            if let Some(formula) = &o.available {
                exprs.push((format!("location_overrides.{location}.available"), formula, &INPUTS));
            }
        }
        let mut out = Vec::new();
        for (at, source, provided) in exprs {
            let Ok(expr) = Expr::compile(source) else { continue };
            let unknown: Vec<String> =
                expr.variables().into_iter().filter(|v| !provided.contains(&v.as_str())).collect();
            if !unknown.is_empty() {
                out.push((
                    at,
                    format!(
                        "`{source}` names {} the flow does not provide; it provides: {}",
                        unknown.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                        provided.join(", ")
                    ),
                ));
            }
        }
        out
    }

    /// Whether a price record of `scope` is this flow's to write: a price list scope only when
    /// `price_scopes` lists it (or is empty); the variant's own and channel prices always.
    pub fn writes_price_scope(&self, scope: &PriceScope) -> bool {
        !matches!(scope, PriceScope::Market(_) | PriceScope::Catalog(_) | PriceScope::CompanyLocation(_))
            || self.price_scopes.is_empty()
            || self.price_scopes.iter().any(|s| PriceScope::parse_list(s).as_ref() == Some(scope))
    }

    /// Who owns each field: the flow's overrides, the defaults, and the flow's source for fields
    /// without a default.
    pub fn ownership(&self) -> Ownership {
        let source = if self.from.is_shopify() { Owner::Shopify } else { Owner::Erp };
        let mut overrides = self.ownership.clone();
        if !self.base_price && self.object == ObjectKind::Product {
            // Another flow writes the base price: the catalog flow never sends it.
            for field in [Field::Price, Field::CompareAtPrice] {
                overrides.insert(field.name().to_owned(), Owner::Shopify);
            }
        }
        Ownership::new(&overrides, source)
    }

    /// Whether the flow writes the variants' base price in Shopify: a product or price flow into
    /// Shopify with `base_price` on whose ERP side owns the price.
    pub fn writes_base_price(&self) -> bool {
        matches!(self.object, ObjectKind::Product | ObjectKind::Price)
            && self.to.is_shopify()
            && !self.from.is_shopify()
            && self.base_price
            && self.ownership().owner(Field::Price) == Owner::Erp
    }

    /// The inventory rules: formula, buffer, channel and location overrides, compiled; the error
    /// is (key under the flow, reason).
    pub fn rules(&self) -> Result<Rules, (String, String)> {
        let formula = Expr::compile(self.available.as_deref().unwrap_or(DEFAULT_FORMULA))
            .map_err(|r| ("available".to_owned(), r.to_string()))?;
        let buffer = self.buffer.unwrap_or_default();
        buffer.check().map_err(|r| ("buffer".to_owned(), r))?;
        let rule = |at: String, available: Option<&str>, buffer: Option<Buffer>| -> Result<Rule, (String, String)> {
            let formula =
                available.map(Expr::compile).transpose().map_err(|r| (format!("{at}.available"), r.to_string()))?;
            if let Some(b) = &buffer {
                b.check().map_err(|r| (format!("{at}.buffer"), r))?;
            }
            Ok(Rule { formula, buffer })
        };
        let mut channels = Vec::new();
        for (name, c) in &self.channels {
            channels.push(ChannelRule {
                name: name.clone(),
                locations: c.locations.clone(),
                rule: rule(format!("channels.{name}"), c.available.as_deref(), c.buffer)?,
            });
        }
        let mut locations = BTreeMap::new();
        for (loc, o) in &self.location_overrides {
            locations.insert(loc.clone(), rule(format!("location_overrides.{loc}"), o.available.as_deref(), o.buffer)?);
        }
        Ok(Rules::new(formula, buffer, channels, locations))
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
            (
                "[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = { every = \"10x\" }\n",
                "flows.a.trigger.every",
            ),
            (
                "[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = { cron = \"bad\" }\n",
                "flows.a.trigger.cron",
            ),
            (
                "[flows.a]\nfrom = \"erp\"\nto = \"sink\"\nobject = \"customer\"\ntransforms = [\"t\"]\n",
                "flows.a.transforms[0]",
            ),
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
