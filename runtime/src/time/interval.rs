//! [`Interval`]: ticks at a fixed period, as a `tick()` future and a
//! [`Stream`]. Built on one re-armed [`Sleep`](super::Sleep).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;

use super::sleep::Sleep;

/// Ticks every `period`, starting now: the first tick completes at once.
///
/// If the task falls behind (a tick is awaited more than a period late), the
/// missed ticks are skipped: the next tick is the next multiple of `period`
/// after now, so the schedule keeps its phase and never bursts.
///
/// # Panics
///
/// Panics if `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runtime::block_on(async {
///     let start = Instant::now();
///     let mut every = runtime::time::interval(Duration::from_millis(10));
///     for _ in 0..3 {
///         every.tick().await;
///     }
///     // ticks at 0, 10 and 20 ms
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Like [`interval`], but the first tick is at `start`.
///
/// # Panics
///
/// Panics if `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval {
        sleep: Sleep::new(Some(start)),
        period,
    }
}

/// A periodic timer; see [`interval`].
#[derive(Debug)]
#[must_use = "an interval does nothing unless ticked"]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
}

impl Interval {
    /// Completes at the next tick and yields its scheduled time.
    pub fn tick(&mut self) -> Tick<'_> {
        Tick { interval: self }
    }

    /// Polls for the next tick (for hand-written futures).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let Some(scheduled) = self.sleep.deadline() else {
            return Poll::Pending; // the next tick is beyond representable time
        };
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        // Skip the ticks we missed: the next one is the first multiple of the
        // period after now.
        let behind = now.saturating_duration_since(scheduled);
        let periods = behind.as_nanos() / self.period.as_nanos() + 1;
        let next = u32::try_from(periods)
            .ok()
            .and_then(|n| self.period.checked_mul(n))
            .and_then(|offset| scheduled.checked_add(offset));
        self.sleep.set_deadline(next);
        Poll::Ready(scheduled)
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.sleep
            .set_deadline(Instant::now().checked_add(self.period));
    }
}

impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

/// The future returned by [`Interval::tick`].
///
/// # Cancellation
///
/// Dropping it loses nothing: the tick stays due and the next `tick()` gets it.
#[must_use = "futures do nothing unless awaited"]
pub struct Tick<'a> {
    interval: &'a mut Interval,
}

impl Future for Tick<'_> {
    type Output = Instant;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        self.interval.poll_tick(cx)
    }
}

impl fmt::Debug for Tick<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tick")
            .field("interval", &self.interval)
            .finish()
    }
}
