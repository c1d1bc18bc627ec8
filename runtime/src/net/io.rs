//! [`Io`]: a non-blocking descriptor registered with the reactor, and the
//! readiness loop every socket operation goes through.
//!
//! ```text
//!   poll_io(dir, op) ─► ready flag set? ─no─► store waker, Pending
//!                            │yes
//!                            ▼
//!                        op(inner) ─► WouldBlock ─► clear flag, loop
//!                            │
//!                            └─► Ok / other error ─► Ready
//! ```
//!
//! `Io` owns the descriptor and deregisters it in `Drop` *before* the
//! descriptor closes (fields drop after `Drop::drop` runs), which is the
//! contract `polling` asks of us.

use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::reactor::{Direction, Reactor};
use crate::{context, coop};

#[derive(Debug)]
pub(crate) struct Io<T: AsFd> {
    reactor: Rc<Reactor>,
    key: usize,
    inner: T,
}

impl<T: AsFd> Io<T> {
    /// Registers `inner` with the current runtime's reactor. `ready` is the
    /// initial readiness (see `Reactor::register`).
    pub(crate) fn new(inner: T, ready: bool, what: &str) -> io::Result<Io<T>> {
        let reactor = match context::try_current() {
            Some(core) => core.reactor.clone(),
            None => {
                return Err(io::Error::other(format!(
                    "{what} must be called inside a runtime (inside runtime::block_on)"
                )));
            }
        };
        // SAFETY: `Io` owns `inner`, and with it the fd, for as long as it
        // is registered: its `Drop` deregisters the fd before `inner` (and
        // so the fd) is dropped, and nothing else can close it meanwhile.
        let key = unsafe { reactor.register(inner.as_fd(), ready) }?;
        Ok(Io {
            reactor,
            key,
            inner,
        })
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Runs `op` when the descriptor is ready in `dir`, retrying after each
    /// `WouldBlock` until it is not ready anymore, then waits for readiness.
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            if self.reactor.poll_ready(self.key, dir, cx).is_pending() {
                return Poll::Pending;
            }
            // Ready: spend one unit of the task's budget (see `coop.rs`),
            // or yield if it is spent.
            if coop::poll_proceed(cx).is_pending() {
                return Poll::Pending;
            }
            match op(&self.inner) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.reactor.clear_ready(self.key, dir);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// `Ready` once the descriptor is ready in `dir` (stores the waker if not).
    pub(crate) fn poll_ready(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<()> {
        self.reactor.poll_ready(self.key, dir, cx)
    }

    /// The last operation drained the socket: wait for the next event.
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.reactor.clear_ready(self.key, dir);
    }

    pub(crate) fn set_ready(&self, dir: Direction) {
        self.reactor.set_ready(self.key, dir);
    }

    /// Forgets the waiting task's waker (its future was dropped).
    pub(crate) fn clear_waker(&self, dir: Direction) {
        self.reactor.clear_waker(self.key, dir);
    }
}

impl<T: AsFd> Drop for Io<T> {
    fn drop(&mut self) {
        // Deregister first; `inner` (and with it the descriptor) is dropped
        // after this function returns.
        self.reactor.deregister(self.inner.as_fd(), self.key);
    }
}
