//! [`Mutex`]: an async lock whose [`lock`](Mutex::lock) waits without
//! blocking the thread, served first come, first served.
//!
//! ```
//! let counter = runtime::sync::Mutex::new(0);
//! runtime::block_on(async { *counter.lock().await += 1 });
//! assert_eq!(counter.into_inner(), 1);
//! ```
//!
//! Two parts: the *turn* (who holds the lock, and a FIFO of waiters, under
//! one std mutex) and the *data*, in a second std mutex that only the
//! holder of the turn ever locks, so it never blocks. Unlocking hands the
//! turn straight to the longest waiter: a task arriving later cannot barge
//! in ahead of it. Keeping the data in a std mutex keeps this crate free of
//! `unsafe`; the price is that [`MutexGuard`] is not `Send`, like std's.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::lock;
use super::waiters::WaiterList;

/// An async mutual-exclusion lock around a `T`: `lock().await` waits
/// without blocking the thread, and waiters get the lock in arrival order.
///
/// Use it when the lock is held across an `.await`; for short critical
/// sections with no await inside, `std::sync::Mutex` is cheaper. `Mutex<T>`
/// is `Send + Sync` when `T: Send`, so it can be shared (in an `Arc`) by
/// tasks on several threads' runtimes. Its [`MutexGuard`] is `Sync` but not
/// `Send`: a task holding it stays on its thread, which every task of this
/// runtime does anyway.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime::sync::Mutex;
///
/// runtime::block_on(async {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             runtime::spawn(async move {
///                 let mut log = log.lock().await;
///                 log.push(i);
///                 // Holding the lock across an await is what this type is for.
///                 runtime::yield_now().await;
///                 log.push(i);
///             })
///         })
///         .collect();
///     for task in tasks { task.await?; }
///     assert_eq!(*log.lock().await, [0, 0, 1, 1, 2, 2]);
///     Ok::<_, runtime::JoinError>(())
/// })?;
/// # Ok::<_, runtime::JoinError>(())
/// ```
pub struct Mutex<T: ?Sized> {
    turn: std::sync::Mutex<Turn>,
    data: std::sync::Mutex<T>,
}

struct Turn {
    /// Whether some guard (or a chosen waiter about to make one) holds it.
    locked: bool,
    /// Tasks waiting for it; a popped entry has been handed the lock.
    waiters: WaiterList<()>,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// static COUNT: runtime::sync::Mutex<u32> = runtime::sync::Mutex::new(0);
    /// ```
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            turn: std::sync::Mutex::new(Turn {
                locked: false,
                waiters: WaiterList::new(),
            }),
            data: std::sync::Mutex::new(value),
        }
    }

    /// Consumes the mutex and returns its value.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = runtime::sync::Mutex::new(String::from("x"));
    /// assert_eq!(m.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.data
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock and returns a guard that unlocks when dropped.
    /// Waiters get the lock in the order they first polled.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in line, and if
    /// the lock had already been handed to it, hands it on to the next
    /// waiter (or unlocks). Dropping it and calling `lock` again puts the
    /// task at the back of the line.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let m = runtime::sync::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            key: None,
        }
    }

    /// Takes the lock if it is free now and nobody waits for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if it is held (or promised to a waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = runtime::sync::Mutex::new(0);
    /// let guard = m.try_lock()?;
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// assert!(m.try_lock().is_ok());
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let mut turn = lock(&self.turn);
        if turn.locked {
            return Err(TryLockError(Held::Mutex));
        }
        turn.locked = true;
        drop(turn);
        Ok(self.guard())
    }

    /// A mutable reference to the value: no locking, the `&mut` proves
    /// nobody else holds it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = runtime::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waiting tasks, waiter entries (a chosen waiter keeps its entry until
    /// it runs) and the waiter slab's capacity: for tests that check nothing
    /// is left behind and memory returns to the baseline.
    #[doc(hidden)]
    pub fn waiter_footprint(&self) -> (usize, usize, usize) {
        let turn = lock(&self.turn);
        let (entries, capacity) = turn.waiters.footprint();
        (turn.waiters.len(), entries, capacity)
    }

    /// Builds the guard for a caller that holds the turn. Only the turn's
    /// holder locks `data`, so this never waits (a previous holder released
    /// `data` before passing the turn on).
    fn guard(&self) -> MutexGuard<'_, T> {
        MutexGuard {
            data: lock(&self.data),
            _turn: TurnRelease { mutex: self },
        }
    }

    /// Passes the turn to the longest waiter, or marks the mutex unlocked.
    fn release(&self) {
        let waker = {
            let mut turn = lock(&self.turn);
            match turn.waiters.pop_front() {
                Some((_, waker)) => Some(waker), // stays locked: handed over
                None => {
                    turn.locked = false;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

/// The future returned by [`Mutex::lock`].
///
/// # Cancel safety
///
/// See [`Mutex::lock`].
#[must_use = "futures do nothing unless awaited"]
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        let mut turn = lock(&mutex.turn);
        match self.key {
            None if !turn.locked => turn.locked = true,
            None => {
                self.key = Some(turn.waiters.push_back(cx.waker().clone(), ()));
                return Poll::Pending;
            }
            Some(key) if turn.waiters.is_linked(key) => {
                turn.waiters.update_waker(key, cx.waker());
                return Poll::Pending;
            }
            // Popped: `release` handed the lock to us.
            Some(key) => {
                turn.waiters.remove(key);
                self.key = None;
            }
        }
        drop(turn);
        Poll::Ready(mutex.guard())
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let handed_over = {
            let mut turn = lock(&self.mutex.turn);
            let handed_over = !turn.waiters.is_linked(key);
            turn.waiters.remove(key);
            handed_over
        };
        if handed_over {
            // We were given the lock but will never use it: pass it on.
            self.mutex.release();
        }
    }
}

/// Access to a locked [`Mutex`]'s value; unlocks (handing the lock to the
/// next waiter) when dropped.
///
/// Not `Send`: it holds a `std::sync::MutexGuard` (see the module docs).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    // Field order is drop order: the data is released before the turn is
    // passed on, so the next holder's `lock(&data)` never waits.
    data: std::sync::MutexGuard<'a, T>,
    _turn: TurnRelease<'a, T>,
}

struct TurnRelease<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

impl<T: ?Sized> Drop for TurnRelease<'_, T> {
    fn drop(&mut self) {
        self.mutex.release();
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let turn = lock(&self.turn);
        f.debug_struct("Mutex")
            .field("locked", &turn.locked)
            .field("waiting", &turn.waiters.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The error of [`Mutex::try_lock`], [`RwLock::try_read`] and
/// [`RwLock::try_write`](super::RwLock::try_write): the lock is held (or
/// promised to a waiter).
///
/// [`RwLock::try_read`]: super::RwLock::try_read
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(Held);

/// Which attempt failed, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    Mutex,
    Read,
    Write,
}

impl TryLockError {
    pub(super) fn new(held: Held) -> TryLockError {
        TryLockError(held)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Held::Mutex => "mutex is locked: try again later or await `lock()`",
            Held::Read => {
                "rwlock is write-locked or a writer waits: try again later or await `read()`"
            }
            Held::Write => "rwlock is locked: try again later or await `write()`",
        })
    }
}

impl Error for TryLockError {}
