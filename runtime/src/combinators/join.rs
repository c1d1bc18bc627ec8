//! [`join`]: run two futures concurrently in one task and wait for both.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::maybe_done::MaybeDone;

/// Runs `a` and `b` concurrently and returns both outputs.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use runtime::time::sleep;
///
/// runtime::block_on(async {
///     let start = Instant::now();
///     let (x, y) = runtime::join(
///         async { sleep(Duration::from_millis(100)).await; 1 },
///         async { sleep(Duration::from_millis(100)).await; 2 },
///     )
///     .await;
///     assert_eq!((x, y), (1, 2));
///     assert!(start.elapsed() < Duration::from_millis(200)); // concurrent, not 100 + 100
/// });
/// ```
pub fn join<A: IntoFuture, B: IntoFuture>(a: A, b: B) -> Join<A::IntoFuture, B::IntoFuture> {
    Join {
        a: MaybeDone::new(a.into_future()),
        b: MaybeDone::new(b.into_future()),
    }
}

pin_project! {
    /// The future returned by [`join`].
    ///
    /// # Cancellation
    ///
    /// Dropping it drops both futures (and an output already produced).
    #[must_use = "futures do nothing unless awaited"]
    pub struct Join<A: Future, B: Future> {
        #[pin]
        a: MaybeDone<A>,
        #[pin]
        b: MaybeDone<B>,
    }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let a_done = this.a.as_mut().poll_done(cx);
        let b_done = this.b.as_mut().poll_done(cx);
        if !(a_done && b_done) {
            return Poll::Pending;
        }
        match (this.a.take(), this.b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            _ => panic!("Join polled after it completed"),
        }
    }
}

impl<A: Future, B: Future> fmt::Debug for Join<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").finish_non_exhaustive()
    }
}
