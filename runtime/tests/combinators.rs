//! Combinators: `join`, `join_all`, `race`, `select`, `poll_fn`, and the
//! ordering `yield_now` gives.

mod util;

use std::cell::RefCell;
use std::future::pending;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use runtime::Either;
use runtime::time::sleep;
use util::{Counters, watchdog};

type Log = Rc<RefCell<Vec<&'static str>>>;

/// Logs `first`, yields to the executor, then logs `second`.
async fn two_steps(log: Log, first: &'static str, second: &'static str) -> &'static str {
    log.borrow_mut().push(first);
    runtime::yield_now().await;
    log.borrow_mut().push(second);
    second
}

#[test]
fn join_runs_both_futures_concurrently_and_returns_both_outputs() {
    watchdog(10, || {
        runtime::block_on(async {
            let log = Log::default();
            let (a, b) = runtime::join(
                two_steps(log.clone(), "a1", "a2"),
                two_steps(log.clone(), "b1", "b2"),
            )
            .await;
            assert_eq!((a, b), ("a2", "b2"));
            assert_eq!(*log.borrow(), ["a1", "b1", "a2", "b2"], "interleaved");

            // Different output types; one finishes long before the other.
            let (n, s) = runtime::join(async { 1u8 }, async {
                sleep(Duration::from_millis(5)).await;
                String::from("later")
            })
            .await;
            assert_eq!((n, s.as_str()), (1, "later"));
        });
    });
}

#[test]
fn join_all_returns_outputs_in_input_order() {
    watchdog(10, || {
        runtime::block_on(async {
            let finished = Rc::new(RefCell::new(Vec::new()));
            // Later futures finish first: each waits (yielding) until every
            // future after it has finished.
            let futures = (0..5usize).map(|i| {
                let finished = finished.clone();
                async move {
                    for _ in 0..1000 {
                        if finished.borrow().len() == 4 - i {
                            break;
                        }
                        runtime::yield_now().await;
                    }
                    finished.borrow_mut().push(i);
                    i * 10
                }
            });
            assert_eq!(runtime::join_all(futures).await, [0, 10, 20, 30, 40]);
            assert_eq!(*finished.borrow(), [4, 3, 2, 1, 0]);

            // Of join handles, and of nothing.
            let handles = (0..20).map(|i| runtime::spawn(async move { i }));
            let outputs: Vec<i32> = runtime::join_all(handles)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(outputs, (0..20).collect::<Vec<_>>());
            let none: Vec<std::future::Ready<u8>> = Vec::new();
            assert!(runtime::join_all(none).await.is_empty());
        });
    });
}

#[test]
fn race_returns_the_first_and_drops_the_loser() {
    watchdog(10, || {
        runtime::block_on(async {
            let timers = runtime::stats().timers;
            let loser = Counters::new();
            let winner = runtime::race(
                async {
                    sleep(Duration::from_millis(5)).await;
                    "fast"
                },
                loser.wrap(async {
                    sleep(Duration::from_secs(3600)).await;
                    "slow"
                }),
            )
            .await;
            assert_eq!(winner, "fast");
            assert_eq!(loser.drops(), 1, "the loser is dropped with the race");
            assert_eq!(runtime::stats().timers, timers, "and its timer with it");

            // The second can win too.
            let winner = runtime::race(pending(), async { "second" }).await;
            assert_eq!(winner, "second");

            // When both are ready at the same poll, the first wins.
            let b = Counters::new();
            assert_eq!(runtime::race(async { 1 }, b.wrap(async { 2 })).await, 1);
            assert_eq!(b.polls(), 0);
        });
    });
}

#[test]
fn select_says_which_side_won() {
    watchdog(10, || {
        runtime::block_on(async {
            let left = runtime::select(async { 7u8 }, pending::<String>()).await;
            assert_eq!(left, Either::Left(7));

            let loser = Counters::new();
            let right = runtime::select(
                loser.wrap(async {
                    sleep(Duration::from_secs(3600)).await;
                    0u8
                }),
                async {
                    sleep(Duration::from_millis(5)).await;
                    "right"
                },
            )
            .await;
            assert_eq!(right, Either::Right("right"));
            assert_eq!(loser.drops(), 1);
        });
    });
}

#[test]
fn poll_fn_builds_a_future_from_a_closure() {
    watchdog(10, || {
        runtime::block_on(async {
            let mut polls = 0;
            let out = runtime::poll_fn(|cx| {
                polls += 1;
                if polls < 4 {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(polls * 10)
                }
            })
            .await;
            assert_eq!(out, 40);
        });
    });
}

#[test]
fn yield_now_sends_a_task_to_the_back_of_the_queue() {
    watchdog(5, || {
        runtime::block_on(async {
            let log = Log::default();
            let t1 = runtime::spawn(two_steps(log.clone(), "t1 a", "t1 b"));
            let t2 = runtime::spawn(two_steps(log.clone(), "t2 a", "t2 b"));
            let l = log.clone();
            let t3 = runtime::spawn(async move { l.borrow_mut().push("t3") });
            // The `block_on` future yields too: the tasks woken before it run
            // first. (It is polled between batches of tasks, so tasks woken
            // after it may also run first; only task order is FIFO.)
            runtime::yield_now().await;
            log.borrow_mut().push("main");
            for t in [t1, t2] {
                t.await.unwrap();
            }
            t3.await.unwrap();
            let log = log.borrow();
            assert_eq!(
                log.iter()
                    .filter(|e| **e != "main")
                    .copied()
                    .collect::<Vec<_>>(),
                ["t1 a", "t2 a", "t3", "t1 b", "t2 b"],
                "each yield goes to the back of the queue"
            );
            let main_at = log.iter().position(|e| *e == "main").unwrap();
            assert!(
                main_at >= 3,
                "main's yield let the queued tasks go first: {log:?}"
            );
        });
    });
}
