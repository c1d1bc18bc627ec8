//! The errors of [`watch`](super) channels.

use std::error::Error;
use std::fmt;

/// The error of [`Sender::send`](super::Sender::send) when every receiver
/// is gone; holds the value, which was not stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
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
        f.write_str("watch channel has no receivers: use `send_replace` to store it anyway")
    }
}

impl<T> Error for SendError<T> {}

/// The error of [`Receiver::changed`](super::Receiver::changed) and
/// [`Receiver::has_changed`](super::Receiver::has_changed): every sender
/// is gone, so the value will never change again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("watch channel closed: every sender is gone")
    }
}

impl Error for RecvError {}
