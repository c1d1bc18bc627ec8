//! [`timeout`] and [`timeout_at`]: bound any future by a deadline, with a
//! [`Sleep`](super::Sleep) raced against it.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::sleep::Sleep;

/// Runs `future`, giving up after `duration` with [`Elapsed`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, timeout};
///
/// runtime::block_on(async {
///     let fast = timeout(Duration::from_secs(1), async { 7 }).await;
///     assert_eq!(fast, Ok(7));
///     let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(3600))).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: Sleep::new(Instant::now().checked_add(duration)),
    }
}

/// Runs `future`, giving up at `deadline` with [`Elapsed`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runtime::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     let r = runtime::time::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(r.is_err());
/// });
/// ```
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: Sleep::new(Some(deadline)),
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// The inner future is polled first, so a future that is ready at the
    /// deadline still wins.
    ///
    /// # Cancellation
    ///
    /// Dropping it drops the inner future and removes the timer.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The inner future, for inspection.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The deadline, or `None` if it never expires.
    pub fn deadline(&self) -> Option<Instant> {
        self.sleep.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(value) = this.future.poll(cx) {
            return Poll::Ready(Ok(value));
        }
        Pin::new(this.sleep).poll(cx).map(|()| Err(Elapsed(())))
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("sleep", &self.sleep)
            .finish()
    }
}

/// The error of a [`Timeout`] whose deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}
