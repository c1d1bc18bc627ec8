//! [`Sender`]: replaces the watched value and wakes the receivers; and
//! [`Closed`], waiting for the last receiver to leave.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{Receiver, Ref, SendError, Shared};
use crate::sync::waiters::Wakers;

/// The sending half of a [`watch`](super) channel; clone it for more
/// senders. The channel closes for receivers when the last one is dropped.
///
/// `Send + Sync` when `T: Send + Sync`.
///
/// # Examples
///
/// ```
/// use runtime::sync::watch;
///
/// let (tx, rx) = watch::channel(0);
/// let other = tx.clone();
/// other.send(5)?;
/// assert_eq!((*rx.borrow(), tx.sender_count()), (5, 2));
/// # Ok::<_, watch::SendError<i32>>(())
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Sender<T> {
        Sender { shared }
    }

    /// Stores `value` as the new current value and wakes every receiver
    /// waiting in [`changed`](super::Receiver::changed). The old value is
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if every receiver is gone; the channel
    /// keeps its old value. [`send_replace`](Self::send_replace) stores it
    /// regardless.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::watch;
    ///
    /// let (tx, rx) = watch::channel("v1");
    /// tx.send("v2")?;
    /// assert_eq!(*rx.borrow(), "v2");
    /// drop(rx);
    /// assert_eq!(tx.send("v3"), Err(watch::SendError("v3")));
    /// # Ok::<_, watch::SendError<&str>>(())
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        // A hint, as in tokio: a receiver subscribing right after this look
        // simply sees the next send.
        if self.shared.state().receivers == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Stores `value`, wakes the waiting receivers, and returns the old
    /// value; works with no receiver at all (a later
    /// [`subscribe`](Self::subscribe) sees it). Handy to reuse a buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _) = runtime::sync::watch::channel(vec![1, 2]);
    /// let mut old = tx.send_replace(vec![3]);
    /// assert_eq!(old, [1, 2]);
    /// old.clear(); // keep its capacity for the next value
    /// assert_eq!(*tx.borrow(), [3]);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        self.publish(|current| (true, std::mem::replace(current, value)))
    }

    /// Changes the value in place with `modify` and wakes the waiting
    /// receivers; works with no receiver at all.
    ///
    /// `modify` runs with the write lock held: every reader waits, and it
    /// must not use this channel itself.
    ///
    /// # Panics
    ///
    /// If `modify` panics, the panic goes on to the caller and no receiver
    /// is told; what `modify` had changed stays visible to `borrow`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(Vec::new());
    /// tx.send_modify(|log| log.push("started"));
    /// assert_eq!(*rx.borrow(), ["started"]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.publish(|value| {
            modify(value);
            (true, ())
        });
    }

    /// Changes the value in place with `modify`, and wakes the waiting
    /// receivers only if it returns `true` (the value then counts as new).
    /// Returns what `modify` returned.
    ///
    /// # Panics
    ///
    /// As [`send_modify`](Self::send_modify).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(3);
    /// let raise = |v: &mut i32| if *v < 5 { *v = 5; true } else { false };
    /// assert!(tx.send_if_modified(raise));
    /// assert!(!tx.send_if_modified(raise), "already 5: nobody is woken");
    /// assert_eq!(*rx.borrow(), 5);
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        self.publish(|value| {
            let modified = modify(value);
            (modified, modified)
        })
    }

    /// The current value. It holds the channel's read lock: drop it soon.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = runtime::sync::watch::channel("hello");
    /// assert_eq!(*tx.borrow(), "hello");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.read(),
            has_changed: false,
        }
    }

    /// A new receiver, which has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let (tx, rx) = runtime::sync::watch::channel(0);
    ///     drop(rx);
    ///     tx.send_replace(1); // no receiver: stored anyway
    ///     let mut late = tx.subscribe();
    ///     assert_eq!(*late.borrow(), 1);
    ///     tx.send(2)?;
    ///     late.changed().await?;
    ///     assert_eq!(*late.borrow(), 2);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let seen = {
            let mut state = self.shared.state();
            state.receivers += 1;
            state.version
        };
        Receiver::new(self.shared.clone(), seen)
    }

    /// How many receivers exist now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(());
    /// let _other = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state().receivers
    }

    /// How many senders exist now (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = runtime::sync::watch::channel(());
    /// assert_eq!(tx.sender_count(), 1);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.state().senders
    }

    /// Whether every receiver is gone (until someone subscribes again).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes when every receiver is gone: the moment to stop producing
    /// values nobody will read.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it consumes nothing. Dropping it only gives up the
    /// wait.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let (tx, rx) = runtime::sync::watch::channel(0);
    ///     runtime::spawn(async move {
    ///         runtime::yield_now().await;
    ///         drop(rx);
    ///     });
    ///     tx.closed().await;
    ///     assert!(tx.send(1).is_err());
    /// });
    /// ```
    pub fn closed(&self) -> Closed<'_, T> {
        Closed {
            sender: self,
            key: None,
        }
    }

    /// Waiting futures, waiter entries and the waiter lists' capacity, for
    /// tests that check nothing is left behind.
    #[doc(hidden)]
    pub fn waiter_footprint(&self) -> (usize, usize, usize) {
        self.shared.footprint()
    }

    /// Runs `modify` on the value under the write lock; if it reports a
    /// change, bumps the version and wakes every waiting receiver (after
    /// unlocking). The old value, if `modify` hands it out, is dropped by
    /// the caller with no lock held.
    fn publish<R>(&self, modify: impl FnOnce(&mut T) -> (bool, R)) -> R {
        let mut slot = self.shared.write();
        let (modified, out) = modify(&mut slot.value);
        let wakers = if modified {
            slot.version += 1;
            let mut state = self.shared.state();
            state.version = slot.version;
            state.changed.pop_all(|_| {})
        } else {
            Wakers::new()
        };
        drop(slot);
        wakers.wake_all();
        out
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut state = self.shared.state();
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            // The last sender: waiting receivers learn the channel closed.
            state.changed.pop_all(|_| {})
        };
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::closed`].
///
/// # Cancel safety
///
/// See [`Sender::closed`].
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    sender: &'a Sender<T>,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.sender.shared.state();
        if let Some(key) = this.key {
            if state.closed.is_linked(key) {
                state.closed.update_waker(key, cx.waker());
                return Poll::Pending;
            }
            state.closed.remove(key);
            this.key = None;
        }
        // Checked again after a wake: someone may have subscribed since.
        if state.receivers == 0 {
            return Poll::Ready(());
        }
        this.key = Some(state.closed.push_back(cx.waker().clone(), ()));
        Poll::Pending
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.sender.shared.state().closed.remove(key);
        }
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
