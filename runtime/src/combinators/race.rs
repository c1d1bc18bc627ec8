//! [`race`] and [`select`]: run two futures, finish with the first.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// Runs `a` and `b` concurrently and returns the output of whichever
/// finishes first; the other is dropped. `a` is polled first, so if both are
/// ready at the same poll, `a` wins.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// runtime::block_on(async {
///     let winner = runtime::race(
///         async { sleep(Duration::from_millis(5)).await; "fast" },
///         async { sleep(Duration::from_secs(3600)).await; "slow" },
///     )
///     .await;
///     assert_eq!(winner, "fast");
/// });
/// ```
pub fn race<T, A, B>(a: A, b: B) -> Race<A::IntoFuture, B::IntoFuture>
where
    A: IntoFuture<Output = T>,
    B: IntoFuture<Output = T>,
{
    Race {
        a: a.into_future(),
        b: b.into_future(),
    }
}

pin_project! {
    /// The future returned by [`race`].
    ///
    /// # Cancellation
    ///
    /// Dropping it drops both futures.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Race<A, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
    }
}

impl<T, A: Future<Output = T>, B: Future<Output = T>> Future for Race<A, B> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        if let Poll::Ready(v) = this.a.poll(cx) {
            return Poll::Ready(v);
        }
        this.b.poll(cx)
    }
}

/// Which of the two futures of [`select`] finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first future won.
    Left(L),
    /// The second future won.
    Right(R),
}

/// Like [`race`], for futures with different output types.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::{Either, time::sleep};
///
/// runtime::block_on(async {
///     let first = runtime::select(async { 1u8 }, sleep(Duration::from_secs(1))).await;
///     assert_eq!(first, Either::Left(1));
/// });
/// ```
pub fn select<A: IntoFuture, B: IntoFuture>(a: A, b: B) -> Select<A::IntoFuture, B::IntoFuture> {
    Select {
        a: a.into_future(),
        b: b.into_future(),
    }
}

pin_project! {
    /// The future returned by [`select`].
    ///
    /// # Cancellation
    ///
    /// Dropping it drops both futures.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Select<A, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
    }
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.a.poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        this.b.poll(cx).map(Either::Right)
    }
}

impl<A, B> fmt::Debug for Race<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race").finish_non_exhaustive()
    }
}

impl<A, B> fmt::Debug for Select<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select").finish_non_exhaustive()
    }
}
