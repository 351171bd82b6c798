//! `direction` of an inventory flow: who changes stock. `erp` (the default): the ERP is the
//! only source, Shopify follows it. `hybrid`: Shopify sells too (storefront, POS, refunds with
//! restock, a person's adjustment in the admin); those changes reach the ERP as adjustments
//! (deltas) through the flow's source connection, while the ERP's own changes keep flowing to
//! Shopify with compare-and-set.
//!
//! Order-driven decrements are counted once, via the adjustment: Shopify's
//! `inventory_levels/update` carries an absolute `available` and no cause, so a decrement cannot
//! be told apart as "an order's" reliably (an order placed, fulfilled or cancelled between two
//! reads moves `available`, `committed` and `on_hand` in ways that do not separate). Booking
//! every Shopify change as an adjustment is exact; the ERP's import of the same orders must
//! then not move stock a second time (import them for accounting, or let the ERP's order
//! import skip stock), which `weft config check` cannot see and the README says.

use super::flow::{Endpoint, FlowConfig, ObjectKind};
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

impl FlowConfig {
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
