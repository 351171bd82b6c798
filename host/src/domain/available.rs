//! The sellable quantity pushed to Shopify: a CEL formula over the ERP quantities, a buffer held
//! back from the storefront, per-channel and per-location overrides, clamped at 0. Every number
//! comes with a [`Trace`] that says how it was computed.

use super::expr::Expr;
use crate::model::InventoryLevel;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// The variables an available formula is evaluated with, in this order.
pub const INPUTS: [&str; 4] = ["on_hand", "reserved", "incoming", "safety_stock"];

/// The formula when the flow sets none.
pub const DEFAULT_FORMULA: &str = "on_hand - reserved - safety_stock";

/// Stock held back from the storefront: `held = max(ceil(q × percent / 100) + units, min)`,
/// then `available = max(q − held, 0)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Buffer {
    /// Share of the quantity held back, 0–100 (rounded up to whole units).
    pub percent: Option<f64>,
    /// Units held back on top of the percentage.
    pub units: Option<i64>,
    /// At least this many units are held back.
    pub min: Option<i64>,
}

impl Buffer {
    /// Units held back from quantity `q` (0 when `q` ≤ 0).
    pub fn held(&self, q: i64) -> i64 {
        if q <= 0 {
            return 0;
        }
        let share = self.percent.map_or(0, |p| ((q as f64) * p / 100.0).ceil() as i64);
        (share + self.units.unwrap_or(0)).max(self.min.unwrap_or(0)).max(0)
    }

    /// Whether the numbers make sense (percent 0–100, nothing negative).
    pub fn check(&self) -> Result<(), String> {
        if let Some(p) = self.percent {
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("percent {p} must be between 0 and 100"));
            }
        }
        if self.units.is_some_and(|u| u < 0) || self.min.is_some_and(|m| m < 0) {
            return Err("units and min must not be negative".into());
        }
        Ok(())
    }
}

/// How one quantity was computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// SKU.
    pub sku: String,
    /// ERP location.
    pub erp_location: String,
    /// Shopify location.
    pub shopify_location: String,
    /// The ERP's quantities.
    pub inputs: BTreeMap<String, i64>,
    /// The formula used.
    pub formula: String,
    /// Where the formula comes from (`flow`, `channel b2b`, `location WH2`).
    pub formula_from: String,
    /// The formula's result.
    pub raw: i64,
    /// The buffer used.
    pub buffer: Buffer,
    /// Where the buffer comes from.
    pub buffer_from: String,
    /// Units held back.
    pub held: i64,
    /// True when the result was negative and set to 0.
    pub clamped: bool,
    /// The quantity to push.
    pub available: i64,
}

/// A formula and/or buffer that replaces the flow's for some levels (`None`: the flow's).
#[derive(Debug, Default)]
pub struct Rule {
    /// The formula.
    pub formula: Option<Expr>,
    /// The buffer.
    pub buffer: Option<Buffer>,
}

/// A channel's rule and the ERP locations or Shopify location GIDs it sells from.
#[derive(Debug)]
pub struct ChannelRule {
    /// Channel name (in traces).
    pub name: String,
    /// ERP location codes or Shopify location GIDs.
    pub locations: Vec<String>,
    /// Its rule.
    pub rule: Rule,
}

/// Compiled rules of one flow.
#[derive(Debug)]
pub struct Rules {
    formula: Expr,
    buffer: Buffer,
    channels: Vec<ChannelRule>,
    locations: BTreeMap<String, Rule>,
}

impl Rules {
    /// The flow's formula and buffer, its channels' rules and its per-ERP-location overrides.
    pub fn new(formula: Expr, buffer: Buffer, channels: Vec<ChannelRule>, locations: BTreeMap<String, Rule>) -> Rules {
        Rules { formula, buffer, channels, locations }
    }

    /// The available quantity of `level` at `shopify_location`, with its trace. Precedence:
    /// location override, then channel, then the flow.
    pub fn compute(&self, level: &InventoryLevel, shopify_location: &str) -> Result<Trace, String> {
        let (mut formula, mut formula_from) = (&self.formula, "flow".to_owned());
        let (mut buffer, mut buffer_from) = (self.buffer, "flow".to_owned());
        let channel =
            self.channels.iter().find(|c| c.locations.iter().any(|l| l == &level.location || l == shopify_location));
        if let Some(c) = channel {
            if let Some(f) = &c.rule.formula {
                (formula, formula_from) = (f, format!("channel {}", c.name));
            }
            if let Some(b) = c.rule.buffer {
                (buffer, buffer_from) = (b, format!("channel {}", c.name));
            }
        }
        if let Some(rule) = self.locations.get(&level.location) {
            if let Some(f) = &rule.formula {
                (formula, formula_from) = (f, format!("location {}", level.location));
            }
            if let Some(b) = rule.buffer {
                (buffer, buffer_from) = (b, format!("location {}", level.location));
            }
        }
        let quantities = [level.on_hand, level.reserved, level.incoming, level.safety_stock];
        let values = quantities.map(|v| json!(v));
        let vars: Vec<(&str, &serde_json::Value)> = INPUTS.into_iter().zip(&values).collect();
        let raw = formula.eval_int(&vars)?;
        let inputs: BTreeMap<String, i64> = INPUTS.into_iter().map(str::to_owned).zip(quantities).collect();
        let held = buffer.held(raw);
        let unclamped = raw - held;
        Ok(Trace {
            sku: level.sku.clone().unwrap_or_default(),
            erp_location: level.location.clone(),
            shopify_location: shopify_location.to_owned(),
            inputs,
            formula: formula.source().to_owned(),
            formula_from,
            raw,
            buffer,
            buffer_from,
            held,
            clamped: unclamped < 0,
            available: unclamped.max(0),
        })
    }
}

impl Trace {
    /// Human-readable lines (what `weft explain inventory` prints).
    pub fn lines(&self) -> Vec<String> {
        let inputs: Vec<String> = self.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let b = &self.buffer;
        let mut buffer = Vec::new();
        if let Some(p) = b.percent {
            buffer.push(format!("{p}%"));
        }
        if let Some(u) = b.units {
            buffer.push(format!("{u} units"));
        }
        if let Some(m) = b.min {
            buffer.push(format!("min {m}"));
        }
        let buffer = if buffer.is_empty() { "none".to_owned() } else { buffer.join(" + ") };
        vec![
            format!("sku {} at ERP location {} -> Shopify {}", self.sku, self.erp_location, self.shopify_location),
            format!("inputs: {}", inputs.join(", ")),
            format!("formula ({}): {} = {}", self.formula_from, self.formula, self.raw),
            format!("buffer ({}): {} -> holds back {}", self.buffer_from, buffer, self.held),
            format!(
                "{} - {} = {}{}",
                self.raw,
                self.held,
                self.raw - self.held,
                if self.clamped { " -> clamped to 0" } else { "" }
            ),
            format!("available: {}", self.available),
        ]
    }
}
