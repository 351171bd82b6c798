//! Retry policy: exponential backoff with full jitter, honouring the remote's retry-after hint.

use rand::Rng;
use serde::Deserialize;

/// How a flow retries failed jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts before a job is dead-lettered (the first attempt counts).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry, in milliseconds; doubles each attempt.
    #[serde(default = "default_base_ms")]
    pub base_ms: u64,
    /// Largest backoff ceiling, in milliseconds.
    #[serde(default = "default_max_delay_ms")]
    pub max_delay_ms: u64,
}

fn default_max_attempts() -> u32 {
    8
}
fn default_base_ms() -> u64 {
    1_000
}
fn default_max_delay_ms() -> u64 {
    300_000
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: default_max_attempts(),
            base_ms: default_base_ms(),
            max_delay_ms: default_max_delay_ms(),
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the delay after attempt number `attempt` (1-based): base × 2^(attempt-1), capped.
    pub fn ceiling_ms(&self, attempt: u32) -> u64 {
        let exp = attempt.saturating_sub(1).min(32);
        self.base_ms.saturating_mul(1u64 << exp).min(self.max_delay_ms)
    }

    /// The delay before the next attempt: uniform in [0, ceiling] (full jitter), and never less
    /// than the remote's `retry_after_ms`.
    pub fn delay_ms(&self, attempt: u32, retry_after_ms: Option<u64>, rng: &mut impl Rng) -> u64 {
        let jittered = rng.random_range(0..=self.ceiling_ms(attempt));
        jittered.max(retry_after_ms.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn full_jitter_stays_under_the_exponential_ceiling_and_honours_retry_after() {
        let policy = RetryPolicy { max_attempts: 5, base_ms: 100, max_delay_ms: 1_000 };
        assert_eq!([1, 2, 3, 4, 5].map(|a| policy.ceiling_ms(a)), [100, 200, 400, 800, 1000]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut seen_low = false;
        let mut seen_high = false;
        for _ in 0..2000 {
            let d = policy.delay_ms(3, None, &mut rng);
            assert!(d <= 400);
            seen_low |= d < 100;
            seen_high |= d > 300;
            assert!(policy.delay_ms(1, Some(5_000), &mut rng) >= 5_000, "retry-after wins");
        }
        assert!(seen_low && seen_high, "jitter spans the whole range");
    }
}
