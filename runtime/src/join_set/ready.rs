//! The completion queue of a [`JoinSet`](super::JoinSet): the per-task
//! wakers that feed it, and the waker of whoever waits in `join_next`.
//!
//! Each task of a set has a waker of its own, an [`EntryWaker`] that knows
//! the task's place in the set. The set polls the task's `JoinHandle` once,
//! at spawn, with that waker; the executor keeps it in the task's slot
//! (`executor/join_slot.rs`) and wakes it when the task finishes, and the
//! wake pushes the task's place onto this queue. A completion therefore
//! costs one push and `join_next` one pop: nothing ever walks the set.
//!
//! The queue sits behind a `std::sync::Mutex` only because a [`Waker`] must
//! be `Send + Sync`. In practice it is always woken on the set's own thread
//! (a task finishes on its runtime's thread), so the lock is never
//! contended. There are no atomics here beyond std's `Mutex` and `Arc`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

/// A queue this large (in members) is freed once it empties, so that a
/// burst of completions does not pin its memory for the set's lifetime.
pub(super) const SHRINK_ABOVE: usize = 64;

/// A task's place in its set: the slab key and the generation that tells
/// it from a later task given the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Member {
    pub(super) key: usize,
    pub(super) generation: u64,
}

/// Finished tasks in the order they finished, and the waiting joiner.
#[derive(Debug, Default)]
pub(super) struct Ready {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Members whose task has finished and not been joined yet. A member
    /// can be stale (its task left the set since); the set checks.
    queue: VecDeque<Member>,
    /// The task in `join_next`, woken by the next push (then cleared).
    joiner: Option<Waker>,
}

impl Ready {
    /// The waker of the task at `member`: waking it queues `member`.
    pub(super) fn waker(self: &Arc<Self>, member: Member) -> Waker {
        Waker::from(Arc::new(EntryWaker {
            ready: self.clone(),
            member,
        }))
    }

    /// The longest-finished member, if any.
    pub(super) fn pop(&self) -> Option<Member> {
        self.lock().pop()
    }

    /// The longest-finished member; or, if none has finished, keeps
    /// `waker` to be woken by the next completion. Checking and storing
    /// under one lock is what makes a completion between the two
    /// impossible to miss.
    pub(super) fn pop_or_wait(&self, waker: &Waker) -> Option<Member> {
        let mut state = self.lock();
        let next = state.pop();
        if next.is_none() {
            match &mut state.joiner {
                Some(stored) if stored.will_wake(waker) => {}
                joiner => *joiner = Some(waker.clone()),
            }
        }
        next
    }

    /// Forgets every queued member (the set has let go of its tasks) and
    /// frees the queue's memory.
    pub(super) fn clear(&self) {
        let mut state = self.lock();
        state.queue = VecDeque::new();
        state.joiner = None;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing here can panic while holding the lock, but a poisoned
        // lock would still hold a valid queue: take it anyway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn pop(&mut self) -> Option<Member> {
        let next = self.queue.pop_front();
        if self.queue.is_empty() && self.queue.capacity() > SHRINK_ABOVE {
            self.queue = VecDeque::new();
        }
        next
    }
}

/// The waker the set gives one task's `JoinHandle`.
struct EntryWaker {
    ready: Arc<Ready>,
    member: Member,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let joiner = {
            let mut state = self.ready.lock();
            state.queue.push_back(self.member);
            state.joiner.take()
        };
        // Woken after unlocking, as everywhere in `sync/`.
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_queue_members_in_order_and_wake_the_joiner_once() {
        let ready = Arc::new(Ready::default());
        let member = |key| Member { key, generation: 0 };
        let (a, b) = (ready.waker(member(3)), ready.waker(member(1)));
        assert_eq!(ready.pop_or_wait(Waker::noop()), None);
        b.wake_by_ref();
        a.wake();
        assert!(ready.lock().joiner.is_none(), "taken by the first wake");
        assert_eq!(ready.pop(), Some(member(1)));
        assert_eq!(ready.pop_or_wait(Waker::noop()), Some(member(3)));
        assert_eq!(ready.pop(), None);
        b.wake();
        ready.clear();
        assert_eq!(ready.pop(), None);
    }

    #[test]
    fn a_drained_burst_gives_its_memory_back() {
        let ready = Arc::new(Ready::default());
        for key in 0..1000 {
            ready.waker(Member { key, generation: 0 }).wake();
        }
        while ready.pop().is_some() {}
        assert_eq!(ready.lock().queue.capacity(), 0);
    }
}
