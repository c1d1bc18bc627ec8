//! `sync::Semaphore`: permits counted, waiters served in order, `close`,
//! `forget`, owned permits, and threads sharing one semaphore.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;

use runtime::sync::{AcquireError, Semaphore, TryAcquireError};
use util::{CountingWaker, expect_panic, poll_once, watchdog};

#[test]
fn permits_are_counted_and_returned_on_drop() {
    let sem = Semaphore::new(2);
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    b.forget();
    assert_eq!(
        sem.available_permits(),
        1,
        "a forgotten permit never returns"
    );
    sem.add_permits(3);
    assert_eq!(sem.available_permits(), 4);
}

#[test]
fn waiters_are_served_in_order_and_a_release_goes_to_the_first() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let ws: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
    let ks: Vec<Waker> = ws.iter().map(|w| Waker::from(w.clone())).collect();
    let mut acquires: Vec<_> = (0..3).map(|_| sem.acquire()).collect();
    for (a, k) in acquires.iter_mut().zip(&ks) {
        assert!(poll_once(Pin::new(a), k).is_pending());
    }
    drop(held);
    assert_eq!((ws[0].wakes(), ws[1].wakes()), (1, 0));
    assert_eq!(
        sem.available_permits(),
        0,
        "handed over, not returned to the count"
    );
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    sem.add_permits(2);
    assert_eq!((ws[1].wakes(), ws[2].wakes()), (1, 1));
    for (a, k) in acquires.iter_mut().zip(&ks) {
        match poll_once(Pin::new(a), k) {
            Poll::Ready(Ok(p)) => p.forget(),
            other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
        }
    }
    assert_eq!(sem.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn close_fails_waiting_and_later_acquires_but_keeps_held_permits() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut waiting = sem.acquire();
    assert!(poll_once(Pin::new(&mut waiting), &k).is_pending());
    sem.close();
    assert!(sem.is_closed());
    assert_eq!(w.wakes(), 1);
    assert!(matches!(
        poll_once(Pin::new(&mut waiting), &k),
        Poll::Ready(Err(AcquireError { .. }))
    ));
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::Closed));
    drop(held);
    assert_eq!(sem.available_permits(), 1);
    let noop = Waker::noop();
    assert!(matches!(
        poll_once(Pin::new(&mut sem.acquire()), noop),
        Poll::Ready(Err(_))
    ));
}

#[test]
fn owned_permits_live_in_tasks_and_maps() {
    watchdog(90, || {
        runtime::block_on(async {
            let sem = Arc::new(Semaphore::new(3));
            let running = Arc::new(AtomicUsize::new(0));
            let peak = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for _ in 0..20 {
                let permit = sem.clone().acquire_owned().await.unwrap();
                let (running, peak) = (running.clone(), peak.clone());
                tasks.push(runtime::spawn(async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    runtime::yield_now().await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    assert!(Arc::strong_count(permit.semaphore()) >= 2);
                    drop(permit);
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(peak.load(Ordering::SeqCst), 3);
            assert_eq!(sem.available_permits(), 3);
            let mut per_host = std::collections::HashMap::new();
            per_host.insert("a", sem.clone().try_acquire_owned().unwrap());
            assert_eq!(sem.available_permits(), 2);
            per_host.clear();
            assert_eq!(sem.available_permits(), 3);
        });
    });
}

#[test]
fn threads_share_one_semaphore_and_never_exceed_it() {
    watchdog(90, || {
        let sem = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    runtime::block_on(async {
                        for _ in 0..200 {
                            let _permit = sem.acquire().await.unwrap();
                            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                            assert!(now <= 2, "{now} holders of 2 permits");
                            runtime::yield_now().await;
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn too_many_permits_panic_with_a_message() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    let msg = expect_panic(|| sem.add_permits(1));
    assert!(msg.contains("MAX_PERMITS"), "{msg}");
}

#[test]
fn errors_are_typed_printable_and_comparable() {
    let sem = Semaphore::new(0);
    sem.close();
    let err = runtime::block_on(sem.acquire()).unwrap_err();
    assert_eq!(err.clone(), err);
    let e: Box<dyn std::error::Error> = Box::new(err);
    assert!(e.to_string().contains("semaphore closed"));
    assert!(
        TryAcquireError::NoPermits
            .to_string()
            .contains("no permit available")
    );
    assert!(TryAcquireError::Closed.to_string().contains("closed"));
}
