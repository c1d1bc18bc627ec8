//! [`WaiterList`]: the one queue of parked tasks that every primitive in
//! `sync/` keeps under its `std::sync::Mutex`.
//!
//! A waiter is a slab entry holding the task's [`Waker`] and a small
//! payload the primitive defines (a message waiting for room, a "you were
//! given the lock" mark, a notification). Entries are threaded into a
//! doubly linked FIFO by slab key, so that
//!
//! * waking the longest waiter is O(1) (`pop_front`),
//! * a cancelled waiter leaves from the middle in O(1)
//!   (`remove`), which matters with 100,000 of them,
//! * a waker is stored once, when the task first waits, and replaced only
//!   when the task polls with a waker that would not wake the same task
//!   ([`Waker::will_wake`]); it is never cloned per poll.
//!
//! Popping *unlinks* an entry and hands its waker out (to be woken after
//! the caller releases its lock) but keeps the entry and its payload: the
//! waiting future still owns its key and removes the entry itself when it
//! completes or is dropped. That is how a primitive learns, at drop time,
//! that a waiter had been chosen (given a permit, the lock, a wake-up) and
//! must pass it on.

use std::fmt;
use std::task::Waker;

use slab::Slab;

/// A slab this large (in entries) is freed once it empties again, so that a
/// burst of waiters does not pin its memory for the primitive's lifetime.
const SHRINK_ABOVE: usize = 64;

/// A FIFO of waiting tasks, each with a payload `P`; see the module docs.
pub(crate) struct WaiterList<P> {
    /// Every waiter still owned by a future: linked (waiting) or popped.
    entries: Slab<Entry<P>>,
    /// The longest-waiting linked entry.
    head: Option<usize>,
    /// The most recent linked entry.
    tail: Option<usize>,
    /// How many entries are linked, i.e. still waiting to be chosen.
    linked: usize,
}

struct Entry<P> {
    /// `Some` while linked; taken by `pop_front` to be woken.
    waker: Option<Waker>,
    prev: Option<usize>,
    next: Option<usize>,
    payload: P,
}

impl<P> WaiterList<P> {
    /// An empty list; allocates nothing.
    pub(crate) const fn new() -> Self {
        WaiterList {
            entries: Slab::new(),
            head: None,
            tail: None,
            linked: 0,
        }
    }

    /// How many waiters are linked (waiting to be chosen).
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    /// Entries owned by futures (linked or popped) and the slab's capacity:
    /// what the memory tests watch return to the baseline.
    pub(crate) fn footprint(&self) -> (usize, usize) {
        (self.entries.len(), self.entries.capacity())
    }

    /// Links a new waiter at the back and returns its key.
    pub(crate) fn push_back(&mut self, waker: Waker, payload: P) -> usize {
        let key = self.entries.insert(Entry {
            waker: Some(waker),
            prev: self.tail,
            next: None,
            payload,
        });
        match self.tail {
            Some(tail) => self.entries[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.linked += 1;
        key
    }

    /// Unlinks the longest-waiting entry and returns its key and waker. The
    /// entry (and its payload) stays until its future calls `remove`.
    pub(crate) fn pop_front(&mut self) -> Option<(usize, Waker)> {
        let key = self.head?;
        let waker = self.unlink(key)?;
        Some((key, waker))
    }

    /// Unlinks every waiting entry, in FIFO order, calling `f` on each
    /// payload, and returns their wakers to be woken outside the lock.
    pub(crate) fn pop_all(&mut self, mut f: impl FnMut(&mut P)) -> Wakers {
        let mut wakers = Wakers::new();
        while let Some((key, waker)) = self.pop_front() {
            f(&mut self.entries[key].payload);
            wakers.push(waker);
        }
        wakers
    }

    /// The payload of the longest-waiting linked entry, without unlinking
    /// it: for a primitive whose next choice depends on who waits first
    /// (`RwLock`: a reader can join other readers, a writer cannot).
    pub(crate) fn front(&self) -> Option<&P> {
        self.head.map(|key| &self.entries[key].payload)
    }

    /// Whether `key` is still linked, i.e. has not been chosen yet.
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.entries[key].waker.is_some()
    }

    /// The payload of `key`.
    pub(crate) fn payload_mut(&mut self, key: usize) -> &mut P {
        &mut self.entries[key].payload
    }

    /// Stores `waker` for a linked `key` unless the stored one already
    /// wakes the same task: the one place a waiter's waker is cloned.
    pub(crate) fn update_waker(&mut self, key: usize, waker: &Waker) {
        if let Some(stored) = &mut self.entries[key].waker
            && !stored.will_wake(waker)
        {
            stored.clone_from(waker);
        }
    }

    /// Removes `key` (linked or popped) and returns its payload. Called by
    /// the owning future when it completes or is dropped.
    pub(crate) fn remove(&mut self, key: usize) -> P {
        // The returned waker is dropped here, still under the caller's lock;
        // dropping a waker never re-enters a primitive.
        drop(self.unlink(key));
        let entry = self.entries.remove(key);
        if self.entries.is_empty() && self.entries.capacity() > SHRINK_ABOVE {
            self.entries = Slab::new();
        }
        entry.payload
    }

    /// Takes `key` out of the FIFO; returns its waker if it was linked.
    fn unlink(&mut self, key: usize) -> Option<Waker> {
        let entry = &mut self.entries[key];
        let waker = entry.waker.take()?;
        let (prev, next) = (entry.prev.take(), entry.next.take());
        match prev {
            Some(p) => self.entries[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.entries[n].prev = prev,
            None => self.tail = prev,
        }
        self.linked -= 1;
        Some(waker)
    }
}

impl<P> fmt::Debug for WaiterList<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaiterList")
            .field("waiting", &self.linked)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Wakers collected under a primitive's lock, to be woken after it is
/// released (so a woken task on another thread never blocks on the lock).
/// The first is kept inline: the common case, one waker, allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Wakers {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl Wakers {
    pub(crate) const fn new() -> Wakers {
        Wakers {
            first: None,
            rest: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes them all, in the order they were pushed.
    pub(crate) fn wake_all(self) {
        if let Some(first) = self.first {
            first.wake();
        }
        for waker in self.rest {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn fifo_order_and_removal_from_the_middle() {
        let mut list = WaiterList::new();
        let keys: Vec<usize> = (0..5)
            .map(|i| list.push_back(Waker::noop().clone(), i))
            .collect();
        assert_eq!(list.len(), 5);
        assert_eq!(list.remove(keys[2]), 2);
        assert_eq!(list.remove(keys[4]), 4);
        assert_eq!(list.front(), Some(&0));
        let (k, _) = list.pop_front().unwrap();
        assert_eq!(*list.payload_mut(k), 0);
        assert!(!list.is_linked(k));
        assert_eq!(list.head, Some(keys[1]));
        let popped = list.pop_all(|p| *p += 10);
        assert_eq!(popped.rest.len(), 1);
        assert_eq!(list.len(), 0);
        assert_eq!(list.footprint().0, 3, "popped entries stay until removed");
        for k in [keys[0], keys[1], keys[3]] {
            list.remove(k);
        }
        assert_eq!(list.footprint().0, 0);
    }

    #[test]
    fn a_large_list_frees_its_memory_once_empty() {
        let mut list = WaiterList::new();
        let keys: Vec<usize> = (0..1000)
            .map(|_| list.push_back(Waker::noop().clone(), ()))
            .collect();
        for k in keys.into_iter().rev() {
            list.remove(k);
        }
        assert_eq!(list.footprint(), (0, 0));
        assert_eq!((list.head, list.tail), (None, None));
    }
}
