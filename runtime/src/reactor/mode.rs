//! How the reactor registers descriptors with its poller: the one place
//! where the registration mode is chosen, and the bookkeeping that the
//! oneshot mode needs.
//!
//! **Edge** ([`Poller::supports_edge`]: epoll, kqueue). A descriptor is
//! added once, interested in both directions, and never touched again until
//! it is deleted: the kernel reports each *new* readiness, the source caches
//! it (`source.rs`), and no system call is made per operation or per wait.
//!
//! **Oneshot** (every other `polling` backend: `poll(2)`, event ports,
//! IOCP). An event *disarms* the descriptor: the poller reports it once and
//! then watches nothing until it is re-armed with `Poller::modify`. Before
//! each wait the reactor re-arms, for the directions that have a waiting
//! task, each source that needs it (as async-io does). That costs one
//! `modify` per wait per waiting source, which is why edge stays the mode
//! wherever the poller offers it.
//!
//! Why no wake-up is lost in oneshot mode:
//!
//! * a readiness cached as `true` is only ever a hint to *try* the system
//!   call; it stays `true` until a call says `WouldBlock`, as in edge mode;
//! * a task that waits has found its flag `false` and stored its waker;
//!   storing it queues the source for arming ([`Arming::request`]), and the
//!   queue is armed before the thread next waits, parked or not. Arming is
//!   level-sensitive (`poll(2)` checks the current state; `EPOLL_CTL_MOD`
//!   re-checks it), so readiness that came before the arming is reported;
//! * an event disarms the source ([`Arming::fired`]). If a task still waits
//!   in the other direction the source is queued for arming again. If the
//!   event woke nobody (a hang-up reported while nobody waits, which
//!   `poll(2)` repeats at every wait even with no interest) the descriptor
//!   is taken out of the poller, so that an idle socket cannot keep the
//!   thread spinning, and added back by the next arming;
//! * an event for a key that is no longer registered finds no source and is
//!   ignored; a queued key whose source was replaced arms the newcomer by
//!   its own wakers, which is harmless.

use std::os::fd::BorrowedFd;
use std::task::Waker;

use polling::{Event, PollMode, Poller};

use super::Reactor;
use super::source::Source;
use crate::trace::WakeCause;

/// How every descriptor of one reactor is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Added once, edge-triggered, in both directions.
    Edge,
    /// Added with no interest, armed for the waiting directions before each
    /// wait, disarmed by each event.
    Oneshot,
}

impl Mode {
    /// Edge where the poller supports it, oneshot everywhere else.
    pub(crate) fn of(poller: &Poller) -> Mode {
        if poller.supports_edge() {
            Mode::Edge
        } else {
            Mode::Oneshot
        }
    }

    /// The `polling` mode descriptors are added and re-armed with.
    pub(crate) fn poll_mode(self) -> PollMode {
        match self {
            Mode::Edge => PollMode::Edge,
            Mode::Oneshot => PollMode::Oneshot,
        }
    }
}

/// The directions a poller watches, or that tasks wait in.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Interest {
    pub(super) read: bool,
    pub(super) write: bool,
}

impl Interest {
    /// Whether every direction of `self` is also in `other`.
    fn within(self, other: Interest) -> bool {
        (!self.read || other.read) && (!self.write || other.write)
    }

    fn is_empty(self) -> bool {
        !self.read && !self.write
    }
}

/// What to do with a source before a wait (see [`Arming::rearm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rearm {
    /// The poller already watches every direction a task waits in.
    Keep,
    /// `Poller::modify` the descriptor to watch these directions.
    Modify(Interest),
    /// The descriptor was taken out of the poller: add it back, watching
    /// these directions.
    Add(Interest),
}

/// One source's oneshot state. Unused (and never changed) in edge mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Arming {
    /// The directions the poller watches now: none after an event, which
    /// disarms the descriptor.
    armed: Interest,
    /// The descriptor is in the poller (it is taken out after an event that
    /// woke nobody).
    added: bool,
    /// The source's key is in the reactor's list of sources to arm.
    queued: bool,
}

impl Default for Arming {
    /// A descriptor just added with no interest.
    fn default() -> Arming {
        Arming {
            armed: Interest::default(),
            added: true,
            queued: false,
        }
    }
}

impl Arming {
    /// A task now waits in the directions `waiting`. Returns whether the
    /// caller must queue the source for arming: not if the poller already
    /// watches those directions, nor if it is queued already.
    pub(super) fn request(&mut self, waiting: Interest) -> bool {
        if self.queued || waiting.within(self.armed) {
            return false;
        }
        self.queued = true;
        true
    }

    /// Before a wait, for a source whose tasks wait in `waiting`: what the
    /// poller must be told, assuming the caller does it.
    pub(super) fn rearm(&mut self, waiting: Interest) -> Rearm {
        self.queued = false;
        if waiting.within(self.armed) {
            return Rearm::Keep;
        }
        self.armed = waiting;
        if self.added {
            Rearm::Modify(waiting)
        } else {
            self.added = true;
            Rearm::Add(waiting)
        }
    }

    /// Telling the poller failed: nothing is armed any more.
    pub(super) fn rearm_failed(&mut self, was: Rearm) {
        self.armed = Interest::default();
        if let Rearm::Add(_) = was {
            self.added = false;
        }
    }

    /// An event arrived, which disarmed the descriptor. `woke` says whether
    /// it woke a task, `waiting` in which directions tasks still wait.
    /// Returns `Some(true)` if the caller must queue the source for arming,
    /// `Some(false)` if it must take the descriptor out of the poller, and
    /// `None` if there is nothing to do.
    pub(super) fn fired(&mut self, woke: bool, waiting: Interest) -> Option<bool> {
        self.armed = Interest::default();
        if !waiting.is_empty() {
            return self.request(waiting).then_some(true);
        }
        if !woke && self.added {
            self.added = false;
            return Some(false);
        }
        None
    }

    /// Whether the descriptor is in the poller (to delete it when the
    /// source is deregistered).
    pub(super) fn is_added(&self) -> bool {
        self.added
    }
}

/// The reactor's side of oneshot mode: the system calls the bookkeeping
/// above asks for.
impl Reactor {
    /// Arms every queued source for the directions its tasks wait in.
    /// Returns whether it woke tasks instead (arming failed).
    pub(super) fn arm(&self, to_wake: &mut Vec<(Waker, WakeCause)>) -> bool {
        let mut to_arm = self.to_arm.borrow_mut();
        if to_arm.is_empty() {
            return false;
        }
        let mut sources = self.sources.borrow_mut();
        let mut woke = false;
        for key in to_arm.drain(..) {
            // Gone: deregistered since it was queued. Replaced: the
            // newcomer is armed by its own wakers, which is harmless.
            let Some(source) = sources.get_mut(key) else {
                continue;
            };
            let waiting = source.waiting();
            let rearm = source.arming.rearm(waiting);
            let event = |i: Interest| Event::new(key, i.read, i.write);
            let poller = &self.shared.poller;
            let told = match rearm {
                Rearm::Keep => Ok(()),
                Rearm::Modify(interest) => {
                    // SAFETY: the fd is open while its source exists: the
                    // caller of `register` promised to deregister it (which
                    // removes the source) before closing it.
                    let fd = unsafe { BorrowedFd::borrow_raw(source.fd) };
                    poller.modify_with_mode(fd, event(interest), PollMode::Oneshot)
                }
                // SAFETY: as for `modify`; and it is deleted again by
                // `deregister` (or by `disarmed`) before it is closed.
                Rearm::Add(interest) => unsafe {
                    poller.add_with_mode(source.fd, event(interest), PollMode::Oneshot)
                },
            };
            if told.is_err() {
                // The poller refused (out of memory, or a broken fd): wake
                // the waiting tasks to try their system calls again, which
                // report the fd's own error if it has one.
                source.arming.rearm_failed(rearm);
                let cause = WakeCause::Socket(key);
                source.readable |= waiting.read;
                source.writable |= waiting.write;
                source.read_waiters.drain(|w| to_wake.push((w, cause)));
                source.write_waiters.drain(|w| to_wake.push((w, cause)));
                woke = true;
            }
        }
        woke
    }

    /// An event for `source` disarmed it: queue it to be armed again if a
    /// task still waits on it, or take it out of the poller if the event
    /// woke nobody (`poll(2)` would report a hang-up at every wait).
    pub(super) fn disarmed(&self, key: usize, source: &mut Source, woke: bool) {
        match source.arming.fired(woke, source.waiting()) {
            Some(true) => self.to_arm.borrow_mut().push(key),
            Some(false) => {
                // SAFETY: the fd is open while its source exists (see `arm`).
                let fd = unsafe { BorrowedFd::borrow_raw(source.fd) };
                // Failing leaves it in the poller, disarmed: harmless.
                let _ = self.shared.poller.delete(fd);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: Interest = Interest {
        read: true,
        write: false,
    };
    const WRITE: Interest = Interest {
        read: false,
        write: true,
    };
    const BOTH: Interest = Interest {
        read: true,
        write: true,
    };
    const NONE: Interest = Interest {
        read: false,
        write: false,
    };

    #[test]
    fn the_mode_follows_the_poller() {
        let poller = Poller::new().unwrap();
        let mode = Mode::of(&poller);
        assert_eq!(mode == Mode::Edge, poller.supports_edge());
        let expected = if poller.supports_edge() {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        };
        assert_eq!(mode.poll_mode(), expected);
    }

    #[test]
    fn a_waiting_direction_is_armed_once_before_the_wait() {
        let mut a = Arming::default();
        assert!(a.request(READ), "not armed: queue it");
        assert!(!a.request(BOTH), "already queued");
        assert_eq!(a.rearm(BOTH), Rearm::Modify(BOTH));
        assert!(!a.request(READ), "armed for it already");
        assert!(!a.request(WRITE));
        assert_eq!(a.rearm(READ), Rearm::Keep, "still watched: no system call");
    }

    #[test]
    fn an_event_disarms_and_a_remaining_waiter_is_rearmed() {
        let mut a = Arming::default();
        assert!(a.request(BOTH));
        assert_eq!(a.rearm(BOTH), Rearm::Modify(BOTH));
        // Readable fired and woke the reader; the writer still waits.
        assert_eq!(a.fired(true, WRITE), Some(true));
        assert_eq!(a.rearm(WRITE), Rearm::Modify(WRITE));
        // Writable fired and woke the writer; nobody waits now.
        assert_eq!(a.fired(true, NONE), None);
        assert!(a.is_added());
        assert!(a.request(READ), "disarmed: a new waiter needs arming");
    }

    #[test]
    fn an_event_that_woke_nobody_takes_the_descriptor_out_until_needed() {
        let mut a = Arming::default();
        assert_eq!(a.fired(false, NONE), Some(false), "take it out");
        assert!(!a.is_added());
        assert_eq!(a.fired(false, NONE), None, "already out");
        assert!(a.request(WRITE));
        assert_eq!(a.rearm(WRITE), Rearm::Add(WRITE));
        assert!(a.is_added());
    }

    #[test]
    fn a_failed_rearm_is_tried_again_by_the_next_waiter() {
        let mut a = Arming::default();
        assert!(a.request(READ));
        let failed = a.rearm(READ);
        a.rearm_failed(failed);
        assert!(a.request(READ));
        assert_eq!(a.rearm(READ), Rearm::Modify(READ));

        let mut out = Arming::default();
        out.fired(false, NONE);
        assert!(out.request(READ));
        let failed = out.rearm(READ);
        assert_eq!(failed, Rearm::Add(READ));
        out.rearm_failed(failed);
        assert!(!out.is_added() && out.request(READ));
        assert_eq!(out.rearm(READ), Rearm::Add(READ));
    }
}
