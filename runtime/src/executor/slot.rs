//! [`Slot`]: one task's entry in the executor's slab, and the rule for
//! dropping what it holds.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::Waker;

use crate::task::Harness;

/// One task in the slab: 40 bytes, plus its cell's allocation.
pub(super) struct Slot {
    /// The future and then the output. `None` while the executor polls it (the
    /// cell is moved out so the slab is not borrowed during user code).
    pub(super) cell: Option<Pin<Box<dyn Harness>>>,
    /// Woken when the task finishes; set by a `JoinHandle` that is waiting.
    pub(super) join_waker: Option<Waker>,
    /// The task id's low 16 bits, salted per runtime; see `Core::tag_of`.
    pub(super) tag: u16,
    /// In the run queue: a wake now does nothing. Cleared just before a poll,
    /// so a wake *during* the poll queues the task again.
    pub(super) queued: bool,
    /// The output (or failure) is stored in `cell`; wakes do nothing.
    pub(super) finished: bool,
    /// The `JoinHandle` was dropped: free the slot as soon as the task ends.
    pub(super) detached: bool,
    /// `abort` was called while the task was being polled: cancel after the poll.
    pub(super) abort_requested: bool,
}

/// Drops a task's leftovers (its output, or its future at shutdown) with no
/// borrow held, containing a panic from their destructors: user code must
/// not unwind through the executor and stop every other task.
pub(super) fn drop_contained<T>(value: T) {
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(value)));
    // The panic was already reported by the panic hook; nobody is left to
    // receive it, since the task's handle is gone or is being torn down.
    drop(dropped);
}
