//! [`Receiver`]: reads the watched value and waits for it to change
//! ([`Changed`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{RecvError, Ref, Shared};
use crate::coop;

/// The receiving half of a [`watch`](super) channel: reads the latest
/// value and waits for the next. Clone it for more receivers (a clone has
/// seen what this one has seen).
///
/// `Send + Sync` when `T: Send + Sync`.
///
/// # Examples
///
/// ```
/// use runtime::sync::watch;
///
/// runtime::block_on(async {
///     let (tx, mut rx) = watch::channel(0);
///     let watcher = runtime::spawn(async move {
///         let mut seen = Vec::new();
///         // Ends with `Err` once the sender is gone.
///         while rx.changed().await.is_ok() {
///             seen.push(*rx.borrow_and_update());
///         }
///         seen
///     });
///     for i in 1..=3 {
///         tx.send(i)?;
///         runtime::yield_now().await; // let the watcher look
///     }
///     drop(tx);
///     assert_eq!(watcher.await?, [1, 2, 3]);
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version of the last value this receiver saw.
    seen: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, seen: u64) -> Receiver<T> {
        Receiver { shared, seen }
    }

    /// The current value, without marking it seen: a later
    /// [`changed`](Self::changed) still returns at once if it was unseen.
    /// It holds the channel's read lock: drop it soon, and never hold it
    /// across an `.await`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel("a");
    /// tx.send("b")?;
    /// let value = rx.borrow();
    /// assert_eq!((*value, value.has_changed()), ("b", true));
    /// # Ok::<_, runtime::sync::watch::SendError<&str>>(())
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let has_changed = guard.version != self.seen;
        Ref { guard, has_changed }
    }

    /// The current value, marked seen: [`changed`](Self::changed) then
    /// waits for the next send.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = runtime::sync::watch::channel(1);
    ///     tx.send(2)?;
    ///     assert_eq!(*rx.borrow_and_update(), 2);
    ///     assert!(!rx.has_changed()?);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let has_changed = guard.version != self.seen;
        self.seen = guard.version;
        Ref { guard, has_changed }
    }

    /// Whether the current value is unseen by this receiver; marks
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone (as tokio's, even when the
    /// last value is unseen: [`changed`](Self::changed) still returns it).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1)?;
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// # Ok::<_, runtime::sync::watch::SendError<i32>>(())
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state();
        if state.senders == 0 {
            return Err(RecvError(()));
        }
        Ok(state.version != self.seen)
    }

    /// Whether every sender is gone: the value will not change again.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state().senders == 0
    }

    /// Waits until the current value is unseen by this receiver, then
    /// marks it seen. Returns at once if it already is unseen (a send
    /// happened since the last look). Read the value with
    /// [`borrow`](Self::borrow) or [`borrow_and_update`](Self::borrow_and_update).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and the last value was seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value is marked seen only by the poll that returns
    /// `Ok`. If `changed` is used in [`select!`](crate::select!) and another
    /// branch wins, no change is lost: the next call returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = runtime::sync::watch::channel("idle");
    ///     runtime::spawn(async move { tx.send("busy") });
    ///     rx.changed().await?;
    ///     assert_eq!(*rx.borrow(), "busy");
    ///     assert!(rx.changed().await.is_err(), "the sender is gone");
    ///     Ok::<_, runtime::sync::watch::RecvError>(())
    /// })?;
    /// # Ok::<_, runtime::sync::watch::RecvError>(())
    /// ```
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
        }
    }

    /// Waits for a value for which `f` returns `true`, and returns it,
    /// marked seen ([`Ref::has_changed`] says whether it was unseen when
    /// the call began). `f` is called on the current value first (seen or
    /// not: a value that already satisfies it returns at once), then on
    /// each value sent after it that this receiver sees, under the
    /// channel's read lock (keep it short; do not send from it). Values
    /// sent in quick succession coalesce, as for [`changed`](Self::changed):
    /// `f` sees the latest.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and `f` returned `false`
    /// for the last value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the receiver as `f` last
    /// left it (values it was called on are marked seen).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::watch;
    ///
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     runtime::spawn(async move {
    ///         for progress in [10, 50, 100] {
    ///             tx.send(progress).unwrap();
    ///             runtime::yield_now().await;
    ///         }
    ///     });
    ///     let done = rx.wait_for(|&progress| progress == 100).await?;
    ///     assert_eq!(*done, 100);
    ///     drop(done);
    ///     assert!(rx.wait_for(|&p| p > 100).await.is_err(), "the sender is gone");
    ///     Ok::<_, watch::RecvError>(())
    /// })?;
    /// # Ok::<_, watch::RecvError>(())
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // Borrowed field by field, so that the value returned (which
        // borrows `shared`) and the waits (which update `seen`) do not
        // borrow the whole receiver at once.
        let (shared, seen) = (&*self.shared, &mut self.seen);
        // After a wait, the value is one this receiver had not seen (the
        // wait marked its version seen already).
        let mut waited = false;
        loop {
            {
                let guard = shared.read();
                let has_changed = waited || guard.version != *seen;
                *seen = guard.version;
                if f(&guard.value) {
                    return Ok(Ref { guard, has_changed });
                }
            } // the read lock is never held across the wait
            Changed {
                shared,
                seen: &mut *seen,
                key: None,
            }
            .await?;
            waited = true;
        }
    }

    /// Whether `other` is a receiver of the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = runtime::sync::watch::channel(());
    /// let (_, unrelated) = runtime::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&unrelated));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waiting futures, waiter entries and the waiter lists' capacity, for
    /// tests that check nothing is left behind.
    #[doc(hidden)]
    pub fn waiter_footprint(&self) -> (usize, usize, usize) {
        self.shared.footprint()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.state().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut state = self.shared.state();
            state.receivers -= 1;
            if state.receivers > 0 {
                return;
            }
            // The last receiver: senders waiting in `closed` may stop.
            state.closed.pop_all(|_| {})
        };
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Receiver::changed`].
///
/// # Cancel safety
///
/// See [`Receiver::changed`].
#[must_use = "futures do nothing unless awaited"]
pub struct Changed<'a, T> {
    shared: &'a Shared<T>,
    /// The receiver's last version seen.
    seen: &'a mut u64,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Spend the task's budget (see `coop.rs`): a loop on `changed` fed
        // by a sender on another thread must still let other tasks run.
        if coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let this = &mut *self;
        let mut state = this.shared.state();
        if let Some(key) = this.key {
            if state.changed.is_linked(key) {
                state.changed.update_waker(key, cx.waker());
                return Poll::Pending;
            }
            state.changed.remove(key);
            this.key = None;
        }
        if state.version != *this.seen {
            *this.seen = state.version;
            return Poll::Ready(Ok(()));
        }
        if state.senders == 0 {
            return Poll::Ready(Err(RecvError(())));
        }
        // Parked under the lock that sends bump the version under: a send
        // after the look above pops this entry.
        this.key = Some(state.changed.push_back(cx.waker().clone(), ()));
        Poll::Pending
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.state().changed.remove(key);
        }
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
