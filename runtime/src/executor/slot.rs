//! [`Slot`]: one task's entry in the executor's slab, its state
//! transitions, and the rule for dropping what it holds.
//!
//! The executor never touches a slot's flags directly. It asks for a
//! transition by name, as tokio's `task/state.rs` does, and each transition
//! checks and changes the state in one place:
//!
//! ```text
//!  spawn ─► queued ──begin_poll──► being polled ──end_poll──► idle ──try_queue──► queued
//!                                   │  (try_queue while polled: queued again after the poll)
//!                                   └── Ready, or aborted ──mark_finished──► finished
//!  detach: the JoinHandle is dropped      request_abort: JoinHandle::abort
//! ```
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

use slab::Slab;

use super::task::Harness;
use crate::task_ref::TaskRef;

/// A task's heap cell, type-erased: its future, then its output.
pub(super) type TaskBox = Pin<Box<dyn Harness>>;

/// One task in the slab, plus its cell's allocation.
pub(super) struct Slot {
    /// The future and then the output. `None` while the executor polls it (the
    /// cell is moved out so the slab is not borrowed during user code).
    pub(super) cell: Option<TaskBox>,
    /// What `waiting` points at: a slab key of this runtime (or
    /// `TaskRef::MAIN_KEY`), or an index into `Core::foreign_waiters`.
    pub(super) waiter: u32,
    /// The task id's low 16 bits, salted per runtime; see `Core::tag_of`.
    pub(super) tag: u16,
    /// Who awaits the task's `JoinHandle` and is woken when it finishes.
    pub(super) waiting: Waiting,
    /// Where the task is in its life; changed only by the transitions below.
    flags: Flags,
}

impl Slot {
    /// A new task, already queued for its first poll.
    pub(super) fn new(cell: TaskBox, tag: u16) -> Slot {
        Slot {
            cell: Some(cell),
            waiter: 0,
            tag,
            waiting: Waiting::Nobody,
            flags: Flags(Flags::QUEUED),
        }
    }

    /// A wake. Returns whether the task must be pushed onto the run queue:
    /// not if it is already there or has finished.
    #[inline]
    pub(super) fn try_queue(&mut self) -> bool {
        if self.flags.any(Flags::QUEUED | Flags::FINISHED) {
            return false;
        }
        self.flags.set(Flags::QUEUED);
        true
    }

    /// The task's run-queue entry came up: takes its cell out to poll it,
    /// unless the entry is stale (the task was aborted, or is not queued).
    /// The task counts as not queued from here on, so a wake *during* the
    /// poll queues it again.
    #[inline]
    pub(super) fn begin_poll(&mut self) -> Option<TaskBox> {
        if !self.flags.any(Flags::QUEUED) || self.flags.any(Flags::FINISHED) {
            return None;
        }
        self.flags.clear(Flags::QUEUED);
        self.cell.take()
    }

    /// The poll returned `Pending`: puts the cell back. Gives it back
    /// instead if the task asked to abort itself during the poll; the
    /// caller then cancels and finishes it.
    #[inline]
    pub(super) fn end_poll(&mut self, cell: TaskBox) -> Option<TaskBox> {
        if self.flags.any(Flags::ABORT_REQUESTED) {
            return Some(cell);
        }
        self.cell = Some(cell);
        None
    }

    /// Stores a finished task's cell (holding its output or failure); wakes
    /// do nothing from now on. Returns whether the handle is gone, in which
    /// case nobody will read the output and the caller frees the slot.
    #[inline]
    pub(super) fn mark_finished(&mut self, cell: TaskBox) -> bool {
        self.flags.set(Flags::FINISHED);
        self.cell = Some(cell);
        self.flags.any(Flags::DETACHED)
    }

    /// Whether the output (or failure) is stored.
    #[inline]
    pub(super) fn is_finished(&self) -> bool {
        self.flags.any(Flags::FINISHED)
    }

    /// The handle was dropped. Returns whether the task has already
    /// finished, in which case the caller frees the slot now; otherwise the
    /// slot is freed by [`Slot::mark_finished`]'s caller when it finishes.
    #[inline]
    pub(super) fn detach(&mut self) -> bool {
        if self.is_finished() {
            return true;
        }
        self.flags.set(Flags::DETACHED);
        false
    }

    /// `abort` was called. Returns the cell for the caller to cancel now;
    /// `None` if the task has finished, or if it is being polled right now,
    /// in which case [`Slot::end_poll`] hands the cell back for cancelling.
    #[inline]
    pub(super) fn request_abort(&mut self) -> Option<TaskBox> {
        if self.is_finished() {
            return None;
        }
        let cell = self.cell.take();
        if cell.is_none() {
            self.flags.set(Flags::ABORT_REQUESTED);
        }
        cell
    }
}

/// The slot of `task`, if the slab still holds that task (and not a later
/// one that reuses its key).
#[inline]
pub(super) fn slot_of(tasks: &Slab<Slot>, task: TaskRef) -> Option<&Slot> {
    tasks
        .get(task.key as usize)
        .filter(|slot| slot.tag == task.tag)
}

/// Mutable [`slot_of`].
#[inline]
pub(super) fn slot_of_mut(tasks: &mut Slab<Slot>, task: TaskRef) -> Option<&mut Slot> {
    tasks
        .get_mut(task.key as usize)
        .filter(|slot| slot.tag == task.tag)
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
struct Flags(u8);

impl Flags {
    /// In the run queue: a wake now does nothing. Cleared just before a poll,
    /// so a wake *during* the poll queues the task again.
    const QUEUED: u8 = 1;
    /// The output (or failure) is stored in the cell; wakes do nothing.
    const FINISHED: u8 = 2;
    /// The `JoinHandle` was dropped: free the slot as soon as the task ends.
    const DETACHED: u8 = 4;
    /// `abort` was called while the task was being polled: cancel after the poll.
    const ABORT_REQUESTED: u8 = 8;

    /// Whether any of the bits in `mask` is set.
    fn any(self, mask: u8) -> bool {
        self.0 & mask != 0
    }

    fn set(&mut self, mask: u8) {
        self.0 |= mask;
    }

    fn clear(&mut self, mask: u8) {
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

    fn cell() -> TaskBox {
        Box::pin(super::super::task::TaskCell::new(
            std::future::pending::<()>(),
        ))
    }

    #[test]
    fn a_wake_queues_once_and_a_wake_during_the_poll_queues_again() {
        let mut slot = Slot::new(cell(), 1);
        assert!(!slot.try_queue(), "a new task is already queued");
        let polled = slot.begin_poll().expect("queued, so it can be polled");
        assert!(slot.begin_poll().is_none(), "no second poll of one entry");
        assert!(slot.try_queue(), "woken while being polled");
        assert!(slot.end_poll(polled).is_none());
        assert!(!slot.try_queue());
        assert!(slot.begin_poll().is_some());
    }

    #[test]
    fn a_finished_task_ignores_wakes_and_a_detached_one_is_freed() {
        let mut slot = Slot::new(cell(), 1);
        let polled = slot.begin_poll().unwrap();
        assert!(!slot.mark_finished(polled), "the handle still holds it");
        assert!(slot.is_finished() && !slot.try_queue());
        assert!(slot.begin_poll().is_none());
        assert!(slot.request_abort().is_none(), "too late to abort");
        assert!(slot.detach(), "finished: free it now");

        let mut slot = Slot::new(cell(), 2);
        assert!(!slot.detach(), "running on: freed when it finishes");
        let polled = slot.begin_poll().unwrap();
        assert!(slot.mark_finished(polled), "detached: free it now");
    }

    #[test]
    fn an_abort_during_the_poll_is_honoured_after_it() {
        let mut slot = Slot::new(cell(), 1);
        let polled = slot.begin_poll().unwrap();
        assert!(slot.request_abort().is_none(), "the cell is out: deferred");
        assert!(slot.end_poll(polled).is_some(), "handed back to cancel");
        let mut idle = Slot::new(cell(), 2);
        assert!(
            idle.request_abort().is_some(),
            "not being polled: cancel now"
        );
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
