//! The values of a shop's shared Shopify cost bucket ([`super::BudgetStore`]).

/// The answer to a request for points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// The points are taken: send the call.
    Granted,
    /// Not now: ask again after this many milliseconds (the bucket refills, or a call of a higher
    /// priority, or an older one of the same, is waiting on another host).
    Wait(u64),
}

/// What Shopify reported about the bucket in a call's answer (`extensions.cost`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketReport {
    /// What the call was charged; `None` when it was throttled (nothing charged).
    pub actual: Option<f64>,
    /// The bucket's size.
    pub maximum: f64,
    /// Points in the bucket when Shopify answered.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}
