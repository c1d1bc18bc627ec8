//! [`Waiters`]: the tasks waiting on one direction of one reactor source,
//! kept in each reactor `Source` (`source.rs`) and filled by
//! `io::Registration`.
//!
//! Nearly always one task waits per direction, so the first waker lives
//! inline and costs what a lone `Option<Waker>` costs. A second waiter on
//! the same direction (two tasks reading one `&TcpStream`, two accepting
//! on one listener) goes to an overflow `Vec` that is empty, and never
//! allocates, until then. An event wakes them all; the ones that lose the
//! race for the data find `WouldBlock` and wait again. No waiter overwrites
//! another, so none can hang.
//!
//! A future that can be dropped mid-wait holds a [`Ticket`] naming its own
//! entry, so dropping it removes that entry and nobody else's. Callers with
//! nowhere to keep a ticket (`poll_read` and the futures-io traits) register
//! untracked: an untracked waker is stored once per task (`will_wake`), and
//! what they leave behind is woken by the next event or dropped with the
//! source.

use std::num::NonZeroU64;
use std::task::Waker;

/// Names one waiter's entry in a [`Waiters`]. Empty until its holder waits;
/// emptied again when it is woken or removes itself.
#[derive(Debug, Default)]
pub(crate) struct Ticket(Option<NonZeroU64>);

impl Ticket {
    /// Whether the holder may have an entry stored (it waited and was not
    /// yet known to be woken).
    pub(crate) fn is_waiting(&self) -> bool {
        self.0.is_some()
    }

    /// Forgets the entry: the holder was woken (its entry is gone with the
    /// event that woke it).
    pub(crate) fn forget(&mut self) {
        self.0 = None;
    }
}

/// The id of untracked entries; tickets start at 1.
const UNTRACKED: u64 = 0;

/// The wakers waiting on one direction of one source.
#[derive(Debug)]
pub(crate) struct Waiters {
    /// The first waiter, if any: the only one, nearly always.
    first: Option<(u64, Waker)>,
    /// Further waiters; empty (no allocation) unless two tasks wait at once.
    rest: Vec<(u64, Waker)>,
    /// The id the next tracked entry gets.
    next_id: NonZeroU64,
}

impl Default for Waiters {
    fn default() -> Waiters {
        Waiters {
            first: None,
            rest: Vec::new(),
            next_id: NonZeroU64::MIN,
        }
    }
}

impl Waiters {
    /// Stores `waker` for a waiter. With a ticket, the waiter's own entry is
    /// updated (or created, filling the ticket); without, the waker is
    /// stored unless an untracked entry already wakes the same task.
    /// Returns a replaced waker, for the caller to drop once no borrow of
    /// the reactor is held.
    pub(crate) fn register(&mut self, waker: &Waker, ticket: Option<&mut Ticket>) -> Option<Waker> {
        let id = match ticket {
            Some(ticket) => {
                if let Some(id) = ticket.0
                    && let Some(entry) = self.find_mut(id.get())
                {
                    if entry.will_wake(waker) {
                        return None;
                    }
                    return Some(std::mem::replace(entry, waker.clone()));
                }
                let id = self.next_id;
                self.next_id = id.checked_add(1).expect("2^64 waits on one source");
                ticket.0 = Some(id);
                id.get()
            }
            None => {
                if self
                    .iter()
                    .any(|(id, w)| *id == UNTRACKED && w.will_wake(waker))
                {
                    return None;
                }
                UNTRACKED
            }
        };
        let entry = (id, waker.clone());
        if self.first.is_none() {
            self.first = Some(entry);
        } else {
            self.rest.push(entry);
        }
        None
    }

    /// Removes the ticket holder's entry, if it is still there, emptying the
    /// ticket. Returns the waker for the caller to drop.
    pub(crate) fn remove(&mut self, ticket: &mut Ticket) -> Option<Waker> {
        let id = ticket.0.take()?.get();
        if self.first.as_ref().is_some_and(|(first, _)| *first == id) {
            return self.first.take().map(|(_, w)| w);
        }
        let at = self.rest.iter().position(|(other, _)| *other == id)?;
        Some(self.rest.swap_remove(at).1)
    }

    /// Whether no task waits in this direction.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.is_empty()
    }

    /// Takes every waker, for an event in this direction.
    pub(crate) fn drain(&mut self, mut each: impl FnMut(Waker)) {
        if let Some((_, waker)) = self.first.take() {
            each(waker);
        }
        if !self.rest.is_empty() {
            for (_, waker) in self.rest.drain(..) {
                each(waker);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = &(u64, Waker)> {
        self.first.iter().chain(&self.rest)
    }

    fn find_mut(&mut self, id: u64) -> Option<&mut Waker> {
        self.first
            .iter_mut()
            .chain(&mut self.rest)
            .find(|(other, _)| *other == id)
            .map(|(_, w)| w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn woken(waiters: &mut Waiters) -> usize {
        let mut n = 0;
        waiters.drain(|w| {
            n += 1;
            w.wake();
        });
        n
    }

    #[test]
    fn two_tracked_waiters_are_both_kept_and_removed_separately() {
        let (a, b) = (Arc::new(Count::default()), Arc::new(Count::default()));
        let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
        let mut waiters = Waiters::default();
        let (mut ta, mut tb) = (Ticket::default(), Ticket::default());
        assert!(waiters.register(&wa, Some(&mut ta)).is_none());
        assert!(waiters.register(&wb, Some(&mut tb)).is_none());
        // Polling again with the same ticket stores nothing new.
        assert!(waiters.register(&wa, Some(&mut ta)).is_none());
        assert!(waiters.remove(&mut ta).is_some());
        assert!(!ta.is_waiting());
        assert!(waiters.remove(&mut ta).is_none(), "already removed");
        assert_eq!(woken(&mut waiters), 1);
        assert_eq!(
            b.0.load(Ordering::SeqCst),
            1,
            "b's waker survived a's removal"
        );
        assert_eq!(a.0.load(Ordering::SeqCst), 0);
        // b's ticket is stale now: removing is a no-op.
        assert!(waiters.remove(&mut tb).is_none());
    }

    #[test]
    fn untracked_waker_is_stored_once_per_task() {
        let a = Arc::new(Count::default());
        let wa = Waker::from(a.clone());
        let mut waiters = Waiters::default();
        for _ in 0..5 {
            waiters.register(&wa, None);
        }
        assert_eq!(Arc::strong_count(&a), 3, "a, wa, and one stored clone");
        assert_eq!(woken(&mut waiters), 1);
    }

    #[test]
    fn a_tracked_waiter_with_a_new_waker_replaces_its_own_entry() {
        let (a, b) = (Arc::new(Count::default()), Arc::new(Count::default()));
        let mut waiters = Waiters::default();
        let mut ticket = Ticket::default();
        waiters.register(&Waker::from(a.clone()), Some(&mut ticket));
        let old = waiters.register(&Waker::from(b.clone()), Some(&mut ticket));
        assert!(old.is_some());
        drop(old);
        assert_eq!(Arc::strong_count(&a), 1);
        assert_eq!(woken(&mut waiters), 1);
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
    }
}
