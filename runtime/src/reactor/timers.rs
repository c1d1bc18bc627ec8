//! The reactor's timer store: pending deadlines in order, each with the waker
//! of the task that waits for it.
//!
//! A `BTreeMap` keyed by `(deadline, id)` keeps the earliest deadline first
//! (what the reactor's park needs), and makes insert, cancel and "fire
//! everything due" O(log n). The `id` makes keys unique when two timers share
//! a deadline, and orders such timers by creation. The public timer futures
//! live in `time/`.
//!
//! The store remembers the time up to which it has fired everything
//! (`fired_through`). A timer whose deadline is at or before it is gone from
//! the map and its deadline has passed: a woken `Sleep` learns both from one
//! comparison, with no clock read and no search of the map.

use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

/// Identifies one pending timer; handed back to `time::Sleep` on insert.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Debug)]
pub(crate) struct Timers {
    pending: BTreeMap<TimerKey, Waker>,
    next_id: u64,
    /// Every timer with a deadline at or before this has fired: the `now`
    /// of the latest [`Timers::fire_due`].
    fired_through: Instant,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            pending: BTreeMap::new(),
            next_id: 0,
            fired_through: Instant::now(),
        }
    }

    /// Adds a timer, or returns `None` if its deadline is at or before
    /// `fired_through` (so it has passed, and would never be fired).
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> Option<TimerKey> {
        if deadline <= self.fired_through {
            return None;
        }
        let key = (deadline, self.next_id);
        self.next_id += 1;
        self.pending.insert(key, waker.clone());
        Some(key)
    }

    /// Whether the timer `key` has fired (and so is no longer stored).
    pub(crate) fn has_fired(&self, key: TimerKey) -> bool {
        key.0 <= self.fired_through
    }

    /// Replaces the waker of a pending timer if it would wake a different
    /// task. Returns the old waker, to be dropped by the caller.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> Option<Waker> {
        match self.pending.get_mut(&key) {
            Some(w) if !w.will_wake(waker) => Some(std::mem::replace(w, waker.clone())),
            _ => None,
        }
    }

    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        self.pending.remove(&key)
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.pending.first_key_value().map(|(k, _)| k.0)
    }

    /// Removes every timer whose deadline is at or before `now` and hands
    /// its deadline and waker to `fire`, earliest first.
    pub(crate) fn fire_due(&mut self, now: Instant, mut fire: impl FnMut(Instant, Waker)) {
        self.fired_through = self.fired_through.max(now);
        while let Some(entry) = self.pending.first_entry() {
            let deadline = entry.key().0;
            if deadline > now {
                break;
            }
            fire(deadline, entry.remove());
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fires_in_deadline_order_and_only_when_due() {
        let waker = Waker::noop();
        let now = Instant::now();
        let mut t = Timers::new();
        let late = t.insert(now + Duration::from_millis(20), waker).unwrap();
        let early = t.insert(now + Duration::from_millis(10), waker).unwrap();
        t.insert(now + Duration::from_millis(10), waker).unwrap();
        assert_eq!(t.next_deadline(), Some(now + Duration::from_millis(10)));
        let mut out = Vec::new();
        t.fire_due(now + Duration::from_millis(9), |d, w| out.push((d, w)));
        assert!(out.is_empty());
        t.fire_due(now + Duration::from_millis(10), |d, w| out.push((d, w)));
        assert_eq!(out.len(), 2);
        assert!(t.has_fired(early) && !t.has_fired(late));
        assert!(
            out.iter()
                .all(|(d, _)| *d == now + Duration::from_millis(10))
        );
        assert_eq!(t.len(), 1);
        assert!(t.remove(late).is_some());
        assert!(t.remove(late).is_none());
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn a_deadline_already_fired_through_is_not_stored() {
        let now = Instant::now();
        let mut t = Timers::new();
        t.fire_due(now + Duration::from_millis(5), |_, _| {});
        assert!(t.insert(now, Waker::noop()).is_none());
        assert!(
            t.insert(now + Duration::from_millis(5), Waker::noop())
                .is_none()
        );
        let key = t.insert(now + Duration::from_millis(6), Waker::noop());
        assert!(key.is_some_and(|k| !t.has_fired(k)));
        assert_eq!(t.len(), 1);
    }
}
