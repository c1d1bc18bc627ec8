//! [`JoinHandle`]: the owned permission to await a spawned task's output.
//!
//! A thin handle onto the executor's slab slot (`join_slot.rs`): awaiting it
//! takes the output out of the task's cell and frees the slot; dropping it
//! detaches the task, which runs on and frees its slot when it finishes.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Core;
use super::join_error::JoinError;
use super::task::Failure;
use crate::task_ref::TaskRef;

/// A handle to a spawned task: a future of the task's output.
///
/// Awaiting it gives `Ok(output)`, or `Err(JoinError)` if the task panicked or
/// was cancelled. Dropping it *detaches* the task: the task keeps running and
/// its output is dropped when it finishes. [`JoinHandle::abort`] cancels it.
///
/// # Examples
///
/// ```
/// let sum = runtime::block_on(async {
///     let a = runtime::spawn(async { 1 + 2 });
///     let b = runtime::spawn(async { 3 + 4 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 10);
/// ```
///
/// # Cancellation
///
/// Dropping a `JoinHandle` does not cancel the task; use
/// [`abort`](JoinHandle::abort) for that.
#[must_use = "dropping a JoinHandle detaches the task; await it to get its output"]
pub struct JoinHandle<T> {
    core: Rc<Core>,
    /// The task's unique id; its low bits are the slot's tag.
    id: u64,
    /// The task's slab key.
    key: u32,
    /// The output was taken and the slot freed: the slot's key may now
    /// belong to another task, so this handle must not touch it again.
    done: bool,
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(core: Rc<Core>, task: TaskRef, id: u64) -> JoinHandle<T> {
        JoinHandle {
            core,
            key: task.key,
            id,
            done: false,
            _output: PhantomData,
        }
    }

    /// Cancels the task: its future is dropped at once (or, if the task is
    /// aborting itself, right after its current poll) and awaiting this
    /// handle gives a [`JoinError`] for which `is_cancelled()` is true. Does
    /// nothing if the task has already finished.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// runtime::block_on(async {
    ///     let task = runtime::spawn(runtime::time::sleep(Duration::from_secs(3600)));
    ///     task.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        if !self.done {
            self.core.abort(self.task());
        }
    }

    /// True once the task has finished (returned, panicked or was aborted).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let task = runtime::spawn(async {});
    ///     assert!(!task.is_finished());
    ///     runtime::yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.done || self.core.is_finished(self.task())
    }

    /// The task's id, unique within its runtime (the first task is 1).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The runtime and the task's slot, for an
    /// [`AbortHandle`](crate::AbortHandle) that a `JoinSet` keeps valid
    /// only while it holds this handle.
    pub(crate) fn target(&self) -> (Rc<Core>, TaskRef) {
        (self.core.clone(), self.task())
    }

    fn task(&self) -> TaskRef {
        TaskRef {
            key: self.key,
            tag: self.core.tag_of(self.id),
        }
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.done,
            "JoinHandle polled after it returned the task's output"
        );
        let mut output: Option<Result<T, Failure>> = None;
        if self
            .core
            .poll_join(self.task(), cx.waker(), &mut output)
            .is_pending()
        {
            return Poll::Pending;
        }
        self.done = true;
        let id = self.id;
        // No output means the task is gone without one: the runtime was
        // dropped with it.
        Poll::Ready(match output {
            Some(Ok(value)) => Ok(value),
            Some(Err(failure)) => Err(JoinError::from_failure(id, failure)),
            None => Err(JoinError::cancelled(id)),
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.done {
            self.core.detach(self.task());
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
