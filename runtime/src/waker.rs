//! Task wakers, and the part of a runtime other threads may touch.
//!
//! A [`Waker`](std::task::Waker) is `Send + Sync`: it may be cloned into a
//! thread pool, a timer thread or a user's `std::thread` and woken there. Each
//! task gets one [`TaskWaker`] (built with [`std::task::Wake`], no unsafe).
//! Waking it takes one of two paths:
//!
//! * **local**: on the runtime's own thread the task id goes straight onto the
//!   executor's run queue (`executor.rs`): no lock, no system call;
//! * **remote**: from any other thread the id goes onto [`Shared`]'s locked
//!   queue and [`polling::Poller::notify`] interrupts the reactor's
//!   `epoll_wait`, so a parked runtime wakes at once.
//!
//! The `scheduled` flag keeps a task in at most one queue entry however many
//! times it is woken: the first wake sets it and enqueues, later wakes see it
//! set and return. The executor clears it just before polling the task, so a
//! wake that arrives *during* the poll enqueues the task again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Wake;

use polling::Poller;

use crate::context;
use crate::task::TaskRef;

/// State shared with other threads: the poller (for `notify`) and the queue of
/// wakes that came from elsewhere.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The runtime's epoll instance. Owned here because remote wakers need
    /// `notify` on it, and they may outlive the runtime.
    pub(crate) poller: Poller,
    /// Tasks woken from other threads, drained by the executor.
    remote: Mutex<Vec<TaskRef>>,
    /// Set after a push to `remote`; lets the executor skip the lock when no
    /// remote wake is waiting.
    remote_pending: AtomicBool,
    /// Set when the runtime is dropped: remote wakes are ignored from then on.
    closed: AtomicBool,
    /// Count of remote wakes that reached the queue (for `Runtime::stats`).
    remote_wakes: AtomicU64,
}

impl Shared {
    pub(crate) fn new() -> std::io::Result<Shared> {
        Ok(Shared {
            poller: Poller::new()?,
            remote: Mutex::new(Vec::new()),
            remote_pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            remote_wakes: AtomicU64::new(0),
        })
    }

    /// Queues `task` from a thread that is not the runtime's and interrupts
    /// the reactor if it is parked.
    fn schedule_remote(&self, task: TaskRef) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        self.remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
        self.remote_wakes.fetch_add(1, Ordering::Relaxed);
        // Publish the push before notifying: the executor swaps this flag
        // before taking the lock, so it either sees the flag or is woken by
        // the notification and looks again.
        self.remote_pending.store(true, Ordering::Release);
        // `notify` fails only if writing to an eventfd fails, which cannot
        // happen for a counter far from overflow; the wake is queued anyway.
        let _ = self.poller.notify();
    }

    /// Moves remote wakes into `out`. Cheap when there are none.
    pub(crate) fn drain_remote(&self, out: &mut Vec<TaskRef>) {
        if self.remote_pending.swap(false, Ordering::AcqRel) {
            let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
            out.append(&mut remote);
        }
    }

    pub(crate) fn remote_wakes(&self) -> u64 {
        self.remote_wakes.load(Ordering::Relaxed)
    }

    /// Marks the runtime as gone: later remote wakes are dropped on the floor.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// The waker of one task (or of the `block_on` future).
#[derive(Debug)]
pub(crate) struct TaskWaker {
    shared: Arc<Shared>,
    task: TaskRef,
    /// True while the task sits in a run queue, and forever once it finished.
    scheduled: AtomicBool,
}

impl TaskWaker {
    /// A waker for a task that starts out queued.
    pub(crate) fn new(shared: Arc<Shared>, task: TaskRef, scheduled: bool) -> TaskWaker {
        TaskWaker {
            shared,
            task,
            scheduled: AtomicBool::new(scheduled),
        }
    }

    /// Called by the executor right before polling: a wake from now on must
    /// queue the task again.
    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.store(false, Ordering::Release);
    }

    /// Called when the task finished or was dropped: later wakes do nothing.
    pub(crate) fn retire(&self) {
        self.scheduled.store(true, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return; // already queued, or finished
        }
        if !context::schedule_local(&self.shared, self.task) {
            self.shared.schedule_remote(self.task);
        }
    }
}
