//! The runtime's trace: a record of what the event loop did, to look at
//! afterwards. Off by default; turned on with `RUNTIME_TRACE=1` in the
//! environment or [`Builder::trace`](crate::Builder::trace).
//!
//! When on, the executor and the reactor append a [`TraceEvent`] at each
//! step: a task spawned, a poll started and ended (`Ready` or `Pending`), a
//! task woken (and by what: a socket, a timer, another task, another thread),
//! the reactor parking (for how long it asked, how long it slept, how many
//! events it got), a socket becoming ready, a timer firing. Timestamps are
//! microseconds since the runtime was created.
//!
//! When off, each of those places costs one test of a `None`: the recorder
//! is an `Option` that is never filled.
//!
//! # Examples
//!
//! ```
//! use runtime::trace::TraceKind;
//!
//! let rt = runtime::Runtime::builder().trace(true).build()?;
//! rt.block_on(async {
//!     runtime::spawn(async {}).await.unwrap();
//! });
//! let events = rt.take_trace();
//! assert!(events.iter().any(|e| matches!(e.kind, TraceKind::Spawn { task: 1 })));
//! assert!(events.iter().any(|e| matches!(e.kind, TraceKind::PollEnd { task: 1, ready: true })));
//! # std::io::Result::Ok(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// The task id used for the future passed to `block_on`.
pub const MAIN_TASK: u64 = 0;

/// One step of the event loop, at `at` (time since the runtime started).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// When, counted from the runtime's creation (microsecond resolution).
    pub at: Duration,
    /// What happened.
    pub kind: TraceKind,
}

/// What a [`TraceEvent`] records. Task ids are those of
/// [`JoinHandle::id`](crate::JoinHandle::id); the `block_on` future is
/// [`MAIN_TASK`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceKind {
    /// A task was spawned.
    Spawn {
        /// The new task.
        task: u64,
    },
    /// The executor started polling a task.
    PollStart {
        /// The task polled.
        task: u64,
    },
    /// The poll returned.
    PollEnd {
        /// The task polled.
        task: u64,
        /// `true` if it returned `Ready` (or panicked, or was cancelled while
        /// running): the task is finished.
        ready: bool,
    },
    /// A task was woken and queued.
    Wake {
        /// The task woken.
        task: u64,
        /// What woke it.
        by: WakeCause,
    },
    /// The reactor is about to wait in `epoll_wait`.
    ParkStart {
        /// The longest it will wait: until the next timer, or `None` for no
        /// limit (zero when it only checks for events without blocking).
        timeout: Option<Duration>,
    },
    /// The wait returned.
    ParkEnd {
        /// Socket events it returned.
        events: usize,
        /// How long it waited.
        parked: Duration,
    },
    /// An event made a socket ready.
    SocketReady {
        /// The socket's key in the reactor (stable while it is registered).
        source: usize,
        /// Ready for reading (or accepting).
        readable: bool,
        /// Ready for writing (or its connect finished).
        writable: bool,
    },
    /// A timer reached its deadline.
    TimerFired {
        /// How long after its deadline it was fired.
        late: Duration,
    },
}

/// Where a wake came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WakeCause {
    /// A socket event (the reactor key of the socket).
    Socket(usize),
    /// A timer.
    Timer,
    /// Code running in this task (another task finishing, a channel, a
    /// `yield_now`...).
    Task(u64),
    /// Another thread (for example a `spawn_blocking` job finishing).
    Remote,
    /// Anything else on the runtime's thread (between polls).
    Runtime,
}

impl fmt::Display for WakeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeCause::Socket(key) => write!(f, "socket #{key}"),
            WakeCause::Timer => f.write_str("timer"),
            WakeCause::Task(MAIN_TASK) => f.write_str("main"),
            WakeCause::Task(id) => write!(f, "task {id}"),
            WakeCause::Remote => f.write_str("another thread"),
            WakeCause::Runtime => f.write_str("runtime"),
        }
    }
}

impl fmt::Display for TraceEvent {
    /// One line of a readable log: `  12.345ms  poll task 3 -> Pending`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.at.as_secs_f64() * 1e3;
        write!(f, "{ms:10.3}ms  ")?;
        let task = |id: u64| {
            if id == MAIN_TASK {
                "main".to_string()
            } else {
                format!("task {id}")
            }
        };
        match self.kind {
            TraceKind::Spawn { task: t } => write!(f, "spawn {}", task(t)),
            TraceKind::PollStart { task: t } => write!(f, "poll {}", task(t)),
            TraceKind::PollEnd { task: t, ready } => {
                write!(
                    f,
                    "  {} -> {}",
                    task(t),
                    if ready { "Ready" } else { "Pending" }
                )
            }
            TraceKind::Wake { task: t, by } => write!(f, "wake {} (by {by})", task(t)),
            TraceKind::ParkStart { timeout: None } => f.write_str("park: epoll_wait, no timeout"),
            TraceKind::ParkStart { timeout: Some(t) } if t.is_zero() => {
                f.write_str("check: epoll_wait without blocking")
            }
            TraceKind::ParkStart { timeout: Some(t) } => {
                write!(
                    f,
                    "park: epoll_wait up to {:.3}ms (next timer)",
                    t.as_secs_f64() * 1e3
                )
            }
            TraceKind::ParkEnd { events, parked } => {
                let us = parked.as_secs_f64() * 1e6;
                write!(f, "unpark after {us:.0}us with {events} socket event(s)")
            }
            TraceKind::SocketReady {
                source,
                readable,
                writable,
            } => {
                let what = match (readable, writable) {
                    (true, true) => "readable+writable",
                    (true, false) => "readable",
                    _ => "writable",
                };
                write!(f, "socket #{source} {what}")
            }
            TraceKind::TimerFired { late } => {
                write!(
                    f,
                    "timer fired {:.0}us after its deadline",
                    late.as_secs_f64() * 1e6
                )
            }
        }
    }
}

/// The recorder shared by a runtime's executor and reactor.
#[derive(Debug)]
pub(crate) struct Tracer {
    start: Instant,
    events: RefCell<Vec<TraceEvent>>,
    /// Task ids by slab key, for wakes (which carry only the key).
    ids: RefCell<HashMap<u32, u64>>,
    /// What is waking tasks right now (see [`WakeCause`]).
    cause: Cell<WakeCause>,
}

impl Tracer {
    pub(crate) fn new() -> Tracer {
        Tracer {
            start: Instant::now(),
            events: RefCell::new(Vec::new()),
            ids: RefCell::new(HashMap::new()),
            cause: Cell::new(WakeCause::Runtime),
        }
    }

    /// Whether `RUNTIME_TRACE` asks for tracing (`1`, `true`, `on`).
    pub(crate) fn enabled_by_env() -> bool {
        std::env::var("RUNTIME_TRACE")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "on" | "yes"))
    }

    pub(crate) fn record(&self, kind: TraceKind) {
        let at = self.start.elapsed();
        self.events.borrow_mut().push(TraceEvent { at, kind });
    }

    pub(crate) fn spawned(&self, key: u32, id: u64) {
        self.ids.borrow_mut().insert(key, id);
        self.record(TraceKind::Spawn { task: id });
    }

    pub(crate) fn id_of(&self, key: u32) -> u64 {
        self.ids.borrow().get(&key).copied().unwrap_or(MAIN_TASK)
    }

    /// Sets what the wakes that follow come from; returns the previous cause.
    pub(crate) fn set_cause(&self, cause: WakeCause) -> WakeCause {
        self.cause.replace(cause)
    }

    pub(crate) fn cause(&self) -> WakeCause {
        self.cause.get()
    }

    pub(crate) fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}
