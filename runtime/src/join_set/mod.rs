//! [`JoinSet`]: a group of tasks whose results come out in the order the
//! tasks finish.
//!
//! ```
//! use std::time::Duration;
//! use runtime::{JoinSet, time::sleep};
//!
//! runtime::block_on(async {
//!     let mut set = JoinSet::new();
//!     for ms in [30, 10, 20] {
//!         set.spawn(async move {
//!             sleep(Duration::from_millis(ms)).await;
//!             ms
//!         });
//!     }
//!     let mut order = Vec::new();
//!     while let Some(result) = set.join_next().await {
//!         order.push(result?);
//!     }
//!     assert_eq!(order, [10, 20, 30]);
//!     Ok::<_, runtime::JoinError>(())
//! })?;
//! # Ok::<_, runtime::JoinError>(())
//! ```
//!
//! # How it stays O(1) per task
//!
//! ```text
//!  spawn ──► entries (slab): JoinHandle + EntryWaker{key, generation}
//!               │ polled once, at spawn, with its own waker: the executor
//!               │ keeps that waker in the task's slot
//!  task finishes ──► executor wakes the EntryWaker ──► ready queue.push(key)
//!  join_next ──► ready queue.pop() ──► poll that one JoinHandle ──► its result
//! ```
//!
//! The set never walks its tasks to find a finished one: each task's
//! completion announces itself (`ready.rs`). Entries carry a generation so
//! that a queued key whose task has left the set (joined, then its slab key
//! reused) is recognised and skipped. A task that finishes before anyone
//! calls `join_next` is already queued when `join_next` first looks.
//!
//! Like a [`JoinHandle`], a `JoinSet` belongs to the thread and runtime its
//! tasks run on: it is not `Send`, and its tasks need not be.

mod abort_handle;
mod collect;
mod ready;

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::context;
use crate::coop;
use crate::executor::{JoinError, JoinHandle};

pub use abort_handle::AbortHandle;
use abort_handle::Members;
use ready::{Member, Ready, SHRINK_ABOVE};

/// A set of spawned tasks, joined in the order they finish.
///
/// [`spawn`](JoinSet::spawn) starts a task in the set;
/// [`join_next`](JoinSet::join_next) waits for the next one to finish and
/// gives its result (`Err` if it panicked or was aborted), or `None` once
/// the set is empty. Dropping the set aborts every task still in it; use
/// [`detach_all`](JoinSet::detach_all) first to let them run on.
///
/// Spawning and joining cost O(1) each, however many tasks the set holds.
///
/// # Examples
///
/// A bounded number of jobs in flight, results handled as they come:
///
/// ```
/// use runtime::JoinSet;
///
/// runtime::block_on(async {
///     let mut set = JoinSet::new();
///     let mut jobs = 1..=10u32;
///     let mut sum = 0;
///     loop {
///         while set.len() < 3 {
///             let Some(n) = jobs.next() else { break };
///             set.spawn(async move { n * n });
///         }
///         match set.join_next().await {
///             Some(square) => sum += square?,
///             None => break, // no job left, none running
///         }
///     }
///     assert_eq!(sum, 385);
///     Ok::<_, runtime::JoinError>(())
/// })?;
/// # Ok::<_, runtime::JoinError>(())
/// ```
pub struct JoinSet<T> {
    /// The tasks not yet joined or detached. Shared, weakly, with the
    /// [`AbortHandle`]s, which check their member is still here. Borrowed
    /// mutably only where no user code runs (no future or output is
    /// dropped under the borrow), so an `AbortHandle` used from a
    /// destructor always finds it free.
    entries: Rc<RefCell<Slab<Entry<T>>>>,
    /// Finished tasks in completion order, and `join_next`'s waker.
    ready: Arc<Ready>,
    /// The generation of the next task spawned.
    next_generation: u64,
}

/// One task of the set.
struct Entry<T> {
    handle: JoinHandle<T>,
    generation: u64,
    /// Queues this entry when woken (see `ready.rs`); the executor holds a
    /// clone until the task finishes.
    waker: Waker,
}

impl<T> JoinSet<T> {
    /// An empty set; allocates nothing until the first spawn.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = runtime::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Rc::new(RefCell::new(Slab::new())),
            ready: Arc::new(Ready::default()),
            next_generation: 0,
        }
    }

    /// How many tasks the set holds: running, or finished and not joined.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async {});
    ///     runtime::yield_now().await; // it finishes, but is not joined yet
    ///     assert_eq!(set.len(), 1);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// Whether the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert!(!set.is_empty());
    /// });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }

    /// Aborts every task in the set. They stay in it: `join_next` then
    /// yields a cancelled [`JoinError`] for each (or the result of one that
    /// had already finished). Use [`shutdown`](JoinSet::shutdown) to abort
    /// and wait for all of them.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.abort_all();
    ///     assert_eq!(set.len(), 3);
    ///     while let Some(result) = set.join_next().await {
    ///         assert!(result.unwrap_err().is_cancelled());
    ///     }
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        // A shared borrow: aborting drops futures, whose destructors may
        // use an `AbortHandle` of this set (which borrows it too).
        for (_, entry) in self.entries.borrow().iter() {
            entry.handle.abort();
        }
    }

    /// Lets go of every task without aborting it: they run on, and their
    /// outputs are dropped when they finish. The set is empty afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::oneshot;
    ///
    /// runtime::block_on(async {
    ///     let (tx, rx) = oneshot::channel();
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async move { tx.send("ran anyway") });
    ///     set.detach_all();
    ///     drop(set); // would abort the task, had it not been detached
    ///     assert_eq!(rx.await?, "ran anyway");
    ///     Ok::<_, oneshot::RecvError>(())
    /// })?;
    /// # Ok::<_, runtime::sync::oneshot::RecvError>(())
    /// ```
    pub fn detach_all(&mut self) {
        // Out of the cell first: dropping a `JoinHandle` of a finished task
        // drops its output (user code) with no borrow held.
        let entries = std::mem::take(&mut *self.entries.borrow_mut());
        drop(entries);
        self.ready.clear();
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns `task` on the current runtime, in this set, and returns a
    /// handle that can abort it.
    ///
    /// # Panics
    ///
    /// Panics when called outside a runtime, as [`spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     let handle = set.spawn(async { "done" });
    ///     assert_eq!(set.join_next().await.unwrap()?, "done");
    ///     assert!(handle.is_finished());
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(context::current("JoinSet::spawn").spawn(task))
    }

    /// Runs the blocking function `f` on a helper thread, as
    /// [`spawn_blocking`](crate::spawn_blocking), with its result joined
    /// through this set. Aborting it stops the wait, not the function.
    ///
    /// # Panics
    ///
    /// Panics when called outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn_blocking(|| std::iter::repeat_n(1u64, 1000).sum::<u64>());
    ///     assert_eq!(set.join_next().await.unwrap()?, 1000);
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        let core = context::current("JoinSet::spawn_blocking");
        let result = core.blocking.run(f);
        self.insert(core.spawn(result))
    }

    /// Waits for the next task to finish and returns its result, in the
    /// order the tasks finish; `None` if the set is empty.
    ///
    /// A task that panicked or was aborted gives `Err(JoinError)`. A task
    /// that finished before this call is returned at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is taken out of the set only by the poll that
    /// returns it, so if `join_next` is used in [`select!`](crate::select!)
    /// and another branch completes first, no task's result is lost; the
    /// next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async { panic!("bad input") });
    ///     let err = set.join_next().await.unwrap().unwrap_err();
    ///     assert!(err.is_panic());
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub fn join_next(&mut self) -> JoinNext<'_, T> {
        JoinNext { set: self }
    }

    /// The result of a task that has already finished, if there is one;
    /// never waits. `None` if no task has finished yet (or the set is
    /// empty).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async { 7 });
    ///     assert!(set.try_join_next().is_none(), "not run yet");
    ///     runtime::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap()?, 7);
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        while let Some(member) = self.ready.pop() {
            if let Some(result) = self.take(member) {
                return Some(result);
            }
        }
        None
    }

    /// Polls for the next finished task: what [`join_next`](Self::join_next)
    /// does, for code that implements `Future` or `Stream` by hand. On
    /// `Pending`, the task of `cx` is woken when a task of the set finishes.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     let first = runtime::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(first.unwrap()?, 1);
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.is_empty() {
            return Poll::Ready(None);
        }
        // Spend the task's budget (see `coop.rs`): a loop over a set whose
        // tasks have all finished must still let other tasks run.
        if coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        while let Some(member) = self.ready.pop_or_wait(cx.waker()) {
            if let Some(result) = self.take(member) {
                return Poll::Ready(Some(result));
            }
        }
        Poll::Pending
    }

    /// Aborts every task and waits until all have finished, dropping their
    /// results; the set is empty afterwards.
    ///
    /// # Cancel safety
    ///
    /// The tasks are aborted at the first poll. If the future is dropped
    /// before it completes, the tasks not yet joined stay in the set, each
    /// with its result (a cancelled `JoinError`, or its output if it had
    /// already finished).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut set = runtime::JoinSet::new();
    ///     for _ in 0..10 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn shutdown(&mut self) -> Shutdown<'_, T> {
        Shutdown {
            set: self,
            aborted: false,
        }
    }

    /// Adds a freshly spawned task. Its `JoinHandle` is polled here, once,
    /// with the entry's own waker: from then on the executor wakes that
    /// waker when the task finishes, which queues the entry.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let generation = self.next_generation;
        self.next_generation += 1;
        let (target, id) = (handle.target(), handle.id());
        let member = {
            let mut entries = self.entries.borrow_mut();
            let slot = entries.vacant_entry();
            let member = Member {
                key: slot.key(),
                generation,
            };
            let entry = slot.insert(Entry {
                handle,
                generation,
                waker: self.ready.waker(member),
            });
            let registered =
                Pin::new(&mut entry.handle).poll(&mut Context::from_waker(&entry.waker));
            // A task that has not been polled yet cannot have finished.
            assert!(registered.is_pending(), "a new task has no result yet");
            member
        };
        let set: Weak<RefCell<Slab<Entry<T>>>> = Rc::downgrade(&self.entries);
        AbortHandle::new(target, id, set, member)
    }

    /// The result of the task at `member`, taking it out of the set; `None`
    /// if the member is stale (gone) or, spuriously, not finished.
    fn take(&mut self, member: Member) -> Option<Result<T, JoinError>> {
        let mut entries = self.entries.borrow_mut();
        let entry = entries
            .get_mut(member.key)
            .filter(|e| e.generation == member.generation)?;
        let mut cx = Context::from_waker(&entry.waker);
        let Poll::Ready(result) = Pin::new(&mut entry.handle).poll(&mut cx) else {
            return None; // the poll left the waker registered again
        };
        let entry = entries.remove(member.key);
        if entries.is_empty() && entries.capacity() > SHRINK_ABOVE {
            *entries = Slab::new(); // a drained burst gives its memory back
        }
        drop(entries);
        drop(entry);
        Some(result)
    }
}

impl<T: 'static> Members for RefCell<Slab<Entry<T>>> {
    fn holds(&self, member: Member) -> bool {
        self.borrow()
            .get(member.key)
            .is_some_and(|e| e.generation == member.generation)
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts every task still in the set.
    fn drop(&mut self) {
        self.abort_all();
        self.detach_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`JoinSet::join_next`].
///
/// # Cancel safety
///
/// See [`JoinSet::join_next`].
#[must_use = "futures do nothing unless awaited"]
pub struct JoinNext<'a, T> {
    set: &'a mut JoinSet<T>,
}

impl<T: 'static> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.set.poll_join_next(cx)
    }
}

impl<T> fmt::Debug for JoinNext<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinNext").field("set", &self.set).finish()
    }
}

/// The future returned by [`JoinSet::shutdown`].
///
/// # Cancel safety
///
/// See [`JoinSet::shutdown`].
#[must_use = "futures do nothing unless awaited"]
pub struct Shutdown<'a, T> {
    set: &'a mut JoinSet<T>,
    /// `abort_all` was called (at the first poll).
    aborted: bool,
}

impl<T: 'static> Future for Shutdown<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if !this.aborted {
            this.set.abort_all();
            this.aborted = true;
        }
        loop {
            match this.set.poll_join_next(cx) {
                Poll::Ready(Some(result)) => drop(result),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> fmt::Debug for Shutdown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("set", &self.set)
            .field("aborted", &self.aborted)
            .finish()
    }
}
