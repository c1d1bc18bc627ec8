//! The executor: a slab of tasks, a FIFO run queue, and the loop that drives
//! them and parks in the reactor when nothing is runnable.
//!
//! ```text
//!  spawn ──► slab slot (task cell) ──► run queue ──► poll ──► Pending: wait for a wake
//!                                        ▲                   Ready: store output,
//!        local wake ─────────────────────┤                          wake the JoinHandle
//!        remote wake ──► Shared queue ───┘ (drained by the loop)
//! ```
//!
//! One loop iteration (`block_on`):
//! 1. poll the `block_on` future if its turn has come (it is woken into the
//!    same FIFO queue as the tasks, so it waits its turn like them);
//! 2. run tasks from the front of the run queue, up to [`BATCH`] of them, or
//!    until the `block_on` future comes up;
//! 3. move wakes that came from other threads onto the run queue;
//! 4. if nothing is runnable, park in the reactor until a socket is ready, a
//!    timer is due or another thread wakes us; if tasks are still runnable
//!    after [`BATCH`] polls in a row, ask the reactor for events *without*
//!    blocking, so a task that keeps waking itself cannot starve sockets and
//!    timers.
//!
//! The files of this floor, bottom-up: `task.rs` (a task's heap cell),
//! `slot.rs` (its slab entry and named state transitions), `waker.rs` (the
//! task-waker codec and the local/remote wake), `current.rs` (the core
//! running on this thread), this file (spawn, the run queue, `block_on`),
//! `join_slot.rs` (the slab's side of a join handle), `join_handle.rs` and
//! `join_error.rs` (the public [`JoinHandle`] and [`JoinError`]), and
//! `shutdown.rs`. The executor sits on the reactor (`reactor/`) and on
//! `remote.rs`; it imports nothing from the floors above it.

pub(crate) mod current;
mod join_error;
mod join_handle;
mod join_slot;
mod shutdown;
mod slot;
mod task;
mod waker;

pub use self::join_error::JoinError;
pub use self::join_handle::JoinHandle;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use self::slot::{Slot, TaskBox, drop_contained, slot_of_mut};
use self::task::TaskCell;
use self::waker::task_waker;
use crate::blocking::BlockingPool;
use crate::coop;
use crate::reactor::Reactor;
use crate::remote::{Registration, RuntimeId, Shared};
use crate::task_ref::TaskRef;
use crate::trace::{MAIN_TASK, TraceKind, Tracer, WakeCause};

/// How many polls the executor makes before it looks at the reactor even
/// though tasks are still runnable. This bounds how long a busy set of tasks
/// can delay socket readiness and timers: at most `BATCH` task polls.
pub const BATCH: u32 = 128;

/// Salts handed to runtimes as they are created (see [`Core::tag_of`]).
static NEXT_SALT: AtomicU16 = AtomicU16::new(0);

/// The executor's state. Shared through `Rc` by the runtime, join handles and
/// the thread-local context; every field uses interior mutability, and no
/// borrow is held while user code (a poll or a destructor) runs.
pub(crate) struct Core {
    /// This runtime's id in the waker registry.
    id: RuntimeId,
    /// This runtime's id for the public [`Id`](crate::Id): never reused.
    unique_id: crate::Id,
    /// Mixed into every task tag, so that a stale waker from a dropped
    /// runtime whose id was reused does not match this runtime's tasks.
    salt: u16,
    /// Keeps the id reserved; taken (freeing it) at shutdown.
    registration: RefCell<Option<Registration>>,
    shared: Arc<Shared>,
    pub(crate) reactor: Rc<Reactor>,
    pub(crate) blocking: BlockingPool,
    /// Every task that has not been joined or detached-and-finished.
    tasks: RefCell<Slab<Slot>>,
    /// Wakers of `JoinHandle`s polled by something other than a task of
    /// this runtime (see `slot.rs`), indexed by `Slot::waiter`.
    foreign_waiters: RefCell<Slab<Waker>>,
    /// Tasks (and the `block_on` future) to poll, in the order they were woken.
    queue: RefCell<VecDeque<TaskRef>>,
    /// The `block_on` future is in the queue.
    main_queued: Cell<bool>,
    /// The tag of the current `block_on` call's waker: salted, and changed
    /// at each call, so that a waker kept from an earlier `block_on` (of
    /// this runtime, or of a dropped one with the same id) wakes nothing.
    main_tag: Cell<u16>,
    /// Ids handed to spawned tasks, counting from 1.
    next_id: Cell<u64>,
    /// Scratch buffer for draining remote wakes, kept to avoid allocating.
    remote_buf: RefCell<Vec<TaskRef>>,
    polls: Cell<u64>,
    local_wakes: Cell<u64>,
    remote_wakes: Cell<u64>,
    /// The trace recorder, when tracing is on (shared with the reactor).
    pub(crate) tracer: Option<Rc<Tracer>>,
}

impl Core {
    pub(crate) fn new(trace: bool) -> std::io::Result<Core> {
        let shared = Arc::new(Shared::new()?);
        let registration = Registration::new(&shared)?;
        let tracer = trace.then(|| Rc::new(Tracer::new()));
        // An odd step near 65536/φ spreads consecutive runtimes' salts apart.
        let salt = NEXT_SALT.fetch_add(40_503, Ordering::Relaxed);
        Ok(Core {
            id: registration.id,
            unique_id: crate::Id::next(),
            salt,
            registration: RefCell::new(Some(registration)),
            reactor: Rc::new(Reactor::new(shared.clone(), tracer.clone())),
            tracer,
            blocking: BlockingPool::new(),
            shared,
            tasks: RefCell::new(Slab::new()),
            foreign_waiters: RefCell::new(Slab::new()),
            queue: RefCell::new(VecDeque::new()),
            main_queued: Cell::new(false),
            main_tag: Cell::new(salt),
            next_id: Cell::new(1),
            remote_buf: RefCell::new(Vec::new()),
            polls: Cell::new(0),
            local_wakes: Cell::new(0),
            remote_wakes: Cell::new(0),
        })
    }

    pub(crate) fn id(&self) -> RuntimeId {
        self.id
    }

    /// This runtime's process-unique id.
    pub(crate) fn unique_id(&self) -> crate::Id {
        self.unique_id
    }

    /// The tag of task `id`: its low 16 bits, salted with this runtime's salt.
    pub(crate) fn tag_of(&self, id: u64) -> u16 {
        id as u16 ^ self.salt
    }

    /// A wake on this thread (from `waker.rs`, through `current.rs`).
    pub(crate) fn wake_local(&self, task: TaskRef) {
        if self.schedule(task) {
            self.local_wakes.set(self.local_wakes.get() + 1);
        }
    }

    /// Queues a woken task at the back of the run queue, once. Returns
    /// whether it was queued (not already queued, finished or gone).
    fn schedule(&self, task: TaskRef) -> bool {
        if task.is_main() {
            if task.tag != self.main_tag.get() || self.main_queued.replace(true) {
                return false; // a stale block_on waker, or already queued
            }
        } else {
            let mut tasks = self.tasks.borrow_mut();
            let queued = slot_of_mut(&mut tasks, task).is_some_and(Slot::try_queue);
            if !queued {
                return false; // gone, a later task in the slot, already queued, or done
            }
        }
        self.queue.borrow_mut().push_back(task);
        if let Some(tracer) = &self.tracer {
            let id = if task.is_main() {
                MAIN_TASK
            } else {
                tracer.id_of(task.key)
            };
            tracer.record(TraceKind::Wake {
                task: id,
                by: tracer.cause(),
            });
        }
        true
    }

    /// Creates a task and queues it for its first poll.
    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let tag = self.tag_of(id);
        let cell = Box::pin(TaskCell::new(future));
        let key = self.tasks.borrow_mut().insert(Slot::new(cell, tag));
        let key = u32::try_from(key)
            .ok()
            .filter(|&k| k != TaskRef::MAIN_KEY)
            .expect("more than 4 billion live tasks");
        let task = TaskRef { key, tag };
        self.queue.borrow_mut().push_back(task);
        if let Some(tracer) = &self.tracer {
            tracer.spawned(key, id);
        }
        JoinHandle::new(self.clone(), task, id)
    }

    /// Runs `future` to completion on this thread, driving every task.
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        let _enter = current::enter(self.clone());
        let main = TaskRef {
            key: TaskRef::MAIN_KEY,
            tag: self.main_tag.get().wrapping_add(1),
        };
        self.main_tag.set(main.tag);
        self.main_queued.set(false);
        let waker = task_waker(self.id, main);
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut poll_main = true;
        // Polls since the reactor was last asked for events.
        let mut since_io = 0;
        loop {
            if poll_main {
                self.count_poll();
                since_io += 1;
                let cause = self.trace_poll_start(MAIN_TASK);
                coop::reset();
                let poll = future.as_mut().poll(&mut cx);
                self.trace_poll_end(MAIN_TASK, poll.is_ready(), cause);
                if let Poll::Ready(output) = poll {
                    return output;
                }
            }
            let ran;
            (ran, poll_main) = self.run_batch();
            since_io += ran;
            self.drain_remote();
            if poll_main || !self.queue.borrow().is_empty() {
                if since_io >= BATCH {
                    self.reactor.poll_events(false);
                    since_io = 0;
                }
            } else {
                self.reactor.poll_events(true);
                since_io = 0;
            }
        }
    }

    /// Polls queued tasks, up to [`BATCH`] of them, stopping early when the
    /// `block_on` future's turn comes. Returns how many it polled and
    /// whether the `block_on` future is due.
    fn run_batch(&self) -> (u32, bool) {
        let mut ran = 0;
        while ran < BATCH {
            let Some(task) = self.queue.borrow_mut().pop_front() else {
                break;
            };
            if task.is_main() {
                if task.tag != self.main_tag.get() {
                    continue; // left by an earlier block_on call
                }
                self.main_queued.set(false);
                return (ran, true);
            }
            if self.run_task(task) {
                ran += 1;
            }
        }
        (ran, false)
    }

    /// Polls one task if the queue entry still names it. Returns whether it
    /// was polled.
    fn run_task(&self, task: TaskRef) -> bool {
        let cell = slot_of_mut(&mut self.tasks.borrow_mut(), task).and_then(Slot::begin_poll);
        let Some(mut cell) = cell else {
            return false; // a stale entry: a later task, or an aborted one
        };
        self.count_poll();
        let waker = task_waker(self.id, task);
        let mut cx = Context::from_waker(&waker);
        match &self.tracer {
            None => {
                coop::reset();
                let poll = cell.as_mut().poll(&mut cx);
                self.settle(task, cell, poll);
            }
            Some(tracer) => {
                let id = tracer.id_of(task.key);
                let cause = self.trace_poll_start(id);
                coop::reset();
                let poll = cell.as_mut().poll(&mut cx);
                tracer.record(TraceKind::PollEnd {
                    task: id,
                    ready: poll.is_ready(),
                });
                self.settle(task, cell, poll);
                // Restored only now, so that the wake of a waiting JoinHandle
                // (in `finish`) is traced as caused by this task.
                tracer.set_cause(cause);
            }
        }
        true
    }

    /// Puts a polled task's cell back, or finishes the task.
    fn settle(&self, task: TaskRef, cell: TaskBox, poll: Poll<()>) {
        let cell = if poll.is_pending() {
            let aborted = self.tasks.borrow_mut()[task.key as usize].end_poll(cell);
            // `Some`: the task aborted itself (through its own JoinHandle)
            // while it was running; cancel it now that no borrow is held.
            let Some(mut cell) = aborted else {
                return;
            };
            cell.as_mut().cancel();
            cell
        } else {
            cell
        };
        self.finish(task, cell);
    }

    /// Records that `task` has finished with its output in `cell`: frees the
    /// slot if the handle is gone, or wakes the handle.
    fn finish(&self, task: TaskRef, cell: TaskBox) {
        let mut tasks = self.tasks.borrow_mut();
        let detached = tasks[task.key as usize].mark_finished(cell);
        if detached {
            let slot = tasks.remove(task.key as usize);
            drop(tasks);
            drop_contained(slot); // an output nobody will read
        } else {
            let waiter = self.take_waiter(&mut tasks, task.key);
            drop(tasks);
            self.wake_waiter(waiter);
        }
    }

    /// Queues the tasks woken from other threads.
    fn drain_remote(&self) {
        let mut buf = std::mem::take(&mut *self.remote_buf.borrow_mut());
        self.shared.drain_remote(&mut buf);
        if !buf.is_empty() {
            let cause = self.tracer.as_ref().map(|t| t.set_cause(WakeCause::Remote));
            for task in buf.drain(..) {
                if self.schedule(task) {
                    self.remote_wakes.set(self.remote_wakes.get() + 1);
                }
            }
            if let (Some(tracer), Some(cause)) = (&self.tracer, cause) {
                tracer.set_cause(cause);
            }
        }
        *self.remote_buf.borrow_mut() = buf;
    }

    fn count_poll(&self) {
        self.polls.set(self.polls.get() + 1);
    }

    /// Records a poll's start and sets the wake cause to the polled task;
    /// returns the previous cause, for [`Core::trace_poll_end`].
    fn trace_poll_start(&self, task: u64) -> WakeCause {
        match &self.tracer {
            Some(tracer) => {
                tracer.record(TraceKind::PollStart { task });
                tracer.set_cause(WakeCause::Task(task))
            }
            None => WakeCause::Runtime,
        }
    }

    fn trace_poll_end(&self, task: u64, ready: bool, cause: WakeCause) {
        if let Some(tracer) = &self.tracer {
            tracer.record(TraceKind::PollEnd { task, ready });
            tracer.set_cause(cause);
        }
    }
}
