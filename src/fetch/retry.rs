//! [`RetryPolicy`]: `--retry N` and `--retry-delay SECS`. Which failures are
//! worth another attempt (a connect error, a timeout, a 5xx status — for
//! `GET` and `HEAD` only, which are safe to repeat) and how long to wait
//! before each: exponential backoff with jitter, so that many clients that
//! failed together do not come back together.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_client::{Error, Method};

/// The longest wait between two attempts, whatever the base and count.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(60);

/// How many times to retry, and how long to wait before each retry.
#[derive(Debug)]
pub(crate) struct RetryPolicy {
    retries: u32,
    base: Duration,
    /// xorshift64 state for the jitter; never 0.
    seed: Cell<u64>,
}

impl RetryPolicy {
    /// Up to `retries` retries, the first after about `base`.
    pub(crate) fn new(retries: u32, base: Duration) -> RetryPolicy {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        RetryPolicy {
            retries,
            base,
            seed: Cell::new(now | 1),
        }
    }

    /// Whether attempt number `attempts` (from 1) may be followed by another.
    pub(crate) fn may_retry(&self, method: &Method, attempts: u32) -> bool {
        attempts <= self.retries && (*method == Method::GET || *method == Method::HEAD)
    }

    /// The wait after attempt number `attempts` (from 1) failed: a random
    /// duration between half and all of `base × 2^(attempts - 1)`, at most
    /// [`MAX_DELAY`].
    pub(crate) fn delay(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .saturating_mul(1 << exponent)
            .min(MAX_DELAY)
            .as_secs_f64();
        let fraction = (self.next_random() >> 11) as f64 / (1u64 << 53) as f64;
        Duration::from_secs_f64(full * (0.5 + 0.5 * fraction))
    }

    fn next_random(&self) -> u64 {
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.set(x);
        x
    }
}

/// Whether an error is transient: a failed connect (to one address or to
/// each of several) or a deadline.
pub(crate) fn is_retryable(error: &Error) -> bool {
    error.is_connect() || matches!(error, Error::Timeout { .. }) || error.is_timeout()
}

/// Whether a status is the server's own transient failure (5xx).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_are_capped() {
        let policy = RetryPolicy::new(10, Duration::from_millis(100));
        for attempt in 1..=12 {
            let full = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1))
                .min(MAX_DELAY);
            for _ in 0..50 {
                let delay = policy.delay(attempt);
                assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
            }
        }
        assert!(policy.delay(u32::MAX) <= MAX_DELAY);
    }

    #[test]
    fn only_safe_methods_and_only_so_many_times() {
        let policy = RetryPolicy::new(2, Duration::ZERO);
        assert!(policy.may_retry(&Method::GET, 1));
        assert!(policy.may_retry(&Method::HEAD, 2));
        assert!(!policy.may_retry(&Method::GET, 3));
        assert!(!policy.may_retry(&Method::POST, 1));
        assert!(is_retryable_status(503) && !is_retryable_status(404));
    }
}
