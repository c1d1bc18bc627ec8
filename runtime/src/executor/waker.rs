//! Task wakers that allocate nothing: the codec between a [`Waker`] and a
//! task's address, and the dispatch of a wake to the local or remote path.
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
//!   thread-local (`current.rs`) and the task goes straight onto its run
//!   queue: no lock, no atomic, no system call;
//! * **remote**: from any other thread the runtime is found by its id in the
//!   global registry (`remote.rs`, the floor below the reactor), the task
//!   goes onto its locked queue, and [`polling::Poller::notify`] interrupts
//!   the reactor's wait.
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

use std::task::{RawWaker, RawWakerVTable, Waker};

use super::current;
use crate::remote::{self, RuntimeId};
use crate::task_ref::TaskRef;

const _: () = assert!(
    usize::BITS == 64,
    "the waker encoding needs 64-bit pointers"
);

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
/// instead of a `Waker` (see `slot.rs`).
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
    if !current::schedule_local(runtime, task) {
        remote::schedule(runtime, task);
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
