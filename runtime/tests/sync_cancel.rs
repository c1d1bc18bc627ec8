//! Cancellation at every await point of `runtime::sync`: each waiting
//! future is dropped before its first poll, while it waits, and after it
//! was chosen but before it ran. Nothing may be lost (no message, permit,
//! lock or notification) and no waiter entry may be left behind.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use runtime::sync::{Mutex, Notify, Semaphore, broadcast, mpsc, oneshot};
use runtime::time::{sleep, timeout};
use runtime::{Either, select};
use util::{CountingWaker, XorShift, poll_once, watchdog};

#[test]
fn mpsc_send_dropped_at_each_point() {
    let (tx, mut rx) = mpsc::channel(1);
    let noop = Waker::noop();
    tx.try_send(0).unwrap();
    // Before its first poll: nothing happened.
    drop(tx.send(100));
    // While waiting: its place passes to the next waiter.
    let mut waiting = tx.send(101);
    let mut next = tx.send(1);
    assert!(poll_once(Pin::new(&mut waiting), noop).is_pending());
    assert!(poll_once(Pin::new(&mut next), noop).is_pending());
    drop(waiting);
    assert_eq!(tx.waiter_footprint().0, 1);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(poll_once(Pin::new(&mut next), noop), Poll::Ready(Ok(())));
    drop(next);
    // After being chosen: its message is already queued and stays.
    let mut chosen = tx.send(2);
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    drop(chosen);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
    assert!(rx.try_recv().is_err());
}

#[test]
fn mpsc_recv_that_loses_a_race_or_times_out_loses_no_message() {
    watchdog(90, || {
        runtime::block_on(async {
            let (tx, mut rx) = mpsc::channel(3);
            let producer = runtime::spawn(async move {
                let mut rng = XorShift::new(7);
                for i in 0..2000u32 {
                    tx.send(i).await.unwrap();
                    if rng.next_u64().is_multiple_of(5) {
                        runtime::yield_now().await;
                    }
                }
            });
            let mut rng = XorShift::new(11);
            let (mut expected, mut cancelled) = (0u32, 0u32);
            // Bounded: each round either receives one message or cancels.
            for _ in 0..1_000_000 {
                if expected == 2000 {
                    break;
                }
                let got = if rng.next_u64().is_multiple_of(2) {
                    match select(rx.recv(), runtime::yield_now()).await {
                        Either::Left(got) => got,
                        Either::Right(()) => None,
                    }
                } else {
                    timeout(Duration::from_micros(rng.next_u64() % 50), rx.recv())
                        .await
                        .ok()
                        .flatten()
                };
                match got {
                    Some(v) => {
                        assert_eq!(v, expected, "a cancelled recv lost or reordered one");
                        expected += 1;
                    }
                    None => cancelled += 1,
                }
            }
            assert_eq!(expected, 2000);
            assert!(cancelled > 0, "the test never cancelled a recv");
            producer.await.unwrap();
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn mutex_lock_dropped_at_each_point() {
    let mutex = Mutex::new(0);
    let noop = Waker::noop();
    let guard = mutex.try_lock().unwrap();
    drop(mutex.lock()); // before its first poll
    let mut waiting = mutex.lock();
    let mut chosen = mutex.lock();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut last = mutex.lock();
    assert!(poll_once(Pin::new(&mut waiting), noop).is_pending());
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    assert!(poll_once(Pin::new(&mut last), &k).is_pending());
    drop(waiting); // while waiting
    drop(guard); // hands the lock to `chosen`
    assert_eq!(w.wakes(), 0);
    drop(chosen); // chosen, never ran: passes the lock on
    assert_eq!(w.wakes(), 1);
    let Poll::Ready(g) = poll_once(Pin::new(&mut last), &k) else {
        panic!("the lock was lost with a cancelled waiter");
    };
    drop(g);
    drop(last);
    assert!(mutex.try_lock().is_ok());
    assert_eq!(mutex.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn semaphore_acquire_dropped_at_each_point() {
    let sem = Semaphore::new(1);
    let noop = Waker::noop();
    let held = sem.try_acquire().unwrap();
    drop(sem.acquire());
    let mut waiting = sem.acquire();
    let mut chosen = sem.acquire();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut last = sem.acquire();
    assert!(poll_once(Pin::new(&mut waiting), noop).is_pending());
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    assert!(poll_once(Pin::new(&mut last), &k).is_pending());
    drop(waiting);
    drop(held);
    drop(chosen); // handed the permit, never ran: gives it on
    assert_eq!(w.wakes(), 1);
    assert!(matches!(
        poll_once(Pin::new(&mut last), &k),
        Poll::Ready(Ok(_))
    ));
    drop(last);
    assert_eq!(sem.available_permits(), 1, "no permit lost");
    assert_eq!(sem.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn notified_dropped_at_each_point() {
    let notify = Notify::new();
    let noop = Waker::noop();
    drop(notify.notified());
    let mut waiting = notify.notified();
    let mut chosen = notify.notified();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut last = notify.notified();
    assert!(poll_once(Pin::new(&mut waiting), noop).is_pending());
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    assert!(poll_once(Pin::new(&mut last), &k).is_pending());
    drop(waiting);
    notify.notify_one(); // chooses `chosen`
    drop(chosen); // ... which passes it to `last`
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut last), &k), Poll::Ready(()));
    drop(last);
    // A chosen waiter with nobody behind it leaves the permit stored.
    let mut lone = notify.notified();
    assert!(poll_once(Pin::new(&mut lone), noop).is_pending());
    notify.notify_one();
    drop(lone);
    assert_eq!(
        poll_once(Pin::new(&mut notify.notified()), noop),
        Poll::Ready(())
    );
    assert_eq!(notify.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn broadcast_recv_and_oneshot_receiver_dropped_while_waiting() {
    let (tx, mut rx) = broadcast::channel(2);
    let noop = Waker::noop();
    {
        let mut recv = rx.recv();
        assert!(poll_once(Pin::new(&mut recv), noop).is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1), "the cancelled recv consumed nothing");

    let (otx, orx) = oneshot::channel::<u8>();
    runtime::block_on(async move {
        let lost = timeout(Duration::from_millis(1), orx).await;
        assert!(lost.is_err());
    });
    assert!(otx.is_closed());
    assert_eq!(otx.send(1), Err(1));
}

/// Tasks that give up waiting at random moments, on every primitive at
/// once; afterwards every permit, the lock and the queue are whole again.
#[test]
fn random_timeouts_on_every_primitive_leave_everything_whole() {
    watchdog(90, || {
        runtime::block_on(async {
            let sem = Arc::new(Semaphore::new(3));
            let mutex = Arc::new(Mutex::new(0u64));
            let notify = Arc::new(Notify::new());
            let (tx, mut rx) = mpsc::channel::<u64>(2);
            let tasks: Vec<_> = (0..16u64)
                .map(|id| {
                    let (sem, mutex, notify, tx) =
                        (sem.clone(), mutex.clone(), notify.clone(), tx.clone());
                    runtime::spawn(async move {
                        let mut rng = XorShift::new(id + 1);
                        let mut sent = 0u64;
                        for _ in 0..200 {
                            let limit = Duration::from_micros(rng.next_u64() % 300);
                            if let Ok(Ok(_permit)) = timeout(limit, sem.acquire()).await {
                                sleep(Duration::from_micros(rng.next_u64() % 100)).await;
                            }
                            if let Ok(mut g) = timeout(limit, mutex.lock()).await {
                                *g += 1;
                                runtime::yield_now().await;
                            }
                            if timeout(limit, tx.send(id)).await.is_ok_and(|r| r.is_ok()) {
                                sent += 1;
                            }
                            notify.notify_one();
                            let _ = timeout(limit, notify.notified()).await;
                        }
                        sent
                    })
                })
                .collect();
            drop(tx);
            let consumer = runtime::spawn(async move {
                let mut n = 0u64;
                while rx.recv().await.is_some() {
                    n += 1;
                    sleep(Duration::from_micros(50)).await;
                }
                n
            });
            let mut sent = 0;
            for t in tasks {
                sent += t.await.unwrap();
            }
            assert_eq!(
                consumer.await.unwrap(),
                sent,
                "every completed send was received"
            );
            assert_eq!(sem.available_permits(), 3, "no permit lost");
            assert!(mutex.try_lock().is_ok(), "the lock is free");
            assert_eq!(sem.waiter_footprint().1, 0);
            assert_eq!(mutex.waiter_footprint().1, 0);
            assert_eq!(notify.waiter_footprint().1, 0);
        });
    });
}
