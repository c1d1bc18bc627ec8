//! [`Semaphore`]: at most N holders at once, waiting tasks served first
//! come, first served.
//!
//! ```
//! let limit = runtime::sync::Semaphore::new(2);
//! let permit = runtime::block_on(limit.acquire())?;
//! assert_eq!(limit.available_permits(), 1);
//! drop(permit);
//! # Ok::<_, runtime::sync::AcquireError>(())
//! ```
//!
//! Permits are a count under a std mutex beside a FIFO of waiters. A
//! returned permit goes straight to the longest waiter (recorded in its
//! entry) instead of back to the count, so a late `try_acquire` cannot take
//! it first; a chosen waiter that is dropped before it runs gives its
//! permit back, which may choose the next one.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use super::lock;
use super::waiters::{WaiterList, Wakers};

/// A counting semaphore for tasks and threads.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime::sync::Semaphore;
///
/// runtime::block_on(async {
///     // Ten jobs, at most two running at a time.
///     let limit = Arc::new(Semaphore::new(2));
///     let mut jobs = Vec::new();
///     for i in 0..10 {
///         let permit = limit.clone().acquire_owned().await?;
///         jobs.push(runtime::spawn(async move {
///             runtime::yield_now().await;
///             drop(permit); // the next job may start
///             i
///         }));
///     }
///     let mut sum = 0;
///     for job in jobs { sum += job.await?; }
///     assert_eq!(sum, 45);
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub struct Semaphore {
    state: Mutex<State>,
}

struct State {
    /// Permits free now (never > 0 while someone waits).
    permits: usize,
    /// Set by `close`: every acquire fails from then on.
    closed: bool,
    /// Waiting acquirers; the payload is set when a permit is handed over
    /// (a popped entry with `false` was woken by `close`).
    waiters: WaiterList<bool>,
}

impl Semaphore {
    /// The most permits a semaphore may hold: `usize::MAX >> 3`, as tokio.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// Panics if `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// ```
    /// static LIMIT: runtime::sync::Semaphore = runtime::sync::Semaphore::new(4);
    /// assert_eq!(LIMIT.available_permits(), 4);
    /// ```
    pub const fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore holds at most MAX_PERMITS permits"
        );
        Semaphore {
            state: Mutex::new(State {
                permits,
                closed: false,
                waiters: WaiterList::new(),
            }),
        }
    }

    /// Waits for a permit; the permit returns when the guard is dropped.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed, before or while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in line, and a
    /// permit already handed to it goes to the next waiter (or back to the
    /// count). No permit is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::Semaphore;
    ///
    /// runtime::block_on(async {
    ///     let sem = Semaphore::new(1);
    ///     let permit = sem.acquire().await?;
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    ///     Ok::<_, runtime::sync::AcquireError>(())
    /// })?;
    /// # Ok::<_, runtime::sync::AcquireError>(())
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: self,
            key: None,
        }
    }

    /// [`acquire`](Self::acquire) for an `Arc<Semaphore>`: the permit owns a
    /// clone of the `Arc`, so it can be stored or moved into a task.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime::sync::Semaphore;
    ///
    /// runtime::block_on(async {
    ///     let sem = Arc::new(Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await?;
    ///     runtime::spawn(async move { drop(permit) }).await?;
    ///     assert_eq!(sem.available_permits(), 1);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned {
            sem: self,
            key: None,
        }
    }

    /// Takes a permit if one is free now and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::Closed`] or [`TryAcquireError::NoPermits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::{Semaphore, TryAcquireError};
    ///
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire()?;
    /// assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// permit.forget(); // never returned
    /// assert_eq!(sem.available_permits(), 0);
    /// # Ok::<_, TryAcquireError>(())
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take()?;
        Ok(SemaphorePermit {
            sem: self,
            live: true,
        })
    }

    /// [`try_acquire`](Self::try_acquire) for an `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Self::try_acquire).
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take()?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            live: true,
        })
    }

    /// Adds `n` permits, handing them to waiters first.
    ///
    /// # Panics
    ///
    /// Panics if the total would exceed [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = runtime::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        lock(&self.state).permits
    }

    /// Closes the semaphore: waiting and future acquires fail with
    /// [`AcquireError`]. Permits already held stay valid.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let sem = runtime::sync::Semaphore::new(1);
    ///     sem.close();
    ///     assert!(sem.is_closed());
    ///     assert!(sem.acquire().await.is_err());
    /// });
    /// ```
    pub fn close(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.closed = true;
            state.waiters.pop_all(|_| {})
        };
        wakers.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        lock(&self.state).closed
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

    fn try_take(&self) -> Result<(), TryAcquireError> {
        let mut state = lock(&self.state);
        if state.closed {
            Err(TryAcquireError::Closed)
        } else if state.permits == 0 {
            Err(TryAcquireError::NoPermits)
        } else {
            state.permits -= 1;
            Ok(())
        }
    }

    /// Returns `n` permits: each goes to the longest waiter, the rest to
    /// the count. Wakes after unlocking.
    fn release(&self, n: usize) {
        let mut wakers = Wakers::new();
        {
            let mut state = lock(&self.state);
            let total = state
                .permits
                .checked_add(n)
                .filter(|&t| t <= Self::MAX_PERMITS);
            state.permits = total.expect("a semaphore holds at most MAX_PERMITS permits");
            while state.permits > 0 {
                let Some((key, waker)) = state.waiters.pop_front() else {
                    break;
                };
                *state.waiters.payload_mut(key) = true;
                state.permits -= 1;
                wakers.push(waker);
            }
        }
        wakers.wake_all();
    }

    /// One poll of an acquire whose waiter entry is `key`.
    fn poll_acquire(
        &self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let mut state = lock(&self.state);
        match *key {
            None if state.closed => Poll::Ready(Err(AcquireError(()))),
            // Permits are never free while someone waits: no queue jumping.
            None if state.permits > 0 => {
                state.permits -= 1;
                Poll::Ready(Ok(()))
            }
            None => {
                *key = Some(state.waiters.push_back(cx.waker().clone(), false));
                Poll::Pending
            }
            Some(k) if state.waiters.is_linked(k) => {
                state.waiters.update_waker(k, cx.waker());
                Poll::Pending
            }
            Some(k) => {
                *key = None;
                if state.waiters.remove(k) {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Ready(Err(AcquireError(())))
                }
            }
        }
    }

    /// A waiting acquire was dropped: leave the line, and give back a
    /// permit that had been handed over.
    fn cancel_acquire(&self, key: &mut Option<usize>) {
        let Some(k) = key.take() else { return };
        let handed_over = lock(&self.state).waiters.remove(k);
        if handed_over {
            self.release(1);
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Semaphore")
            .field("permits", &state.permits)
            .field("closed", &state.closed)
            .field("waiting", &state.waiters.len())
            .finish()
    }
}

/// The future returned by [`Semaphore::acquire`].
///
/// # Cancel safety
///
/// See [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    key: Option<usize>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let sem = self.sem;
        sem.poll_acquire(&mut self.key, cx)
            .map_ok(|()| SemaphorePermit { sem, live: true })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.key);
    }
}

/// The future returned by [`Semaphore::acquire_owned`].
///
/// # Cancel safety
///
/// See [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireOwned {
    sem: Arc<Semaphore>,
    key: Option<usize>,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.sem
            .poll_acquire(&mut this.key, cx)
            .map_ok(|()| OwnedSemaphorePermit {
                sem: this.sem.clone(),
                live: true,
            })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.key);
    }
}

/// One permit of a [`Semaphore`], returned when dropped.
#[must_use = "dropping the permit returns it immediately"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    /// Cleared by `forget`.
    live: bool,
}

impl SemaphorePermit<'_> {
    /// Consumes the permit without returning it: the semaphore has one
    /// permit fewer for good.
    pub fn forget(mut self) {
        self.live = false;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.live {
            self.sem.release(1);
        }
    }
}

/// One permit of an `Arc<Semaphore>`, returned when dropped; owns its
/// `Arc`, so it can be moved into a task or stored in a map.
#[must_use = "dropping the permit returns it immediately"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    live: bool,
}

impl OwnedSemaphorePermit {
    /// Consumes the permit without returning it.
    pub fn forget(mut self) {
        self.live = false;
    }

    /// The semaphore this permit belongs to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.live {
            self.sem.release(1);
        }
    }
}

/// The error of acquiring from a closed [`Semaphore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed: no permit will be handed out")
    }
}

impl Error for AcquireError {}

/// The error of [`Semaphore::try_acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// No permit is free now (or others are waiting for one).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "semaphore closed: no permit will be handed out",
            TryAcquireError::NoPermits => {
                "no permit available now: try again later or await `acquire()`"
            }
        })
    }
}

impl Error for TryAcquireError {}
