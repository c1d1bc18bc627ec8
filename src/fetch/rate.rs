//! [`RateLimit`]: `--limit-rate`, one cap on the whole run's receive rate,
//! shared by every download on every core.
//!
//! A token bucket kept as a virtual clock: the instant at which the bytes
//! received so far would have arrived at exactly the rate. Each chunk
//! moves that instant forward by `len / rate`; a download that is ahead of
//! it sleeps (on its runtime's timer, so a throttled run uses no CPU) and
//! does not read its socket meanwhile, so the kernel's receive window fills
//! and TCP slows the sender down: the cap holds on the wire, not only in
//! the counting.
//!
//! ```text
//!  virtual clock ──────────|=====|==|=======|────►
//!                     now ─┘      each chunk adds len/rate;
//!                                 ahead of now by > MIN_SLEEP → sleep the difference
//! ```
//!
//! Short pauses are skipped (below [`MIN_SLEEP`] the timer would cost
//! more than it saves) without losing accuracy: the clock keeps the debt,
//! and the next pause pays it. A clock that falls behind (nothing was
//! received for a while) is pulled up to at most [`BURST`] before now, so
//! an idle moment does not buy an unbounded burst later.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Pauses shorter than this are deferred to the next chunk.
const MIN_SLEEP: Duration = Duration::from_millis(5);
/// The most unused time the bucket keeps: the largest burst at full speed.
const BURST: Duration = Duration::from_millis(100);

/// The run's receive-rate cap.
#[derive(Debug)]
pub(crate) struct RateLimit {
    /// Bytes per second, above 0.
    rate: f64,
    /// When the bytes taken so far are due at the rate; `None` before the
    /// first.
    due: Mutex<Option<Instant>>,
}

impl RateLimit {
    /// A cap of `bytes_per_second` (above 0: the options check it).
    pub(crate) fn new(bytes_per_second: u64) -> RateLimit {
        RateLimit {
            rate: bytes_per_second.max(1) as f64,
            due: Mutex::new(None),
        }
    }

    /// Counts `len` bytes received and waits as long as the run is ahead
    /// of the rate.
    pub(crate) async fn take(&self, len: usize) {
        let pause = self.reserve(len, Instant::now());
        if pause >= MIN_SLEEP {
            runtime::time::sleep(pause).await;
        }
    }

    /// Moves the clock on by `len` bytes' worth; returns how far it is
    /// ahead of `now`.
    fn reserve(&self, len: usize, now: Instant) -> Duration {
        // A poisoned lock means another core panicked mid-update of one
        // Instant: the value is still a valid clock.
        let mut due = self.due.lock().unwrap_or_else(|e| e.into_inner());
        let floor = now.checked_sub(BURST).unwrap_or(now);
        let start = due.map_or(now, |due| due.max(floor));
        let next = start + Duration::from_secs_f64(len as f64 / self.rate);
        *due = Some(next);
        next.saturating_duration_since(now)
    }
}

/// Parses a `--limit-rate` value: bytes per second, with an optional
/// `k`, `m` or `g` suffix (either case) counting in 1024s, as curl does;
/// a fraction is allowed (`1.5M`).
///
/// # Errors
///
/// A message for anything else, and for 0 (which would never finish).
pub(crate) fn parse_rate(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&text[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&text[..i], 1 << 30),
        _ => (text, 1),
    };
    let value = number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| "expected bytes per second, like 500k, 2M or 1G".to_owned())?;
    let rate = (value * scale as f64).round();
    if rate < 1.0 {
        return Err("the rate must be at least 1 byte per second".to_owned());
    }
    Ok(rate.min(u64::MAX as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_count_in_1024s_as_curl_does() {
        assert_eq!(parse_rate("500k"), Ok(500 * 1024));
        assert_eq!(parse_rate("2M"), Ok(2 << 20));
        assert_eq!(parse_rate("1g"), Ok(1 << 30));
        assert_eq!(parse_rate("1.5K"), Ok(1536));
        assert_eq!(parse_rate("4096"), Ok(4096));
        for bad in ["0", "0k", "-1M", "fast", "", "2X", "nanM", "0.0001"] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_clock_charges_each_chunk_and_keeps_the_debt() {
        let limit = RateLimit::new(1000); // 1 ms per byte
        let t0 = Instant::now();
        assert_eq!(limit.reserve(10, t0), Duration::from_millis(10));
        // 10 ms later, the clock is due exactly then: 20 more is 20 ms ahead.
        assert_eq!(
            limit.reserve(20, t0 + Duration::from_millis(10)),
            Duration::from_millis(20)
        );
        // Taken early (no sleep yet), the debt grows.
        assert_eq!(
            limit.reserve(5, t0 + Duration::from_millis(10)),
            Duration::from_millis(25)
        );
    }

    #[test]
    fn an_idle_spell_buys_at_most_the_burst() {
        let limit = RateLimit::new(1000);
        let t0 = Instant::now();
        limit.reserve(1, t0);
        // Ten seconds of silence: only BURST (100 ms = 100 bytes) is free.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(limit.reserve(100, later), Duration::ZERO);
        assert_eq!(limit.reserve(50, later), Duration::from_millis(50));
    }

    #[test]
    fn a_throttled_run_holds_the_rate_on_the_runtime_timer() {
        // 64 KiB at 256 KiB/s: 250 ms, in chunks as a socket gives them.
        let limit = RateLimit::new(256 * 1024);
        let start = Instant::now();
        runtime::block_on(async {
            for _ in 0..16 {
                limit.take(4096).await;
            }
        });
        let elapsed = start.elapsed();
        // The last chunk's pause is what the clock is ahead by (up to
        // MIN_SLEEP may be left unpaid): never faster than that.
        assert!(
            elapsed >= Duration::from_millis(240) - MIN_SLEEP,
            "{elapsed:?}"
        );
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    }
}
