//! The unbounded channel's handles: [`UnboundedSender`], whose `send` never
//! waits, and [`UnboundedReceiver`]. Same core as the bounded channel
//! (`chan.rs`) with a capacity of `usize::MAX`, so no sender ever parks.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::bounded::Recv;
use super::chan::Chan;
use super::error::{SendError, TryRecvError, TrySendError};
use crate::sync::block;

/// Creates a channel with no capacity limit: `send` never waits, and the
/// queue grows as fast as senders outrun the receiver. Prefer
/// [`channel`](super::channel) when a producer can outrun its consumer.
///
/// # Examples
///
/// ```
/// use runtime::sync::mpsc;
///
/// runtime::block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     for i in 0..100 { tx.send(i)?; }
///     drop(tx);
///     let mut n = 0;
///     while rx.recv().await.is_some() { n += 1; }
///     assert_eq!(n, 100);
///     Ok::<_, mpsc::SendError<i32>>(())
/// })?;
/// # Ok::<_, mpsc::SendError<i32>>(())
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(Chan::new(usize::MAX));
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver { chan },
    )
}

/// The sending half of an unbounded channel; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an unbounded channel; also a [`Stream`].
pub struct UnboundedReceiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    /// Queues `value` without waiting; usable from any thread.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if the receiver was dropped or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
    /// tx.send(1)?;
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<_, runtime::sync::mpsc::SendError<i32>>(())
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.try_send(value).map_err(|err| match err {
            // Never full: the capacity is `usize::MAX`.
            TrySendError::Full(value) | TrySendError::Closed(value) => SendError(value),
        })
    }

    /// Whether the receiver was dropped or closed, so sends fail.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next message, waiting while the channel is empty;
    /// `None` once every sender is gone (or the receiver was closed) and
    /// the queue is drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before completing, no message
    /// was received.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
    ///     std::thread::spawn(move || tx.send("from a thread"));
    ///     assert_eq!(rx.recv().await, Some("from a thread"));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(&self.chan)
    }

    /// Polls for the next message; stores `cx`'s waker when `Pending`.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Receives a message if one is queued now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`], as for the
    /// bounded [`Receiver::try_recv`](super::Receiver::try_recv).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from a thread that is not running a runtime, blocking it
    /// while the channel is empty. Never call it from a task.
    pub fn blocking_recv(&mut self) -> Option<T> {
        block::wait(self.recv())
    }

    /// Closes the channel to senders; queued messages stay receivable.
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

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("queued", &self.len())
            .finish()
    }
}
