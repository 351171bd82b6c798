//! Records being written right now, so two jobs about the same record (an `orders/create` and
//! an `orders/paid` webhook, or a webhook and a poll) never write it concurrently: the
//! destination's check-before-write (find the sale by reference, then create) is only safe
//! when no one else is between the check and the write. The claims live in the store
//! ([`crate::store::ClaimStore`]), so they hold across every worker that shares it.

use crate::store::{ErrorClass, JobError, Store};

/// How long a job that found its record busy waits before it is tried again.
const BUSY_RETRY_MS: u64 = 250;

/// Claims held by one batch; released when dropped.
pub struct Claims<'a> {
    store: &'a Store,
    keys: Vec<String>,
}

impl<'a> Claims<'a> {
    /// Start a batch's claims.
    pub fn new(store: &'a Store) -> Claims<'a> {
        Claims { store, keys: Vec::new() }
    }

    /// Claim `id` of `flow` for this batch; `Err` (retryable, shortly) when another job holds it.
    pub fn claim(&mut self, flow: &str, id: &str) -> Result<(), JobError> {
        let key = format!("{flow}/{id}");
        match self.store.claim(&key) {
            Ok(true) => {
                self.keys.push(key);
                Ok(())
            }
            Ok(false) => Err(JobError::new(
                ErrorClass::Busy,
                format!("{id} is being written by another job; tried again shortly"),
            )
            .after_ms(BUSY_RETRY_MS)),
            Err(e) => Err(JobError::store(e)),
        }
    }
}

impl Drop for Claims<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.store.release(&self.keys) {
            tracing::error!("claims not released: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_claimed_once_until_released() {
        let store = Store::in_memory().unwrap();
        let mut a = Claims::new(&store);
        a.claim("orders", "1").unwrap();
        let mut b = Claims::new(&store);
        assert_eq!(b.claim("orders", "1").unwrap_err().class, ErrorClass::Busy);
        b.claim("other-flow", "1").unwrap();
        drop(a);
        b.claim("orders", "1").unwrap();
    }
}
