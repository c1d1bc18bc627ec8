//! `sync::watch`: the latest value and its seen/unseen mark, `wait_for`,
//! closing both ways, cancellation of `changed` and `closed` at every await point, many
//! waiters woken by one send, and no lost wake-up with eight threads each
//! running a runtime. Every test that waits has a watchdog.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use runtime::sync::watch::{self, RecvError, SendError};
use runtime::time::timeout;
use runtime::{Either, select};
use util::{CountingWaker, XorShift, expect_panic, poll_once, watchdog};

#[test]
fn a_new_receiver_has_seen_the_value_and_waits_for_the_next() {
    let (tx, mut rx) = watch::channel(1);
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut changed = rx.changed();
    assert!(poll_once(Pin::new(&mut changed), &k).is_pending());
    tx.send(2).unwrap();
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut changed), &k), Poll::Ready(Ok(())));
    drop(changed);
    // `changed` marked it seen.
    assert_eq!(rx.has_changed(), Ok(false));
    let value = rx.borrow();
    assert_eq!((*value, value.has_changed()), (2, false));
    drop(value);
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn a_slow_receiver_skips_to_the_latest_value() {
    runtime::block_on(async {
        let (tx, mut rx) = watch::channel(0);
        for i in 1..=5 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.has_changed(), Ok(true));
        let value = rx.borrow(); // does not mark it seen
        assert_eq!((*value, value.has_changed()), (5, true));
        drop(value);
        rx.changed().await.unwrap(); // at once: unseen
        assert_eq!(*rx.borrow(), 5);
        assert!(!rx.borrow_and_update().has_changed());
        let mut waiting = rx.changed();
        assert!(poll_once(Pin::new(&mut waiting), Waker::noop()).is_pending());
    });
}

#[test]
fn borrow_and_update_marks_seen_so_changed_waits() {
    let (tx, mut rx) = watch::channel("a");
    tx.send("b").unwrap();
    let value = rx.borrow_and_update();
    assert_eq!((*value, value.has_changed()), ("b", true));
    drop(value);
    let mut changed = rx.changed();
    assert!(poll_once(Pin::new(&mut changed), Waker::noop()).is_pending());
    drop(changed);
    assert_eq!(*tx.borrow(), "b");
    assert!(!tx.borrow().has_changed());
}

#[test]
fn the_last_sender_leaving_closes_after_the_last_unseen_value() {
    let (tx, mut rx) = watch::channel(0);
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut waiting = rx.clone();
    let mut changed = waiting.changed();
    assert!(poll_once(Pin::new(&mut changed), &k).is_pending());
    drop(tx);
    assert_eq!(w.wakes(), 0, "one sender is left");
    tx2.send(1).unwrap();
    drop(tx2);
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut changed), &k), Poll::Ready(Ok(())));
    drop(changed);
    assert_eq!(
        poll_once(Pin::new(&mut waiting.changed()), &k),
        Poll::Ready(Err(RecvError::clone(&closed_error())))
    );
    // `has_changed` says closed even though 1 is unseen here, as tokio's;
    // `changed` still hands the unseen value out once.
    assert!(rx.is_closed());
    assert!(rx.has_changed().is_err());
    runtime::block_on(async {
        assert_eq!(rx.changed().await, Ok(()));
        assert_eq!(*rx.borrow(), 1);
        assert!(rx.changed().await.is_err());
    });
}

fn closed_error() -> RecvError {
    let (tx, rx) = watch::channel(());
    drop(tx);
    rx.has_changed().unwrap_err()
}

#[test]
fn every_waiting_receiver_learns_the_sender_is_gone() {
    watchdog(60, || {
        runtime::block_on(async {
            let (tx, rx) = watch::channel(0u8);
            let waiters: Vec<_> = (0..50)
                .map(|_| {
                    let mut rx = rx.clone();
                    runtime::spawn(async move { rx.changed().await })
                })
                .collect();
            runtime::yield_now().await;
            assert_eq!(tx.waiter_footprint().0, 50);
            drop(tx);
            for w in waiters {
                assert!(w.await.unwrap().is_err());
            }
            assert_eq!(rx.waiter_footprint().1, 0, "no waiter entry left");
        });
    });
}

#[test]
fn with_every_receiver_gone_send_fails_and_closed_completes() {
    watchdog(60, || {
        runtime::block_on(async {
            let (tx, rx) = watch::channel(String::from("kept"));
            let rx2 = rx.clone();
            assert_eq!(tx.receiver_count(), 2);
            let dropper = runtime::spawn(async move {
                runtime::yield_now().await;
                drop(rx);
                runtime::yield_now().await;
                drop(rx2);
            });
            timeout(Duration::from_secs(5), tx.closed()).await.unwrap();
            dropper.await.unwrap();
            assert!(tx.is_closed());
            let err = tx.send(String::from("lost")).unwrap_err();
            assert_eq!(err, SendError(String::from("lost")));
            assert_eq!(err.into_inner(), "lost");
            assert_eq!(*tx.borrow(), "kept", "a failed send stores nothing");
            // send_replace and send_modify store regardless.
            assert_eq!(tx.send_replace(String::from("new")), "kept");
            tx.send_modify(|s| s.push('!'));
            let mut late = tx.subscribe();
            assert_eq!(*late.borrow(), "new!");
            assert!(!tx.is_closed());
            let mut closed = tx.closed();
            assert!(poll_once(Pin::new(&mut closed), Waker::noop()).is_pending());
            drop(closed);
            tx.send(String::from("seen")).unwrap();
            late.changed().await.unwrap();
            assert_eq!(*late.borrow(), "seen");
        });
    });
}

#[test]
fn send_if_modified_wakes_only_on_a_change_and_a_panicking_modify_tells_nobody() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut changed = rx.changed();
    assert!(poll_once(Pin::new(&mut changed), &k).is_pending());
    assert!(!tx.send_if_modified(|v| v.is_empty()));
    assert_eq!(w.wakes(), 0);
    let msg = expect_panic(|| {
        tx.send_modify(|v| {
            v.push(2);
            panic!("modify failed");
        })
    });
    assert_eq!(msg, "modify failed");
    assert_eq!(w.wakes(), 0, "a panicking modify notifies nobody");
    assert_eq!(*tx.borrow(), [1, 2], "but its change is visible");
    assert!(tx.send_if_modified(|v| {
        v.push(3);
        true
    }));
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut changed), &k), Poll::Ready(Ok(())));
    drop(changed);
    assert_eq!(*rx.borrow(), [1, 2, 3]);
}

#[test]
fn changed_and_closed_dropped_at_each_point_lose_nothing_and_leave_nothing() {
    let (tx, mut rx) = watch::channel(0);
    let noop = Waker::noop();
    // Before its first poll.
    drop(rx.changed());
    // While waiting.
    {
        let mut changed = rx.changed();
        assert!(poll_once(Pin::new(&mut changed), noop).is_pending());
    }
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
    // Woken by a send, dropped before it ran: the change is still unseen.
    {
        let mut changed = rx.changed();
        assert!(poll_once(Pin::new(&mut changed), noop).is_pending());
        tx.send(1).unwrap();
    }
    assert_eq!(
        rx.has_changed(),
        Ok(true),
        "the cancelled wait lost nothing"
    );
    assert_eq!(
        poll_once(Pin::new(&mut rx.changed()), noop),
        Poll::Ready(Ok(()))
    );
    // `closed`: before, while waiting, and after the last receiver left.
    drop(tx.closed());
    {
        let mut closed = tx.closed();
        assert!(poll_once(Pin::new(&mut closed), noop).is_pending());
    }
    let mut closed = tx.closed();
    assert!(poll_once(Pin::new(&mut closed), noop).is_pending());
    drop(rx);
    drop(closed);
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
    assert_eq!(poll_once(Pin::new(&mut tx.closed()), noop), Poll::Ready(()));
}

#[test]
fn a_changed_that_loses_races_and_times_out_misses_no_final_value() {
    watchdog(60, || {
        runtime::block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let producer = runtime::spawn(async move {
                let mut rng = XorShift::new(3);
                for i in 1..=2000 {
                    tx.send(i).unwrap();
                    if rng.next_u64().is_multiple_of(3) {
                        runtime::yield_now().await;
                    }
                }
            });
            let mut rng = XorShift::new(4);
            let (mut last, mut cancelled) = (0u32, 0u32);
            for _ in 0..1_000_000 {
                let got = if rng.next_u64().is_multiple_of(2) {
                    select(rx.changed(), runtime::yield_now()).await
                } else {
                    let limit = Duration::from_micros(rng.next_u64() % 40);
                    match timeout(limit, rx.changed()).await {
                        Ok(r) => Either::Left(r),
                        Err(_) => Either::Right(()),
                    }
                };
                match got {
                    Either::Left(Ok(())) => {
                        let v = *rx.borrow();
                        assert!(v > last, "changed returned with nothing new");
                        last = v;
                    }
                    Either::Left(Err(_)) => break, // the producer is done
                    Either::Right(()) => cancelled += 1,
                }
            }
            producer.await.unwrap();
            assert_eq!(last, 2000, "the last value was seen");
            assert!(cancelled > 0, "the test never cancelled a changed");
        });
    });
}

const THREADS: usize = 8;
const SENDS: u64 = 20_000;

/// Eight threads, each running its own runtime with a few tasks watching
/// one channel, while a ninth thread sends 1..=SENDS as fast as it can.
/// A lost wake-up leaves some task waiting for a value it never sees, and
/// the watchdog fires.
#[test]
fn eight_threads_watching_one_sender_all_see_the_last_value() {
    watchdog(180, || {
        let (tx, rx) = watch::channel(0u64);
        let seen_last = Arc::new(AtomicU64::new(0));
        let watchers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (rx, seen_last) = (rx.clone(), seen_last.clone());
                thread::spawn(move || {
                    runtime::block_on(async move {
                        let tasks: Vec<_> = (0..4)
                            .map(|i| {
                                let mut rx = rx.clone();
                                let mut rng = XorShift::new((t * 4 + i + 1) as u64);
                                runtime::spawn(async move {
                                    let mut last = 0;
                                    loop {
                                        let v = *rx.borrow_and_update();
                                        assert!(v >= last, "values went backwards");
                                        last = v;
                                        if v == SENDS {
                                            return;
                                        }
                                        if rng.next_u64().is_multiple_of(4) {
                                            // Give up waiting now and then.
                                            let _ =
                                                select(rx.changed(), runtime::yield_now()).await;
                                        } else {
                                            rx.changed().await.unwrap();
                                        }
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                            seen_last.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
            })
            .collect();
        drop(rx);
        let sender = thread::spawn(move || {
            for i in 1..=SENDS {
                tx.send(i).unwrap();
                if i % 64 == 0 {
                    thread::yield_now();
                }
            }
            tx // kept alive until every watcher has seen the end
        });
        for w in watchers {
            w.join().unwrap();
        }
        let tx = sender.join().unwrap();
        assert_eq!(seen_last.load(Ordering::SeqCst), THREADS as u64 * 4);
        assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
    });
}

/// Eight threads hold receivers and drop them at random moments while the
/// sender, on its own runtime, waits in `closed()` and keeps sending: it
/// is woken when the last one goes, never before.
#[test]
fn eight_threads_dropping_receivers_wake_closed_exactly_when_the_last_goes() {
    watchdog(180, || {
        for round in 0..20u64 {
            let (tx, rx) = watch::channel(0u64);
            let alive = Arc::new(AtomicU64::new(THREADS as u64));
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (rx, alive) = (rx.clone(), alive.clone());
                    thread::spawn(move || {
                        let mut rng = XorShift::new(round * 100 + t as u64 + 1);
                        for _ in 0..rng.range(0, 2000) {
                            std::hint::black_box(*rx.borrow());
                        }
                        alive.fetch_sub(1, Ordering::SeqCst);
                        drop(rx);
                    })
                })
                .collect();
            drop(rx);
            runtime::block_on(async {
                let mut sent = 0;
                loop {
                    runtime::select! {
                        () = tx.closed() => break,
                        () = runtime::yield_now() => {
                            sent += 1;
                            let _ = tx.send(sent);
                        }
                    }
                }
                assert_eq!(
                    alive.load(Ordering::SeqCst),
                    0,
                    "closed before the last left"
                );
                assert!(tx.is_closed());
            });
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
        }
    });
}

#[test]
fn wait_for_checks_the_current_value_first_then_each_one_it_sees() {
    watchdog(10, || {
        runtime::block_on(async {
            let (tx, mut rx) = watch::channel(5);
            // Seen already, but it satisfies: at once.
            rx.borrow_and_update();
            let value = rx.wait_for(|&v| v == 5).await.unwrap();
            assert_eq!((*value, value.has_changed()), (5, false));
            drop(value);
            let sender = runtime::spawn(async move {
                for v in 6..=9 {
                    tx.send(v).unwrap();
                    runtime::yield_now().await;
                }
                tx // kept open until the test lets go
            });
            let mut calls = Vec::new();
            let value = rx
                .wait_for(|&v| {
                    calls.push(v);
                    v >= 8
                })
                .await
                .unwrap();
            assert_eq!((*value, value.has_changed()), (8, true));
            drop(value);
            assert_eq!(calls, [5, 6, 7, 8], "each value it saw, in order");
            assert_eq!(rx.has_changed(), Ok(false), "8 is marked seen");
            let tx = sender.await.unwrap();
            assert_eq!(*rx.borrow(), 9);
            drop(tx);
            // Closed: an error only after the last value was checked.
            let mut last = None;
            let error = rx.wait_for(|&v| {
                last = Some(v);
                false
            });
            assert_eq!(error.await.unwrap_err(), closed_error());
            assert_eq!(last, Some(9));
        });
    });
}

#[test]
fn wait_for_dropped_while_waiting_leaves_no_waiter_and_loses_no_value() {
    let (tx, mut rx) = watch::channel(0);
    let noop = Waker::noop();
    {
        let mut wait = std::pin::pin!(rx.wait_for(|&v| v == 2));
        assert!(poll_once(wait.as_mut(), noop).is_pending());
        tx.send(1).unwrap();
        assert!(poll_once(wait.as_mut(), noop).is_pending(), "1 is not 2");
        tx.send(2).unwrap();
    }
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
    assert_eq!(rx.has_changed(), Ok(true), "2 was sent after the last look");
    let value = poll_once(std::pin::pin!(rx.wait_for(|&v| v == 2)), noop);
    assert!(matches!(value, Poll::Ready(Ok(ref v)) if **v == 2));
}

#[test]
fn wait_for_sees_a_sender_on_another_thread() {
    watchdog(20, || {
        let (tx, mut rx) = watch::channel(0u64);
        let sender = thread::spawn(move || {
            for v in 1..=10_000 {
                tx.send(v).unwrap();
            }
        });
        runtime::block_on(async {
            let value = rx.wait_for(|&v| v == 10_000).await.unwrap();
            assert_eq!(*value, 10_000);
        });
        sender.join().unwrap();
    });
}

#[test]
fn errors_are_typed_printable_and_comparable() {
    let e: Box<dyn std::error::Error> = Box::new(closed_error());
    assert!(e.to_string().contains("every sender is gone"));
    let s = SendError(5);
    assert_eq!(format!("{s:?}"), "SendError { .. }");
    assert!(s.to_string().contains("no receivers"));
    let (tx, rx) = watch::channel(1);
    assert!(format!("{tx:?} {rx:?}").contains("Receiver"));
    assert!(rx.same_channel(&tx.subscribe()));
}
