//! The errors of [`broadcast`](super) channels.

use std::error::Error;
use std::fmt;

/// The error of [`Sender::send`](super::Sender::send) when no receiver
/// exists; holds the message.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast channel has no receivers: subscribe before sending")
    }
}

impl<T> Error for SendError<T> {}

/// The error of [`Receiver::recv`](super::Receiver::recv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and this receiver has seen every message.
    Closed,
    /// This receiver fell behind by more than the capacity: that many of
    /// the oldest messages were overwritten before it read them. The next
    /// `recv` returns the oldest message still held.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("broadcast channel closed: every sender is gone"),
            RecvError::Lagged(n) => write!(
                f,
                "broadcast receiver lagged: {n} messages skipped; receive faster or raise the capacity"
            ),
        }
    }
}

impl Error for RecvError {}

/// The error of [`Receiver::try_recv`](super::Receiver::try_recv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No new message now; more may come.
    Empty,
    /// Every sender is gone and every message was seen.
    Closed,
    /// Fell behind; see [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("broadcast channel empty: no new message now"),
            TryRecvError::Closed => RecvError::Closed.fmt(f),
            TryRecvError::Lagged(n) => RecvError::Lagged(*n).fmt(f),
        }
    }
}

impl Error for TryRecvError {}
