//! Wakers used from other threads: no wake-up is lost under contention, a
//! runtime parked in `epoll_wait` wakes promptly, and a waker that outlives
//! its runtime is harmless.
//!
//! Wakers find their runtime through a process-wide registry whose ids are
//! reused, so a stale waker woken by one test could reach another test's
//! runtime: the tests of this binary run one at a time ([`util::exclusive`]).

mod util;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use util::{exclusive, mean, percentile, watchdog};

#[test]
fn eight_threads_waking_ten_thousand_times_lose_no_wakeup() {
    const THREADS: u64 = 8;
    const WAKES: u64 = 10_000;
    const TOTAL: u64 = THREADS * WAKES;
    let _serial = exclusive();
    watchdog(60, || {
        let counter = Arc::new(AtomicU64::new(0));
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let rt = runtime::Runtime::new().unwrap();
        let (polls, threads) = rt.block_on(async {
            let task = {
                let (counter, slot) = (counter.clone(), slot.clone());
                let mut polls = 0u64;
                runtime::spawn(runtime::poll_fn(move |cx| {
                    polls += 1;
                    // Store the waker *before* reading the counter: an
                    // increment after the read is followed by a wake of this
                    // waker, so it cannot go unnoticed unless a wake is lost.
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    if counter.load(Ordering::SeqCst) == TOTAL {
                        Poll::Ready(polls)
                    } else {
                        Poll::Pending
                    }
                }))
            };
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (counter, slot) = (counter.clone(), slot.clone());
                    thread::spawn(move || {
                        // Start only once the task has been polled and has
                        // stored its waker: otherwise (under valgrind, say)
                        // every increment can land before the first poll,
                        // which then finishes without needing a wake at all.
                        while slot.lock().unwrap().is_none() {
                            thread::yield_now();
                        }
                        for _ in 0..WAKES {
                            counter.fetch_add(1, Ordering::SeqCst);
                            let waker = slot.lock().unwrap().clone();
                            if let Some(waker) = waker {
                                waker.wake();
                            }
                        }
                    })
                })
                .collect();
            (task.await.unwrap(), threads)
        });
        for t in threads {
            t.join().unwrap();
        }
        let stats = rt.stats();
        println!(
            "{TOTAL} cross-thread wakes: task polled {polls} times, {} remote wakes queued, {} parks",
            stats.remote_wakes, stats.parks
        );
        assert!((2..=TOTAL + 1).contains(&polls));
        assert!(stats.remote_wakes >= 1);
    });
}

#[test]
fn parked_runtime_wakes_promptly_when_another_thread_wakes_a_task() {
    const ROUNDS: usize = 20;
    let _serial = exclusive();

    #[derive(Default)]
    struct Ping {
        waker: Option<Waker>,
        round: usize,
        fired: Option<Instant>,
    }

    watchdog(30, || {
        let ping: Arc<Mutex<Ping>> = Arc::default();
        let rt = runtime::Runtime::new().unwrap();
        let waker_thread = {
            let ping = ping.clone();
            thread::spawn(move || {
                for round in 1..=ROUNDS {
                    // Long enough for the runtime to run out of work and park.
                    thread::sleep(Duration::from_millis(25));
                    let waker = {
                        let mut p = ping.lock().unwrap();
                        p.round = round;
                        p.fired = Some(Instant::now());
                        p.waker.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                }
            })
        };
        let latencies = rt.block_on(async {
            let ping = ping.clone();
            // No timers, no sockets: between rounds the runtime can only sit
            // in `epoll_wait` with no timeout until the notification arrives.
            runtime::spawn(async move {
                let mut latencies = Vec::new();
                for round in 1..=ROUNDS {
                    let fired = runtime::poll_fn(|cx| {
                        let mut p = ping.lock().unwrap();
                        if p.round >= round {
                            return Poll::Ready(p.fired.expect("set with the round"));
                        }
                        p.waker = Some(cx.waker().clone());
                        Poll::Pending
                    })
                    .await;
                    latencies.push(fired.elapsed());
                }
                latencies
            })
            .await
            .unwrap()
        });
        waker_thread.join().unwrap();
        let stats = rt.stats();
        let median = percentile(&latencies, 50);
        println!(
            "remote wake -> poll latency over {ROUNDS} rounds: min {:?}, mean {:?}, median \
             {median:?}, max {:?}; {} parks",
            percentile(&latencies, 0),
            mean(&latencies),
            percentile(&latencies, 100),
            stats.parks
        );
        assert!(
            stats.parks >= ROUNDS as u64,
            "the runtime parked between rounds"
        );
        assert!(stats.remote_wakes >= ROUNDS as u64);
        assert!(
            median < Duration::from_millis(100),
            "median latency {median:?}"
        );
    });
}

#[test]
fn waker_outliving_its_runtime_is_harmless() {
    let _serial = exclusive();
    watchdog(10, || {
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let rt = runtime::Runtime::new().unwrap();
        let s = slot.clone();
        let main_waker = rt.block_on(async move {
            let task = runtime::spawn(runtime::poll_fn(move |cx| {
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            }));
            runtime::yield_now().await;
            drop(task); // detached: it stays parked until the runtime goes
            runtime::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await
        });
        drop(rt);
        assert_eq!(Arc::strong_count(&slot), 1, "the task's future was dropped");
        let task_waker = slot.lock().unwrap().take().expect("the task parked");
        // On this thread with no runtime running, on this thread while another
        // runtime runs, and from another thread: nothing happens, no panic.
        task_waker.wake_by_ref();
        main_waker.wake_by_ref();
        runtime::block_on(async {
            task_waker.wake_by_ref();
            main_waker.wake_by_ref();
            runtime::yield_now().await;
            assert_eq!(runtime::stats().remote_wakes, 0);
        });
        thread::spawn(move || {
            task_waker.wake();
            main_waker.wake();
        })
        .join()
        .unwrap();
    });
}

#[test]
fn wake_from_inside_another_runtime_on_the_same_thread_is_not_lost() {
    let _serial = exclusive();
    watchdog(10, || {
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let first = runtime::Runtime::new().unwrap();
        let s = slot.clone();
        let mut parked = false;
        let task = first.spawn(runtime::poll_fn(move |cx| {
            if parked {
                return Poll::Ready("woken");
            }
            parked = true;
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }));
        first.block_on(runtime::yield_now());
        assert!(!task.is_finished());
        // Woken while a *different* runtime runs on this thread: the wake
        // must go to the first runtime's queue, not the running one's.
        let second = runtime::Runtime::new().unwrap();
        second.block_on(async {
            slot.lock().unwrap().take().expect("parked").wake();
            runtime::yield_now().await;
        });
        assert_eq!(first.block_on(task).unwrap(), "woken");
        assert_eq!(first.stats().remote_wakes, 1);
        assert_eq!(second.stats().wakes, 1, "only its own yield");
    });
}

#[test]
fn waker_of_a_dropped_runtime_does_not_wake_a_task_of_a_new_one() {
    let _serial = exclusive();
    watchdog(10, || {
        // Runtime A: its first task parks; keep its waker; drop A.
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let old = runtime::Runtime::new().unwrap();
        let s = slot.clone();
        drop(old.spawn(runtime::poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        })));
        old.block_on(runtime::yield_now());
        drop(old);
        let stale = slot.lock().unwrap().take().expect("A's task parked");

        // Runtime B: its first task parks too and counts its polls.
        let new = runtime::Runtime::new().unwrap();
        let polls = Arc::new(AtomicU64::new(0));
        let p = polls.clone();
        let task = new.spawn(runtime::poll_fn(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
            Poll::<()>::Pending
        }));
        new.block_on(async {
            runtime::yield_now().await;
            assert_eq!(polls.load(Ordering::SeqCst), 1);
            stale.wake_by_ref(); // on B's thread, while B runs
            let remote = stale.clone();
            thread::spawn(move || remote.wake()).join().unwrap();
            for _ in 0..3 {
                runtime::yield_now().await;
            }
        });
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "a waker of the dropped runtime polled a task of the new runtime"
        );
        task.abort();
    });
}

#[test]
fn stats_count_each_wake_that_queues_a_task_once() {
    let _serial = exclusive();
    watchdog(10, || {
        runtime::block_on(async {
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let s = slot.clone();
            let mut parked = false;
            let task = runtime::spawn(runtime::poll_fn(move |cx| {
                if parked {
                    return Poll::Ready(());
                }
                parked = true;
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            }));
            runtime::yield_now().await;
            let waker = slot.lock().unwrap().take().expect("parked");
            let before = runtime::stats();
            // Two wakes from another thread before the task runs: it is
            // queued once, so one wake counts, and it is a remote one.
            thread::spawn(move || {
                waker.wake_by_ref();
                waker.wake();
            })
            .join()
            .unwrap();
            task.await.unwrap();
            let after = runtime::stats();
            assert_eq!(after.remote_wakes - before.remote_wakes, 1, "remote wakes");
            // Plus one local wake: the finished task woke the main future,
            // which was waiting on its handle.
            assert_eq!(after.wakes - before.wakes, 2, "wakes");
        });
    });
}
