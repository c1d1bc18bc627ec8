//! [`Sleep`]: a future that completes at a deadline; the building block of
//! every other timer (`interval.rs`, `timeout.rs`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::reactor::Reactor;

/// Waits until `duration` has passed.
///
/// `Duration::MAX` (or any duration that overflows [`Instant`]) waits
/// forever. See the [module docs](crate::time#precision) for precision.
///
/// # Panics
///
/// The returned future panics if polled outside a runtime.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runtime::block_on(async {
///     let start = Instant::now();
///     runtime::time::sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now().checked_add(duration))
}

/// Waits until `deadline`. A deadline in the past completes at the first poll.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runtime::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(10);
///     runtime::time::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline))
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// # Cancellation
///
/// Dropping a `Sleep` removes its timer from the reactor at once.
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// `None` means never.
    deadline: Option<Instant>,
    /// Set while the timer sits in a reactor's timer store: the reactor and
    /// the timer's id. Its key there is `(deadline, id)`; keeping only the id
    /// keeps a `Sleep` at 32 bytes.
    timer: Option<(Rc<Reactor>, u64)>,
}

impl Sleep {
    pub(crate) fn new(deadline: Option<Instant>) -> Sleep {
        Sleep {
            deadline,
            timer: None,
        }
    }

    /// The deadline, or `None` if this sleep never ends.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// True once the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Moves the deadline (earlier or later), as if newly created with
    /// [`sleep_until`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// runtime::block_on(async {
    ///     let mut s = runtime::time::sleep(Duration::from_secs(3600));
    ///     s.reset(Instant::now() + Duration::from_millis(5));
    ///     s.await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.set_deadline(Some(deadline));
    }

    pub(crate) fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.cancel();
        self.deadline = deadline;
    }

    /// Removes the timer from the reactor, if it is there.
    fn cancel(&mut self) {
        if let (Some((reactor, id)), Some(deadline)) = (self.timer.take(), self.deadline) {
            reactor.remove_timer((deadline, id));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline else {
            return Poll::Pending; // never: nothing to register
        };
        if let Some((reactor, id)) = &self.timer {
            // The usual wake: the reactor fired the timer, so it is already
            // out of the store and no clock read is needed.
            if reactor.timer_fired((deadline, *id)) {
                self.timer = None;
                return Poll::Ready(());
            }
        }
        if Instant::now() >= deadline {
            self.cancel();
            return Poll::Ready(());
        }
        match &self.timer {
            Some((reactor, id)) => reactor.update_timer((deadline, *id), cx.waker()),
            None => {
                let reactor = context::current("polling a timer").reactor.clone();
                match reactor.insert_timer(deadline, cx.waker()) {
                    Some((_, id)) => self.timer = Some((reactor, id)),
                    None => return Poll::Ready(()), // fired through already
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.timer.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sleep_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<super::Sleep>(), 32);
    }
}
