//! The executor's side of [`JoinHandle`](crate::JoinHandle): taking a
//! finished task's output, detaching, aborting, and asking whether a task
//! has finished.

use std::any::Any;
use std::task::{Poll, Waker};

use super::Core;
use super::slot::drop_contained;
use crate::task::TaskRef;

impl Core {
    /// Takes a finished task's output (freeing its slot), or registers `waker`
    /// to be woken when it finishes. `Ready` with nothing written to `out`
    /// means the task is gone (the runtime shut down).
    pub(crate) fn poll_join(&self, task: TaskRef, waker: &Waker, out: &mut dyn Any) -> Poll<()> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = match tasks.get_mut(task.key as usize) {
            Some(slot) if slot.tag == task.tag => slot,
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
        drop_contained(slot);
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
            drop_contained(slot); // the output nobody will read
        } else {
            slot.detached = true;
            let waker = slot.join_waker.take();
            drop(tasks);
            drop(waker);
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
}
