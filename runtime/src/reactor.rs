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
//! **Parking.** [`Reactor::poll_events`] waits until the earliest timer
//! deadline (or forever if there is none, or not at all when asked not to
//! block), then wakes the waker stored for each ready direction and for each
//! due timer. A remote wake interrupts the wait through `Poller::notify`.

use std::cell::{Cell, RefCell};
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use polling::{Event, Events, PollMode};
use slab::Slab;

use crate::timers::{TimerKey, Timers};
use crate::trace::{TraceKind, Tracer, WakeCause};
use crate::waiters::{Ticket, Waiters};
use crate::waker::Shared;

/// How many events one park may return; more wait for the next park.
const EVENTS_CAPACITY: usize = 1024;

/// Which half of a socket an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One registered socket's readiness and waiting tasks.
#[derive(Debug, Default)]
struct Source {
    /// An event said readable and no read has since hit `WouldBlock`.
    readable: bool,
    /// Same, for writes.
    writable: bool,
    /// The tasks waiting to read (or accept): one, nearly always.
    read_waiters: Waiters,
    /// The tasks waiting to write (or to finish connecting).
    write_waiters: Waiters,
}

impl Source {
    fn half(&mut self, dir: Direction) -> (&mut bool, &mut Waiters) {
        match dir {
            Direction::Read => (&mut self.readable, &mut self.read_waiters),
            Direction::Write => (&mut self.writable, &mut self.write_waiters),
        }
    }
}

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
        let capacity = NonZeroUsize::new(EVENTS_CAPACITY).expect("non-zero");
        Reactor {
            shared,
            sources: RefCell::new(Slab::new()),
            timers: RefCell::new(Timers::new()),
            events: RefCell::new(Events::with_capacity(capacity)),
            to_wake: RefCell::new(Vec::new()),
            parks: Cell::new(0),
            tracer,
        }
    }

    // ---- Sockets ---------------------------------------------------------

    /// Adds `fd` to the poller, edge-triggered, in both directions. `ready`
    /// is the initial readiness: true for a socket that may already have data
    /// (an accepted one), false for one whose first event we must wait for.
    ///
    /// The caller must call [`Reactor::deregister`] before closing `fd`
    /// (`io::Async` does so in its `Drop`).
    pub(crate) fn register(&self, fd: BorrowedFd<'_>, ready: bool) -> io::Result<usize> {
        let key = self.sources.borrow_mut().insert(Source {
            readable: ready,
            writable: ready,
            ..Source::default()
        });
        // SAFETY: `polling` requires the fd to be deleted from the poller
        // before it is closed. Only `io::Registration::new` calls `register`,
        // for an `io::Async`, whose `Drop` (and `into_inner`) calls
        // `deregister` while it still owns the open fd.
        let added = unsafe {
            self.shared
                .poller
                .add_with_mode(fd.as_raw_fd(), Event::all(key), PollMode::Edge)
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
        // `delete` fails only if the fd is not registered, which the
        // register/deregister pairing in `io::Async` rules out.
        let _ = self.shared.poller.delete(fd);
        let source = self.sources.borrow_mut().try_remove(key);
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
        let (ready, waiters) = sources[key].half(dir);
        if *ready {
            return Poll::Ready(());
        }
        let old = waiters.register(cx.waker(), ticket);
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
        let mut events = self.events.borrow_mut();
        events.clear();
        let started = self.tracer.as_ref().map(|tracer| {
            let now = Instant::now();
            let timeout = deadline.map(|d| d.saturating_duration_since(now));
            tracer.record(TraceKind::ParkStart { timeout });
            now
        });
        let poller = &self.shared.poller;
        let waited = match deadline {
            Some(deadline) => poller.wait_deadline(&mut events, deadline),
            None => poller.wait(&mut events, None),
        };
        if let Err(e) = waited {
            // `epoll_wait` fails only on programming errors (bad fd, bad
            // buffer); signals (EINTR) are retried inside `polling`.
            panic!("the reactor's epoll_wait failed: {e}");
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
            if event.readable {
                source.readable = true;
                source.read_waiters.drain(|w| to_wake.push((w, cause)));
            }
            if event.writable {
                source.writable = true;
                source.write_waiters.drain(|w| to_wake.push((w, cause)));
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
