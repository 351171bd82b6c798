//! The shop's cost budget: a local model of Shopify's leaky bucket, fed by every response's
//! `extensions.cost.throttleStatus`, shared by every caller. A request waits until the model
//! says its requested cost is available, so Shopify rarely has to answer THROTTLED. Waiters
//! are served by priority (orders > inventory > catalog > backfill), then in arrival order.
//!
//! With a store several hosts share, the model is the store's ([`crate::store::BudgetStore`]):
//! this process's first waiter asks the store for the points, so the hosts together stay under
//! the shop's rate and a higher priority waiting on any host goes first.

use crate::store::{BucketReport, Grant, Store};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Who is asking; higher goes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Full reads and history imports.
    Backfill = 0,
    /// Products, variants, prices.
    Catalog = 1,
    /// Stock levels.
    Inventory = 2,
    /// Orders (customers are waiting).
    Orders = 3,
}

/// `extensions.cost` of a response.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub requested: f64,
    /// None when the request was throttled.
    pub actual: Option<f64>,
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

impl Cost {
    /// Reads `extensions.cost` (numbers may be ints or floats).
    pub fn from_extensions(extensions: &serde_json::Value) -> Option<Cost> {
        let cost = extensions.get("cost")?;
        let status = cost.get("throttleStatus")?;
        let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_f64);
        Some(Cost {
            requested: num(cost, "requestedQueryCost")?,
            actual: num(cost, "actualQueryCost"),
            maximum_available: num(status, "maximumAvailable")?,
            currently_available: num(status, "currentlyAvailable")?,
            restore_rate: num(status, "restoreRate")?,
        })
    }
}

/// Cost assumed for an operation never seen before (a mutation's price).
const DEFAULT_COST: f64 = 10.0;

/// Fallback wait when the bucket state is unknown or a waiter is not first in line
/// (they are normally woken by the change that lets them go).
const POLL: Duration = Duration::from_millis(50);

struct Model {
    /// Points the bucket holds now, as far as we know (never optimistic).
    available: f64,
    maximum: f64,
    restore_rate: f64,
    updated: Instant,
    /// False until the first response told us the bucket's shape.
    known: bool,
    /// Requested cost of requests sent and not yet answered.
    in_flight: f64,
    /// Waiters: (priority desc, ticket asc).
    queue: BTreeSet<(Reverse<Priority>, u64)>,
    next_ticket: u64,
    /// Last requested cost seen per operation name.
    costs: HashMap<String, f64>,
}

impl Model {
    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.updated).as_secs_f64();
        self.available = (self.available + elapsed * self.restore_rate).min(self.maximum);
        self.updated = now;
    }
}

/// A reservation of cost points for one request in flight.
#[derive(Debug)]
pub struct Reservation {
    cost: f64,
}

/// The bucket of a shop as a store shared by several hosts keeps it.
struct Shared {
    store: Store,
    shop: String,
}

impl Shared {
    /// Ask the store for `cost` points (off the async threads: the store blocks).
    async fn take(&self, cost: f64, priority: Priority) -> Grant {
        let (store, shop) = (self.store.clone(), self.shop.clone());
        let asked = tokio::task::spawn_blocking(move || match store.budget() {
            Some(budget) => budget.budget_take(&shop, cost, priority as u8),
            None => Ok(Grant::Granted),
        })
        .await;
        match asked {
            Ok(Ok(grant)) => grant,
            Ok(Err(e)) => {
                tracing::warn!("shared Shopify budget unavailable ({e}); asking again shortly");
                Grant::Wait(STORE_RETRY_MS)
            }
            Err(e) => {
                tracing::warn!("shared Shopify budget unavailable ({e}); asking again shortly");
                Grant::Wait(STORE_RETRY_MS)
            }
        }
    }

    /// Settle points taken, with Shopify's report when there is one.
    async fn settle(&self, reserved: f64, report: Option<BucketReport>) {
        let (store, shop) = (self.store.clone(), self.shop.clone());
        let settled = tokio::task::spawn_blocking(move || match store.budget() {
            Some(budget) => budget.budget_settle(&shop, reserved, report.as_ref()),
            None => Ok(()),
        })
        .await;
        if !matches!(settled, Ok(Ok(()))) {
            tracing::warn!("shared Shopify budget not settled; its in-flight points expire with this host's beat");
        }
    }
}

/// How long to wait before asking a store that failed again.
const STORE_RETRY_MS: u64 = 500;

/// The shared budget of one shop.
pub struct Budget {
    model: Mutex<Model>,
    changed: Notify,
    shared: Option<Shared>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

impl Budget {
    /// A budget that learns the bucket from the first response.
    pub fn new() -> Self {
        Budget {
            model: Mutex::new(Model {
                available: 0.0,
                maximum: 0.0,
                restore_rate: 0.0,
                updated: Instant::now(),
                known: false,
                in_flight: 0.0,
                queue: BTreeSet::new(),
                next_ticket: 0,
                costs: HashMap::new(),
            }),
            changed: Notify::new(),
            shared: None,
        }
    }

    /// The budget of `shop`: kept in `store` when several hosts share it (every host then paces
    /// against the same bucket), else this process's own.
    pub fn for_store(store: &Store, shop: &str) -> Self {
        let shared = store.budget().is_some().then(|| Shared { store: store.clone(), shop: shop.to_owned() });
        Budget { shared, ..Budget::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The expected requested cost of an operation (learned from earlier responses).
    pub fn estimate(&self, operation: &str) -> f64 {
        self.lock().costs.get(operation).copied().unwrap_or(DEFAULT_COST)
    }

    /// Waits until `cost` points can be spent without exhausting the bucket, then reserves them.
    pub async fn acquire(&self, cost: f64, priority: Priority) -> Reservation {
        let ticket = {
            let mut m = self.lock();
            let t = m.next_ticket;
            m.next_ticket += 1;
            m.queue.insert((Reverse(priority), t));
            t
        };
        loop {
            let notified = self.changed.notified();
            if let Some(shared) = &self.shared {
                let first = self.lock().queue.iter().next().map(|(_, t)| *t) == Some(ticket);
                let wait = match first {
                    true => match shared.take(cost, priority).await {
                        Grant::Granted => {
                            let mut m = self.lock();
                            m.queue.remove(&(Reverse(priority), ticket));
                            m.in_flight += cost;
                            drop(m);
                            self.changed.notify_waiters();
                            return Reservation { cost };
                        }
                        Grant::Wait(ms) => Duration::from_millis(ms.max(1)),
                    },
                    false => POLL,
                };
                tokio::select! {
                    _ = notified => {}
                    _ = tokio::time::sleep(wait) => {}
                }
                continue;
            }
            let wait = {
                let mut m = self.lock();
                m.refill();
                let first = m.queue.iter().next().map(|(_, t)| *t) == Some(ticket);
                // Unknown bucket: one request at a time until a response teaches us its state.
                let can_go = first && if m.known { m.available >= cost.min(m.maximum) } else { m.in_flight == 0.0 };
                if can_go {
                    m.queue.remove(&(Reverse(priority), ticket));
                    m.available -= cost;
                    m.in_flight += cost;
                    drop(m);
                    self.changed.notify_waiters();
                    return Reservation { cost };
                }
                if first && m.known && m.restore_rate > 0.0 {
                    Duration::from_secs_f64((cost.min(m.maximum) - m.available) / m.restore_rate)
                        .max(Duration::from_millis(1))
                } else {
                    POLL
                }
            };
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Settles a reservation with the response's cost report.
    pub async fn observe(&self, operation: &str, reservation: Reservation, cost: &Cost) {
        if let Some(shared) = &self.shared {
            {
                let mut m = self.lock();
                m.in_flight = (m.in_flight - reservation.cost).max(0.0);
                m.costs.insert(operation.to_string(), cost.requested);
            }
            let report = BucketReport {
                actual: cost.actual,
                maximum: cost.maximum_available,
                currently_available: cost.currently_available,
                restore_rate: cost.restore_rate,
            };
            shared.settle(reservation.cost, Some(report)).await;
            self.changed.notify_waiters();
            return;
        }
        let mut m = self.lock();
        m.refill();
        m.in_flight = (m.in_flight - reservation.cost).max(0.0);
        m.costs.insert(operation.to_string(), cost.requested);
        m.maximum = cost.maximum_available;
        m.restore_rate = cost.restore_rate;
        // What Shopify reported, minus what other requests in flight may still take.
        let reported = cost.currently_available - m.in_flight;
        if !m.known {
            m.available = reported;
            m.known = true;
        } else {
            // Our own refund: we reserved the requested cost, Shopify charged the actual one.
            if let Some(actual) = cost.actual {
                m.available = (m.available + (reservation.cost - actual).max(0.0)).min(m.maximum);
            } else {
                m.available += reservation.cost;
            }
            // Trust the report when it is lower (others use the bucket) or clearly higher
            // (our model was too careful); within 1 point it is integer rounding.
            if reported < m.available || reported > m.available + 1.0 {
                m.available = reported;
            }
        }
        drop(m);
        self.changed.notify_waiters();
    }

    /// Settles a reservation whose response carried no cost report (transport error, 5xx):
    /// the points stay spent, as Shopify may have charged them.
    pub async fn abandon(&self, reservation: Reservation) {
        {
            let mut m = self.lock();
            m.in_flight = (m.in_flight - reservation.cost).max(0.0);
        }
        if let Some(shared) = &self.shared {
            shared.settle(reservation.cost, None).await;
        }
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cost report; the slow restore (10 points in 200 ms) leaves the second waiter ample time
    /// to queue even on a loaded machine.
    fn report(currently: f64) -> Cost {
        Cost {
            requested: 10.0,
            actual: Some(10.0),
            maximum_available: 100.0,
            currently_available: currently,
            restore_rate: 50.0,
        }
    }

    #[tokio::test]
    async fn learns_the_bucket_then_paces_by_priority() {
        let budget = std::sync::Arc::new(Budget::new());
        let r = budget.acquire(10.0, Priority::Catalog).await;
        budget.observe("Op", r, &report(0.0)).await;
        assert_eq!(budget.estimate("Op"), 10.0);
        // The bucket is empty: both wait; the orders waiter must win although it came second.
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let (b1, o1) = (budget.clone(), order.clone());
        let low = tokio::spawn(async move {
            let r = b1.acquire(10.0, Priority::Backfill).await;
            o1.lock().unwrap().push("backfill");
            b1.abandon(r).await;
        });
        tokio::task::yield_now().await;
        let (b2, o2) = (budget.clone(), order.clone());
        let high = tokio::spawn(async move {
            let r = b2.acquire(10.0, Priority::Orders).await;
            o2.lock().unwrap().push("orders");
            b2.abandon(r).await;
        });
        low.await.unwrap();
        high.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["orders", "backfill"]);
    }
}
