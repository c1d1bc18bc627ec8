//! The reactor's timer store: pending deadlines in order, each with the waker
//! of the task that waits for it.
//!
//! A `BTreeMap` keyed by `(deadline, id)` keeps the earliest deadline first
//! (what the reactor's park needs), and makes insert, cancel and "fire
//! everything due" O(log n). The `id` makes keys unique when two timers share
//! a deadline, and orders such timers by creation. The public timer futures
//! live in `time/`.

use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

/// Identifies one pending timer; handed back to `time::Sleep` on insert.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Debug, Default)]
pub(crate) struct Timers {
    pending: BTreeMap<TimerKey, Waker>,
    next_id: u64,
}

impl Timers {
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> TimerKey {
        let key = (deadline, self.next_id);
        self.next_id += 1;
        self.pending.insert(key, waker.clone());
        key
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
        let mut t = Timers::default();
        let late = t.insert(now + Duration::from_millis(20), waker);
        t.insert(now + Duration::from_millis(10), waker);
        t.insert(now + Duration::from_millis(10), waker);
        assert_eq!(t.next_deadline(), Some(now + Duration::from_millis(10)));
        let mut out = Vec::new();
        t.fire_due(now + Duration::from_millis(9), |d, w| out.push((d, w)));
        assert!(out.is_empty());
        t.fire_due(now + Duration::from_millis(10), |d, w| out.push((d, w)));
        assert_eq!(out.len(), 2);
        assert!(
            out.iter()
                .all(|(d, _)| *d == now + Duration::from_millis(10))
        );
        assert_eq!(t.len(), 1);
        assert!(t.remove(late).is_some());
        assert!(t.remove(late).is_none());
        assert_eq!(t.next_deadline(), None);
    }
}
