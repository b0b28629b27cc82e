//! When to try a failed delivery again: exponential backoff with jitter.
//!
//! The n-th consecutive failure waits `initial * 2^(n-1)`, capped at
//! `max`, of which a random half is taken off ("equal jitter"): many Falco
//! instances that lost the same endpoint at the same moment then come
//! back spread over time instead of all at once, and no wait is shorter
//! than half its step, so a dead endpoint is not hammered.

use super::rng::Rng;
use std::time::Duration;

/// `X_output.retry` (falco-rs's own keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
        }
    }
}

/// The failures in a row of one output and the wait they call for.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    failures: u32,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Backoff {
        Backoff {
            policy,
            failures: 0,
        }
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Records a failure and returns how long to wait before the next try.
    pub fn failed(&mut self, rng: &Rng) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let step = self.step();
        let half = step / 2;
        let jitter = rng.below_or_equal(u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
        step - half + Duration::from_millis(jitter).min(half)
    }

    /// The capped exponential step of the current failure count.
    fn step(&self) -> Duration {
        let initial = self.policy.initial.max(Duration::from_millis(1));
        let max = self.policy.max.max(initial);
        let shift = self.failures.saturating_sub(1).min(31);
        initial.checked_mul(1u32 << shift).unwrap_or(max).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_with_at_most_half_taken_off() {
        let rng = Rng::with_seed(1);
        let mut b = Backoff::new(RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        });
        let steps = [100u64, 200, 400, 800, 1000, 1000, 1000];
        for step in steps {
            let wait = b.failed(&rng).as_millis() as u64;
            assert!(
                wait >= step / 2 && wait <= step,
                "step {step}: waited {wait}"
            );
        }
        assert_eq!(b.failures(), steps.len() as u32);
        b.succeeded();
        assert_eq!(b.failures(), 0);
        assert!(b.failed(&rng) <= Duration::from_millis(100));
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let rng = Rng::with_seed(2);
        let policy = RetryPolicy {
            initial: Duration::from_secs(10),
            max: Duration::from_secs(10),
        };
        let waits: std::collections::HashSet<Duration> =
            (0..50).map(|_| Backoff::new(policy).failed(&rng)).collect();
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn many_failures_neither_overflow_nor_exceed_the_cap() {
        let rng = Rng::with_seed(3);
        let mut b = Backoff::new(RetryPolicy {
            initial: Duration::from_secs(3600),
            max: Duration::from_secs(7200),
        });
        for _ in 0..100 {
            assert!(b.failed(&rng) <= Duration::from_secs(7200));
        }
    }
}
