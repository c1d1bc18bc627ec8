//! `JoinSet`: results in completion order, tasks that finished before
//! anyone asked, panics and aborts as `JoinError`s, abort on drop,
//! `join_next` cancelled mid-wait losing nothing, and 100,000 tasks joined
//! in linear time. Every test has a watchdog.

mod util;

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use runtime::sync::mpsc;
use runtime::time::{sleep, sleep_until, timeout};
use runtime::{Either, JoinSet, Runtime, select};
use util::{CountingWaker, DropFlag, XorShift, poll_once, watchdog};

/// Yields `n` times, then returns `value`: tasks that finish at chosen turns.
async fn after_yields<T>(n: usize, value: T) -> T {
    for _ in 0..n {
        runtime::yield_now().await;
    }
    value
}

#[test]
fn results_come_out_in_the_order_the_tasks_finish() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            // Task i finishes after 20 - i yields: the reverse of spawn order.
            for i in 0..20 {
                set.spawn(after_yields(20 - i, i));
            }
            let mut order = Vec::new();
            while let Some(result) = set.join_next().await {
                order.push(result.unwrap());
            }
            assert_eq!(order, (0..20).rev().collect::<Vec<_>>());
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none(), "empty stays empty");
        });
    });
}

#[test]
fn timers_finishing_out_of_spawn_order() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            // Deadlines from one instant, so that a slow first poll (under
            // valgrind) cannot reorder them.
            let start = Instant::now();
            for ms in [40u64, 0, 20, 10, 30] {
                set.spawn(async move {
                    sleep_until(start + Duration::from_millis(ms)).await;
                    ms
                });
            }
            let mut order = Vec::new();
            while let Some(ms) = set.join_next().await {
                order.push(ms.unwrap());
            }
            assert_eq!(order, [0, 10, 20, 30, 40]);
        });
    });
}

#[test]
fn tasks_that_finished_before_join_next_was_first_polled_are_all_there() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            for i in 0..100u32 {
                set.spawn(after_yields(i as usize % 3, i));
            }
            // Let every task finish with nobody waiting on the set.
            for _ in 0..5 {
                runtime::yield_now().await;
            }
            assert_eq!(set.len(), 100, "finished but not joined");
            // Those with 0 yields finished first, then 1, then 2.
            let expected: Vec<u32> = (0..3)
                .flat_map(|r| (0..100).filter(move |i| i % 3 == r))
                .collect();
            let mut got = Vec::new();
            while let Some(r) = set.try_join_next() {
                got.push(r.unwrap());
                if got.len() == 50 {
                    break;
                }
            }
            while let Some(r) = set.join_next().await {
                got.push(r.unwrap());
            }
            assert_eq!(got, expected);
        });
    });
}

#[test]
fn a_panic_and_an_abort_surface_as_join_errors() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            let panicking = set.spawn(async {
                runtime::yield_now().await;
                panic!("task failed on purpose");
            });
            let pending = set.spawn(std::future::pending::<&str>());
            set.spawn(async { "fine" });
            pending.abort();
            let mut outcomes = Vec::new();
            while let Some(result) = set.join_next().await {
                outcomes.push(match result {
                    Ok(v) => format!("ok {v}"),
                    Err(e) if e.is_panic() => {
                        assert_eq!(e.id(), panicking.id());
                        format!("panic {}", e.panic_message().unwrap())
                    }
                    Err(e) => {
                        assert!(e.is_cancelled());
                        assert_eq!(e.id(), pending.id());
                        "cancelled".to_owned()
                    }
                });
            }
            assert_eq!(
                outcomes,
                ["cancelled", "ok fine", "panic task failed on purpose"]
            );
            assert!(panicking.is_finished() && pending.is_finished());
        });
    });
}

#[test]
fn join_all_collects_in_finishing_order_and_a_collected_set_runs_its_futures() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set: JoinSet<u64> = [3u64, 1, 2]
                .into_iter()
                .map(|n| async move {
                    sleep(Duration::from_millis(10 * n)).await;
                    n
                })
                .collect();
            set.extend((4..=5).map(|n| async move {
                sleep(Duration::from_millis(10 * n)).await;
                n
            }));
            assert_eq!(set.len(), 5);
            assert_eq!(set.join_all().await, [1, 2, 3, 4, 5]);
            assert!(JoinSet::<()>::new().join_all().await.is_empty());
        });
    });
}

#[test]
fn join_all_resumes_a_task_panic_and_aborts_the_rest() {
    watchdog(60, || {
        let dropped = Arc::new(AtomicUsize::new(0));
        let flags = dropped.clone();
        let message = util::expect_panic(move || {
            runtime::block_on(async move {
                let mut set = JoinSet::new();
                for _ in 0..10 {
                    let flag = DropFlag(flags.clone());
                    set.spawn(async move {
                        let _flag = flag;
                        sleep(Duration::from_secs(3600)).await;
                    });
                }
                set.spawn(async {
                    runtime::yield_now().await;
                    panic!("task failed on purpose");
                });
                set.join_all().await
            })
        });
        assert_eq!(message, "task failed on purpose", "the task's own payload");
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            10,
            "the others were aborted"
        );
        // An aborted task is a panic of join_all's own, naming it.
        let message = util::expect_panic(|| {
            runtime::block_on(async {
                let mut set = JoinSet::new();
                set.spawn(std::future::pending::<()>()).abort();
                set.join_all().await
            })
        });
        assert!(message.starts_with("JoinSet::join_all: "), "{message}");
        assert!(message.contains("cancelled"), "{message}");
    });
}

#[test]
fn dropping_the_set_aborts_its_tasks_at_once() {
    watchdog(60, || {
        runtime::block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let finished = Rc::new(RefCell::new(0));
            let mut set = JoinSet::new();
            for _ in 0..50 {
                let flag = DropFlag(dropped.clone());
                let finished = finished.clone();
                set.spawn(async move {
                    let _flag = flag;
                    sleep(Duration::from_secs(3600)).await;
                    *finished.borrow_mut() += 1;
                });
            }
            runtime::yield_now().await; // every task waits on its timer
            assert_eq!(dropped.load(Ordering::SeqCst), 0);
            drop(set);
            assert_eq!(dropped.load(Ordering::SeqCst), 50, "every future dropped");
            assert_eq!(*finished.borrow(), 0);
            assert_eq!(runtime::stats().tasks, 0, "every slot freed");
            assert_eq!(runtime::stats().timers, 0, "every timer cancelled");
        });
    });
}

#[test]
fn abort_all_then_join_and_shutdown() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { 1 });
            runtime::yield_now().await; // this one finishes first
            for _ in 0..4 {
                set.spawn(std::future::pending());
            }
            set.abort_all();
            assert_eq!(set.len(), 5, "aborted tasks stay until joined");
            let (mut ok, mut cancelled) = (0, 0);
            while let Some(r) = set.join_next().await {
                match r {
                    Ok(1) => ok += 1,
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!((ok, cancelled), (1, 4));

            let dropped = Arc::new(AtomicUsize::new(0));
            for _ in 0..10 {
                let flag = DropFlag(dropped.clone());
                set.spawn(async move {
                    let _flag = flag;
                    std::future::pending::<u32>().await
                });
            }
            timeout(Duration::from_secs(5), set.shutdown())
                .await
                .expect("shutdown finishes");
            assert!(set.is_empty());
            assert_eq!(dropped.load(Ordering::SeqCst), 10);
            assert_eq!(runtime::stats().tasks, 0);
        });
    });
}

#[test]
fn detached_tasks_run_on_after_the_set_is_gone() {
    watchdog(60, || {
        runtime::block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let mut set = JoinSet::new();
            let mut handles = Vec::new();
            for i in 0..5 {
                let tx = tx.clone();
                handles.push(set.spawn(async move {
                    sleep(Duration::from_millis(5)).await;
                    tx.send(i).unwrap();
                }));
            }
            drop(tx);
            set.detach_all();
            assert!(set.is_empty());
            handles[0].abort(); // out of the set: reaches nothing
            drop(set);
            let mut ran = Vec::new();
            while let Some(i) = timeout(Duration::from_secs(10), rx.recv()).await.unwrap() {
                ran.push(i);
            }
            ran.sort_unstable();
            assert_eq!(ran, [0, 1, 2, 3, 4]);
            assert!(handles.iter().all(|h| h.is_finished()));
        });
    });
}

#[test]
fn an_abort_handle_never_reaches_a_task_outside_its_set() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            let first = set.spawn(async { 1 });
            assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
            // The next task takes the same slab keys (the set's and the
            // executor's); the old handle must not abort it.
            let second = set.spawn(after_yields(3, 2));
            first.abort();
            assert!(first.is_finished());
            assert!(!second.is_finished());
            assert_eq!(set.join_next().await.unwrap().unwrap(), 2);
        });
    });
}

#[test]
fn join_next_cancelled_mid_wait_loses_no_result() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            let mut rng = XorShift::new(5);
            const TASKS: u64 = 300;
            // Spread over 30 ms, so that join_next often waits.
            for i in 0..TASKS {
                let delay = Duration::from_micros(rng.range(0, 30_000));
                set.spawn(async move {
                    sleep(delay).await;
                    i
                });
            }
            let mut seen = vec![false; TASKS as usize];
            let (mut joined, mut cancelled) = (0, 0);
            // Bounded: every round joins one task or cancels a join_next.
            for _ in 0..1_000_000 {
                if joined == TASKS {
                    break;
                }
                let got = if rng.next_u64().is_multiple_of(2) {
                    select(set.join_next(), runtime::yield_now()).await
                } else {
                    let limit = Duration::from_micros(rng.next_u64() % 30);
                    match timeout(limit, set.join_next()).await {
                        Ok(r) => Either::Left(r),
                        Err(_) => Either::Right(()),
                    }
                };
                match got {
                    Either::Left(Some(r)) => {
                        let i = r.unwrap() as usize;
                        assert!(!seen[i], "task {i} joined twice");
                        seen[i] = true;
                        joined += 1;
                    }
                    Either::Left(None) => panic!("set emptied early"),
                    Either::Right(()) => cancelled += 1,
                }
            }
            assert_eq!(joined, TASKS, "every result came out once");
            assert!(cancelled > 0, "the test never cancelled a join_next");
            assert!(set.is_empty());
        });
    });
}

#[test]
fn a_waiting_join_next_is_woken_once_per_completion_and_never_lost() {
    watchdog(60, || {
        let rt = Runtime::new().unwrap();
        let mut set = JoinSet::new();
        rt.block_on(async {
            set.spawn(after_yields(2, 'a'));
        });
        let w = CountingWaker::new();
        let k = Waker::from(w.clone());
        let mut next = set.join_next();
        assert!(poll_once(Pin::new(&mut next), &k).is_pending());
        drop(next); // cancelled while waiting
        let mut next = set.join_next();
        assert!(poll_once(Pin::new(&mut next), &k).is_pending());
        // Run the task to its end; the waiting joiner is woken.
        rt.block_on(after_yields(5, ()));
        assert_eq!(w.wakes(), 1);
        assert!(matches!(
            poll_once(Pin::new(&mut next), &k),
            Poll::Ready(Some(Ok('a')))
        ));
    });
}

#[test]
fn a_runtime_dropped_under_the_set_leaves_cancelled_results() {
    watchdog(60, || {
        let mut set = JoinSet::new();
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            set.spawn(std::future::pending::<()>());
            set.spawn(async {});
        });
        drop(rt);
        assert_eq!(set.len(), 2);
        let mut results = Vec::new();
        while let Some(r) = set.try_join_next() {
            results.push(r.map_err(|e| e.is_cancelled()));
        }
        assert_eq!(results.len(), 2, "both came out");
        assert!(results.contains(&Err(true)));
        assert!(set.is_empty());
    });
}

#[test]
fn spawn_blocking_joins_through_the_set() {
    watchdog(60, || {
        runtime::block_on(async {
            let mut set = JoinSet::new();
            for i in 0..4u64 {
                set.spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(5 * (4 - i)));
                    i
                });
            }
            let mut got = Vec::new();
            while let Some(r) = set.join_next().await {
                got.push(r.unwrap());
            }
            got.sort_unstable();
            assert_eq!(got, [0, 1, 2, 3]);
        });
    });
}

#[test]
fn a_destructor_may_abort_a_sibling_while_the_set_aborts_all() {
    struct AbortOnDrop(Rc<RefCell<Option<runtime::AbortHandle>>>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            if let Some(handle) = self.0.borrow_mut().take() {
                handle.abort();
            }
        }
    }
    watchdog(60, || {
        runtime::block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            let slot = Rc::new(RefCell::new(None));
            // The first task (aborted first) aborts the second from its
            // destructor, while `abort_all` is walking the set.
            let guard = AbortOnDrop(slot.clone());
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            let flag = DropFlag(dropped.clone());
            let sibling = set.spawn(async move {
                let _flag = flag;
                std::future::pending::<()>().await
            });
            *slot.borrow_mut() = Some(sibling);
            runtime::yield_now().await;
            drop(set);
            assert_eq!(dropped.load(Ordering::SeqCst), 1);
            assert_eq!(runtime::stats().tasks, 0);
        });
    });
}

/// 100,000 tasks, finishing in a shuffled order, joined one by one: with a
/// scan per join this would take 10^10 steps; with the completion queue it
/// takes about as long as spawning them.
#[test]
fn a_hundred_thousand_tasks_join_in_linear_time() {
    watchdog(120, || {
        runtime::block_on(async {
            const N: usize = 100_000;
            let mut set = JoinSet::new();
            let mut rng = XorShift::new(9);
            let start = Instant::now();
            for i in 0..N {
                set.spawn(after_yields(rng.range(0, 3) as usize, i));
            }
            let spawned = start.elapsed();
            let mut seen = vec![false; N];
            let mut count = 0;
            let start = Instant::now();
            while let Some(r) = set.join_next().await {
                let i = r.unwrap();
                assert!(!seen[i]);
                seen[i] = true;
                count += 1;
            }
            let joined = start.elapsed();
            assert_eq!(count, N);
            assert!(format!("{set:?}").contains("len: 0"));
            assert_eq!(runtime::stats().tasks, 0);
            println!("spawned {N} in {spawned:?}, joined (running them) in {joined:?}");
        });
    });
}
