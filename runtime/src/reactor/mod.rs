//! The reactor: registered sockets and pending timers, and the one place the
//! thread parks (`epoll_wait`, through the `polling` crate).
//!
//! **Sockets.** Each socket is added to the poller once, *edge-triggered*,
//! with interest in both directions, and gets a [`Source`] in a slab keyed by
//! the poller key. A source caches readiness: `readable`/`writable` are set by
//! an event and cleared by the socket type (`net/`) when a system call says
//! `WouldBlock`. An operation is attempted first and waits only after that,
//! so no `epoll_ctl` is made per operation, only one to add and one to delete.
//!
//! Why no wake-up can be lost: with edge triggering the kernel reports every
//! *new* readiness. A task clears a flag only right after a system call found
//! the socket not ready, and stores its waker in the same poll, on this
//! thread; readiness that arrives after that call is a new edge, which the
//! next park reports and turns into a wake.
//!
//! **Where there is no edge mode.** Edge triggering exists on epoll and
//! kqueue. Elsewhere (`poll(2)`, event ports, IOCP), sockets are registered
//! *oneshot* and re-armed before each wait for the directions a task waits
//! in, as async-io does. The choice, made once per reactor, and
//! everything oneshot needs are in `mode.rs`, the reactor's one
//! platform-dependent part, which also says why no wake-up is lost there.
//! Readiness flags, `WouldBlock` and parking work the same in both modes.
//!
//! **Parking.** [`Reactor::poll_events`] waits until the earliest timer
//! deadline (or forever if there is none, or not at all when asked not to
//! block), then wakes the waker stored for each ready direction and for each
//! due timer. A remote wake interrupts the wait through `Poller::notify`.
//!
//! **Floors.** The reactor sits on `remote.rs` (the poller it waits on is
//! shared there with other threads' wakers) and owns its parts: `source.rs`
//! (one registered descriptor), `mode.rs` (edge or oneshot) and `timers.rs`
//! (the deadline store behind `time/`). It imports nothing from the
//! executor above it: it stores and wakes plain [`Waker`]s.

mod mode;
mod source;
#[cfg(test)]
mod tests;
mod timers;
mod waiters;

use std::cell::{Cell, RefCell};
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use polling::{Event, Events};
use slab::Slab;

use self::mode::Mode;
use self::source::Source;
use self::timers::Timers;
use crate::remote::Shared;
use crate::trace::{TraceKind, Tracer, WakeCause};

pub(crate) use self::source::Direction;
pub(crate) use self::timers::TimerKey;
pub(crate) use self::waiters::Ticket;

/// How many events one park may return; more wait for the next park.
const EVENTS_CAPACITY: usize = 1024;

/// Counts reported by [`Reactor::stats`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReactorStats {
    pub(crate) sources: usize,
    pub(crate) timers: usize,
    pub(crate) parks: u64,
}

#[derive(Debug)]
pub(crate) struct Reactor {
    /// Holds the poller; shared with remote wakers.
    shared: Arc<Shared>,
    /// Edge-triggered, or oneshot with re-arming: fixed at creation by what
    /// the poller supports (`mode.rs`).
    mode: Mode,
    /// Oneshot mode only: keys of sources that a task started waiting on
    /// and that may need arming before the next wait. Always empty in edge
    /// mode.
    to_arm: RefCell<Vec<usize>>,
    /// Registered sockets, keyed by their poller key.
    sources: RefCell<Slab<Source>>,
    /// Pending timers, earliest first.
    timers: RefCell<Timers>,
    /// Event buffer reused by every park.
    events: RefCell<Events>,
    /// Wakers collected during a park, woken once no borrow is held, each
    /// with what made it due (for the trace).
    to_wake: RefCell<Vec<(Waker, WakeCause)>>,
    /// Number of blocking parks (for `Runtime::stats`).
    parks: Cell<u64>,
    /// The trace recorder, when tracing is on.
    tracer: Option<Rc<Tracer>>,
}

impl Reactor {
    pub(crate) fn new(shared: Arc<Shared>, tracer: Option<Rc<Tracer>>) -> Reactor {
        let mode = Mode::of(&shared.poller);
        Reactor::with_mode(shared, tracer, mode)
    }

    /// A reactor in a given mode (tests force oneshot on an edge poller).
    fn with_mode(shared: Arc<Shared>, tracer: Option<Rc<Tracer>>, mode: Mode) -> Reactor {
        let capacity = NonZeroUsize::new(EVENTS_CAPACITY).expect("non-zero");
        Reactor {
            shared,
            mode,
            to_arm: RefCell::new(Vec::new()),
            sources: RefCell::new(Slab::new()),
            timers: RefCell::new(Timers::new()),
            events: RefCell::new(Events::with_capacity(capacity)),
            to_wake: RefCell::new(Vec::new()),
            parks: Cell::new(0),
            tracer,
        }
    }

    // ---- Sockets ---------------------------------------------------------

    /// Adds `fd` to the poller, edge-triggered in both directions (or, in
    /// oneshot mode, with no interest until a task waits), and returns its
    /// key. `ready` is the initial readiness: true for a socket
    /// that may already have data (an accepted one), false for one whose
    /// first event we must wait for.
    ///
    /// # Errors
    ///
    /// Fails if the poller refuses the descriptor (out of memory, or the
    /// per-user limit of watched descriptors reached).
    ///
    /// # Safety
    ///
    /// `fd` must stay open until it is removed with [`Reactor::deregister`]:
    /// the poller keeps watching a descriptor after it is closed (or, worse,
    /// after its number is reused by another file), which is the contract of
    /// [`polling::Poller::add`]. The fd's owner deregisters it in its `Drop`,
    /// before the fd closes (`io::Async`, through `io::Registration`).
    pub(crate) unsafe fn register(&self, fd: BorrowedFd<'_>, ready: bool) -> io::Result<usize> {
        let key = self
            .sources
            .borrow_mut()
            .insert(Source::new(fd.as_raw_fd(), ready));
        let interest = match self.mode {
            Mode::Edge => Event::all(key),
            Mode::Oneshot => Event::none(key),
        };
        // SAFETY: `polling` requires the fd to be deleted from the poller
        // before it is closed; our caller promises to deregister it first
        // (see `# Safety`).
        let added = unsafe {
            self.shared
                .poller
                .add_with_mode(fd.as_raw_fd(), interest, self.mode.poll_mode())
        };
        if let Err(e) = added {
            self.sources.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(key)
    }

    /// Removes `fd` from the poller and forgets its source. Must be called
    /// before `fd` is closed.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, key: usize) {
        let source = self.sources.borrow_mut().try_remove(key);
        // In oneshot mode the fd may be out of the poller already (see
        // `mode.rs`). Otherwise `delete` fails only if the fd is not
        // registered, which the register/deregister pairing rules out.
        if source.as_ref().is_none_or(|s| s.arming.is_added()) {
            let _ = self.shared.poller.delete(fd);
        }
        drop(source); // its wakers drop here, with no borrow held
    }

    /// `Ready` if the socket is ready in `dir`; otherwise stores the task's
    /// waker for that direction, beside any other waiter's, and returns
    /// `Pending`. A future that may be dropped mid-wait passes its `ticket`
    /// (see `waiters.rs`), to take its own waker back with
    /// [`Reactor::clear_waker`].
    pub(crate) fn poll_ready(
        &self,
        key: usize,
        dir: Direction,
        cx: &mut Context<'_>,
        ticket: Option<&mut Ticket>,
    ) -> Poll<()> {
        let mut sources = self.sources.borrow_mut();
        let source = &mut sources[key];
        let (ready, waiters) = source.half(dir);
        if *ready {
            return Poll::Ready(());
        }
        let old = waiters.register(cx.waker(), ticket);
        // Oneshot: the poller watches only what was armed; make sure this
        // direction is armed before the thread next waits.
        if self.mode == Mode::Oneshot && source.arming.request(source.waiting()) {
            self.to_arm.borrow_mut().push(key);
        }
        drop(sources);
        drop(old);
        Poll::Pending
    }

    /// Records that a system call in `dir` returned `WouldBlock` (or that a
    /// short read or write drained the socket).
    pub(crate) fn clear_ready(&self, key: usize, dir: Direction) {
        *self.sources.borrow_mut()[key].half(dir).0 = false;
    }

    /// Marks `dir` ready without an event (a connect that finished at once).
    pub(crate) fn set_ready(&self, key: usize, dir: Direction) {
        *self.sources.borrow_mut()[key].half(dir).0 = true;
    }

    /// Forgets the waker the `ticket` holder stored for `dir` (its future was
    /// dropped); other waiters keep theirs.
    pub(crate) fn clear_waker(&self, key: usize, dir: Direction, ticket: &mut Ticket) {
        let old = self.sources.borrow_mut()[key].half(dir).1.remove(ticket);
        drop(old);
    }

    // ---- Timers ----------------------------------------------------------

    /// Adds a timer; `None` if its deadline has already been fired through.
    pub(crate) fn insert_timer(&self, deadline: Instant, waker: &Waker) -> Option<TimerKey> {
        self.timers.borrow_mut().insert(deadline, waker)
    }

    /// Whether the timer has fired: it is gone from the store and its
    /// deadline has passed.
    pub(crate) fn timer_fired(&self, key: TimerKey) -> bool {
        self.timers.borrow().has_fired(key)
    }

    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) {
        let old = self.timers.borrow_mut().update(key, waker);
        drop(old);
    }

    pub(crate) fn remove_timer(&self, key: TimerKey) {
        let old = self.timers.borrow_mut().remove(key);
        drop(old);
    }

    // ---- Parking ---------------------------------------------------------

    /// Collects I/O events and fires due timers, waking their tasks.
    ///
    /// With `block`, waits until an event, the earliest timer deadline, or a
    /// remote wake. Without, only takes what is ready now (skipping the system
    /// calls entirely when no socket is registered).
    pub(crate) fn poll_events(&self, block: bool) {
        let mut to_wake = std::mem::take(&mut *self.to_wake.borrow_mut());
        let has_sources = !self.sources.borrow().is_empty();
        if block || has_sources {
            let deadline = if block {
                self.parks.set(self.parks.get() + 1);
                self.timers.borrow().next_deadline()
            } else {
                Some(Instant::now())
            };
            self.wait(deadline, &mut to_wake);
        }
        let now = Instant::now();
        self.timers.borrow_mut().fire_due(now, |deadline, waker| {
            if let Some(tracer) = &self.tracer {
                tracer.record(TraceKind::TimerFired {
                    late: now - deadline,
                });
            }
            to_wake.push((waker, WakeCause::Timer));
        });
        for (waker, cause) in to_wake.drain(..) {
            match &self.tracer {
                None => waker.wake(),
                Some(tracer) => {
                    let previous = tracer.set_cause(cause);
                    waker.wake();
                    tracer.set_cause(previous);
                }
            }
        }
        *self.to_wake.borrow_mut() = to_wake;
    }

    /// One `epoll_wait` (until `deadline`, or forever), turning events into
    /// readiness flags and wakers.
    fn wait(&self, deadline: Option<Instant>, to_wake: &mut Vec<(Waker, WakeCause)>) {
        let mut deadline = deadline;
        if self.mode == Mode::Oneshot && self.arm(to_wake) {
            deadline = Some(Instant::now()); // tasks were woken: do not sleep
        }
        let mut events = self.events.borrow_mut();
        events.clear();
        let started = self.tracer.as_ref().map(|tracer| {
            let now = Instant::now();
            let timeout = deadline.map(|d| d.saturating_duration_since(now));
            tracer.record(TraceKind::ParkStart { timeout });
            now
        });
        let poller = &self.shared.poller;
        let mut waited = match deadline {
            Some(deadline) => poller.wait_deadline(&mut events, deadline),
            None => poller.wait(&mut events, None),
        };
        // polling's `poll(2)` backend can fail a wait with `WouldBlock` when
        // a `notify` from another thread races with it (it saw the notify
        // flag set, and the pipe still empty). The wake itself is not lost
        // (it is queued and flagged before `notify`), but `Poller`'s own
        // "already notified" flag stays set after a failed wait and would
        // swallow every later `notify`: a wait that returns clears it, so
        // wait once more without blocking.
        while matches!(&waited, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            waited = poller.wait(&mut events, Some(Duration::ZERO));
        }
        if let Err(e) = waited {
            // `epoll_wait` fails only on programming errors (bad fd, bad
            // buffer); signals (EINTR) are retried inside `polling`.
            panic!("the reactor's wait for events failed: {e}");
        }
        if let (Some(tracer), Some(started)) = (&self.tracer, started) {
            tracer.record(TraceKind::ParkEnd {
                events: events.len(),
                parked: started.elapsed(),
            });
        }
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            let Some(source) = sources.get_mut(event.key) else {
                continue;
            };
            if let Some(tracer) = &self.tracer {
                tracer.record(TraceKind::SocketReady {
                    source: event.key,
                    readable: event.readable,
                    writable: event.writable,
                });
            }
            let cause = WakeCause::Socket(event.key);
            let woken = to_wake.len();
            if event.readable {
                source.readable = true;
                source.read_waiters.drain(|w| to_wake.push((w, cause)));
            }
            if event.writable {
                source.writable = true;
                source.write_waiters.drain(|w| to_wake.push((w, cause)));
            }
            if self.mode == Mode::Oneshot {
                self.disarmed(event.key, source, to_wake.len() > woken);
            }
        }
    }

    pub(crate) fn stats(&self) -> ReactorStats {
        ReactorStats {
            sources: self.sources.borrow().len(),
            timers: self.timers.borrow().len(),
            parks: self.parks.get(),
        }
    }
}
