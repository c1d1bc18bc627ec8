//! [`Source`]: what the reactor remembers about one registered descriptor:
//! its cached readiness in each [`Direction`], and the task waiting there.
//!
//! The reactor (`mod.rs`) keeps one per registered descriptor in a slab
//! keyed by the poller key; the socket types (`net/`) read and clear the
//! readiness through the reactor's `poll_ready` and `clear_ready`.

use std::os::fd::RawFd;
use std::task::Waker;

use super::mode::{Arming, Interest};

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
    /// The task waiting to read (or accept), if any.
    pub(super) read_waker: Option<Waker>,
    /// The task waiting to write (or to finish connecting), if any.
    pub(super) write_waker: Option<Waker>,
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
            read_waker: None,
            write_waker: None,
            arming: Arming::default(),
        }
    }

    /// The directions in which a task waits.
    pub(super) fn waiting(&self) -> Interest {
        Interest {
            read: self.read_waker.is_some(),
            write: self.write_waker.is_some(),
        }
    }

    /// The readiness flag and waiter slot of one direction.
    pub(super) fn half(&mut self, dir: Direction) -> (&mut bool, &mut Option<Waker>) {
        match dir {
            Direction::Read => (&mut self.readable, &mut self.read_waker),
            Direction::Write => (&mut self.writable, &mut self.write_waker),
        }
    }
}
