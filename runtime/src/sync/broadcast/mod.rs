//! A broadcast channel: every message goes to every receiver.
//!
//! ```
//! use runtime::sync::broadcast;
//!
//! runtime::block_on(async {
//!     let (tx, mut first) = broadcast::channel(16);
//!     let mut second = tx.subscribe();
//!     let listener = runtime::spawn(async move {
//!         let mut seen = Vec::new();
//!         while let Ok(line) = second.recv().await {
//!             seen.push(line);
//!         }
//!         seen // `Closed` once the sender is gone and all is read
//!     });
//!     tx.send("hello")?;
//!     tx.send("world")?;
//!     drop(tx);
//!     assert_eq!(first.recv().await, Ok("hello"));
//!     assert_eq!(listener.await?, ["hello", "world"]);
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```
//!
//! The messages live in a ring of `capacity` slots, each receiver keeping
//! its own position. A sender never waits: it overwrites the oldest slot.
//! A receiver that fell more than `capacity` behind gets
//! [`RecvError::Lagged`] with the number it missed and continues from the
//! oldest message still held. Memory is the ring, whatever the receivers do.
//! Receivers waiting for the next message sit in one waiter list; a send
//! wakes them all (after unlocking), and each clones the message.

mod error;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use super::lock;
use super::waiters::WaiterList;

pub use error::{RecvError, SendError, TryRecvError};

/// Creates a broadcast channel that holds the last `capacity` messages.
///
/// # Panics
///
/// Panics if `capacity` is 0.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = runtime::sync::broadcast::channel(2);
/// assert_eq!(tx.send(1)?, 1, "one receiver");
/// assert_eq!(rx.try_recv(), Ok(1));
/// # Ok::<_, runtime::sync::broadcast::SendError<i32>>(())
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel requires capacity > 0");
    let shared = Arc::new(Mutex::new(State {
        ring: (0..capacity).map(|_| None).collect(),
        tail: 0,
        senders: 1,
        receivers: 1,
        waiters: WaiterList::new(),
    }));
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, next: 0 },
    )
}

struct State<T> {
    /// Message number `n` sits in slot `n % capacity` while it is among the
    /// last `capacity` sent.
    ring: Box<[Option<T>]>,
    /// The number the next message will get (= messages sent so far).
    tail: u64,
    senders: usize,
    receivers: usize,
    /// Receivers waiting for message `tail`.
    waiters: WaiterList<()>,
}

impl<T> State<T> {
    /// The number of the oldest message still in the ring.
    fn oldest(&self) -> u64 {
        self.tail.saturating_sub(self.ring.len() as u64)
    }
}

/// The sending half; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Mutex<State<T>>>,
}

/// A receiving half, with its own position in the stream of messages.
pub struct Receiver<T> {
    shared: Arc<Mutex<State<T>>>,
    /// The number of the next message this receiver reads.
    next: u64,
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver, without waiting; returns
    /// how many receivers there are.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if there is no receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel(4);
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(broadcast::SendError(1)));
    /// let _rx = tx.subscribe();
    /// assert_eq!(tx.send(2), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (overwritten, wakers, receivers) = {
            let mut state = lock(&self.shared);
            if state.receivers == 0 {
                return Err(SendError(value));
            }
            let slot = (state.tail % state.ring.len() as u64) as usize;
            let overwritten = state.ring[slot].replace(value);
            state.tail += 1;
            (overwritten, state.waiters.pop_all(|_| {}), state.receivers)
        };
        drop(overwritten); // outside the lock: a message's `Drop` may do anything
        wakers.wake_all();
        Ok(receivers)
    }

    /// A new receiver that sees every message sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = runtime::sync::broadcast::channel(4);
    /// tx.send("before")?;
    /// let mut late = tx.subscribe();
    /// tx.send("after")?;
    /// assert_eq!(late.try_recv(), Ok("after"));
    /// # Ok::<_, runtime::sync::broadcast::SendError<&str>>(())
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = lock(&self.shared);
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
        }
    }

    /// How many receivers exist now.
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared).receivers
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        lock(&self.shared).senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut state = lock(&self.shared);
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            state.waiters.pop_all(|_| {})
        };
        wakers.wake_all();
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next message, waiting if there is none yet.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if this receiver fell more than the capacity
    /// behind (it then continues from the oldest message held);
    /// [`RecvError::Closed`] once every sender is gone and every message
    /// was read.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the position advances only when the future completes,
    /// so a `recv` that loses a race has consumed nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::broadcast::{self, RecvError};
    ///
    /// runtime::block_on(async {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     for i in 0..5 { tx.send(i)?; }
    ///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
    ///     assert_eq!(rx.recv().await, Ok(3));
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            key: None,
        }
    }

    /// Receives the next message if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] or
    /// [`TryRecvError::Closed`], as for [`recv`](Self::recv).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let state = lock(&self.shared);
        match Self::take(&mut self.next, &state) {
            Some(Ok(value)) => Ok(value),
            Some(Err(RecvError::Lagged(n))) => Err(TryRecvError::Lagged(n)),
            Some(Err(RecvError::Closed)) => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// A new receiver starting at the next message sent, as
    /// [`Sender::subscribe`] does.
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut state = lock(&self.shared);
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
        }
    }

    /// The message at `next`, a lag, `Closed`, or `None` (wait).
    fn take(next: &mut u64, state: &State<T>) -> Option<Result<T, RecvError>> {
        if *next < state.oldest() {
            let missed = state.oldest() - *next;
            *next = state.oldest();
            return Some(Err(RecvError::Lagged(missed)));
        }
        if *next < state.tail {
            let slot = (*next % state.ring.len() as u64) as usize;
            let value = state.ring[slot].clone()?;
            *next += 1;
            return Some(Ok(value));
        }
        (state.senders == 0).then_some(Err(RecvError::Closed))
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        lock(&self.shared).receivers -= 1;
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Cancel safety
///
/// See [`Receiver::recv`].
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    /// Our waiter entry, once we wait.
    key: Option<usize>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut state = lock(&this.receiver.shared);
        if let Some(key) = this.key {
            if state.waiters.is_linked(key) {
                state.waiters.update_waker(key, cx.waker());
                return Poll::Pending;
            }
            state.waiters.remove(key);
            this.key = None;
        }
        match Receiver::take(&mut this.receiver.next, &state) {
            Some(result) => Poll::Ready(result),
            None => {
                this.key = Some(state.waiters.push_back(cx.waker().clone(), ()));
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.receiver.shared).waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
