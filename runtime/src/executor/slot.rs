//! [`Slot`]: one task's entry in the executor's slab, and the rule for
//! dropping what it holds.
//!
//! A slot is 24 bytes, and so is the slab's entry for it (the [`Waiting`]
//! enum leaves the compiler spare values in which to mark a vacant entry).
//! That size matters: a program with a million tasks walks a million slots
//! on every pass of the run queue, and a slab that stays under 32 MiB is
//! reused by malloc rather than mapped afresh (and page-faulted in) each
//! time. Three choices keep it that small:
//!
//! * the task's flags share one byte ([`Flags`]);
//! * the task that awaits the `JoinHandle` is kept as its slab key alone,
//!   not as a 16-byte `Waker` (almost every `JoinHandle` is awaited by a
//!   task of the same runtime, and waking it by key skips the waker
//!   registry);
//! * any other waker (a handle polled by another executor, or through a
//!   combinator's own waker) is kept in a side slab,
//!   `Core::foreign_waiters`, and the slot keeps its index there.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

use crate::task::Harness;

/// One task in the slab, plus its cell's allocation.
pub(super) struct Slot {
    /// The future and then the output. `None` while the executor polls it (the
    /// cell is moved out so the slab is not borrowed during user code).
    pub(super) cell: Option<Pin<Box<dyn Harness>>>,
    /// What `waiting` points at: a slab key of this runtime (or
    /// `TaskRef::MAIN_KEY`), or an index into `Core::foreign_waiters`.
    pub(super) waiter: u32,
    /// The task id's low 16 bits, salted per runtime; see `Core::tag_of`.
    pub(super) tag: u16,
    /// Who awaits the task's `JoinHandle` and is woken when it finishes.
    pub(super) waiting: Waiting,
    pub(super) flags: Flags,
}

impl Slot {
    /// A new task, already queued for its first poll.
    pub(super) fn new(cell: Pin<Box<dyn Harness>>, tag: u16) -> Slot {
        Slot {
            cell: Some(cell),
            waiter: 0,
            tag,
            waiting: Waiting::Nobody,
            flags: Flags(Flags::QUEUED),
        }
    }
}

/// Who is waiting for a task to finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// Nobody: the handle has not been polled, or it was dropped.
    Nobody,
    /// The task (or `block_on` future) whose slab key is in `Slot::waiter`.
    /// Only the key is kept: if that task ends and another takes its slot
    /// before this task finishes, the newcomer gets one spurious wake, which
    /// every future must tolerate.
    Task,
    /// A waker of some other kind, at index `Slot::waiter` of
    /// `Core::foreign_waiters`.
    Foreign,
}

/// A task's state bits, packed into one byte to keep [`Slot`] small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flags(u8);

impl Flags {
    /// In the run queue: a wake now does nothing. Cleared just before a poll,
    /// so a wake *during* the poll queues the task again.
    pub(super) const QUEUED: u8 = 1;
    /// The output (or failure) is stored in the cell; wakes do nothing.
    pub(super) const FINISHED: u8 = 2;
    /// The `JoinHandle` was dropped: free the slot as soon as the task ends.
    pub(super) const DETACHED: u8 = 4;
    /// `abort` was called while the task was being polled: cancel after the poll.
    pub(super) const ABORT_REQUESTED: u8 = 8;

    /// Whether any of the bits in `mask` is set.
    pub(super) fn any(self, mask: u8) -> bool {
        self.0 & mask != 0
    }

    pub(super) fn set(&mut self, mask: u8) {
        self.0 |= mask;
    }

    pub(super) fn clear(&mut self, mask: u8) {
        self.0 &= !mask;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of `slab`'s own (private) entry type.
    #[allow(dead_code)]
    enum Entry<T> {
        Vacant(usize),
        Occupied(T),
    }

    #[test]
    fn a_slab_entry_takes_24_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 24);
        assert_eq!(std::mem::size_of::<Entry<Slot>>(), 24);
    }

    #[test]
    fn flags_are_independent_bits() {
        let mut flags = Flags(Flags::QUEUED);
        flags.set(Flags::FINISHED);
        assert!(flags.any(Flags::QUEUED) && flags.any(Flags::FINISHED));
        flags.clear(Flags::QUEUED);
        assert!(!flags.any(Flags::QUEUED | Flags::DETACHED));
        assert!(flags.any(Flags::QUEUED | Flags::FINISHED));
    }
}
