//! [`JoinError`]: why a task produced no value (it panicked or was aborted).
//!
//! Built by the task cell (`task.rs`) and handed out by
//! [`JoinHandle`](crate::JoinHandle).

use std::any::Any;
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// The error a [`JoinHandle`](crate::JoinHandle) yields when its task did not
/// return a value: it panicked, or it was cancelled (aborted, or dropped when
/// the runtime shut down).
///
/// # Examples
///
/// ```
/// let err = runtime::block_on(async {
///     runtime::spawn(async { panic!("bad input") }).await.unwrap_err()
/// });
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("bad input"));
/// ```
pub struct JoinError {
    id: u64,
    repr: Repr,
}

enum Repr {
    Cancelled,
    /// The payload sits in a `Mutex` only so that `JoinError` is `Sync` (and
    /// converts into `Box<dyn Error + Send + Sync>` and `io::Error`); the
    /// message is read out once, when the error is made.
    Panic {
        payload: Mutex<Box<dyn Any + Send + 'static>>,
        message: Option<String>,
    },
}

impl JoinError {
    pub(crate) fn cancelled(id: u64) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: u64, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        let message = payload
            .downcast_ref::<&'static str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        JoinError {
            id,
            repr: Repr::Panic {
                payload: Mutex::new(payload),
                message,
            },
        }
    }

    /// The error for a task's stored failure.
    pub(crate) fn from_failure(id: u64, failure: super::task::Failure) -> JoinError {
        match failure {
            None => JoinError::cancelled(id),
            Some(payload) => JoinError::panic(id, *payload),
        }
    }

    /// True if the task was aborted or dropped before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic { .. })
    }

    /// The id of the task (unique within its runtime, counting from 1).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The panic message, when the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic { message, .. } => message.as_deref(),
            Repr::Cancelled => None,
        }
    }

    /// The panic payload, to resume the panic with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Errors
    ///
    /// Gives the error back if the task was cancelled rather than panicking.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic { payload, .. } => {
                Ok(payload.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicking.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(p) => p,
            Err(e) => panic!("JoinError::into_panic called on a cancelled task ({e})"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "task {} was cancelled", self.id),
            (Repr::Panic { .. }, Some(msg)) => write!(f, "task {} panicked: {msg}", self.id),
            (Repr::Panic { .. }, None) => write!(f, "task {} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_panic() {
            "Panic"
        } else {
            "Cancelled"
        };
        f.debug_struct("JoinError")
            .field("id", &self.id)
            .field("kind", &kind)
            .field("message", &self.panic_message())
            .finish()
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    /// An `io::Error` of kind `Other` carrying the `JoinError`, so that `?`
    /// works in functions returning `io::Result`.
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(JoinError::cancelled(3).to_string(), "task 3 was cancelled");
        let p = JoinError::panic(4, Box::new(String::from("oops")));
        assert_eq!(p.to_string(), "task 4 panicked: oops");
        assert_eq!(
            JoinError::panic(5, Box::new(1u8)).to_string(),
            "task 5 panicked"
        );
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync + std::error::Error + 'static>() {}
        check::<JoinError>();
    }

    #[test]
    fn payload_round_trips() {
        let p = JoinError::panic(1, Box::new("x"));
        assert_eq!(*p.into_panic().downcast::<&str>().unwrap(), "x");
        assert!(JoinError::cancelled(1).try_into_panic().is_err());
    }
}
