//! Records being written right now, so two jobs about the same record (an `orders/create` and
//! an `orders/paid` webhook, or a webhook and a poll) never write it concurrently: the
//! destination's check-before-write (find the sale by reference, then create) is only safe
//! when no one else is between the check and the write.

use crate::store::JobError;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// How long a job that found its record busy waits before it is tried again.
const BUSY_RETRY_MS: u64 = 250;

/// The set of (flow, record id) being written.
#[derive(Default)]
pub struct InFlight(Mutex<BTreeSet<String>>);

/// Claims held by one batch; released when dropped.
pub struct Claims<'a> {
    owner: &'a InFlight,
    ids: Vec<String>,
}

impl InFlight {
    /// Start a batch's claims.
    pub fn claims(&self) -> Claims<'_> {
        Claims { owner: self, ids: Vec::new() }
    }
}

impl Claims<'_> {
    /// Claim `id` for this batch; `Err` (retryable, shortly) when another job holds it.
    pub fn claim(&mut self, flow: &str, id: &str) -> Result<(), JobError> {
        let key = format!("{flow}/{id}");
        let mut set = self.owner.0.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(key.clone()) {
            return Err(JobError {
                class: "busy".into(),
                message: format!("{id} is being written by another job; tried again shortly"),
                retryable: true,
                retry_after_ms: Some(BUSY_RETRY_MS),
            });
        }
        self.ids.push(key);
        Ok(())
    }
}

impl Drop for Claims<'_> {
    fn drop(&mut self) {
        let mut set = self.owner.0.lock().unwrap_or_else(|p| p.into_inner());
        for id in &self.ids {
            set.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_claimed_once_until_released() {
        let in_flight = InFlight::default();
        let mut a = in_flight.claims();
        a.claim("orders", "1").unwrap();
        let mut b = in_flight.claims();
        assert_eq!(b.claim("orders", "1").unwrap_err().class, "busy");
        b.claim("other-flow", "1").unwrap();
        drop(a);
        b.claim("orders", "1").unwrap();
    }
}
