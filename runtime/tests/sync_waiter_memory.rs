//! 100,000 waiters on one `Notify` and on one `Semaphore`, then all gone:
//! the waiter lists shrink back to nothing and the heap returns to its
//! baseline. A counting global allocator in this test binary measures it.
//!
//! One `#[test]` only: the allocator counts the whole process, so a second
//! test running in parallel would blur the numbers.

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Poll, Waker};

use runtime::sync::{Mutex, Notify, Semaphore, mpsc};
use util::{poll_once, watchdog};

/// The system allocator, keeping a count of live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counter is a side note.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

const WAITERS: usize = 100_000;
/// Bytes that may stay allocated after a phase: the test harness and the
/// watchdog allocate a little on their own.
const SLACK: isize = 4096;

#[test]
fn a_hundred_thousand_waiters_leave_no_memory_behind() {
    watchdog(180, || {
        let noop = Waker::noop();

        // Notify: some chosen by `notify_one`, some dropped while waiting
        // (from the back, the worst order for a list without O(1) removal),
        // the rest woken by `notify_waiters`.
        let notify = Notify::new();
        let baseline = live();
        let mut waiting: Vec<_> = (0..WAITERS).map(|_| notify.notified()).collect();
        for n in &mut waiting {
            assert!(poll_once(Pin::new(n), noop).is_pending());
        }
        let (linked, entries, capacity) = notify.waiter_footprint();
        assert_eq!((linked, entries), (WAITERS, WAITERS));
        assert!(capacity >= WAITERS);
        let peak = live() - baseline;
        assert!(
            peak > (WAITERS * 16) as isize,
            "only {peak} bytes for {WAITERS} waiters?"
        );
        for _ in 0..10 {
            notify.notify_one();
        }
        for mut n in waiting.drain(WAITERS / 2..).rev() {
            assert!(poll_once(Pin::new(&mut n), noop).is_pending());
        }
        notify.notify_waiters();
        for (i, n) in waiting.iter_mut().enumerate() {
            assert_eq!(poll_once(Pin::new(n), noop), Poll::Ready(()), "waiter {i}");
        }
        drop(waiting);
        assert_eq!(notify.waiter_footprint(), (0, 0, 0));
        assert!(
            live() - baseline <= SLACK,
            "{} bytes left",
            live() - baseline
        );

        // Semaphore: 500 permits handed to the first waiters, who are then
        // all dropped before running; the permits survive the cascade.
        let sem = Semaphore::new(0);
        let baseline = live();
        let mut acquires: Vec<_> = (0..WAITERS).map(|_| sem.acquire()).collect();
        for a in &mut acquires {
            assert!(poll_once(Pin::new(a), noop).is_pending());
        }
        assert_eq!(sem.waiter_footprint().0, WAITERS);
        sem.add_permits(500);
        assert_eq!(sem.waiter_footprint().0, WAITERS - 500);
        drop(acquires);
        assert_eq!(sem.available_permits(), 500, "no permit lost");
        assert_eq!(sem.waiter_footprint(), (0, 0, 0));
        assert!(
            live() - baseline <= SLACK,
            "{} bytes left",
            live() - baseline
        );

        // Mutex and a full channel's senders, the same way.
        let mutex = Mutex::new(());
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0usize).unwrap();
        let baseline = live();
        let guard = mutex.try_lock().unwrap();
        let mut locks: Vec<_> = (0..WAITERS).map(|_| mutex.lock()).collect();
        let mut sends: Vec<_> = (0..WAITERS).map(|i| tx.send(i + 1)).collect();
        for (l, s) in locks.iter_mut().zip(&mut sends) {
            assert!(poll_once(Pin::new(l), noop).is_pending());
            assert!(poll_once(Pin::new(s), noop).is_pending());
        }
        drop(guard);
        assert_eq!(rx.try_recv(), Ok(0));
        drop(locks);
        drop(sends);
        assert_eq!(rx.try_recv(), Ok(1), "the chosen sender's message stays");
        assert!(
            mutex.try_lock().is_ok(),
            "the lock was passed along and freed"
        );
        assert_eq!(mutex.waiter_footprint(), (0, 0, 0));
        assert_eq!(tx.waiter_footprint(), (0, 0, 0));
        assert!(
            live() - baseline <= SLACK,
            "{} bytes left",
            live() - baseline
        );
    });
}
