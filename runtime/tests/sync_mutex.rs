//! `sync::Mutex`: first come, first served; no barging; a panic while
//! holding it is not a panic for the next holder; usable across threads.

mod util;

use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Poll, Waker};
use std::thread;

use runtime::sync::{Mutex, TryLockError};
use util::{CountingWaker, poll_once, watchdog};

#[test]
fn waiters_get_the_lock_in_arrival_order_and_nobody_barges_in() {
    let mutex = Mutex::new(Vec::new());
    let guard = mutex.try_lock().unwrap();
    let wakers: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
    let keys: Vec<Waker> = wakers.iter().map(|w| Waker::from(w.clone())).collect();
    let mut locks: Vec<_> = (0..3).map(|_| mutex.lock()).collect();
    for (lock, key) in locks.iter_mut().zip(&keys) {
        assert!(poll_once(Pin::new(lock), key).is_pending());
    }
    assert_eq!(mutex.waiter_footprint().0, 3);
    drop(guard);
    assert_eq!(wakers[0].wakes(), 1);
    // Handed to the first waiter: a newcomer cannot take it.
    assert_eq!(
        mutex.try_lock().err(),
        Some(TryLockError::clone(&locked_error()))
    );
    let mut order = Vec::new();
    for i in 0..3 {
        let Poll::Ready(mut g) = poll_once(Pin::new(&mut locks[i]), &keys[i]) else {
            panic!("waiter {i} was not handed the lock");
        };
        g.push(i);
        order.push(i);
        if i + 1 < 3 {
            assert!(poll_once(Pin::new(&mut locks[i + 1]), &keys[i + 1]).is_pending());
        }
        drop(g);
    }
    assert_eq!(order, [0, 1, 2]);
    drop(locks);
    assert_eq!(*mutex.try_lock().unwrap(), [0, 1, 2]);
    assert_eq!(mutex.waiter_footprint().1, 0, "no waiter entry left");
}

fn locked_error() -> TryLockError {
    let m = Mutex::new(());
    let _g = m.try_lock().unwrap();
    m.try_lock().unwrap_err()
}

#[test]
fn tasks_holding_the_lock_across_awaits_take_turns_in_order() {
    watchdog(90, || {
        runtime::block_on(async {
            let log = Arc::new(Mutex::new(Vec::new()));
            let tasks: Vec<_> = (0..10)
                .map(|i| {
                    let log = log.clone();
                    runtime::spawn(async move {
                        for round in 0..3 {
                            let mut log = log.lock().await;
                            log.push((round, i));
                            runtime::yield_now().await;
                            runtime::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let log = log.lock().await;
            let expected: Vec<_> = (0..3).flat_map(|r| (0..10).map(move |i| (r, i))).collect();
            assert_eq!(*log, expected, "FIFO: each round in spawn order");
        });
    });
}

#[test]
fn a_panic_while_holding_the_lock_does_not_poison_it() {
    watchdog(90, || {
        runtime::block_on(async {
            let mutex = Arc::new(Mutex::new(1));
            let m = mutex.clone();
            let crashed = runtime::spawn(async move {
                let mut g = m.lock().await;
                *g = 2;
                panic!("boom while holding the lock");
            });
            assert!(crashed.await.is_err());
            assert_eq!(*mutex.lock().await, 2, "the lock is free and usable");
        });
    });
}

#[test]
fn get_mut_into_inner_and_default() {
    let mut m = Mutex::new(String::from("a"));
    m.get_mut().push('b');
    assert_eq!(m.into_inner(), "ab");
    let d: Mutex<u8> = Mutex::default();
    assert_eq!(*d.try_lock().unwrap(), 0);
    assert!(format!("{d:?}").contains("locked: false"));
    let from: Mutex<u8> = 5.into();
    let g = from.try_lock().unwrap();
    assert_eq!(format!("{g:?} {g}"), "5 5");
}

#[test]
fn threads_each_with_a_runtime_share_one_mutex() {
    watchdog(90, || {
        let mutex = Arc::new(Mutex::new(0u64));
        let seen = Arc::new(StdMutex::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (mutex, seen) = (mutex.clone(), seen.clone());
                thread::spawn(move || {
                    runtime::block_on(async {
                        let tasks: Vec<_> = (0..8)
                            .map(|_| {
                                let mutex = mutex.clone();
                                runtime::spawn(async move {
                                    for _ in 0..500 {
                                        let mut g = mutex.lock().await;
                                        let before = *g;
                                        runtime::yield_now().await;
                                        *g = before + 1;
                                    }
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                    });
                    *seen.lock().unwrap() += 1;
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*seen.lock().unwrap(), 4);
        assert_eq!(Arc::try_unwrap(mutex).unwrap().into_inner(), 4 * 8 * 500);
    });
}

#[test]
fn try_lock_error_is_typed_and_printable() {
    let e: Box<dyn std::error::Error> = Box::new(locked_error());
    assert!(e.to_string().contains("mutex is locked"));
}
