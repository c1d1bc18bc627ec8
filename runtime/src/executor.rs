//! The executor: a slab of tasks, a FIFO run queue, and the loop that drives
//! them and parks in the reactor when nothing is runnable.
//!
//! ```text
//!  spawn ──► slab slot (TaskCell + waker) ──► run queue ──► poll ──► Pending: wait for a wake
//!                                               ▲                   Ready: store output,
//!        local wake ───────────────────────────┤                           wake the JoinHandle
//!        remote wake ──► Shared queue ── drain ─┘
//! ```
//!
//! One loop iteration (`block_on`):
//! 1. poll the `block_on` future if it was woken;
//! 2. run up to [`BATCH`] tasks from the front of the run queue;
//! 3. move wakes that came from other threads onto the run queue;
//! 4. if nothing is runnable, park in the reactor until a socket is ready, a
//!    timer is due or another thread wakes us; if tasks are still runnable
//!    after [`BATCH`] polls in a row, ask the reactor for events *without*
//!    blocking, so a task that keeps waking itself cannot starve sockets and
//!    timers.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::blocking::BlockingPool;
use crate::context;
use crate::join_handle::JoinHandle;
use crate::reactor::Reactor;
use crate::stats::Stats;
use crate::task::{Harness, TaskCell, TaskRef};
use crate::trace::{MAIN_TASK, TraceKind, Tracer, WakeCause};
use crate::waker::{Registration, RuntimeId, Shared, task_waker};

/// How many polls the executor makes before it looks at the reactor even
/// though tasks are still runnable. This bounds how long a busy set of tasks
/// can delay socket readiness and timers: at most `BATCH` task polls.
pub const BATCH: u32 = 128;

/// One task in the slab: 40 bytes, plus its cell's allocation.
struct Slot {
    /// The future and then the output. `None` while the executor polls it (the
    /// cell is moved out so the slab is not borrowed during user code).
    cell: Option<Pin<Box<dyn Harness>>>,
    /// Woken when the task finishes; set by a `JoinHandle` that is waiting.
    join_waker: Option<Waker>,
    /// Low 16 bits of the task id; see [`TaskRef`].
    tag: u16,
    /// In the run queue: a wake now does nothing. Cleared just before a poll,
    /// so a wake *during* the poll queues the task again.
    queued: bool,
    /// The output (or failure) is stored in `cell`; wakes do nothing.
    finished: bool,
    /// The `JoinHandle` was dropped: free the slot as soon as the task ends.
    detached: bool,
    /// `abort` was called while the task was being polled: cancel after the poll.
    abort_requested: bool,
}

/// The executor's state. Shared through `Rc` by the runtime, join handles and
/// the thread-local context; every field uses interior mutability, and no
/// borrow is held while user code (a poll or a destructor) runs.
pub(crate) struct Core {
    /// This runtime's id in the waker registry.
    id: RuntimeId,
    /// Keeps the id reserved; taken (freeing it) at shutdown.
    registration: RefCell<Option<Registration>>,
    shared: Arc<Shared>,
    pub(crate) reactor: Rc<Reactor>,
    pub(crate) blocking: BlockingPool,
    /// Every task that has not been joined or detached-and-finished.
    tasks: RefCell<Slab<Slot>>,
    /// Tasks to poll, in the order they were woken.
    queue: RefCell<VecDeque<TaskRef>>,
    /// The `block_on` future was woken.
    main_woken: Cell<bool>,
    /// Ids handed to spawned tasks, counting from 1.
    next_id: Cell<u64>,
    /// Scratch buffer for draining remote wakes, kept to avoid allocating.
    remote_buf: RefCell<Vec<TaskRef>>,
    polls: Cell<u64>,
    local_wakes: Cell<u64>,
    /// The trace recorder, when tracing is on (shared with the reactor).
    pub(crate) tracer: Option<Rc<Tracer>>,
}

impl Core {
    pub(crate) fn new(trace: bool) -> std::io::Result<Core> {
        let shared = Arc::new(Shared::new()?);
        let registration = Registration::new(&shared)?;
        let tracer = trace.then(|| Rc::new(Tracer::new()));
        Ok(Core {
            id: registration.id,
            registration: RefCell::new(Some(registration)),
            reactor: Rc::new(Reactor::new(shared.clone(), tracer.clone())),
            tracer,
            blocking: BlockingPool::new(),
            shared,
            tasks: RefCell::new(Slab::new()),
            queue: RefCell::new(VecDeque::new()),
            main_woken: Cell::new(false),
            next_id: Cell::new(1),
            remote_buf: RefCell::new(Vec::new()),
            polls: Cell::new(0),
            local_wakes: Cell::new(0),
        })
    }

    pub(crate) fn id(&self) -> RuntimeId {
        self.id
    }

    /// Queues a woken task at the back of the run queue, once.
    pub(crate) fn schedule(&self, task: TaskRef) {
        if task == TaskRef::MAIN {
            if !self.main_woken.replace(true) {
                self.local_wakes.set(self.local_wakes.get() + 1);
                self.trace_wake(MAIN_TASK);
            }
            return;
        }
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(task.key as usize) else {
            return; // the task is gone
        };
        if slot.tag != task.tag || slot.queued || slot.finished {
            return; // a later task in the slot, already queued, or done
        }
        slot.queued = true;
        drop(tasks);
        self.local_wakes.set(self.local_wakes.get() + 1);
        self.queue.borrow_mut().push_back(task);
        if let Some(tracer) = &self.tracer {
            self.trace_wake(tracer.id_of(task.key));
        }
    }

    fn trace_wake(&self, task: u64) {
        if let Some(tracer) = &self.tracer {
            tracer.record(TraceKind::Wake {
                task,
                by: tracer.cause(),
            });
        }
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

    /// Creates a task and queues it for its first poll.
    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let tag = TaskRef::tag_of(id);
        let key = self.tasks.borrow_mut().insert(Slot {
            cell: Some(Box::pin(TaskCell::new(future))),
            join_waker: None,
            tag,
            queued: true,
            finished: false,
            detached: false,
            abort_requested: false,
        });
        let key = u32::try_from(key)
            .ok()
            .filter(|&k| k != TaskRef::MAIN.key)
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
        let _enter = context::enter(self.clone());
        let waker = task_waker(self.id, TaskRef::MAIN);
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        self.main_woken.set(true);
        // Polls since the reactor was last asked for events.
        let mut since_io = 0;
        loop {
            if self.main_woken.replace(false) {
                self.count_poll();
                since_io += 1;
                let cause = self.trace_poll_start(MAIN_TASK);
                let poll = future.as_mut().poll(&mut cx);
                self.trace_poll_end(MAIN_TASK, poll.is_ready(), cause);
                if let Poll::Ready(output) = poll {
                    return output;
                }
            }
            since_io += self.run_batch();
            self.drain_remote();
            if self.has_runnable() {
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

    fn has_runnable(&self) -> bool {
        self.main_woken.get() || !self.queue.borrow().is_empty()
    }

    /// Polls up to [`BATCH`] queued tasks. Returns how many it polled.
    fn run_batch(&self) -> u32 {
        let mut ran = 0;
        while ran < BATCH {
            let Some(task) = self.queue.borrow_mut().pop_front() else {
                break;
            };
            if self.run_task(task) {
                ran += 1;
            }
        }
        ran
    }

    /// Polls one task if the queue entry still names it. Returns whether it
    /// was polled.
    fn run_task(&self, task: TaskRef) -> bool {
        let mut cell = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(task.key as usize) else {
                return false;
            };
            if slot.tag != task.tag || !slot.queued {
                return false; // a stale entry: aborted, or a later task
            }
            slot.queued = false;
            match slot.cell.take() {
                Some(cell) => cell,
                None => return false,
            }
        };
        self.count_poll();
        let waker = task_waker(self.id, task);
        let traced = self.tracer.as_ref().map(|t| t.id_of(task.key));
        let cause = traced.map(|id| self.trace_poll_start(id));
        let poll = cell.as_mut().poll(&mut Context::from_waker(&waker));
        if let (Some(id), Some(cause)) = (traced, cause) {
            self.trace_poll_end(id, poll.is_ready(), cause);
        }
        if poll.is_pending() {
            let mut tasks = self.tasks.borrow_mut();
            let slot = &mut tasks[task.key as usize];
            if !slot.abort_requested {
                slot.cell = Some(cell);
                return true;
            }
            // The task aborted itself (through its own JoinHandle) while it
            // was running; cancel it now that no borrow is held.
            drop(tasks);
            cell.as_mut().cancel();
        }
        self.finish(task, cell);
        true
    }

    /// Records that `task` has finished with its output in `cell`: frees the
    /// slot if the handle is gone, or wakes the handle.
    fn finish(&self, task: TaskRef, cell: Pin<Box<dyn Harness>>) {
        let mut tasks = self.tasks.borrow_mut();
        let slot = &mut tasks[task.key as usize];
        slot.finished = true;
        if slot.detached {
            let slot = tasks.remove(task.key as usize);
            drop(tasks);
            // The output and the slot are dropped with no borrow held.
            drop((cell, slot));
        } else {
            slot.cell = Some(cell);
            let join_waker = slot.join_waker.take();
            drop(tasks);
            if let Some(w) = join_waker {
                w.wake();
            }
        }
    }

    /// Queues the tasks woken from other threads.
    fn drain_remote(&self) {
        let mut buf = std::mem::take(&mut *self.remote_buf.borrow_mut());
        self.shared.drain_remote(&mut buf);
        if !buf.is_empty() {
            let cause = self.tracer.as_ref().map(|t| t.set_cause(WakeCause::Remote));
            for task in buf.drain(..) {
                self.schedule(task);
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

    // ---- Join handle support -------------------------------------------

    /// Takes a finished task's output (freeing its slot), or registers `waker`
    /// to be woken when it finishes.
    pub(crate) fn poll_join(
        &self,
        task: TaskRef,
        waker: &Waker,
        out: &mut dyn std::any::Any,
    ) -> Poll<()> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = match tasks.get_mut(task.key as usize) {
            Some(slot) if slot.tag == task.tag => slot,
            // The slot is gone: the runtime shut down and dropped the task.
            _ => return Poll::Ready(()),
        };
        if !slot.finished {
            match &slot.join_waker {
                Some(w) if w.will_wake(waker) => {}
                _ => slot.join_waker = Some(waker.clone()),
            }
            return Poll::Pending;
        }
        let mut slot = tasks.remove(task.key as usize);
        drop(tasks);
        if let Some(cell) = slot.cell.as_mut() {
            cell.as_mut().take_output(out);
        }
        drop(slot);
        Poll::Ready(())
    }

    /// The handle was dropped: the task runs on, and its slot is freed when it
    /// finishes (or now, if it already has).
    pub(crate) fn detach(&self, task: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(task.key as usize) else {
            return;
        };
        if slot.tag != task.tag {
            return;
        }
        if slot.finished {
            let slot = tasks.remove(task.key as usize);
            drop(tasks);
            drop(slot);
        } else {
            slot.detached = true;
            slot.join_waker = None;
        }
    }

    /// Cancels a task: drops its future now (or right after its current poll,
    /// if it is aborting itself) and makes its output a cancellation error.
    pub(crate) fn abort(&self, task: TaskRef) {
        let mut cell = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(task.key as usize) else {
                return;
            };
            if slot.tag != task.tag || slot.finished {
                return;
            }
            match slot.cell.take() {
                Some(cell) => cell,
                None => {
                    // Being polled right now: the executor cancels it after.
                    slot.abort_requested = true;
                    return;
                }
            }
        };
        cell.as_mut().cancel();
        self.finish(task, cell);
    }

    /// Whether the task has finished (or no longer exists).
    pub(crate) fn is_finished(&self, task: TaskRef) -> bool {
        match self.tasks.borrow().get(task.key as usize) {
            Some(slot) if slot.tag == task.tag => slot.finished,
            _ => true,
        }
    }

    // ---- Shutdown and statistics ---------------------------------------

    /// Drops every task's future (and output), repeatedly, since a destructor
    /// may spawn. Called when the `Runtime` is dropped.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        let _enter = context::try_enter(self.clone());
        loop {
            let slots: Vec<Slot> = self.tasks.borrow_mut().drain().collect();
            if slots.is_empty() {
                break;
            }
            let mut join_wakers = Vec::new();
            for mut slot in slots {
                join_wakers.extend(slot.join_waker.take());
                drop(slot); // user destructors run here, with no borrow held
            }
            for w in join_wakers {
                w.wake();
            }
        }
        self.queue.borrow_mut().clear();
        // Free the runtime id: from now on remote wakes find nothing.
        let registration = self.registration.borrow_mut().take();
        drop(registration);
        self.blocking.shutdown();
    }

    pub(crate) fn stats(&self) -> Stats {
        let reactor = self.reactor.stats();
        Stats {
            tasks: self.tasks.borrow().len(),
            sources: reactor.sources,
            timers: reactor.timers,
            polls: self.polls.get(),
            wakes: self.local_wakes.get() + self.shared.remote_wakes(),
            remote_wakes: self.shared.remote_wakes(),
            parks: reactor.parks,
            blocking_threads: self.blocking.threads(),
        }
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("tasks", &self.tasks.borrow().len())
            .field("queued", &self.queue.borrow().len())
            .finish_non_exhaustive()
    }
}
