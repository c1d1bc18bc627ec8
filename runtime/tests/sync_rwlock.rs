//! `sync::RwLock`: readers share, a writer excludes; first come, first
//! served (a waiting writer stops later readers); cancellation at every
//! await point never loses a turn nor blocks the line; guards cross
//! `.await` and threads, owned guards move into tasks; no lost wake-up with eight threads each running a
//! runtime. Every test that waits has a watchdog.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use runtime::sync::{OwnedRwLockWriteGuard, RwLock, RwLockWriteGuard, TryLockError};
use runtime::time::{sleep, timeout};
use util::{CountingWaker, XorShift, poll_once, watchdog};

fn waker() -> (Arc<CountingWaker>, Waker) {
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    (w, k)
}

#[test]
fn readers_share_and_a_writer_excludes() {
    let lock = RwLock::new(1);
    let (a, b) = (lock.try_read().unwrap(), lock.try_read().unwrap());
    assert_eq!(*a + *b, 2);
    assert!(lock.try_write().is_err());
    drop((a, b));
    let mut w = lock.try_write().unwrap();
    *w = 2;
    assert!(lock.try_read().is_err());
    assert!(lock.try_write().is_err());
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), 2);
    assert!(format!("{lock:?}").contains("readers: 0"));
}

#[test]
fn a_waiting_writer_stops_later_readers() {
    let lock = RwLock::new(Vec::new());
    let reader = lock.try_read().unwrap();
    let (ww, wk) = waker();
    let (rw, rk) = waker();
    let mut write = lock.write();
    assert!(poll_once(Pin::new(&mut write), &wk).is_pending());
    // The lock is only read-locked, but a writer waits: readers queue.
    assert!(lock.try_read().is_err());
    let mut late_read = lock.read();
    assert!(poll_once(Pin::new(&mut late_read), &rk).is_pending());
    assert_eq!(lock.waiter_footprint().0, 2);
    drop(reader);
    assert_eq!((ww.wakes(), rw.wakes()), (1, 0), "the writer goes first");
    let Poll::Ready(mut w) = poll_once(Pin::new(&mut write), &wk) else {
        panic!("the writer was not handed the lock");
    };
    w.push("written");
    assert!(poll_once(Pin::new(&mut late_read), &rk).is_pending());
    drop(w);
    assert_eq!(rw.wakes(), 1);
    let Poll::Ready(r) = poll_once(Pin::new(&mut late_read), &rk) else {
        panic!("the reader was not let in after the writer");
    };
    assert_eq!(*r, ["written"]);
    drop((r, write, late_read));
    assert_eq!(lock.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn readers_behind_a_writer_come_in_together_up_to_the_next_writer() {
    let lock = RwLock::new(0);
    let held = lock.try_write().unwrap();
    let wakers: Vec<_> = (0..5).map(|_| waker()).collect();
    // Line: read, read, write, read, read.
    let mut reads: Vec<_> = (0..4).map(|_| lock.read()).collect();
    let mut write = lock.write();
    for (i, r) in reads.iter_mut().enumerate().take(2) {
        assert!(poll_once(Pin::new(r), &wakers[i].1).is_pending());
    }
    assert!(poll_once(Pin::new(&mut write), &wakers[2].1).is_pending());
    for i in 2..4 {
        assert!(poll_once(Pin::new(&mut reads[i]), &wakers[i + 1].1).is_pending());
    }
    drop(held);
    let woken: Vec<usize> = wakers.iter().map(|(w, _)| w.wakes()).collect();
    assert_eq!(woken, [1, 1, 0, 0, 0], "the two readers before the writer");
    let first: Vec<_> = reads
        .iter_mut()
        .take(2)
        .zip(&wakers)
        .map(|(r, (_, k))| match poll_once(Pin::new(r), k) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("a reader let in is still pending"),
        })
        .collect();
    drop(first);
    assert_eq!(wakers[2].0.wakes(), 1, "the writer, once both left");
    let Poll::Ready(w) = poll_once(Pin::new(&mut write), &wakers[2].1) else {
        panic!("writer not handed the lock");
    };
    // Downgrading lets the readers behind it in, without a gap.
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!((wakers[3].0.wakes(), wakers[4].0.wakes()), (1, 1));
    for i in 2..4 {
        assert!(poll_once(Pin::new(&mut reads[i]), &wakers[i + 1].1).is_ready());
    }
    drop(r);
    drop(reads);
    drop(write);
    assert!(lock.try_write().is_ok());
    assert_eq!(lock.waiter_footprint().1, 0);
}

#[test]
fn read_and_write_dropped_at_each_point() {
    let lock = RwLock::new(0);
    let noop = Waker::noop();
    let reader = lock.try_read().unwrap();
    // Before the first poll: nothing happens.
    drop(lock.write());
    drop(lock.read());
    // A writer at the front leaves while readers wait behind it: they come in.
    let mut writer = lock.write();
    assert!(poll_once(Pin::new(&mut writer), noop).is_pending());
    let (rw, rk) = waker();
    let mut behind = lock.read();
    assert!(poll_once(Pin::new(&mut behind), &rk).is_pending());
    drop(writer);
    assert_eq!(
        rw.wakes(),
        1,
        "the line is not blocked by a cancelled writer"
    );
    let Poll::Ready(second) = poll_once(Pin::new(&mut behind), &rk) else {
        panic!("reader behind a cancelled writer still waits");
    };
    drop(behind);
    // A writer chosen but dropped before it ran passes the lock on.
    let mut chosen = lock.write();
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    let (nw, nk) = waker();
    let mut next = lock.write();
    assert!(poll_once(Pin::new(&mut next), &nk).is_pending());
    drop((reader, second)); // chooses `chosen`
    drop(chosen);
    assert_eq!(nw.wakes(), 1);
    let Poll::Ready(w) = poll_once(Pin::new(&mut next), &nk) else {
        panic!("the lock was lost with a cancelled writer");
    };
    // A reader chosen but dropped before it ran gives its share back,
    // letting the writer behind it in.
    let mut chosen_read = lock.read();
    assert!(poll_once(Pin::new(&mut chosen_read), noop).is_pending());
    let (lw, lk) = waker();
    let mut last = lock.write();
    assert!(poll_once(Pin::new(&mut last), &lk).is_pending());
    drop(w);
    drop(next);
    assert_eq!(lw.wakes(), 0, "the reader is in first");
    drop(chosen_read);
    assert_eq!(lw.wakes(), 1, "its share came back");
    assert!(poll_once(Pin::new(&mut last), &lk).is_ready());
    drop(last);
    assert!(lock.try_write().is_ok(), "no share leaked");
    assert_eq!(lock.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn owned_guards_move_into_tasks_and_keep_the_line() {
    watchdog(10, || {
        runtime::block_on(async {
            let lock = Arc::new(RwLock::new(Vec::new()));
            // Two owned readers in tasks of their own hold the lock ...
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let guard = lock.clone().try_read_owned().unwrap();
                    runtime::spawn(async move {
                        sleep(Duration::from_millis(20)).await;
                        guard.len()
                    })
                })
                .collect();
            // ... so an owned writer waits for both, and a reader after it
            // waits for the writer (first come, first served).
            let writer = runtime::spawn(lock.clone().write_owned());
            runtime::yield_now().await;
            let late_reader = runtime::spawn(lock.clone().read_owned());
            runtime::yield_now().await;
            assert!(lock.try_read().is_err(), "a writer waits: readers queue");
            for reader in readers {
                assert_eq!(reader.await.unwrap(), 0);
            }
            let mut guard = writer.await.unwrap();
            guard.push("written");
            assert!(!late_reader.is_finished(), "the writer holds the lock");
            let read = OwnedRwLockWriteGuard::downgrade(guard);
            let late = late_reader.await.unwrap();
            assert_eq!((&*read, &*late), (&vec!["written"], &vec!["written"]));
            drop((read, late));
            assert!(
                lock.try_write().is_ok(),
                "every owned guard gave its turn back"
            );
            assert_eq!(Arc::strong_count(&lock), 1, "and its Arc");
        });
    });
}

#[test]
fn owned_acquisitions_dropped_while_waiting_leave_nothing() {
    let lock = Arc::new(RwLock::new(0));
    let noop = Waker::noop();
    let held = lock.clone().try_write_owned().unwrap();
    {
        let mut read = std::pin::pin!(lock.clone().read_owned());
        let mut write = std::pin::pin!(lock.clone().write_owned());
        assert!(poll_once(read.as_mut(), noop).is_pending());
        assert!(poll_once(write.as_mut(), noop).is_pending());
        assert_eq!(lock.waiter_footprint().0, 2);
    }
    assert_eq!(lock.waiter_footprint().1, 0, "no waiter entry left");
    assert_eq!(Arc::strong_count(&lock), 2, "the futures' Arcs are gone");
    drop(held);
    assert_eq!(*lock.clone().try_read_owned().unwrap(), 0);
    assert!(lock.try_write().is_ok());
}

#[test]
fn tasks_holding_guards_across_awaits_keep_arrival_order() {
    watchdog(60, || {
        runtime::block_on(async {
            let lock = Arc::new(RwLock::new(Vec::new()));
            let log = Arc::new(std::sync::Mutex::new(Vec::new()));
            // Spawn order: W0 R1 R2 W3 R4. W0 holds first; R1 and R2 share
            // the next turn; W3 waits for both; R4 comes last.
            let tasks: Vec<_> = ["w", "r", "r", "w", "r"]
                .into_iter()
                .enumerate()
                .map(|(i, kind)| {
                    let (lock, log) = (lock.clone(), log.clone());
                    runtime::spawn(async move {
                        if kind == "w" {
                            let mut g = lock.write().await;
                            log.lock().unwrap().push(format!("w{i}+"));
                            runtime::yield_now().await;
                            g.push(i);
                            log.lock().unwrap().push(format!("w{i}-"));
                        } else {
                            let g = lock.read().await;
                            log.lock().unwrap().push(format!("r{i}+ saw {}", g.len()));
                            runtime::yield_now().await;
                            log.lock().unwrap().push(format!("r{i}-"));
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let log = log.lock().unwrap().clone();
            assert_eq!(
                log,
                [
                    "w0+",
                    "w0-",
                    "r1+ saw 1",
                    "r2+ saw 1",
                    "r1-",
                    "r2-",
                    "w3+",
                    "w3-",
                    "r4+ saw 2",
                    "r4-"
                ]
            );
        });
    });
}

#[test]
fn guards_are_send_and_cross_threads() {
    let lock = RwLock::new(String::from("a"));
    let mut w = runtime::block_on(lock.write());
    thread::scope(|s| {
        s.spawn(move || {
            w.push('b');
            drop(w); // released on another thread
        });
    });
    let r = lock.try_read().unwrap();
    thread::scope(|s| {
        s.spawn(move || assert_eq!(*r, "ab"));
    });
    assert!(lock.try_write().is_ok());
}

#[test]
fn a_panic_while_writing_releases_the_lock() {
    watchdog(60, || {
        runtime::block_on(async {
            let lock = Arc::new(RwLock::new(1));
            let l = lock.clone();
            let crashed = runtime::spawn(async move {
                let mut g = l.write().await;
                *g = 2;
                panic!("boom while writing");
            });
            assert!(crashed.await.unwrap_err().is_panic());
            assert_eq!(*lock.read().await, 2, "free and not poisoned");
        });
    });
}

#[test]
fn random_timeouts_on_reads_and_writes_leave_the_lock_whole() {
    watchdog(90, || {
        runtime::block_on(async {
            let lock = Arc::new(RwLock::new((0u64, 0u64)));
            let tasks: Vec<_> = (0..16u64)
                .map(|id| {
                    let lock = lock.clone();
                    runtime::spawn(async move {
                        let mut rng = XorShift::new(id + 1);
                        let mut writes = 0;
                        for _ in 0..200 {
                            let limit = Duration::from_micros(rng.next_u64() % 200);
                            if rng.next_u64().is_multiple_of(3) {
                                if let Ok(mut g) = timeout(limit, lock.write()).await {
                                    g.0 += 1;
                                    sleep(Duration::from_micros(rng.next_u64() % 50)).await;
                                    g.1 += 1;
                                    writes += 1;
                                }
                            } else if let Ok(g) = timeout(limit, lock.read()).await {
                                assert_eq!(g.0, g.1, "a reader saw a half-done write");
                                runtime::yield_now().await;
                            }
                        }
                        writes
                    })
                })
                .collect();
            let mut writes = 0;
            for t in tasks {
                writes += t.await.unwrap();
            }
            let value = *lock.try_write().expect("the lock is free");
            assert_eq!(value, (writes, writes), "every write counted once");
            assert_eq!(lock.waiter_footprint().1, 0, "no waiter entry left");
        });
    });
}

const THREADS: usize = 8;

/// Eight threads, each running a runtime with four tasks that read and
/// write one lock at random, holding guards across awaits. A lost wake-up
/// leaves a task waiting for ever (the watchdog fires); a broken exclusion
/// shows as a reader seeing a half-done write or a lost increment.
#[test]
fn eight_threads_share_one_lock_with_no_lost_wakeup() {
    watchdog(180, || {
        let lock = Arc::new(RwLock::new((0u64, 0u64)));
        let writes = Arc::new(AtomicUsize::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (lock, writes, inside) = (lock.clone(), writes.clone(), inside.clone());
                thread::spawn(move || {
                    runtime::block_on(async move {
                        let tasks: Vec<_> = (0..4)
                            .map(|i| {
                                let (lock, writes, inside) =
                                    (lock.clone(), writes.clone(), inside.clone());
                                let mut rng = XorShift::new((t * 4 + i + 1) as u64);
                                runtime::spawn(async move {
                                    for _ in 0..300 {
                                        if rng.next_u64().is_multiple_of(4) {
                                            let mut g = lock.write().await;
                                            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                                            g.0 += 1;
                                            runtime::yield_now().await;
                                            g.1 += 1;
                                            inside.fetch_sub(1, Ordering::SeqCst);
                                            writes.fetch_add(1, Ordering::SeqCst);
                                        } else {
                                            let g = lock.read().await;
                                            assert_eq!(g.0, g.1);
                                            runtime::yield_now().await;
                                            assert_eq!(g.0, g.1);
                                        }
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let n = writes.load(Ordering::SeqCst) as u64;
        assert!(n > 0);
        let lock = Arc::try_unwrap(lock).unwrap();
        assert_eq!(lock.waiter_footprint().1, 0);
        assert_eq!(lock.into_inner(), (n, n));
    });
}

#[test]
fn get_mut_into_inner_default_from_and_errors() {
    let mut lock = RwLock::new(String::from("a"));
    lock.get_mut().push('b');
    assert_eq!(lock.into_inner(), "ab");
    let d: RwLock<u8> = RwLock::default();
    assert_eq!(*d.try_read().unwrap(), 0);
    let from: RwLock<u8> = 5.into();
    let g = from.try_write().unwrap();
    assert_eq!(format!("{g:?} {g}"), "5 5");
    let read_err: TryLockError = from.try_read().unwrap_err();
    let write_err = from.try_write().unwrap_err();
    drop(g);
    assert!(read_err.to_string().contains("await `read()`"));
    assert!(write_err.to_string().contains("await `write()`"));
    let e: Box<dyn std::error::Error> = Box::new(write_err.clone());
    assert!(e.to_string().contains("rwlock is locked"));
    assert_ne!(read_err, write_err);
}
