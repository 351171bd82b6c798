//! `direction` of an inventory flow: who changes stock. `erp` (the default): the ERP is the
//! only source, Shopify follows it. `hybrid`: Shopify sells too (storefront, POS, refunds with
//! restock, a person's adjustment in the admin); those changes reach the ERP as adjustments
//! (deltas) through the flow's source connection, while the ERP's own changes keep flowing to
//! Shopify with compare-and-set.
//!
//! Order-driven decrements are counted once, per connection ([`CountedBy`], the orders flow's
//! `stock_counted_by`): with a hybrid inventory flow, via the adjustment — Shopify's
//! `inventory_levels/update` carries an absolute `available` and no cause, so a decrement cannot
//! be told apart as "an order's" reliably (an order placed, fulfilled or cancelled between two
//! reads moves `available`, `committed` and `on_hand` in ways that do not separate), while
//! booking every Shopify change as an adjustment is exact. The orders flow from Shopify into
//! the same connection then says `stock_counted_by = "adjustment"` and its orders are imported
//! without moving stock (each order given to the connector says so: `StockEffect`). Without a hybrid flow, via the order (the ERP's import ships from
//! stock; Shopify's own decrement is overwritten by the ERP's next level). The config check
//! refuses the two combinations that would count twice or never.

use super::flow::{Endpoint, FlowConfig, ObjectKind};
use super::Config;
use crate::model::StockEffect;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Who changes stock in an inventory flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockDirection {
    /// The ERP alone; Shopify's own changes are overwritten by the next ERP change.
    #[default]
    Erp,
    /// Both: Shopify's changes are booked in the ERP as adjustments.
    Hybrid,
}

/// What counts the stock a Shopify order takes in the ERP (an orders flow's `stock_counted_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountedBy {
    /// The ERP's import of the order moves its stock (a Tryton sale ships from the warehouse).
    Order,
    /// A hybrid inventory flow on the same connection booked Shopify's decrement as an
    /// adjustment: the order is imported without moving stock.
    Adjustment,
}

impl Config {
    /// Each Shopify order's stock is counted once in its ERP: an orders flow from Shopify into a
    /// connection a hybrid inventory flow books adjustments in must say `stock_counted_by =
    /// "adjustment"`, and only such a flow may.
    pub(super) fn counted_once_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, flow) in &self.flows {
            let key = format!("flows.{name}.stock_counted_by");
            let erp = match &flow.to {
                Endpoint::Connection(erp) if flow.object == ObjectKind::Order && flow.from.is_shopify() => erp,
                _ => {
                    if flow.stock_counted_by.is_some() {
                        out.push((key, "only an orders flow from shopify into an ERP connection takes it".into()));
                    }
                    continue;
                }
            };
            let hybrid = self
                .flows
                .iter()
                .find(|(_, f)| {
                    f.is_hybrid()
                        && matches!(&f.from, Endpoint::Connection(c) if c == erp)
                        && self.shop_of(f) == self.shop_of(flow)
                })
                .map(|(n, _)| n);
            match (hybrid, flow.stock_counted_by.unwrap_or(CountedBy::Order)) {
                (Some(h), CountedBy::Order) => out.push((
                    key,
                    format!(
                        "the hybrid inventory flow `{h}` books Shopify's stock changes, these orders' sales included, \
                            in `{erp}` as adjustments; importing the orders would move that stock again (counted twice): \
                            set `stock_counted_by = \"adjustment\"` (the orders are imported without moving stock)"
                    ),
                )),
                (None, CountedBy::Adjustment) => out.push((
                    key,
                    format!(
                        "no hybrid inventory flow books Shopify's stock changes in `{erp}`, so with `adjustment` \
                            these orders' stock would be counted nowhere: remove the key (the order counts) or make \
                            the inventory flow from `{erp}` `direction = \"hybrid\"`"
                    ),
                )),
                _ => {}
            }
        }
        out
    }
}

impl FlowConfig {
    /// What importing the flow's orders does to stock: an orders flow counted by the adjustment
    /// imports them without moving it; every other flow's orders move it.
    pub fn stock_effect(&self) -> StockEffect {
        match self.stock_counted_by {
            Some(CountedBy::Adjustment) => StockEffect::AlreadyCounted,
            Some(CountedBy::Order) | None => StockEffect::MoveStock,
        }
    }

    /// Whether the flow is a hybrid inventory flow.
    pub fn is_hybrid(&self) -> bool {
        self.object == ObjectKind::Inventory && self.direction == StockDirection::Hybrid
    }

    /// The ERP location a Shopify location books against (`locations` read backwards).
    pub fn erp_location_of(&self, shopify_location: &str) -> Option<&str> {
        self.locations.iter().find(|(_, s)| s.as_str() == shopify_location).map(|(erp, _)| erp.as_str())
    }

    /// Problems of the `direction` key, as (key under the flow, reason).
    pub(super) fn direction_problems(&self) -> Vec<(String, String)> {
        if self.direction != StockDirection::Hybrid {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.object != ObjectKind::Inventory {
            out.push(("direction".into(), "`hybrid` is for inventory flows only".into()));
            return out;
        }
        if !matches!(self.from, Endpoint::Connection(_)) || !self.to.is_shopify() {
            out.push((
                "direction".into(),
                "a hybrid inventory flow runs from an ERP connection to shopify (adjustments go back to it)".into(),
            ));
        }
        if self.locations.is_empty() {
            out.push((
                "locations".into(),
                "a hybrid flow books Shopify's changes per mapped location; map at least one".into(),
            ));
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (erp, shopify) in &self.locations {
            if let Some(first) = seen.insert(shopify.as_str(), erp.as_str()) {
                out.push((
                    format!("locations.{erp}"),
                    format!("{shopify} is mapped from `{first}` too; in a hybrid flow each Shopify location books against one ERP location"),
                ));
            }
        }
        out
    }
}
