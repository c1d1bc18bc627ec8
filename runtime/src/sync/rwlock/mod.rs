//! [`RwLock`]: many readers or one writer, served first come, first
//! served, so that a waiting writer is never starved by a stream of
//! readers.
//!
//! ```
//! use std::sync::Arc;
//! use runtime::sync::RwLock;
//!
//! runtime::block_on(async {
//!     let config = Arc::new(RwLock::new(String::from("v1")));
//!     let readers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let config = config.clone();
//!             runtime::spawn(async move {
//!                 let current = config.read().await; // any number at once
//!                 runtime::yield_now().await; // a guard may cross an await
//!                 current.len()
//!             })
//!         })
//!         .collect();
//!     runtime::yield_now().await; // let the readers take their shares
//!     config.write().await.push_str("-patched"); // waits for the readers
//!     for reader in readers {
//!         assert_eq!(reader.await?, 2, "each read before the write");
//!     }
//!     assert_eq!(*config.read().await, "v1-patched");
//!     Ok::<_, runtime::JoinError>(())
//! })?;
//! # Ok::<_, runtime::JoinError>(())
//! ```
//!
//! # Fairness
//!
//! Every waiting `read` and `write` sits in one FIFO (`sync/waiters.rs`,
//! the list every primitive here uses). A newcomer never goes ahead of
//! someone already waiting: once a writer waits, later readers wait behind
//! it even though the lock is only read-locked. When the lock frees up,
//! the front of the line is served: a writer alone, or every reader up to
//! the next writer, at once. So a writer waits for the readers ahead of
//! it, never for those behind it, and a burst of readers after a writer
//! shares one turn.
//!
//! As with [`Mutex`](super::Mutex), releasing *hands* the lock to the
//! chosen waiters (their counts are taken for them) before waking them,
//! and a chosen waiter that is dropped before it runs gives its share
//! back, which may choose the next. A waiter dropped while still in line
//! leaves it, and if it was the writer at the front, the readers behind it
//! are let in. Cancellation never loses a turn or blocks the line.
//!
//! # How the value is shared without `unsafe`
//!
//! The value lives in an `Arc`. A read guard holds a clone of it (many
//! readers share the value); a writer, once every reader has gone, takes
//! the `Arc` out of the lock, holding the only reference, and
//! `Arc::get_mut` gives it `&mut T`; dropping the write guard puts it
//! back. So the guards own what they point at and are `Send` (when
//! `T: Send + Sync`): they may be held across an `.await` in a task that
//! moves between threads. The turn-keeping (reader count, writer flag,
//! waiter list, the parked `Arc`) sits under one `std::sync::Mutex`; there
//! are no atomics of our own beyond `Arc`'s counts.

mod guard;
mod owned;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use super::lock;
use super::mutex::{Held, TryLockError};
use super::waiters::{WaiterList, Wakers};

pub use guard::{RwLockReadGuard, RwLockWriteGuard};
pub use owned::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard};

/// Why the value can be missing from the lock: a write guard took it and
/// was leaked (`mem::forget`), which no safe use of the lock does.
const VALUE_AWAY: &str = "RwLock's value is away with a write guard that was leaked";

/// An async reader-writer lock around a `T`: any number of
/// [`read`](RwLock::read) guards at once, or one [`write`](RwLock::write)
/// guard; waiters are served in arrival order (see the module docs).
///
/// `Send + Sync`, and its guards `Send + Sync`, when `T: Send + Sync`:
/// share it in an `Arc` between tasks on several threads' runtimes.
///
/// # Fairness
///
/// Waiters are served in the order they first polled, readers and writers
/// in one line: a reader arriving while a writer waits queues behind the
/// writer, even if only readers hold the lock. When the lock frees up, the
/// next writer gets it alone, or every reader up to the next writer gets
/// it together. A task that gives up waiting (its future is dropped) never
/// takes a turn with it.
///
/// # Examples
///
/// ```
/// use runtime::sync::RwLock;
///
/// runtime::block_on(async {
///     let lock = RwLock::new(5);
///     {
///         let (a, b) = (lock.read().await, lock.read().await);
///         assert_eq!(*a + *b, 10);
///     } // both read guards dropped here
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// Read guards out, counting readers chosen but not yet run.
    readers: usize,
    /// A write guard is out, or a writer was chosen and has not yet run.
    writer: bool,
    /// Waiting `read`s and `write`s; a popped entry has been let in.
    waiters: WaiterList<Access>,
    /// The value, here unless a writer holds it; readers clone it.
    data: Option<Arc<T>>,
}

/// What a waiter asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

impl<T> State<T> {
    /// Whether a newcomer asking for `access` gets it now: only if the lock
    /// allows it *and* nobody waits (no overtaking).
    fn admits(&self, access: Access) -> bool {
        let free = match access {
            Access::Read => !self.writer,
            Access::Write => !self.writer && self.readers == 0,
        };
        free && self.waiters.len() == 0
    }

    fn count_in(&mut self, access: Access) {
        match access {
            Access::Read => self.readers += 1,
            Access::Write => self.writer = true,
        }
    }

    fn count_out(&mut self, access: Access) {
        match access {
            Access::Read => self.readers -= 1,
            Access::Write => self.writer = false,
        }
    }

    /// The value for a guard of `access` that has been counted in.
    fn hand_out(&mut self, access: Access) -> Arc<T> {
        let data = match access {
            Access::Read => self.data.clone(),
            Access::Write => self.data.take(),
        };
        data.expect(VALUE_AWAY)
    }

    /// Lets in whoever is at the front of the line now: a writer if the
    /// lock is free, or every reader up to the next writer if no writer
    /// holds it. Returns their wakers, to be woken after unlocking.
    fn let_in(&mut self) -> Wakers {
        let mut wakers = Wakers::new();
        while !self.writer {
            match self.waiters.front() {
                Some(Access::Write) if self.readers > 0 => break,
                None => break,
                Some(&access) => {
                    let (_, waker) = self.waiters.pop_front().expect("front exists");
                    self.count_in(access);
                    wakers.push(waker);
                }
            }
        }
        wakers
    }
}

impl<T> RwLock<T> {
    /// A new, unlocked lock (one allocation: the value's `Arc`).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = runtime::sync::RwLock::new(vec![1, 2]);
    /// assert_eq!(lock.try_read()?.len(), 2);
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            state: Mutex::new(State {
                readers: 0,
                writer: false,
                waiters: WaiterList::new(),
                data: Some(Arc::new(value)),
            }),
        }
    }

    /// Waits until no writer holds or waits ahead, and returns a guard
    /// that shares the value with other readers.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in line, and a
    /// read share already handed to it is given back (which may let a
    /// waiting writer in). Dropping it and calling `read` again puts the
    /// task at the back of the line.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let lock = runtime::sync::RwLock::new("shared");
    ///     let (a, b) = runtime::join(lock.read(), lock.read()).await;
    ///     assert_eq!((*a, *b), ("shared", "shared"));
    /// });
    /// ```
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            key: None,
        }
    }

    /// Waits until the lock is free and it is this task's turn, and returns
    /// a guard with exclusive access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in line (a
    /// writer at the front that leaves lets the readers behind it in); if
    /// the lock had already been handed to it, it passes it on. Dropping it
    /// and calling `write` again puts the task at the back of the line.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let lock = runtime::sync::RwLock::new(0);
    ///     *lock.write().await += 1;
    ///     assert_eq!(*lock.read().await, 1);
    /// });
    /// ```
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            key: None,
        }
    }

    /// A read guard now, if no writer holds the lock and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds the lock or anyone waits for it
    /// (a waiting writer goes first).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = runtime::sync::RwLock::new(1);
    /// let a = lock.try_read()?;
    /// let b = lock.try_read()?; // readers share
    /// assert!(lock.try_write().is_err());
    /// drop((a, b));
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(Access::Read)
            .map(|data| RwLockReadGuard::new(self, data))
    }

    /// A write guard now, if the lock is free and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held (read or write) or anyone
    /// waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = runtime::sync::RwLock::new(1);
    /// *lock.try_write()? = 2;
    /// assert_eq!(*lock.try_read()?, 2);
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(Access::Write)
            .map(|data| RwLockWriteGuard::new(self, data))
    }

    /// A mutable reference to the value: no locking, the `&mut` proves no
    /// guard is out.
    ///
    /// # Panics
    ///
    /// Only if a guard was leaked with `mem::forget`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = runtime::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        let data = lock_mut(&mut self.state).data.as_mut();
        data.and_then(Arc::get_mut).expect(VALUE_AWAY)
    }

    /// Consumes the lock and returns its value.
    ///
    /// # Panics
    ///
    /// Only if a guard was leaked with `mem::forget`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = runtime::sync::RwLock::new(String::from("x"));
    /// assert_eq!(lock.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.data.and_then(Arc::into_inner).expect(VALUE_AWAY)
    }

    /// Waiting tasks, waiter entries (a chosen waiter keeps its entry until
    /// it runs) and the waiter slab's capacity: for tests that check nothing
    /// is left behind and memory returns to the baseline.
    #[doc(hidden)]
    pub fn waiter_footprint(&self) -> (usize, usize, usize) {
        let state = lock(&self.state);
        let (entries, capacity) = state.waiters.footprint();
        (state.waiters.len(), entries, capacity)
    }

    fn try_acquire(&self, access: Access) -> Result<Arc<T>, TryLockError> {
        let mut state = lock(&self.state);
        if !state.admits(access) {
            return Err(TryLockError::new(match access {
                Access::Read => Held::Read,
                Access::Write => Held::Write,
            }));
        }
        state.count_in(access);
        Ok(state.hand_out(access))
    }

    /// One poll of a `read` or `write` whose waiter entry is `key`.
    fn poll_acquire(
        &self,
        access: Access,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Arc<T>> {
        let mut state = lock(&self.state);
        match *key {
            None if state.admits(access) => state.count_in(access),
            None => {
                *key = Some(state.waiters.push_back(cx.waker().clone(), access));
                return Poll::Pending;
            }
            Some(k) if state.waiters.is_linked(k) => {
                state.waiters.update_waker(k, cx.waker());
                return Poll::Pending;
            }
            // Popped: `let_in` counted us in already.
            Some(k) => {
                state.waiters.remove(k);
                *key = None;
            }
        }
        Poll::Ready(state.hand_out(access))
    }

    /// A waiting `read` or `write` was dropped: leave the line (letting in
    /// whoever that unblocks), or give back what had been handed over.
    fn cancel(&self, access: Access, key: &mut Option<usize>) {
        let Some(k) = key.take() else { return };
        let wakers = {
            let mut state = lock(&self.state);
            if !state.waiters.is_linked(k) {
                state.count_out(access); // chosen, never ran
            }
            state.waiters.remove(k);
            state.let_in()
        };
        wakers.wake_all();
    }

    /// A read guard is gone (its `Arc` clone already dropped).
    fn release_read(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.readers -= 1;
            state.let_in()
        };
        wakers.wake_all();
    }

    /// The write guard gives the value back.
    fn release_write(&self, data: Arc<T>) {
        let wakers = {
            let mut state = lock(&self.state);
            state.data = Some(data);
            state.writer = false;
            state.let_in()
        };
        wakers.wake_all();
    }

    /// A write guard becomes a read guard without letting a writer in
    /// between; readers waiting at the front come in with it.
    fn downgrade(&self, data: Arc<T>) -> Arc<T> {
        let (shared, wakers) = {
            let mut state = lock(&self.state);
            state.writer = false;
            state.readers += 1;
            state.data = Some(data);
            let shared = state.hand_out(Access::Read);
            (shared, state.let_in())
        };
        wakers.wake_all();
        shared
    }
}

/// Locks the state through `&mut`, poisoned or not.
fn lock_mut<T>(state: &mut Mutex<T>) -> &mut T {
    state
        .get_mut()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("RwLock")
            .field("readers", &state.readers)
            .field("writer", &state.writer)
            .field("waiting", &state.waiters.len())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`RwLock::read`].
///
/// # Cancel safety
///
/// See [`RwLock::read`].
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a, T> {
    lock: &'a RwLock<T>,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<'a, T> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.lock;
        lock.poll_acquire(Access::Read, &mut self.key, cx)
            .map(|data| RwLockReadGuard::new(lock, data))
    }
}

impl<T> Drop for Read<'_, T> {
    fn drop(&mut self) {
        self.lock.cancel(Access::Read, &mut self.key);
    }
}

/// The future returned by [`RwLock::write`].
///
/// # Cancel safety
///
/// See [`RwLock::write`].
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a, T> {
    lock: &'a RwLock<T>,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<'a, T> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.lock;
        lock.poll_acquire(Access::Write, &mut self.key, cx)
            .map(|data| RwLockWriteGuard::new(lock, data))
    }
}

impl<T> Drop for Write<'_, T> {
    fn drop(&mut self) {
        self.lock.cancel(Access::Write, &mut self.key);
    }
}

impl<T> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

impl<T> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
