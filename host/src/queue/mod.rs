//! The durable job queue on top of the store: group-commit enqueue, leases, retries with
//! exponential backoff and full jitter, dead-letter, pause/resume.

mod backoff;
mod enqueuer;

pub use backoff::RetryPolicy;
pub use enqueuer::Enqueuer;

use crate::clock::Clock;
use crate::store::{EnqueueOutcome, ErrorClass, Job, JobError, NewJob, Store, StoreError};
use std::sync::Arc;

/// Spread of the retries of jobs that found their record busy, so they do not return together.
const BUSY_JITTER_MS: u64 = 250;

/// What the queue did with a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Scheduled again at this time.
    Retry {
        /// Next attempt, ms since the epoch.
        at_ms: u64,
    },
    /// Moved to the dead-letter queue.
    DeadLettered,
}

/// The queue: a store, a clock and the group-commit enqueuer.
#[derive(Clone)]
pub struct Queue {
    store: Store,
    clock: Arc<dyn Clock>,
    enqueuer: Enqueuer,
}

impl Queue {
    /// A queue over `store` using `clock`.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Queue {
        let enqueuer = Enqueuer::start(store.clone(), clock.clone());
        Queue { store, clock, enqueuer }
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Enqueue durably; returns once committed (concurrent callers share one commit).
    pub fn enqueue(&self, jobs: Vec<NewJob>) -> Result<Vec<EnqueueOutcome>, StoreError> {
        self.enqueuer.enqueue_blocking(jobs)
    }

    /// Enqueue durably from async code.
    pub async fn enqueue_async(&self, jobs: Vec<NewJob>) -> Result<Vec<EnqueueOutcome>, StoreError> {
        self.enqueuer.enqueue(jobs).await
    }

    /// Lease up to `max` due jobs (of `flow`, or any unpaused flow) for `lease_ms`.
    pub fn lease(&self, flow: Option<&str>, lease_ms: u64, max: usize) -> Result<Vec<Job>, StoreError> {
        let now = self.clock.now_ms();
        self.store.recover_leases(now, now)?;
        self.store.lease(flow, now, lease_ms, max)
    }

    /// The job succeeded.
    pub fn ack(&self, job: &Job) -> Result<(), StoreError> {
        self.store.ack_all(std::slice::from_ref(job))
    }

    /// These jobs succeeded (one commit for all).
    pub fn ack_all(&self, jobs: &[Job]) -> Result<(), StoreError> {
        self.store.ack_all(jobs)
    }

    /// The job's attempt failed: retry it with backoff, or dead-letter it when the error is not
    /// retryable or the attempts are used up.
    pub fn fail(&self, job: &Job, error: JobError, policy: &RetryPolicy) -> Result<Disposition, StoreError> {
        let now = self.clock.now_ms();
        if error.class == ErrorClass::Busy {
            // Another job is writing the record (on any host; a dead host's claim lasts until
            // its heartbeat is stale): not this job's failure, so no attempt is spent.
            let mut job = job.clone();
            job.attempts = job.attempts.saturating_sub(1);
            let at_ms = now + error.retry_after_ms.unwrap_or(0).max(1) + rand::random_range(0..BUSY_JITTER_MS);
            self.store.reschedule(&job, error, at_ms)?;
            return Ok(Disposition::Retry { at_ms });
        }
        if !error.retryable || job.attempts >= policy.max_attempts {
            self.store.dead_letter(job, error, now)?;
            return Ok(Disposition::DeadLettered);
        }
        let delay = policy.delay_ms(job.attempts, error.retry_after_ms, &mut rand::rng());
        let at_ms = now + delay;
        self.store.reschedule(job, error, at_ms)?;
        Ok(Disposition::Retry { at_ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn a_job_that_finds_its_record_busy_spends_no_attempt() {
        let clock = Arc::new(ManualClock::new(1_000));
        let queue = Queue::new(Store::in_memory().unwrap(), clock.clone());
        let job = NewJob {
            flow: "f".into(),
            trigger: "manual".into(),
            key: "k".into(),
            payload: serde_json::json!({}).into(),
            dedupe_id: None,
        };
        queue.enqueue(vec![job]).unwrap();
        let policy = RetryPolicy { max_attempts: 1, ..RetryPolicy::default() };
        for _ in 0..3 {
            let now = clock.now();
            let leased = queue.lease(None, 60_000, 1).unwrap();
            assert_eq!(leased[0].attempts, 1, "every lease is the first attempt again");
            let busy = JobError::new(ErrorClass::Busy, "someone writes it").after_ms(250);
            let Disposition::Retry { at_ms } = queue.fail(&leased[0], busy, &policy).unwrap() else {
                panic!("a busy record is never dead-lettered");
            };
            assert!((now + 250..now + 250 + BUSY_JITTER_MS).contains(&at_ms), "retried when the claim may be gone");
            clock.set(at_ms);
        }
        let leased = queue.lease(None, 60_000, 1).unwrap();
        let error = JobError::new(ErrorClass::Retryable, "down");
        assert_eq!(queue.fail(&leased[0], error, &policy).unwrap(), Disposition::DeadLettered, "other errors count");
    }
}
