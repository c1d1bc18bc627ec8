//! Task wakers that allocate nothing, and the part of a runtime other
//! threads may touch.
//!
//! A [`Waker`] is `Send + Sync`: it may be cloned into a thread pool, a
//! timer thread or a user's `std::thread` and woken there. Ours carry no
//! pointer at all: the waker's data word *is* the task's address, three
//! numbers packed into 64 bits,
//!
//! ```text
//!   63        48 47                 16 15        0
//!  ┌────────────┬─────────────────────┬───────────┐
//!  │ runtime id │   slab key (u32)    │ tag (u16) │
//!  └────────────┴─────────────────────┴───────────┘
//! ```
//!
//! so cloning or dropping a waker is a copy, and creating one for each poll
//! costs nothing: a task needs a single allocation, its future's box. (The
//! common alternative, an `Arc` per task built with `std::task::Wake`, adds
//! a second allocation and 48 bytes to every task.) Waking takes one of two
//! paths:
//!
//! * **local**: on the runtime's own thread the executor is found through a
//!   thread-local (`context.rs`) and the task goes straight onto its run
//!   queue: no lock, no atomic, no system call;
//! * **remote**: from any other thread the runtime is found by its id in a
//!   global registry, the task goes onto [`Shared`]'s locked queue, and
//!   [`polling::Poller::notify`] interrupts the reactor's `epoll_wait`.
//!
//! The tag (the low 16 bits of the task's unique id, mixed with a salt
//! chosen per runtime) tells a task from a later one that reuses its slab
//! slot: a stale waker finds a different tag and does nothing. The salt does
//! the same for a runtime id reused after its runtime was dropped, where the
//! new runtime's first tasks would otherwise carry the same ids as the old
//! one's. The guarantee is probabilistic at the edge: after exactly a
//! multiple of 65,536 spawns into one slot (or a one-in-65,536 salt match),
//! a stale wake polls a task once spuriously, which every future must
//! tolerate; it can never touch freed memory or a task of another thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::task::{RawWaker, RawWakerVTable, Waker};

use polling::Poller;

use crate::context;
use crate::task::TaskRef;

const _: () = assert!(
    usize::BITS == 64,
    "the waker encoding needs 64-bit pointers"
);

/// Identifies a live runtime in the global registry.
pub(crate) type RuntimeId = u16;

/// State shared with other threads: the poller (for `notify`) and the queue of
/// wakes that came from elsewhere.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The runtime's epoll instance. Shared because remote wakers need
    /// `notify` on it.
    pub(crate) poller: Poller,
    /// Tasks woken from other threads, drained by the executor.
    remote: Mutex<Vec<TaskRef>>,
    /// Set after a push to `remote`; lets the executor skip the lock when no
    /// remote wake is waiting.
    remote_pending: AtomicBool,
}

impl Shared {
    pub(crate) fn new() -> std::io::Result<Shared> {
        Ok(Shared {
            poller: Poller::new()?,
            remote: Mutex::new(Vec::new()),
            remote_pending: AtomicBool::new(false),
        })
    }

    /// Queues `task` from a thread that is not the runtime's and interrupts
    /// the reactor if it is parked.
    fn schedule_remote(&self, task: TaskRef) {
        self.remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
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
}

/// Live runtimes, indexed by [`RuntimeId`], for wakes from other threads.
/// Weak, so that a registry entry never keeps a dropped runtime alive.
static REGISTRY: RwLock<Vec<Option<Weak<Shared>>>> = RwLock::new(Vec::new());

/// Entry in the registry for one runtime; frees its id when dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) id: RuntimeId,
}

impl Registration {
    /// Gives `shared` an id by which remote wakers can find it.
    pub(crate) fn new(shared: &Arc<Shared>) -> std::io::Result<Registration> {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        let entry = Some(Arc::downgrade(shared));
        let index = match registry.iter().position(Option::is_none) {
            Some(free) => {
                registry[free] = entry;
                free
            }
            None => {
                registry.push(entry);
                registry.len() - 1
            }
        };
        match RuntimeId::try_from(index) {
            Ok(id) => Ok(Registration { id }),
            Err(_) => {
                registry.pop();
                Err(std::io::Error::other(
                    "more than 65,536 runtimes alive at once",
                ))
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        registry[usize::from(self.id)] = None;
    }
}

/// The waker of `task` on runtime `runtime`.
pub(crate) fn task_waker(runtime: RuntimeId, task: TaskRef) -> Waker {
    let word = (u64::from(runtime) << 48) | (u64::from(task.key) << 16) | u64::from(task.tag);
    let raw = RawWaker::new(std::ptr::without_provenance(word as usize), &VTABLE);
    // SAFETY: `Waker::from_raw` is std's only way to build a waker that is
    // not an `Arc`. Its contract asks that the vtable functions be safe to
    // call from any thread with this data pointer, and that `clone` return a
    // waker for the same task. Ours never dereference the pointer: it is a
    // number (see the module docs), so copying it clones, ignoring it drops,
    // and waking only decodes it and looks the runtime up.
    unsafe { Waker::from_raw(raw) }
}

/// The runtime and task a waker of ours stands for; `None` for any other
/// kind of waker. Lets the executor keep a waiting task as its slab key
/// instead of a `Waker` (see `executor/slot.rs`).
pub(crate) fn task_of(waker: &Waker) -> Option<(RuntimeId, TaskRef)> {
    std::ptr::eq(waker.vtable(), &VTABLE).then(|| decode(waker.data()))
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

fn decode(data: *const ()) -> (RuntimeId, TaskRef) {
    let word = data.addr() as u64;
    let task = TaskRef {
        key: (word >> 16) as u32,
        tag: word as u16,
    };
    ((word >> 48) as RuntimeId, task)
}

fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn drop(_data: *const ()) {}

fn wake(data: *const ()) {
    let (runtime, task) = decode(data);
    if context::schedule_local(runtime, task) {
        return;
    }
    let shared = {
        let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        registry
            .get(usize::from(runtime))
            .and_then(|entry| entry.as_ref()?.upgrade())
    };
    // No entry: the runtime is gone, and so is the task.
    if let Some(shared) = shared {
        shared.schedule_remote(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_of_reads_back_what_task_waker_packed() {
        let task = TaskRef {
            key: 0xDEAD_BEEF,
            tag: 0xF00D,
        };
        let waker = task_waker(0x1234, task);
        assert_eq!(task_of(&waker), Some((0x1234, task)));
        assert_eq!(task_of(&waker.clone()), Some((0x1234, task)));
        assert_eq!(task_of(Waker::noop()), None);
    }
}
