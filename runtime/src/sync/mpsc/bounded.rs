//! The bounded channel's handles: [`Sender`] (cloneable, `send` waits while
//! the channel is full) and [`Receiver`], with their futures [`Send`] and
//! [`Recv`]. All the logic lives in `chan.rs`; this file is the public face.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::chan::{Chan, SendState};
use super::error::{SendError, TryRecvError, TrySendError};
use crate::sync::block;

/// Creates a bounded channel holding at most `capacity` messages; a sender
/// waits while it is full.
///
/// # Panics
///
/// Panics if `capacity` is 0.
///
/// # Examples
///
/// ```
/// use runtime::sync::mpsc;
///
/// runtime::block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     tx.send(1).await?;
///     assert!(tx.try_send(2).is_err(), "full");
///     assert_eq!(rx.recv().await, Some(1));
///     Ok::<_, mpsc::SendError<i32>>(())
/// })?;
/// # Ok::<_, mpsc::SendError<i32>>(())
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    let chan = Arc::new(Chan::new(capacity));
    (
        Sender {
            chan: chan.clone(),
            capacity,
        },
        Receiver { chan },
    )
}

/// The sending half of a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
    capacity: usize,
}

/// The receiving half of a bounded channel; also a [`Stream`].
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full. Waiting senders
    /// are served first come, first served.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if the receiver was dropped or closed,
    /// before or while waiting.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe for the message itself: if the future is dropped
    /// before it completes, `value` is either already in the channel (it
    /// was given a slot while waiting) or dropped with the future, never
    /// both. Nothing else is affected: the place in line passes to the next
    /// sender, and no queued message is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(4);
    ///     runtime::spawn(async move {
    ///         for i in 0..10 {
    ///             if tx.send(i).await.is_err() { break; }
    ///         }
    ///     });
    ///     let mut sum = 0;
    ///     while let Some(i) = rx.recv().await { sum += i; }
    ///     assert_eq!(sum, 45);
    /// });
    /// ```
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            chan: &self.chan,
            state: SendState::Idle(value),
        }
    }

    /// Sends `value` if there is room now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is at capacity,
    /// [`TrySendError::Closed`] if the receiver was dropped or closed; both
    /// hold `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc::{self, TrySendError};
    ///
    /// let (tx, rx) = mpsc::channel(1);
    /// tx.try_send(1)?;
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// # Ok::<_, TrySendError<i32>>(())
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends `value` from a thread that is not running a runtime, blocking
    /// the thread while the channel is full.
    ///
    /// Never call it from a task: it would block the runtime's thread and
    /// every task on it. Use `send(value).await` there.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let feeder = std::thread::spawn(move || {
    ///         for i in 0..3 { tx.blocking_send(i).unwrap(); }
    ///     });
    ///     let mut got = Vec::new();
    ///     while let Some(i) = rx.recv().await { got.push(i); }
    ///     assert_eq!(got, [0, 1, 2]);
    ///     feeder.join().unwrap();
    /// });
    /// ```
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        block::wait(self.send(value))
    }

    /// Whether the receiver was dropped or closed, so sends fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Free slots right now (0 once closed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = runtime::sync::mpsc::channel(2);
    /// tx.try_send(1)?;
    /// assert_eq!((tx.capacity(), tx.max_capacity()), (1, 2));
    /// # Ok::<_, runtime::sync::mpsc::TrySendError<i32>>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.room()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }

    /// Senders waiting for room, waiter entries (a chosen waiter keeps its
    /// entry until it runs) and the waiter slab's capacity: for tests.
    #[doc(hidden)]
    pub fn waiter_footprint(&self) -> (usize, usize, usize) {
        self.chan.waiter_footprint()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
            capacity: self.capacity,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting while the channel is empty.
    /// Returns `None` once every sender is gone (or the receiver was
    /// closed) and every queued message has been received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only when the future completes, so
    /// if it loses a `race` or a `timeout`, no message was received.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(8);
    ///     tx.send("a").await?;
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Some("a"));
    ///     assert_eq!(rx.recv().await, None);
    ///     Ok::<_, mpsc::SendError<&str>>(())
    /// })?;
    /// # Ok::<_, mpsc::SendError<&str>>(())
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(&self.chan)
    }

    /// Polls for the next message: `recv` without a future, for hand-written
    /// futures and streams. Stores `cx`'s waker when returning `Pending`.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Receives a message if one is queued now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is queued,
    /// [`TryRecvError::Disconnected`] if nothing is queued and nothing will
    /// come.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(7).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from a thread that is not running a runtime, blocking it
    /// while the channel is empty. Never call it from a task.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = runtime::sync::mpsc::channel(1);
    /// let consumer = std::thread::spawn(move || rx.blocking_recv());
    /// runtime::block_on(async move { tx.send(5).await })?;
    /// assert_eq!(consumer.join().unwrap(), Some(5));
    /// # Ok::<_, runtime::sync::mpsc::SendError<i32>>(())
    /// ```
    pub fn blocking_recv(&mut self) -> Option<T> {
        block::wait(self.recv())
    }

    /// Closes the channel to senders: sends fail from now on and senders
    /// waiting for room get their message back. Messages already queued can
    /// still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// How many messages are queued now.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no message is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

/// The future returned by [`Sender::send`].
///
/// # Cancel safety
///
/// See [`Sender::send`].
#[must_use = "futures do nothing unless awaited"]
pub struct Send<'a, T> {
    chan: &'a Chan<T>,
    state: SendState<T>,
}

// No field is structurally pinned: the message moves freely.
impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.chan.poll_send(&mut this.state, cx)
    }
}

impl<T> Drop for Send<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_send(&mut self.state);
    }
}

/// The future returned by [`Receiver::recv`] and
/// [`UnboundedReceiver::recv`](super::UnboundedReceiver::recv).
///
/// # Cancel safety
///
/// See [`Receiver::recv`].
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    chan: &'a Chan<T>,
}

impl<'a, T> Recv<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>) -> Self {
        Recv { chan }
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("queued", &self.len())
            .finish()
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Send").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
