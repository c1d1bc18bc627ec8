//! `runtime::select!`: branches polled in order, the first ready one wins,
//! the losers are dropped before its expression runs, a losing receive
//! loses no message, and a branch whose pattern does not match is disabled.

mod util;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::{pending, poll_fn, ready};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use runtime::time::{sleep, timeout};
use util::{Counters, XorShift, expect_panic, watchdog};

/// A minimal unbounded channel for one task, with a cancel-safe `recv`: a
/// message leaves the queue only in the poll that returns it, so dropping
/// a `recv` future (a lost `select!` branch) leaves every message queued.
/// (A test below does the same with `runtime::sync::mpsc`.)
#[derive(Default)]
struct Channel<T> {
    queue: RefCell<VecDeque<T>>,
    receiver: RefCell<Option<Waker>>,
    closed: Cell<bool>,
}

impl<T> Channel<T> {
    fn send(&self, value: T) {
        self.queue.borrow_mut().push_back(value);
        if let Some(waker) = self.receiver.borrow_mut().take() {
            waker.wake();
        }
    }

    fn close(&self) {
        self.closed.set(true);
        if let Some(waker) = self.receiver.borrow_mut().take() {
            waker.wake();
        }
    }

    async fn recv(&self) -> Option<T> {
        poll_fn(|cx| {
            if let Some(value) = self.queue.borrow_mut().pop_front() {
                return Poll::Ready(Some(value));
            }
            if self.closed.get() {
                return Poll::Ready(None);
            }
            *self.receiver.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

#[test]
fn the_first_ready_branch_in_order_wins_and_later_ones_are_not_polled() {
    watchdog(10, || {
        runtime::block_on(async {
            let (a, b, c) = (Counters::new(), Counters::new(), Counters::new());
            let winner = runtime::select! {
                () = a.wrap(pending::<()>()) => "a",
                n = b.wrap(ready(2)) => if n == 2 { "b" } else { "b?" },
                _ = c.wrap(ready(3)) => "c",
            };
            assert_eq!(winner, "b");
            assert_eq!((a.polls(), b.polls(), c.polls()), (1, 1, 0));
            assert_eq!((a.drops(), b.drops(), c.drops()), (1, 1, 1));
        });
    });
}

#[test]
fn every_pending_branch_is_polled_each_time_until_one_is_ready() {
    watchdog(10, || {
        runtime::block_on(async {
            let (a, b) = (Counters::new(), Counters::new());
            let winner = runtime::select! {
                () = a.wrap(pending::<()>()) => 'a',
                () = b.wrap(async {
                    for _ in 0..3 {
                        runtime::yield_now().await;
                    }
                }) => 'b',
            };
            assert_eq!(winner, 'b');
            assert_eq!((a.polls(), b.polls()), (4, 4), "both polled on every wake");
        });
    });
}

#[test]
fn the_losers_are_dropped_before_the_winners_expression_runs() {
    watchdog(10, || {
        runtime::block_on(async {
            let losers = Counters::new();
            let mut log = Vec::new();
            let log_ref = &mut log;
            let out = runtime::select! {
                // This loser borrows `log` mutably; the winner's expression
                // may use it because the loser is gone by then.
                () = losers.wrap(async move {
                    log_ref.push("never");
                    pending::<()>().await;
                }) => 0,
                () = losers.wrap(sleep(Duration::from_secs(3600))) => 1,
                n = async {
                    runtime::yield_now().await;
                    5
                } => {
                    assert_eq!(losers.drops(), 2, "losers dropped first");
                    log.push("winner");
                    n + 1
                }
            };
            assert_eq!(out, 6);
            assert_eq!(log, ["never", "winner"]);
        });
    });
}

#[test]
fn a_losing_recv_loses_no_message() {
    watchdog(20, || {
        runtime::block_on(async {
            const N: u32 = 10_000;
            let channel = Rc::new(Channel::default());
            let producer = runtime::spawn({
                let channel = channel.clone();
                async move {
                    let mut rng = XorShift::new(7);
                    for i in 0..N {
                        channel.send(i);
                        for _ in 0..rng.range(0, 3) {
                            runtime::yield_now().await;
                        }
                    }
                    channel.close();
                }
            });
            let (mut got, mut lost_races) = (Vec::new(), 0u32);
            // Bounded: every round either receives, or loses to a branch
            // that is ready within one yield.
            for round in 0..20 * N {
                // Alternate the order, so that `recv` loses both while it
                // waits (ready first, recv pending) and while a message is
                // waiting for it (the ready branch first, recv not polled).
                let next = if round % 2 == 0 {
                    runtime::select! {
                        msg = channel.recv() => Some(msg),
                        () = runtime::yield_now() => None,
                    }
                } else {
                    runtime::select! {
                        () = ready(()) => None,
                        msg = channel.recv() => Some(msg),
                    }
                };
                match next {
                    Some(Some(i)) => got.push(i),
                    Some(None) => break,
                    None => lost_races += 1,
                }
            }
            producer.await?;
            let first_wrong = got.iter().zip(0..).position(|(&g, i)| g != i);
            assert!(
                got.len() == N as usize && first_wrong.is_none(),
                "messages lost or reordered: got {} of {N}, first wrong at {first_wrong:?}",
                got.len()
            );
            assert!(lost_races >= N / 2, "recv lost only {lost_races} races");
            Ok::<_, runtime::JoinError>(())
        })
        .expect("producer");
    });
}

#[test]
fn a_losing_sync_mpsc_recv_loses_no_message_from_a_task_or_a_thread() {
    use runtime::sync::mpsc;
    watchdog(30, || {
        runtime::block_on(async {
            const N: u64 = 5_000;
            let (tx, mut rx) = mpsc::channel::<(u8, u64)>(4);
            let task_tx = tx.clone();
            let task = runtime::spawn(async move {
                for i in 0..N {
                    task_tx.send((0, i)).await.expect("receiver alive");
                    if i % 3 == 0 {
                        runtime::yield_now().await;
                    }
                }
            });
            let thread = std::thread::spawn(move || {
                for i in 0..N {
                    tx.blocking_send((1, i)).expect("receiver alive");
                }
            });
            let mut next = [0u64; 2];
            let mut lost_races = 0u64;
            // Bounded by time, not by rounds: on a loaded machine the
            // thread may be off the CPU for many lost races in a row.
            let deadline = std::time::Instant::now() + Duration::from_secs(25);
            for round in 0u64.. {
                assert!(
                    std::time::Instant::now() < deadline,
                    "not every message within 25 s: {next:?} of {N} each"
                );
                let got = if round % 2 == 0 {
                    runtime::select! {
                        msg = rx.recv() => msg,
                        () = runtime::yield_now() => { lost_races += 1; continue }
                    }
                } else {
                    runtime::select! {
                        () = ready(()) => { lost_races += 1; continue }
                        msg = rx.recv() => msg,
                    }
                };
                let Some((source, i)) = got else { break };
                let expected = &mut next[usize::from(source)];
                assert_eq!(i, *expected, "source {source}: a message lost or reordered");
                *expected += 1;
            }
            assert_eq!(next, [N, N], "every message of both senders");
            assert!(lost_races > 0, "recv never lost a race");
            task.await.expect("sender task");
            thread.join().expect("sender thread");
        });
    });
}

#[test]
fn a_branch_whose_pattern_does_not_match_is_disabled() {
    watchdog(10, || {
        runtime::block_on(async {
            let disabled = Counters::new();
            let out = runtime::select! {
                Some(x) = disabled.wrap(ready(None::<u32>)) => x,
                n = async {
                    sleep(Duration::from_millis(2)).await;
                    7
                } => n,
            };
            assert_eq!(out, 7);
            assert_eq!(disabled.polls(), 1, "never polled after it finished");
        });
    });
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    watchdog(10, || {
        runtime::block_on(async {
            let channel = Channel::<u8>::default();
            channel.send(1);
            channel.close();
            let mut got = Vec::new();
            for _ in 0..10 {
                runtime::select! {
                    Some(n) = channel.recv() => got.push(n),
                    Ok(n) = async { "x".parse::<u8>() } => got.push(n),
                    else => break,
                }
            }
            assert_eq!(got, [1]);
        });
    });
}

#[test]
fn every_branch_disabled_without_else_panics() {
    watchdog(10, || {
        let message = expect_panic(|| {
            runtime::block_on(async {
                runtime::select! {
                    Some(n) = ready(None::<u8>) => n,
                    Err(n) = ready(Ok::<u8, u8>(1)) => n,
                }
            })
        });
        assert!(message.contains("every branch is disabled"), "{message}");
    });
}

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[test]
fn patterns_may_bind_mut_and_ref_and_nest_every_kind_of_group() {
    watchdog(10, || {
        runtime::block_on(async {
            let out = runtime::select! {
                Ok((mut list, ref name)) = ready(Ok::<_, ()>((vec![1], String::from("x")))) => {
                    list.push(2);
                    format!("{list:?} {name}")
                }
                _ = pending::<()>() => String::new(),
            };
            assert_eq!(out, "[1, 2] x");

            let out = runtime::select! {
                Point { x: 0, mut y } = ready(Point { x: 1, y: 1 }) => { y += 1; y }
                Point { x, y: mut y2 } = ready(Point { x: 3, y: 4 }) => { y2 *= 10; x + y2 }
            };
            assert_eq!(out, 43, "the first branch's literal `x: 0` did not match");

            let out = runtime::select! {
                Some([first, .., mut last]) = ready(Some([1, 2, 3])) => { last += 1; first + last }
                else => 0,
            };
            assert_eq!(out, 5);
        });
    });
}

#[test]
fn break_continue_return_and_question_mark_act_on_the_surrounding_code() {
    async fn parse_both(a: &str, b: &str) -> Result<u32, std::num::ParseIntError> {
        let mut total = 0;
        for text in [a, b] {
            runtime::select! {
                n = async { text.parse::<u32>() } => total += n?,
                () = sleep(Duration::from_secs(5)) => return Ok(0),
            }
        }
        Ok(total)
    }
    watchdog(10, || {
        runtime::block_on(async {
            assert_eq!(parse_both("1", "2").await, Ok(3));
            assert!(parse_both("1", "x").await.is_err());
            let mut seen = Vec::new();
            for i in 0..10 {
                runtime::select! {
                    () = ready(()) => if i % 2 == 0 { continue } else if i > 6 { break },
                    () = pending() => unreachable!(),
                }
                seen.push(i);
            }
            assert_eq!(seen, [1, 3, 5]);
        });
    });
}

#[test]
fn the_expression_may_await_and_the_branches_may_differ_in_type() {
    watchdog(10, || {
        runtime::block_on(async {
            let out: String = runtime::select! {
                s = async { String::from("text") } => {
                    runtime::yield_now().await;
                    s
                }
                n = ready(3u64) => n.to_string(),
                () = pending() => String::new(),
            };
            assert_eq!(out, "text");
        });
    });
}

#[test]
fn dropping_the_select_drops_every_branch() {
    watchdog(10, || {
        runtime::block_on(async {
            let branches = Counters::new();
            let result = timeout(Duration::from_millis(5), async {
                runtime::select! {
                    () = branches.wrap(pending()) => 1,
                    () = branches.wrap(sleep(Duration::from_secs(3600))) => 2,
                }
            })
            .await;
            assert!(result.is_err(), "timed out");
            assert_eq!(branches.drops(), 2);
        });
    });
}
