//! [`join_all`]: wait for every future of a collection, outputs in order.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs every future of `iter` concurrently in this task and returns their
/// outputs in the same order.
///
/// Each wake polls the futures that have not finished yet, so the cost per
/// wake grows with their number; that is cheap for join handles (a poll is a
/// lookup) and for dozens of futures. For thousands of busy futures, spawn
/// them and join the handles.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let tasks = (0..10).map(|i| runtime::spawn(async move { i * i }));
///     let squares: Vec<u32> = runtime::join_all(tasks)
///         .await
///         .into_iter()
///         .map(Result::unwrap)
///         .collect();
///     assert_eq!(squares[9], 81);
/// });
/// ```
pub fn join_all<I>(iter: I) -> JoinAll<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    let futures: Vec<_> = iter
        .into_iter()
        .map(|f| Some(Box::pin(f.into_future())))
        .collect();
    let mut outputs = Vec::with_capacity(futures.len());
    outputs.resize_with(futures.len(), || None);
    JoinAll {
        remaining: futures.len(),
        futures,
        outputs,
    }
}

/// The future returned by [`join_all`].
///
/// # Cancellation
///
/// Dropping it drops every future and every output produced so far.
#[must_use = "futures do nothing unless awaited"]
pub struct JoinAll<F: Future> {
    /// Each future until it finishes (boxed so that this type is `Unpin`).
    futures: Vec<Option<Pin<Box<F>>>>,
    /// Each output once it is there.
    outputs: Vec<Option<F::Output>>,
    remaining: usize,
}

// The futures are boxed and the outputs are never pinned, so moving a
// `JoinAll` is fine whatever `F` and its output are.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        for (slot, output) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            let Some(future) = slot else { continue };
            if let Poll::Ready(value) = future.as_mut().poll(cx) {
                *output = Some(value);
                *slot = None; // drop the finished future now
                this.remaining -= 1;
            }
        }
        if this.remaining > 0 {
            return Poll::Pending;
        }
        let outputs = std::mem::take(&mut this.outputs);
        Poll::Ready(
            outputs
                .into_iter()
                .map(|o| o.expect("JoinAll polled after it completed"))
                .collect(),
        )
    }
}

impl<F: Future> fmt::Debug for JoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("len", &self.futures.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}
