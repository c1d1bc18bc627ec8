//! [`Source`]: what the reactor remembers about one registered descriptor:
//! its cached readiness in each [`Direction`], and the tasks waiting there.
//!
//! The reactor (`mod.rs`) keeps one per registered descriptor in a slab
//! keyed by the poller key; the socket types (`net/`) read and clear the
//! readiness through the reactor's `poll_ready` and `clear_ready`.

use std::os::fd::RawFd;

use super::mode::{Arming, Interest};
use super::waiters::Waiters;

/// Which half of a socket an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One registered socket's readiness and waiting tasks.
#[derive(Debug)]
pub(super) struct Source {
    /// The descriptor, open for as long as the source exists (the contract
    /// of `Reactor::register`); used only to re-arm it in oneshot mode.
    pub(super) fd: RawFd,
    /// An event said readable and no read has since hit `WouldBlock`.
    pub(super) readable: bool,
    /// Same, for writes.
    pub(super) writable: bool,
    /// The tasks waiting to read (or accept): one, nearly always.
    pub(super) read_waiters: Waiters,
    /// The tasks waiting to write (or to finish connecting).
    pub(super) write_waiters: Waiters,
    /// What the poller watches for it, in oneshot mode (`mode.rs`).
    pub(super) arming: Arming,
}

impl Source {
    /// A source for `fd` whose readiness in both directions starts as
    /// `ready`.
    pub(super) fn new(fd: RawFd, ready: bool) -> Source {
        Source {
            fd,
            readable: ready,
            writable: ready,
            read_waiters: Waiters::default(),
            write_waiters: Waiters::default(),
            arming: Arming::default(),
        }
    }

    /// The directions in which a task waits.
    pub(super) fn waiting(&self) -> Interest {
        Interest {
            read: !self.read_waiters.is_empty(),
            write: !self.write_waiters.is_empty(),
        }
    }

    /// The readiness flag and waiter slot of one direction.
    pub(super) fn half(&mut self, dir: Direction) -> (&mut bool, &mut Waiters) {
        match dir {
            Direction::Read => (&mut self.readable, &mut self.read_waiters),
            Direction::Write => (&mut self.writable, &mut self.write_waiters),
        }
    }
}
