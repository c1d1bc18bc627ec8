//! A spawned task's heap cell: the future while it runs, then its output.
//!
//! The executor (`executor.rs`) keeps one [`TaskCell`] per task, boxed and
//! type-erased behind the [`Harness`] trait, inside a slab slot. The cell also
//! holds the task's [`Waker`], built once at spawn, so polling a task never
//! touches a reference count. When the future finishes (or panics) the cell
//! drops the future at once, so its sockets and timers are released then, and
//! keeps only the output until the [`JoinHandle`](crate::JoinHandle) takes it.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use crate::join_error::JoinError;

/// A task's identity in the run queue: its slab key and the low 32 bits of its
/// unique id. A waker outliving its task carries the old id, so a new task
/// that reuses the slot is never woken by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) key: u32,
    pub(crate) tag: u32,
}

impl TaskRef {
    /// The future passed to `block_on`, which lives on the stack, not in the slab.
    pub(crate) const MAIN: TaskRef = TaskRef {
        key: u32::MAX,
        tag: u32::MAX,
    };
}

/// The executor's view of a task: poll it, cancel it, take its output.
pub(crate) trait Harness {
    /// Polls the future once, catching a panic. `Ready` means the output (or the
    /// panic) is now stored and the future has been dropped.
    fn poll(self: Pin<&mut Self>) -> Poll<()>;
    /// Drops the future now and stores a cancellation error as the output.
    fn cancel(self: Pin<&mut Self>);
    /// Moves the output into `out`, which must be an
    /// `Option<Result<F::Output, JoinError>>` for this cell's future type.
    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any);
}

pin_project! {
    #[project = StageProj]
    enum Stage<F: Future> {
        // The future, until it returns `Ready` or panics.
        Running { #[pin] future: F },
        // Its result; `None` once the join handle took it.
        Finished { output: Option<Result<F::Output, JoinError>> },
    }
}

pin_project! {
    /// One task: its id, its cached waker and its stage.
    pub(crate) struct TaskCell<F: Future> {
        id: u64,
        waker: Waker,
        #[pin]
        stage: Stage<F>,
    }
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(id: u64, waker: Waker, future: F) -> Self {
        TaskCell {
            id,
            waker,
            stage: Stage::Running { future },
        }
    }
}

impl<F: Future> Harness for TaskCell<F>
where
    F::Output: 'static,
{
    fn poll(self: Pin<&mut Self>) -> Poll<()> {
        let mut this = self.project();
        let output = match this.stage.as_mut().project() {
            StageProj::Finished { .. } => return Poll::Ready(()),
            StageProj::Running { future } => {
                let mut cx = Context::from_waker(this.waker);
                match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(value)) => Ok(value),
                    Err(payload) => Err(JoinError::panic(*this.id, payload)),
                }
            }
        };
        finish(this.stage, output);
        Poll::Ready(())
    }

    fn cancel(self: Pin<&mut Self>) {
        let this = self.project();
        if let Stage::Running { .. } = &*this.stage {
            finish(this.stage, Err(JoinError::cancelled(*this.id)));
        }
    }

    fn take_output(self: Pin<&mut Self>, out: &mut dyn Any) {
        if let (StageProj::Finished { output }, Some(slot)) = (
            self.project().stage.project(),
            out.downcast_mut::<Option<Result<F::Output, JoinError>>>(),
        ) {
            *slot = output.take();
        }
    }
}

/// Replaces the running future with its output, dropping the future in place.
fn finish<F: Future>(mut stage: Pin<&mut Stage<F>>, output: Result<F::Output, JoinError>) {
    // The future's destructor is user code and may panic. Assignment still
    // stores the new stage while unwinding, so the cell stays consistent; the
    // task's outcome is what it returned (or its first panic), and a panic
    // from its destructor is dropped here rather than tearing down the loop.
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        stage.set(Stage::Finished {
            output: Some(output),
        })
    }));
    drop(dropped);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn cell<F: Future + 'static>(f: F) -> Pin<Box<dyn Harness>> {
        Box::pin(TaskCell::new(7, Waker::from(Arc::new(Noop)), f))
    }

    #[test]
    fn output_is_taken_once() {
        let mut c = cell(async { 5u8 });
        assert!(c.as_mut().poll().is_ready());
        let mut out: Option<Result<u8, JoinError>> = None;
        c.as_mut().take_output(&mut out);
        assert_eq!(out.unwrap().unwrap(), 5);
        let mut again: Option<Result<u8, JoinError>> = None;
        c.as_mut().take_output(&mut again);
        assert!(again.is_none());
    }

    #[test]
    fn panic_becomes_join_error() {
        let mut c = cell(async {
            if true {
                panic!("boom");
            }
        });
        assert!(c.as_mut().poll().is_ready());
        let mut out: Option<Result<(), JoinError>> = None;
        c.as_mut().take_output(&mut out);
        let err = out.unwrap().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.id(), 7);
    }

    #[test]
    fn cancel_drops_the_future() {
        let flag = std::rc::Rc::new(());
        let held = flag.clone();
        let mut c = cell(async move {
            let _held = held;
            std::future::pending::<()>().await
        });
        assert!(c.as_mut().poll().is_pending());
        assert_eq!(std::rc::Rc::strong_count(&flag), 2);
        c.as_mut().cancel();
        assert_eq!(std::rc::Rc::strong_count(&flag), 1);
        let mut out: Option<Result<(), JoinError>> = None;
        c.as_mut().take_output(&mut out);
        assert!(out.unwrap().unwrap_err().is_cancelled());
    }
}
