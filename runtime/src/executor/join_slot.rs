//! The executor's side of [`JoinHandle`](crate::JoinHandle): taking a
//! finished task's output, detaching, aborting, asking whether a task has
//! finished, and keeping track of who waits for a task to finish.
//!
//! The waiter is almost always a task of this runtime (or its `block_on`
//! future): then the slot keeps only its slab key, and the wake is a direct
//! push onto the run queue. Any other waker goes to `Core::foreign_waiters`
//! (see `slot.rs` for why).
//!
//! (Not to be confused with [`join`](crate::join), the combinator that
//! polls several futures in one task.)

use std::any::Any;
use std::task::{Poll, Waker};

use slab::Slab;

use super::Core;
use super::slot::{Slot, Waiting, drop_contained, slot_of, slot_of_mut};
use super::waker;
use crate::task_ref::TaskRef;

/// A waiter taken out of its slot, to be woken once no borrow is held.
pub(super) enum Wakeup {
    Nobody,
    Task(TaskRef),
    Foreign(Waker),
}

impl Core {
    /// Takes a finished task's output (freeing its slot), or registers `waker`
    /// to be woken when it finishes. `Ready` with nothing written to `out`
    /// means the task is gone (the runtime shut down).
    pub(crate) fn poll_join(&self, task: TaskRef, waker: &Waker, out: &mut dyn Any) -> Poll<()> {
        let mut tasks = self.tasks.borrow_mut();
        let Some(finished) = slot_of(&tasks, task).map(Slot::is_finished) else {
            return Poll::Ready(());
        };
        if !finished {
            let displaced = self.set_waiter(&mut tasks, task.key, waker);
            drop(tasks);
            drop(displaced); // a foreign waker's destructor is not ours to run under a borrow
            return Poll::Pending;
        }
        let mut slot = tasks.remove(task.key as usize);
        drop(tasks);
        if let Some(cell) = slot.cell.as_mut() {
            cell.as_mut().take_output(out);
        }
        drop_contained(slot);
        Poll::Ready(())
    }

    /// The handle was dropped: the task runs on, and its slot is freed when it
    /// finishes (or now, if it already has).
    pub(crate) fn detach(&self, task: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = slot_of_mut(&mut tasks, task) else {
            return;
        };
        if slot.detach() {
            let slot = tasks.remove(task.key as usize);
            drop(tasks);
            drop_contained(slot); // the output nobody will read
        } else {
            let waiter = self.take_waiter(&mut tasks, task.key);
            drop(tasks);
            drop(waiter); // nobody is waiting any more: drop it without a wake
        }
    }

    /// Cancels a task: drops its future now (or right after its current poll,
    /// if it is aborting itself) and makes its output a cancellation error.
    pub(crate) fn abort(&self, task: TaskRef) {
        let cell = slot_of_mut(&mut self.tasks.borrow_mut(), task).and_then(Slot::request_abort);
        // `None`: gone, finished, or being polled right now (then the
        // executor cancels it after the poll).
        let Some(mut cell) = cell else {
            return;
        };
        cell.as_mut().cancel();
        self.finish(task, cell);
    }

    /// Whether the task has finished (or no longer exists).
    pub(crate) fn is_finished(&self, task: TaskRef) -> bool {
        slot_of(&self.tasks.borrow(), task).is_none_or(Slot::is_finished)
    }

    /// Makes `waker` the one to wake when task `key` finishes. Returns the
    /// foreign waker it replaces, for the caller to drop with no borrow held.
    fn set_waiter(&self, tasks: &mut Slab<Slot>, key: u32, waker: &Waker) -> Option<Waker> {
        let local = self.live_task_of(tasks, waker);
        let slot = &mut tasks[key as usize];
        let mut foreign = self.foreign_waiters.borrow_mut();
        match (local, slot.waiting) {
            (Some(waiter), Waiting::Foreign) => {
                let displaced = foreign.remove(slot.waiter as usize);
                (slot.waiting, slot.waiter) = (Waiting::Task, waiter);
                Some(displaced)
            }
            (Some(waiter), _) => {
                (slot.waiting, slot.waiter) = (Waiting::Task, waiter);
                None
            }
            (None, Waiting::Foreign) => {
                let stored = &mut foreign[slot.waiter as usize];
                (!stored.will_wake(waker)).then(|| std::mem::replace(stored, waker.clone()))
            }
            (None, _) => {
                let index = u32::try_from(foreign.insert(waker.clone()))
                    .expect("more than 4 billion foreign JoinHandle wakers");
                (slot.waiting, slot.waiter) = (Waiting::Foreign, index);
                None
            }
        }
    }

    /// The slab key of the live task (or current `block_on` future) of this
    /// runtime that `waker` wakes, if it is one.
    fn live_task_of(&self, tasks: &Slab<Slot>, waker: &Waker) -> Option<u32> {
        let (runtime, task) = waker::task_of(waker)?;
        let live = runtime == self.id()
            && if task.is_main() {
                task.tag == self.main_tag.get()
            } else {
                slot_of(tasks, task).is_some()
            };
        live.then_some(task.key)
    }

    /// Takes task `key`'s waiter out of its slot.
    pub(super) fn take_waiter(&self, tasks: &mut Slab<Slot>, key: u32) -> Wakeup {
        let slot = &mut tasks[key as usize];
        let waiter = slot.waiter;
        match std::mem::replace(&mut slot.waiting, Waiting::Nobody) {
            Waiting::Nobody => Wakeup::Nobody,
            Waiting::Foreign => {
                Wakeup::Foreign(self.foreign_waiters.borrow_mut().remove(waiter as usize))
            }
            Waiting::Task => {
                // The waiter's current tag: if it has ended and its slot was
                // reused, this wakes the newcomer once, spuriously.
                let tag = if waiter == TaskRef::MAIN_KEY {
                    Some(self.main_tag.get())
                } else {
                    tasks.get(waiter as usize).map(|slot| slot.tag)
                };
                tag.map_or(Wakeup::Nobody, |tag| {
                    Wakeup::Task(TaskRef { key: waiter, tag })
                })
            }
        }
    }

    /// Wakes a waiter taken by [`Core::take_waiter`].
    pub(super) fn wake_waiter(&self, waiter: Wakeup) {
        match waiter {
            Wakeup::Nobody => {}
            Wakeup::Task(task) => self.wake_local(task),
            Wakeup::Foreign(waker) => waker.wake(),
        }
    }
}
