//! What weft reports about itself: reconciliation reports and firing alert episodes.

use serde::{Deserialize, Serialize};

/// One reconciliation run over one or more flows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReconcileReport {
    /// Id (0 until stored).
    pub id: u64,
    /// Start (ms since the epoch).
    pub started_ms: u64,
    /// End.
    pub finished_ms: u64,
    /// `manual` or `schedule`.
    pub trigger: String,
    /// Totals over every flow.
    pub summary: ReconcileSummary,
    /// Totals per shop (`shopify` for the `[shopify]` section).
    #[serde(default)]
    pub shops: std::collections::BTreeMap<String, ReconcileSummary>,
    /// Per flow.
    pub flows: Vec<FlowReconcile>,
    /// Correction jobs enqueued by `--heal` (None without it).
    pub healed: Option<usize>,
}

/// Totals of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileSummary {
    /// SKU × location pairs compared (present on both sides).
    pub compared: usize,
    /// Pairs whose available differs.
    pub drifted: usize,
    /// Pairs only the ERP has (Shopify does not stock the SKU there).
    pub erp_only: usize,
    /// Pairs only Shopify has, at a location the flow maps.
    pub shopify_only: usize,
    /// Days whose order count or total differs.
    pub order_days_drifted: usize,
    /// Orders whose amounts differ or that one side lacks.
    #[serde(default)]
    pub orders_drifted: usize,
    /// Flows whose customer counts differ.
    pub customer_count_drifted: usize,
    /// Price records whose Shopify side differs.
    #[serde(default)]
    pub prices_drifted: usize,
    /// Flows that could not be reconciled.
    pub errors: usize,
}

/// What one flow's reconciliation found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowReconcile {
    /// Flow.
    pub flow: String,
    /// The shop it compared with.
    #[serde(default)]
    pub shop: Option<String>,
    /// Its object (`inventory`, `order`, `customer`).
    pub object: String,
    /// SKU × location pairs both sides have.
    pub compared: usize,
    /// Source records the connector or the transforms rejected (not compared).
    pub rejected: usize,
    /// Levels with different available numbers.
    pub drift: Vec<Drift>,
    /// Levels only the ERP has.
    pub erp_only: Vec<Drift>,
    /// Levels only Shopify has (at mapped locations).
    pub shopify_only: Vec<Drift>,
    /// SKUs the ERP has and Shopify does not know at all.
    pub erp_only_skus: Vec<String>,
    /// SKUs stocked at a mapped Shopify location that the ERP does not send.
    pub shopify_only_skus: Vec<String>,
    /// Order flows: per day, both sides.
    pub order_days: Vec<OrderDay>,
    /// Order flows: each order whose amounts differ, or that one side lacks.
    #[serde(default)]
    pub order_drift: Vec<OrderDrift>,
    /// Customer flows: (ERP, Shopify) counts.
    pub customers: Option<(usize, usize)>,
    /// Price flows: each ERP price record whose Shopify side differs.
    #[serde(default)]
    pub price_drift: Vec<PriceDrift>,
    /// Why the flow could not be reconciled.
    pub error: Option<String>,
}

/// One SKU × location compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// SKU.
    pub sku: String,
    /// Shopify location GID.
    pub location: String,
    /// ERP location code.
    pub erp_location: Option<String>,
    /// The flow's computed available (None: the ERP has no such level).
    pub erp_available: Option<i64>,
    /// Shopify's available (None: not stocked there).
    pub shopify_available: Option<i64>,
    /// ERP − Shopify (missing sides count as 0).
    pub difference: i64,
}

/// One ERP price record whose variant price or price list entry differs in Shopify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceDrift {
    /// SKU.
    pub sku: String,
    /// `base`, `channel list L`, `market M`, `catalog C` or `company location L`.
    pub scope: String,
    /// The Shopify price list (`None`: the variant's own price).
    pub price_list: Option<String>,
    /// What the ERP's record sets: `price`, `compare_at_price` (lists: also `quantity_breaks`,
    /// `quantity_rule`).
    pub erp: serde_json::Value,
    /// What Shopify holds, the same way (null: no such variant, or no fixed price on the list).
    pub shopify: serde_json::Value,
}

/// Orders of one day on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Orders in the ERP.
    pub erp_count: usize,
    /// Orders in Shopify.
    pub shopify_count: usize,
    /// Sum of totals in the ERP (decimal string, 2 places).
    pub erp_total: String,
    /// Sum of totals in Shopify.
    pub shopify_total: String,
}

/// One order whose amounts differ between the ERP and Shopify, or that one side lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDrift {
    /// The order's name (`#1001`, `AMZ-7`).
    pub order: String,
    /// `YYYY-MM-DD` it counts on.
    pub day: String,
    /// Its Shopify GID (none: Shopify does not have it).
    pub shopify_id: Option<String>,
    /// Its id in the ERP (none: the ERP does not have it).
    pub erp_id: Option<String>,
    /// The currency compared.
    pub currency: String,
    /// The amounts that differ: (`subtotal`, `shipping`, `tax`, `discount`, `refunded`, `total`;
    /// ERP, Shopify).
    pub fields: Vec<(String, String, String)>,
}

impl OrderDay {
    /// Whether both sides agree.
    pub fn matches(&self) -> bool {
        self.erp_count == self.shopify_count && self.erp_total == self.shopify_total
    }
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Rule name.
    pub rule: String,
    /// Flow, when the rule is per flow.
    pub flow: Option<String>,
    /// When it fired.
    pub since_ms: u64,
    /// The value that made it fire.
    pub value: f64,
}
