//! Fault injection: rules that make GraphQL requests fail (status codes, an HTML 502, timeouts,
//! slow answers, THROTTLED), disturb webhook delivery (drops, duplicates, reordering), or fail
//! lines of bulk mutations.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What a rule does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this HTTP status and Shopify's JSON error body.
    Status { status: u16 },
    /// Answer 502 with an HTML page, as Shopify's edge does.
    BadGatewayHtml,
    /// Hold the answer for `delay_ms` (a client timeout); without `after_execute` it ends in a 504.
    Timeout { delay_ms: u64 },
    /// Answer normally after `delay_ms`.
    Slow { delay_ms: u64 },
    /// Answer THROTTLED whatever the bucket holds.
    Throttled,
    /// Silently drop a webhook delivery.
    WebhookDrop,
    /// Deliver a webhook twice (same webhook id).
    WebhookDuplicate,
    /// Hold this many deliveries and release them in reverse order.
    WebhookReorder { batch: usize },
    /// Fail a bulk mutation's line (this zero-based line, or any) with Shopify's internal error,
    /// without running it; `operation` may name the bulk mutation's root field.
    BulkLineError {
        #[serde(default)]
        line: Option<u64>,
    },
}

/// A fault with when it applies.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub fault: Fault,
    /// How many times it fires (None: until cleared).
    #[serde(default)]
    pub count: Option<u32>,
    /// Chance per eligible request (None: always).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Only for requests whose operation type (`query`/`mutation`) or a root field matches.
    #[serde(default)]
    pub operation: Option<String>,
    /// Execute the request first, then fail the answer (the write happened, the client can't know).
    #[serde(default)]
    pub after_execute: bool,
}

impl FaultRule {
    /// A rule that fires `count` times for every request.
    pub fn times(fault: Fault, count: u32) -> Self {
        FaultRule { fault, count: Some(count), probability: None, operation: None, after_execute: false }
    }

    /// A rule that fires with `probability` until cleared.
    pub fn chance(fault: Fault, probability: f64) -> Self {
        FaultRule { fault, count: None, probability: Some(probability), operation: None, after_execute: false }
    }

    /// Restricts the rule to an operation type or root field.
    pub fn only(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_string());
        self
    }

    /// Makes the rule fire after the request executed.
    pub fn after_execute(mut self) -> Self {
        self.after_execute = true;
        self
    }

    fn is_webhook(&self) -> bool {
        matches!(self.fault, Fault::WebhookDrop | Fault::WebhookDuplicate | Fault::WebhookReorder { .. })
    }

    fn is_bulk_line(&self) -> bool {
        matches!(self.fault, Fault::BulkLineError { .. })
    }
}

/// The active rules and the random source deciding probabilistic ones.
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: StdRng,
}

/// Which request a fault is being decided for.
pub struct RequestInfo<'a> {
    /// `query` or `mutation`.
    pub operation_type: &'a str,
    /// Root field names.
    pub root_fields: &'a [String],
}

impl Faults {
    /// No rules; `seed` makes probabilistic rules reproducible.
    pub fn new(seed: u64) -> Self {
        Faults { rules: Vec::new(), rng: StdRng::seed_from_u64(seed) }
    }

    /// Adds a rule.
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The active rules.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    fn take(&mut self, eligible: impl Fn(&FaultRule) -> bool) -> Option<FaultRule> {
        for i in 0..self.rules.len() {
            if !eligible(&self.rules[i]) {
                continue;
            }
            if let Some(p) = self.rules[i].probability {
                if self.rng.random::<f64>() >= p {
                    continue;
                }
            }
            let rule = self.rules[i].clone();
            if let Some(count) = &mut self.rules[i].count {
                *count -= 1;
                if *count == 0 {
                    self.rules.remove(i);
                }
            }
            return Some(rule);
        }
        None
    }

    /// The request fault to apply (if any) at the given stage.
    pub fn for_request(&mut self, req: &RequestInfo<'_>, after_execute: bool) -> Option<FaultRule> {
        self.take(|r| {
            !r.is_webhook()
                && !r.is_bulk_line()
                && r.after_execute == after_execute
                && r.operation
                    .as_deref()
                    .is_none_or(|op| op == req.operation_type || req.root_fields.iter().any(|f| f == op))
        })
    }

    /// True when an injected error replaces line `line` of a bulk mutation running `root_field`.
    pub fn for_bulk_line(&mut self, line: u64, root_field: &str) -> bool {
        self.take(|r| {
            matches!(r.fault, Fault::BulkLineError { line: at } if at.is_none_or(|at| at == line))
                && r.operation.as_deref().is_none_or(|op| op == "mutation" || op == root_field)
        })
        .is_some()
    }

    /// The webhook fault to apply to the next delivery (if any).
    pub fn for_webhook(&mut self) -> Option<Fault> {
        self.take(FaultRule::is_webhook).map(|r| r.fault)
    }
}
