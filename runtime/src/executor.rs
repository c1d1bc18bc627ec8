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
use crate::waker::{Shared, TaskWaker};

/// How many polls the executor makes before it looks at the reactor even
/// though tasks are still runnable. This bounds how long a busy set of tasks
/// can delay socket readiness and timers: at most `BATCH` task polls.
pub const BATCH: u32 = 128;

/// One task in the slab.
struct Slot {
    /// Low 32 bits of the task id; see [`TaskRef`].
    tag: u32,
    /// Shared with the task's `Waker`; the executor flips its `scheduled` flag.
    waker: Arc<TaskWaker>,
    /// The future and then the output. `None` while the executor polls it (the
    /// cell is moved out so the slab is not borrowed during user code).
    cell: Option<Pin<Box<dyn Harness>>>,
    /// Woken when the task finishes; set by a `JoinHandle` that is waiting.
    join_waker: Option<Waker>,
    /// The output (or error) is stored in `cell`.
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
}

impl Core {
    pub(crate) fn new() -> std::io::Result<Core> {
        let shared = Arc::new(Shared::new()?);
        Ok(Core {
            reactor: Rc::new(Reactor::new(shared.clone())),
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

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Puts a woken task at the back of the run queue (local wake path).
    pub(crate) fn schedule(&self, task: TaskRef) {
        self.local_wakes.set(self.local_wakes.get() + 1);
        if task == TaskRef::MAIN {
            self.main_woken.set(true);
        } else {
            self.queue.borrow_mut().push_back(task);
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
        let task = {
            let mut tasks = self.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let key = u32::try_from(entry.key()).expect("more than 4 billion live tasks");
            let task = TaskRef {
                key,
                tag: id as u32,
            };
            let waker = Arc::new(TaskWaker::new(self.shared.clone(), task, true));
            let cell = TaskCell::new(id, Waker::from(waker.clone()), future);
            entry.insert(Slot {
                tag: task.tag,
                waker,
                cell: Some(Box::pin(cell)),
                join_waker: None,
                finished: false,
                detached: false,
                abort_requested: false,
            });
            task
        };
        self.queue.borrow_mut().push_back(task);
        JoinHandle::new(self.clone(), task, id)
    }

    /// Runs `future` to completion on this thread, driving every task.
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        let _enter = context::enter(self.clone());
        let main_waker = Arc::new(TaskWaker::new(self.shared.clone(), TaskRef::MAIN, true));
        let waker = Waker::from(main_waker.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        self.main_woken.set(true);
        // Polls since the reactor was last asked for events.
        let mut since_io = 0;
        loop {
            if self.main_woken.replace(false) {
                main_waker.clear_scheduled();
                self.count_poll();
                since_io += 1;
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
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

    /// Polls one task if it is still the task the queue entry names. Returns
    /// whether it was polled.
    fn run_task(&self, task: TaskRef) -> bool {
        let mut cell = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(task.key as usize) else {
                return false;
            };
            if slot.tag != task.tag || slot.finished {
                return false;
            }
            let Some(cell) = slot.cell.take() else {
                return false;
            };
            slot.waker.clear_scheduled();
            cell
        };
        self.count_poll();
        if cell.as_mut().poll().is_pending() {
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
        slot.waker.retire();
        slot.finished = true;
        if slot.detached {
            let slot = tasks.remove(task.key as usize);
            drop(tasks);
            // The output and the slot's wakers are dropped with no borrow held.
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

    /// Moves wakes from other threads onto the run queue.
    fn drain_remote(&self) {
        let mut buf = self.remote_buf.borrow_mut();
        self.shared.drain_remote(&mut buf);
        if buf.is_empty() {
            return;
        }
        let mut queue = self.queue.borrow_mut();
        for task in buf.drain(..) {
            if task == TaskRef::MAIN {
                self.main_woken.set(true);
            } else {
                queue.push_back(task);
            }
        }
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
                slot.waker.retire();
                join_wakers.extend(slot.join_waker.take());
                drop(slot); // user destructors run here, with no borrow held
            }
            for w in join_wakers {
                w.wake();
            }
        }
        self.queue.borrow_mut().clear();
        self.shared.close();
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
