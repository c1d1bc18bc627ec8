//! [`Latencies`]: the p50 and p99 of every request's duration, in a fixed
//! amount of memory whatever the number of URLs — a log-linear histogram
//! (32 buckets per power of two of microseconds), so a percentile is within
//! about 3% of the exact value.

use std::time::Duration;

/// Sub-buckets per power of two.
const SUB: usize = 32;
/// Powers of two of microseconds covered (2^40 µs ≈ 12.7 days).
const POWERS: usize = 40;

/// A histogram of durations.
#[derive(Debug, Clone)]
pub(crate) struct Latencies {
    counts: Vec<u64>,
    total: u64,
    /// The shortest and longest recorded, to keep estimates within them.
    range: Option<(Duration, Duration)>,
}

impl Default for Latencies {
    fn default() -> Latencies {
        Latencies {
            counts: vec![0; SUB * POWERS],
            total: 0,
            range: None,
        }
    }
}

impl Latencies {
    /// Counts one duration.
    pub(crate) fn record(&mut self, duration: Duration) {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(micros)] += 1;
        self.total += 1;
        self.range = Some(match self.range {
            None => (duration, duration),
            Some((low, high)) => (low.min(duration), high.max(duration)),
        });
    }

    /// The duration below which `percent` of the recorded ones fall (the
    /// middle of its bucket, kept within the shortest and longest seen);
    /// `None` when empty.
    pub(crate) fn percentile(&self, percent: f64) -> Option<Duration> {
        if self.total == 0 {
            return None;
        }
        let rank = ((percent / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, high) = bounds(i);
                let estimate = Duration::from_micros(low + (high - low) / 2);
                let (shortest, longest) = self.range?;
                return Some(estimate.clamp(shortest, longest));
            }
        }
        None
    }
}

/// The bucket of `micros`: linear below `SUB`, then `SUB` per power of two.
fn bucket(micros: u64) -> usize {
    if micros < SUB as u64 {
        return micros as usize;
    }
    let power = 63 - micros.leading_zeros() as usize; // >= log2(SUB) = 5
    let shift = power - 5;
    let sub = ((micros >> shift) as usize) - SUB;
    ((power - 4) * SUB + sub).min(SUB * POWERS - 1)
}

/// The range of microseconds `[low, high)` in bucket `i`.
fn bounds(i: usize) -> (u64, u64) {
    if i < SUB {
        return (i as u64, i as u64 + 1);
    }
    let power = i / SUB + 4;
    let sub = (i % SUB) as u64;
    let shift = power - 5;
    ((SUB as u64 + sub) << shift, (SUB as u64 + sub + 1) << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values() {
        for micros in (0..100_000).chain([1 << 20, 123_456_789, 1 << 39]) {
            let (low, high) = bounds(bucket(micros));
            assert!(low <= micros && micros < high, "{micros}: [{low}, {high})");
        }
    }

    #[test]
    fn percentiles_are_within_a_few_percent() {
        let mut latencies = Latencies::default();
        assert_eq!(latencies.percentile(50.0), None);
        for ms in 1..=1000 {
            latencies.record(Duration::from_millis(ms));
        }
        let p50 = latencies.percentile(50.0).unwrap().as_secs_f64() * 1000.0;
        let p99 = latencies.percentile(99.0).unwrap().as_secs_f64() * 1000.0;
        assert!((p50 - 500.0).abs() < 500.0 * 0.04, "{p50}");
        assert!((p99 - 990.0).abs() < 990.0 * 0.04, "{p99}");
        let mut one = Latencies::default();
        one.record(Duration::from_micros(4_073_100));
        assert_eq!(one.percentile(99.0), Some(Duration::from_micros(4_073_100)));
    }
}
