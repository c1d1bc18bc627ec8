//! `sync::Notify`: `notify_one` wakes one waiter or stores one permit;
//! `notify_waiters` wakes everyone waiting and stores nothing.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};

use runtime::sync::Notify;
use util::{CountingWaker, poll_once, watchdog};

#[test]
fn notify_one_with_nobody_waiting_stores_one_permit_not_more() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let noop = Waker::noop();
    assert_eq!(
        poll_once(Pin::new(&mut notify.notified()), noop),
        Poll::Ready(())
    );
    assert!(
        poll_once(Pin::new(&mut notify.notified()), noop).is_pending(),
        "permits do not add up"
    );
    assert_eq!(notify.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn notify_one_wakes_waiters_in_arrival_order() {
    let notify = Notify::new();
    let ws: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
    let ks: Vec<Waker> = ws.iter().map(|w| Waker::from(w.clone())).collect();
    let mut futs: Vec<_> = (0..3).map(|_| notify.notified()).collect();
    for (f, k) in futs.iter_mut().zip(&ks) {
        assert!(poll_once(Pin::new(f), k).is_pending());
        assert!(poll_once(Pin::new(f), k).is_pending());
    }
    assert_eq!(Arc::strong_count(&ws[0]), 3, "waker stored once");
    notify.notify_one();
    let wakes: Vec<_> = ws.iter().map(|w| w.wakes()).collect();
    assert_eq!(wakes, [1, 0, 0]);
    assert_eq!(poll_once(Pin::new(&mut futs[0]), &ks[0]), Poll::Ready(()));
    assert!(poll_once(Pin::new(&mut futs[1]), &ks[1]).is_pending());
    notify.notify_one();
    assert_eq!(poll_once(Pin::new(&mut futs[1]), &ks[1]), Poll::Ready(()));
    assert!(poll_once(Pin::new(&mut futs[2]), &ks[2]).is_pending());
}

#[test]
fn notify_waiters_wakes_all_waiting_and_created_futures_but_stores_nothing() {
    let notify = Notify::new();
    let noop = Waker::noop();
    let mut polled = notify.notified();
    assert!(poll_once(Pin::new(&mut polled), noop).is_pending());
    let mut created = notify.notified(); // not polled yet
    notify.notify_waiters();
    assert_eq!(poll_once(Pin::new(&mut polled), noop), Poll::Ready(()));
    assert_eq!(poll_once(Pin::new(&mut created), noop), Poll::Ready(()));
    let mut after = notify.notified();
    assert!(
        poll_once(Pin::new(&mut after), noop).is_pending(),
        "no permit stored"
    );
}

#[test]
fn a_task_waits_for_a_notification_from_another_thread() {
    watchdog(90, || {
        runtime::block_on(async {
            let notify = Arc::new(Notify::new());
            let n = notify.clone();
            let waiter = runtime::spawn(async move {
                for _ in 0..100 {
                    n.notified().await;
                }
            });
            let thread_side = notify.clone();
            let t = std::thread::spawn(move || {
                for _ in 0..100 {
                    // Wait until the task waits, so no notification merges
                    // into a single stored permit.
                    for _ in 0..100_000 {
                        if thread_side.waiter_footprint().0 == 1 {
                            break;
                        }
                        std::thread::yield_now();
                    }
                    thread_side.notify_one();
                }
            });
            waiter.await.unwrap();
            t.join().unwrap();
        });
    });
}
