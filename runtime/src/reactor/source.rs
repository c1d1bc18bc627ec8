//! [`Source`]: what the reactor remembers about one registered descriptor:
//! its cached readiness in each [`Direction`], and the task waiting there.
//!
//! The reactor (`mod.rs`) keeps one per registered descriptor in a slab
//! keyed by the poller key; the socket types (`net/`) read and clear the
//! readiness through the reactor's `poll_ready` and `clear_ready`.

use std::task::Waker;

/// Which half of a socket an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One registered socket's readiness and waiting tasks.
#[derive(Debug, Default)]
pub(super) struct Source {
    /// An event said readable and no read has since hit `WouldBlock`.
    pub(super) readable: bool,
    /// Same, for writes.
    pub(super) writable: bool,
    /// The task waiting to read (or accept), if any.
    pub(super) read_waker: Option<Waker>,
    /// The task waiting to write (or to finish connecting), if any.
    pub(super) write_waker: Option<Waker>,
}

impl Source {
    /// A source whose readiness in both directions starts as `ready`.
    pub(super) fn new(ready: bool) -> Source {
        Source {
            readable: ready,
            writable: ready,
            ..Source::default()
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
