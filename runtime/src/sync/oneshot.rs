//! A one-shot channel: one value, sent once, from one place to one place.
//!
//! The usual way to get a result back from another task or thread: the
//! [`Receiver`] is a future of the value.
//!
//! ```
//! use runtime::sync::oneshot;
//!
//! runtime::block_on(async {
//!     let (tx, rx) = oneshot::channel();
//!     // A std thread (or another task) computes; the task awaits.
//!     std::thread::spawn(move || {
//!         let _ = tx.send(6 * 7);
//!     });
//!     assert_eq!(rx.await?, 42);
//!     Ok::<_, oneshot::RecvError>(())
//! })?;
//! # Ok::<_, oneshot::RecvError>(())
//! ```
//!
//! Both halves share one `Arc<Mutex<State>>`: `send` stores the value and
//! wakes the receiver's stored waker after unlocking.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::lock;

/// Creates a one-shot channel and returns its two halves.
///
/// # Examples
///
/// ```
/// use runtime::sync::oneshot;
///
/// runtime::block_on(async {
///     let (tx, rx) = oneshot::channel();
///     runtime::spawn(async move { tx.send("done") });
///     assert_eq!(rx.await?, "done");
///     Ok::<_, oneshot::RecvError>(())
/// })?;
/// # Ok::<_, oneshot::RecvError>(())
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(State {
        value: None,
        sender_gone: false,
        receiver_gone: false,
        waker: None,
    }));
    (
        Sender {
            shared: shared.clone(),
            sent: false,
        },
        Receiver { shared },
    )
}

struct State<T> {
    /// The sent value, until the receiver takes it.
    value: Option<T>,
    /// Set when the sender has sent or was dropped: nothing more will come.
    sender_gone: bool,
    /// Set when the receiver was dropped or closed: sending fails.
    receiver_gone: bool,
    /// The receiver's waker, stored while it waits.
    waker: Option<Waker>,
}

/// The sending half, consumed by [`send`](Sender::send).
pub struct Sender<T> {
    shared: Arc<Mutex<State<T>>>,
    /// Set by `send`, which already marked the state: `Drop` has no work.
    sent: bool,
}

/// The receiving half: a future of the value.
///
/// # Cancel safety
///
/// Dropping the receiver drops a value already sent; the sender learns of
/// it through [`Sender::is_closed`] and a failing `send`.
#[must_use = "futures do nothing unless awaited"]
pub struct Receiver<T> {
    shared: Arc<Mutex<State<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver.
    ///
    /// # Errors
    ///
    /// Returns the value back if the receiver was dropped or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let waker = {
            let mut state = lock(&self.shared);
            if state.receiver_gone {
                return Err(value);
            }
            state.value = Some(value);
            state.sender_gone = true;
            state.waker.take()
        };
        // One lock for the whole send: `Drop` has nothing left to do.
        self.sent = true;
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed, so `send` would fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).receiver_gone
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.sent {
            return;
        }
        let waker = {
            let mut state = lock(&self.shared);
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet,
    /// [`TryRecvError::Closed`] if nothing ever will be.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::oneshot::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5)?;
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// # Ok::<_, i32>(())
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = lock(&self.shared);
        match state.value.take() {
            Some(value) => Ok(value),
            None if state.sender_gone || state.receiver_gone => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Stops the sender from sending; a value already sent can still be
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        lock(&self.shared).receiver_gone = true;
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.shared);
        if let Some(value) = state.value.take() {
            return Poll::Ready(Ok(value));
        }
        if state.sender_gone || state.receiver_gone {
            return Poll::Ready(Err(RecvError(())));
        }
        match &mut state.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let value = {
            let mut state = lock(&self.shared);
            state.receiver_gone = true;
            state.waker = None;
            state.value.take()
        };
        // Dropped outside the lock: a value's `Drop` may do anything.
        drop(value);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.shared);
        f.debug_struct("Receiver")
            .field("has_value", &state.value.is_some())
            .field("sender_gone", &state.sender_gone)
            .finish()
    }
}

/// The error of awaiting a [`Receiver`] whose sender was dropped without
/// sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending a value")
    }
}

impl Error for RecvError {}

/// The error of [`Receiver::try_recv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value was sent yet; one may still come.
    Empty,
    /// No value will come: the sender was dropped, the value was already
    /// taken, or the receiver was closed.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "oneshot channel empty: no value sent yet",
            TryRecvError::Closed => "oneshot channel closed: no value will come",
        })
    }
}

impl Error for TryRecvError {}
