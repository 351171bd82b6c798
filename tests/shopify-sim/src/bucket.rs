//! The leaky bucket that rate-limits GraphQL requests by calculated cost.

use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A Shopify plan's GraphQL limits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Bucket size in cost points.
    pub maximum_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl Plan {
    /// Standard (and below): 2,000 points, 100/s.
    pub const STANDARD: Plan = Plan { maximum_available: 2000.0, restore_rate: 100.0 };
    /// Advanced: 4,000 points, 200/s.
    pub const ADVANCED: Plan = Plan { maximum_available: 4000.0, restore_rate: 200.0 };
    /// Plus: 20,000 points, 1,000/s.
    pub const PLUS: Plan = Plan { maximum_available: 20000.0, restore_rate: 1000.0 };

    /// Looks a plan up by name (`standard`, `advanced`, `plus`).
    pub fn by_name(name: &str) -> Option<Plan> {
        match name.to_ascii_lowercase().as_str() {
            "standard" | "basic" => Some(Plan::STANDARD),
            "advanced" => Some(Plan::ADVANCED),
            "plus" => Some(Plan::PLUS),
            _ => None,
        }
    }
}

/// Points available now, refilled continuously at the plan's restore rate.
#[derive(Debug)]
pub struct Bucket {
    plan: Plan,
    available: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket for `plan`.
    pub fn new(plan: Plan) -> Self {
        Bucket { plan, available: plan.maximum_available, last: Instant::now() }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.available = (self.available + elapsed * self.plan.restore_rate).min(self.plan.maximum_available);
        self.last = now;
    }

    /// Takes `cost` points if the bucket holds them; false means THROTTLED.
    pub fn try_take(&mut self, cost: u64) -> bool {
        self.refill();
        if self.available >= cost as f64 {
            self.available -= cost as f64;
            true
        } else {
            false
        }
    }

    /// Gives back points (requested minus actual).
    pub fn refund(&mut self, points: u64) {
        self.refill();
        self.available = (self.available + points as f64).min(self.plan.maximum_available);
    }

    /// Switches plan, keeping the current level (capped at the new maximum).
    pub fn set_plan(&mut self, plan: Plan) {
        self.refill();
        self.plan = plan;
        self.available = self.available.min(plan.maximum_available);
    }

    /// Forces the current level (tests use it to start from an empty bucket).
    pub fn set_available(&mut self, points: f64) {
        self.refill();
        self.available = points.clamp(0.0, self.plan.maximum_available);
    }

    /// The plan in force.
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// `extensions.cost.throttleStatus` as Shopify reports it.
    pub fn throttle_status(&mut self) -> serde_json::Value {
        self.refill();
        serde_json::json!({
            "maximumAvailable": self.plan.maximum_available,
            "currentlyAvailable": self.available.floor() as i64,
            "restoreRate": self.plan.restore_rate,
        })
    }
}
