//! A spawned task's heap cell: the future while it runs, then its output.
//!
//! This is the task's only allocation. The executor (`mod.rs`) keeps each
//! cell boxed and type-erased behind the [`Harness`] trait in a slab slot
//! (`slot.rs`); the task's waker needs no memory at all (`waker.rs`). When the
//! future finishes (or panics) the cell drops it at once, so its sockets and
//! timers are released then, and keeps only the output until the
//! [`JoinHandle`](crate::JoinHandle) takes it.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// Why a task has no value: `None` if it was cancelled, else its panic's
/// payload. Boxed twice so that it takes one word, which keeps the output
/// slot of small tasks, and so their whole cell, small.
pub(crate) type Failure = Option<Box<Box<dyn Any + Send + 'static>>>;

/// The executor's view of a task: poll it, cancel it, take its output.
pub(crate) trait Harness {
    /// Polls the future once, catching a panic. `Ready` means the output (or
    /// the panic) is now stored and the future has been dropped.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the future now and stores a cancellation as the output.
    fn cancel(self: Pin<&mut Self>);
    /// Moves the output into `out`, which must be an
    /// `Option<Result<F::Output, Failure>>` for this cell's future type.
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any);
}

pin_project! {
    /// One task: the future, then its result (`None` once taken).
    #[project = TaskCellProj]
    pub(crate) enum TaskCell<F: Future> {
        Running { #[pin] future: F },
        Finished { output: Option<Result<F::Output, Failure>> },
    }
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(future: F) -> Self {
        TaskCell::Running { future }
    }
}

impl<F: Future> Harness for TaskCell<F>
where
    F::Output: 'static,
{
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = match self.as_mut().project() {
            TaskCellProj::Finished { .. } => return Poll::Ready(()),
            TaskCellProj::Running { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(value)) => Ok(value),
                    Err(payload) => Err(Some(Box::new(payload))),
                }
            }
        };
        finish(self, output);
        Poll::Ready(())
    }

    fn cancel(self: Pin<&mut Self>) {
        if let TaskCell::Running { .. } = &*self {
            finish(self, Err(None));
        }
    }

    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any) {
        if let (TaskCellProj::Finished { output }, Some(slot)) = (
            self.project(),
            out.downcast_mut::<Option<Result<F::Output, Failure>>>(),
        ) {
            *slot = output.take();
        }
    }
}

/// Replaces the running future with its output, dropping the future in place.
fn finish<F: Future>(mut cell: Pin<&mut TaskCell<F>>, output: Result<F::Output, Failure>) {
    // The future's destructor is user code and may panic. Assignment still
    // stores the new value while unwinding, so the cell stays consistent; the
    // task's outcome is what it returned (or its first panic), and a panic
    // from its destructor is dropped here rather than tearing down the loop.
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        cell.set(TaskCell::Finished {
            output: Some(output),
        })
    }));
    drop(dropped);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn cell<F: Future + 'static>(f: F) -> Pin<Box<dyn Harness>> {
        Box::pin(TaskCell::new(f))
    }

    fn poll(c: &mut Pin<Box<dyn Harness>>) -> Poll<()> {
        c.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn output_is_taken_once() {
        let mut c = cell(async { 5u8 });
        assert!(poll(&mut c).is_ready());
        let mut out: Option<Result<u8, Failure>> = None;
        c.as_mut().take_output(&mut out);
        assert_eq!(out.unwrap().ok(), Some(5));
        let mut again: Option<Result<u8, Failure>> = None;
        c.as_mut().take_output(&mut again);
        assert!(again.is_none());
    }

    #[test]
    fn panic_is_caught_with_its_payload() {
        let mut c = cell(async {
            if true {
                panic!("boom");
            }
        });
        assert!(poll(&mut c).is_ready());
        let mut out: Option<Result<(), Failure>> = None;
        c.as_mut().take_output(&mut out);
        let payload = out
            .unwrap()
            .unwrap_err()
            .expect("a panic, not a cancellation");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[test]
    fn cancel_drops_the_future() {
        let flag = std::rc::Rc::new(());
        let held = flag.clone();
        let mut c = cell(async move {
            let _held = held;
            std::future::pending::<()>().await
        });
        assert!(poll(&mut c).is_pending());
        assert_eq!(std::rc::Rc::strong_count(&flag), 2);
        c.as_mut().cancel();
        assert_eq!(std::rc::Rc::strong_count(&flag), 1);
        let mut out: Option<Result<(), Failure>> = None;
        c.as_mut().take_output(&mut out);
        assert!(out.unwrap().unwrap_err().is_none());
    }

    #[test]
    fn small_tasks_fit_a_small_allocation() {
        // A cell for a trivial future must stay within 24 bytes, so that with
        // malloc's 8-byte header it takes a 32-byte chunk.
        assert!(std::mem::size_of::<TaskCell<std::future::Pending<()>>>() <= 24);
        assert!(std::mem::size_of::<TaskCell<std::future::Ready<u64>>>() <= 24);
    }
}
