//! The history of inventory level updates: every `inventory_levels/update` the simulator raised,
//! with the change since the level's previous entry and what caused it, so tests can check the
//! arithmetic of sales, POS, admin adjustments and API writes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One reported level change.
#[derive(Clone, Debug, Serialize)]
pub struct LevelChange {
    pub seq: u64,
    pub inventory_item_id: u64,
    pub location_id: u64,
    /// `available` after the change.
    pub available: i64,
    /// The change since the level's previous entry (a level's first entry counts from its seed
    /// quantity, or from 0 for levels stocked later).
    pub delta: i64,
    /// What changed it: `storefront`, `pos`, `admin`, or the GraphQL mutation (`inventorySetQuantities`, `refundCreate`, ...).
    pub cause: String,
    pub at: DateTime<Utc>,
}

/// Every level change so far.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LevelHistory {
    pub changes: Vec<LevelChange>,
    /// The last `available` recorded (or seeded) per (item, location).
    #[serde(skip)]
    last: BTreeMap<(u64, u64), i64>,
    /// The cause attributed to the changes being made now.
    #[serde(skip)]
    pub cause: String,
}

impl LevelHistory {
    /// Sets the starting quantity of a level (the seed), against which its first change counts.
    pub fn baseline(&mut self, item: u64, location: u64, available: i64) {
        self.last.insert((item, location), available);
    }

    /// Records a level's new `available`.
    pub fn record(&mut self, item: u64, location: u64, available: i64, at: DateTime<Utc>) {
        let before = self.last.insert((item, location), available).unwrap_or(0);
        let cause = if self.cause.is_empty() { "api".to_string() } else { self.cause.clone() };
        let seq = self.changes.len() as u64 + 1;
        self.changes.push(LevelChange {
            seq,
            inventory_item_id: item,
            location_id: location,
            available,
            delta: available - before,
            cause,
            at,
        });
    }
}
