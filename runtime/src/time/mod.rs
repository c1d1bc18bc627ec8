//! Timers: [`sleep`], [`sleep_until`], [`interval`], and the timeout
//! combinators [`timeout`] and [`timeout_at`].
//!
//! Every timer is an entry in the reactor's timer store (`reactor/timers.rs`), made
//! when the timer is first polled and removed when it fires or is dropped.
//! The reactor parks until the earliest deadline, so waiting costs no CPU.
//!
//! # Precision
//!
//! A timer never completes before its deadline (checked against
//! [`Instant::now`] when polled). It completes as soon after as the thread
//! wakes: the reactor's wait uses a timerfd with nanosecond resolution, so on
//! an idle machine that is typically tens of microseconds, not the
//! millisecond granularity of a plain `epoll_wait` timeout. A busy loop
//! (many runnable tasks) adds up to one batch of polls
//! ([`BATCH`](crate::BATCH)).
//!
//! A deadline too far away to represent (`Duration::MAX`) means *never*.
//!
//! [`Instant::now`]: std::time::Instant::now

mod interval;
mod sleep;
mod timeout;

pub use interval::{Interval, Tick, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
