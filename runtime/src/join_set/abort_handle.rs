//! [`AbortHandle`]: cancels one task of a [`JoinSet`](crate::JoinSet)
//! without taking it out of the set.
//!
//! The handle reaches the task through the executor (`Core::abort`), but
//! only while the set still holds the task's `JoinHandle`: a task's slab
//! slot is freed once the set joins or detaches it, and the slot may then
//! belong to another task. So the handle first asks the set (through a weak
//! reference to its entries) whether its member is still there.

use std::fmt;
use std::rc::{Rc, Weak};

use super::ready::Member;
use crate::executor::Core;
use crate::task_ref::TaskRef;

/// What an [`AbortHandle`] asks of its set, whatever the set's output type.
pub(super) trait Members {
    /// Whether the set still holds the task at `member`.
    fn holds(&self, member: Member) -> bool;
}

/// A handle that cancels one task of a [`JoinSet`](crate::JoinSet),
/// returned by [`JoinSet::spawn`](crate::JoinSet::spawn).
///
/// [`abort`](AbortHandle::abort) cancels the task as
/// [`JoinHandle::abort`](crate::JoinHandle::abort) does; the task stays in
/// the set, and [`join_next`](crate::JoinSet::join_next) yields its
/// [`JoinError`](crate::JoinError) (`is_cancelled()`). Once the set has
/// given the task's result out, detached it or been dropped, the handle
/// does nothing: it never reaches a task outside its set. Unlike tokio's,
/// it is not `Send`, like everything tied to one runtime's tasks here.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::JoinSet;
///
/// runtime::block_on(async {
///     let mut set = JoinSet::new();
///     let slow = set.spawn(runtime::time::sleep(Duration::from_secs(3600)));
///     set.spawn(async {});
///     slow.abort();
///     let mut cancelled = 0;
///     while let Some(result) = set.join_next().await {
///         if let Err(e) = result {
///             assert!(e.is_cancelled() && e.id() == slow.id());
///             cancelled += 1;
///         }
///     }
///     assert_eq!(cancelled, 1);
/// });
/// ```
pub struct AbortHandle {
    core: Rc<Core>,
    task: TaskRef,
    id: u64,
    set: Weak<dyn Members>,
    member: Member,
}

impl AbortHandle {
    pub(super) fn new(
        (core, task): (Rc<Core>, TaskRef),
        id: u64,
        set: Weak<dyn Members>,
        member: Member,
    ) -> AbortHandle {
        AbortHandle {
            core,
            task,
            id,
            set,
            member,
        }
    }

    /// Cancels the task: its future is dropped now (or right after its
    /// current poll, if it is aborting itself), and the set yields a
    /// cancelled [`JoinError`](crate::JoinError) for it. Does nothing if
    /// the task has finished or is no longer in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     let handle = set.spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    ///     handle.abort(); // joined: does nothing
    /// });
    /// ```
    pub fn abort(&self) {
        if self.in_set() {
            // Still in the set: the slot is this task's (see the module docs).
            self.core.abort(self.task);
        }
    }

    /// True once the task has finished (returned, panicked or was
    /// aborted), or has left the set.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     let handle = set.spawn(async { 1 });
    ///     assert!(!handle.is_finished());
    ///     runtime::yield_now().await;
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        !self.in_set() || self.core.is_finished(self.task)
    }

    /// The task's id, as [`JoinHandle::id`](crate::JoinHandle::id) and
    /// [`JoinError::id`](crate::JoinError::id) give it.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     let handle = set.spawn(async { panic!("oops") });
    ///     let err = set.join_next().await.unwrap().unwrap_err();
    ///     assert_eq!(err.id(), handle.id());
    /// });
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    fn in_set(&self) -> bool {
        self.set.upgrade().is_some_and(|set| set.holds(self.member))
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
