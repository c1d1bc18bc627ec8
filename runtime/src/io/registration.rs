//! [`Registration`]: a descriptor's place in the reactor, and the readiness
//! loop every operation on every descriptor goes through ([`Async`] and the
//! sockets built on it); [`Waiter`]: a future's claim on a waker slot, taken
//! back if the future is dropped mid-wait.
//!
//! ```text
//!   poll_io(dir, op) ─► ready flag set? ─no─► store waker, Pending
//!                            │yes
//!                            ▼
//!                        op() ─► WouldBlock ─► clear flag, loop
//!                            │
//!                            └─► Ok / other error ─► Ready
//! ```
//!
//! A `Registration` does not own the descriptor: its owner ([`Async`])
//! calls [`Registration::deregister`] while the descriptor is still open,
//! which is the contract `polling` asks of us.
//!
//! [`Async`]: super::Async

use std::io;
use std::os::fd::BorrowedFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::reactor::Ticket;
use crate::reactor::{Direction, Reactor};
use crate::{context, coop, sys};

/// A descriptor registered with the current runtime's reactor.
#[derive(Debug)]
pub(crate) struct Registration {
    reactor: Rc<Reactor>,
    /// The source's key in the reactor (and the poller).
    key: usize,
}

impl Registration {
    /// Registers `fd` with the current runtime's reactor. `ready` is the
    /// initial readiness (see `Reactor::register`); `what` names the caller
    /// in the error returned outside a runtime.
    ///
    /// # Safety
    ///
    /// The caller must call [`Registration::deregister`] with the same
    /// descriptor, while it is still open, before it is closed: `polling`
    /// asks that a source be deleted from the poller before it is closed
    /// (another descriptor could reuse the number while still registered).
    /// [`Async`](super::Async), the only caller, owns the descriptor and
    /// deregisters it in `Drop` and in `into_inner`.
    pub(crate) unsafe fn new(
        fd: BorrowedFd<'_>,
        ready: bool,
        what: &str,
    ) -> io::Result<Registration> {
        let Some(core) = context::try_current() else {
            return Err(io::Error::other(format!(
                "{what} must be called inside a runtime (inside runtime::block_on)"
            )));
        };
        let reactor = core.reactor.clone();
        // SAFETY: our caller promises (see `# Safety`) to deregister `fd`
        // through this registration before the descriptor is closed, which
        // is what `Reactor::register` asks.
        let key = unsafe { reactor.register(fd, ready)? };
        Ok(Registration { reactor, key })
    }

    /// Removes `fd` from the reactor. Must be called exactly once, before
    /// `fd` is closed.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) {
        self.reactor.deregister(fd, self.key);
    }

    /// Runs `op` when the descriptor is ready in `dir`, retrying after each
    /// `WouldBlock` until it is not ready anymore, then waits for readiness.
    /// `ticket` identifies the waiting future, if it keeps one (see
    /// [`Waiter`]).
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut ticket: Option<&mut Ticket>,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ready = self
                .reactor
                .poll_ready(self.key, dir, cx, ticket.as_deref_mut());
            if ready.is_pending() {
                return Poll::Pending;
            }
            // Ready: spend one unit of the task's budget (see `coop.rs`),
            // or yield if it is spent.
            if coop::poll_proceed(cx).is_pending() {
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.reactor.clear_ready(self.key, dir);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// `Ready` once the reactor has seen readiness in `dir` (stores the
    /// waker if not). The flag may be stale: see [`Registration::poll_ready_now`].
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        ticket: Option<&mut Ticket>,
    ) -> Poll<()> {
        self.reactor.poll_ready(self.key, dir, cx, ticket)
    }

    /// `Ready` once `fd` is ready in `dir` *now*: the cached flag is checked
    /// against a zero-timeout `poll(2)`, so a caller whose own I/O stopped
    /// short of `WouldBlock` (or hit it) never spins on a stale flag.
    pub(crate) fn poll_ready_now(
        &self,
        fd: BorrowedFd<'_>,
        dir: Direction,
        cx: &mut Context<'_>,
        mut ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<()>> {
        loop {
            let ready = self
                .reactor
                .poll_ready(self.key, dir, cx, ticket.as_deref_mut());
            if ready.is_pending() {
                return Poll::Pending;
            }
            match sys::ready_now(fd, dir == Direction::Write) {
                Ok(true) => return Poll::Ready(Ok(())),
                // Not ready after all: any readiness from here on is a new
                // edge, which the next park reports.
                Ok(false) => self.reactor.clear_ready(self.key, dir),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// The last operation drained the descriptor: wait for the next event.
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.reactor.clear_ready(self.key, dir);
    }

    /// Marks `dir` ready without an event (a connect that finished at once).
    pub(crate) fn set_ready(&self, dir: Direction) {
        self.reactor.set_ready(self.key, dir);
    }
}

/// A future's claim on a waker slot of one direction of a [`Registration`]:
/// dropped while its future waits, it takes its own waker back, leaving
/// other waiters' wakers in place.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    registration: &'a Registration,
    dir: Direction,
    ticket: Ticket,
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(registration: &'a Registration, dir: Direction) -> Waiter<'a> {
        Waiter {
            registration,
            dir,
            ticket: Ticket::default(),
        }
    }

    pub(crate) fn registration(&self) -> &'a Registration {
        self.registration
    }

    /// The ticket to pass to a poll of this waiter's direction.
    pub(crate) fn ticket(&mut self) -> Option<&mut Ticket> {
        Some(&mut self.ticket)
    }

    /// Notes the outcome of a poll made with [`Waiter::ticket`]: once it is
    /// `Ready` the waker entry is gone (the event that made it ready took
    /// every waker of this direction), so there is nothing to take back.
    pub(crate) fn track<T>(&mut self, poll: Poll<T>) -> Poll<T> {
        if poll.is_ready() {
            self.ticket.forget();
        }
        poll
    }

    /// Whether the future left a waker behind that `Drop` will take back.
    pub(crate) fn is_waiting(&self) -> bool {
        self.ticket.is_waiting()
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if self.ticket.is_waiting() {
            let reactor = &self.registration.reactor;
            reactor.clear_waker(self.registration.key, self.dir, &mut self.ticket);
        }
    }
}
