//! [`Notify`]: wake one waiting task, or all of them, with no data; the
//! building block for "something changed, go and look".
//!
//! ```
//! let changed = runtime::sync::Notify::new();
//! changed.notify_one(); // nobody waits yet: stored as a permit
//! runtime::block_on(changed.notified());
//! ```
//!
//! State: one stored permit, a count of `notify_waiters` calls, and a FIFO
//! of waiters whose entry records how each was woken. A waiter woken by
//! `notify_one` and then dropped before it ran passes the wake-up on, so a
//! notification is never lost to cancellation.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::lock;
use super::waiters::WaiterList;

/// Notifies one waiting task ([`notify_one`](Notify::notify_one)) or all of
/// them ([`notify_waiters`](Notify::notify_waiters)).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use runtime::sync::Notify;
///
/// runtime::block_on(async {
///     let ready = Arc::new(Notify::new());
///     let waiter = runtime::spawn({
///         let ready = ready.clone();
///         async move {
///             ready.notified().await;
///             "notified"
///         }
///     });
///     // Even if this runs before the waiter waits, the permit is kept.
///     ready.notify_one();
///     assert_eq!(waiter.await?, "notified");
///     Ok::<_, runtime::JoinError>(())
/// })?;
/// # Ok::<_, runtime::JoinError>(())
/// ```
pub struct Notify {
    state: Mutex<State>,
}

struct State {
    /// Set by `notify_one` when nobody waits; taken by the next waiter.
    permit: bool,
    /// How many times `notify_waiters` was called: a `Notified` created
    /// before a call completes even if it had not been polled yet.
    generation: u64,
    /// Waiting tasks and how each was woken.
    waiters: WaiterList<Woken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woken {
    No,
    One,
    All,
}

impl Notify {
    /// A `Notify` with no stored permit and no waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// static CHANGED: runtime::sync::Notify = runtime::sync::Notify::new();
    /// CHANGED.notify_one();
    /// ```
    pub const fn new() -> Notify {
        Notify {
            state: Mutex::new(State {
                permit: false,
                generation: 0,
                waiters: WaiterList::new(),
            }),
        }
    }

    /// A future that completes when this `Notify` is notified: by a
    /// `notify_one` (or a permit one stored earlier), or by a
    /// `notify_waiters` called after this method.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in line; if a
    /// `notify_one` had already chosen it, the notification goes to the next
    /// waiter or is stored as the permit. Nothing is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let notify = runtime::sync::Notify::new();
    ///     let notified = notify.notified();
    ///     notify.notify_waiters(); // counts: `notified` was created before
    ///     notified.await;
    /// });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: lock(&self.state).generation,
            key: None,
        }
    }

    /// Wakes the longest-waiting task, or, if none waits, stores one permit
    /// that the next `notified().await` consumes at once (permits do not
    /// add up: at most one is stored).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let notify = runtime::sync::Notify::new();
    ///     notify.notify_one();
    ///     notify.notified().await; // the stored permit
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = Self::wake_one(&mut lock(&self.state));
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task waiting now (and every `Notified` created before
    /// this call); stores no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// runtime::block_on(async {
    ///     let notify = Arc::new(runtime::sync::Notify::new());
    ///     let waiters: Vec<_> = (0..3).map(|_| {
    ///         let notify = notify.clone();
    ///         runtime::spawn(async move { notify.notified().await })
    ///     }).collect();
    ///     runtime::yield_now().await; // let them wait
    ///     notify.notify_waiters();
    ///     for w in waiters { w.await?; }
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub fn notify_waiters(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.generation = state.generation.wrapping_add(1);
            state.waiters.pop_all(|woken| *woken = Woken::All)
        };
        wakers.wake_all();
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

    /// Chooses the longest waiter, or stores the permit.
    fn wake_one(state: &mut State) -> Option<Waker> {
        match state.waiters.pop_front() {
            Some((key, waker)) => {
                *state.waiters.payload_mut(key) = Woken::One;
                Some(waker)
            }
            None => {
                state.permit = true;
                None
            }
        }
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiting", &state.waiters.len())
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
///
/// # Cancel safety
///
/// See [`Notify::notified`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// `notify_waiters` calls seen at creation.
    generation: u64,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.notify.state);
        match self.key {
            None if state.permit => state.permit = false,
            None if state.generation != self.generation => {}
            None => {
                let key = state.waiters.push_back(cx.waker().clone(), Woken::No);
                drop(state);
                self.key = Some(key);
                return Poll::Pending;
            }
            Some(key) if state.waiters.is_linked(key) => {
                state.waiters.update_waker(key, cx.waker());
                return Poll::Pending;
            }
            Some(key) => {
                state.waiters.remove(key);
                drop(state);
                self.key = None;
            }
        }
        Poll::Ready(())
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let waker = {
            let mut state = lock(&self.notify.state);
            match state.waiters.remove(key) {
                // Chosen by `notify_one` but never ran: pass it on.
                Woken::One => Notify::wake_one(&mut state),
                Woken::No | Woken::All => None,
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
