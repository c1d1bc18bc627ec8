//! Timers: deadline order, never early and not (much) late; `timeout`,
//! `timeout_at`, `interval`, `sleep_until`; dropped timers leave the reactor,
//! and `Duration::MAX` means never.
//!
//! "Never early" is asserted strictly; "not too late" loosely, since a
//! loaded CI machine may deschedule the thread.

mod util;

use std::cell::RefCell;
use std::future::Future;
use std::future::pending;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use futures_core::Stream;
use runtime::time::{Elapsed, interval, interval_at, sleep, sleep_until, timeout, timeout_at};
use util::{Counters, CountingWaker, XorShift, exclusive, mean, percentile, poll_once, watchdog};

#[test]
fn thousand_timers_fire_in_deadline_order_never_early() {
    const N: usize = 1000;
    // Measures lateness: keep the busy-polling test of this binary away.
    let _serial = exclusive();
    watchdog(30, || {
        let mut rng = XorShift::new(0x7133);
        let offsets: Vec<Duration> = (0..N)
            .map(|_| Duration::from_micros(rng.range(1_000, 200_000)))
            .collect();
        runtime::block_on(async {
            // The deadlines count from a little ahead, so that every timer is
            // registered (first poll of its task) before the first one is due.
            let base = Instant::now() + Duration::from_millis(20);
            // (deadline, observed, registered before its deadline)
            let fired = Rc::new(RefCell::new(Vec::with_capacity(N)));
            let handles: Vec<_> = offsets
                .iter()
                .map(|&offset| {
                    let fired = fired.clone();
                    runtime::spawn(async move {
                        let deadline = base + offset;
                        let in_time = Instant::now() < deadline;
                        sleep_until(deadline).await;
                        fired.borrow_mut().push((deadline, Instant::now(), in_time));
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            assert_eq!(runtime::stats().timers, 0);

            let fired = fired.borrow();
            assert_eq!(fired.len(), N);
            for (deadline, seen, _) in fired.iter() {
                assert!(
                    seen >= deadline,
                    "a timer fired {:?} early",
                    *deadline - *seen
                );
            }
            // Timers registered before their deadline fire in deadline order.
            // (One whose task was first polled after its deadline completes at
            // that first poll, which is out of the reactor's hands.)
            let in_time: Vec<_> = fired.iter().filter(|f| f.2).collect();
            for pair in in_time.windows(2) {
                assert!(pair[0].0 <= pair[1].0, "fired out of deadline order");
            }
            let lateness: Vec<Duration> = in_time.iter().map(|f| f.1 - f.0).collect();
            let median = percentile(&lateness, 50);
            println!(
                "{N} timers ({} registered in time): lateness mean {:?}, median {median:?}, \
                 p99 {:?}, max {:?}",
                in_time.len(),
                mean(&lateness),
                percentile(&lateness, 99),
                percentile(&lateness, 100),
            );
            assert!(
                in_time.len() >= N * 9 / 10,
                "too few timers were registered in time"
            );
            assert!(
                median < Duration::from_millis(5),
                "median lateness {median:?}"
            );
        });
    });
}

#[test]
fn short_sleeps_and_busy_polled_timers_never_complete_early() {
    let _serial = exclusive();
    watchdog(10, || {
        runtime::block_on(async {
            for micros in [1, 50, 100, 500, 1_000, 2_000, 5_000] {
                let d = Duration::from_micros(micros);
                let start = Instant::now();
                sleep(d).await;
                assert!(
                    start.elapsed() >= d,
                    "sleep({d:?}) ended early, after {:?}",
                    start.elapsed()
                );
            }
            // Poll timers over and over right up to their deadlines (the task
            // wakes itself after each poll), so that any early completion shows.
            let deadline = Instant::now() + Duration::from_millis(5);
            let mut s = pin!(sleep_until(deadline));
            let mut t = pin!(timeout_at(deadline, pending::<()>()));
            let mut every = interval(Duration::from_millis(5));
            let first = every.tick().await;
            let (mut s_done, mut t_done, mut tick_done) = (false, false, false);
            let mut polls = 0u64;
            runtime::poll_fn(|cx| {
                polls += 1;
                if !s_done && s.as_mut().poll(cx).is_ready() {
                    assert!(Instant::now() >= deadline, "sleep_until completed early");
                    s_done = true;
                }
                if !t_done && t.as_mut().poll(cx).is_ready() {
                    assert!(Instant::now() >= deadline, "timeout_at expired early");
                    t_done = true;
                }
                if !tick_done && let Poll::Ready(at) = every.poll_tick(cx) {
                    assert_eq!(at, first + every.period());
                    assert!(Instant::now() >= at, "interval ticked early");
                    tick_done = true;
                }
                if s_done && t_done && tick_done {
                    return Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await;
            println!("busy-polled timers {polls} times before their deadlines");
            assert!(polls > 10, "the timers were not busy-polled");
        });
    });
}

#[test]
fn timeout_gives_elapsed_for_a_slow_future_and_the_value_for_a_fast_one() {
    watchdog(10, || {
        runtime::block_on(async {
            let limit = Duration::from_millis(30);
            let start = Instant::now();
            let slow = timeout(limit, sleep(Duration::from_secs(3600))).await;
            let took = start.elapsed();
            let elapsed: Elapsed = slow.unwrap_err();
            assert_eq!(elapsed.to_string(), "deadline has elapsed");
            assert!(took >= limit, "gave up early, after {took:?}");
            assert!(took < limit + Duration::from_secs(1));

            let start = Instant::now();
            let fast = timeout(Duration::from_secs(3600), async {
                sleep(Duration::from_millis(5)).await;
                "value"
            })
            .await;
            assert_eq!(fast, Ok("value"));
            assert!(start.elapsed() < Duration::from_secs(1));
            assert_eq!(runtime::stats().timers, 0, "the unused timers are gone");

            // `Elapsed` converts to an `io::Error` of kind `TimedOut`.
            let io: std::io::Error = elapsed.into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        });
    });
}

#[test]
fn timeout_at_gives_up_at_its_deadline() {
    watchdog(10, || {
        runtime::block_on(async {
            let deadline = Instant::now() + Duration::from_millis(25);
            let t = timeout_at(deadline, pending::<()>());
            assert_eq!(t.deadline(), Some(deadline));
            assert!(t.await.is_err());
            assert!(Instant::now() >= deadline);

            let deadline = Instant::now() + Duration::from_secs(3600);
            assert_eq!(timeout_at(deadline, async { 1 }).await, Ok(1));
            // A ready future wins even at an expired deadline: it is polled first.
            assert_eq!(timeout_at(Instant::now(), async { 2 }).await, Ok(2));
        });
    });
}

#[test]
fn dropped_timer_is_removed_from_the_reactor() {
    watchdog(10, || {
        runtime::block_on(async {
            let before = runtime::stats().timers;
            let waker = Waker::from(CountingWaker::new());
            let mut timer = Box::pin(sleep(Duration::from_secs(3600)));
            assert!(poll_once(timer.as_mut(), &waker).is_pending());
            assert_eq!(runtime::stats().timers, before + 1);
            drop(timer);
            assert_eq!(runtime::stats().timers, before);

            // The same through a timeout whose future wins after waiting.
            let t = timeout(Duration::from_secs(3600), sleep(Duration::from_millis(5)));
            assert!(t.await.is_ok());
            assert_eq!(runtime::stats().timers, before);

            // And through a task that is aborted.
            let task = runtime::spawn(sleep(Duration::from_secs(3600)));
            runtime::yield_now().await;
            assert_eq!(runtime::stats().timers, before + 1);
            task.abort();
            assert_eq!(runtime::stats().timers, before);
        });
    });
}

#[test]
fn timer_polled_with_a_new_waker_wakes_the_new_one() {
    watchdog(10, || {
        runtime::block_on(async {
            let first = CountingWaker::new();
            let mut timer = Box::pin(sleep(Duration::from_millis(20)));
            assert!(poll_once(timer.as_mut(), &Waker::from(first.clone())).is_pending());
            assert_eq!(
                Arc::strong_count(&first),
                2,
                "the reactor holds the first waker"
            );
            // Awaiting it here polls it with this task's waker: the timer must
            // drop the first waker and wake this task, or this never ends.
            timer.as_mut().await;
            assert_eq!(Arc::strong_count(&first), 1);
            assert_eq!(first.wakes(), 0);
        });
    });
}

#[test]
fn duration_max_sleep_never_fires_and_registers_nothing() {
    watchdog(10, || {
        runtime::block_on(async {
            let before = runtime::stats().timers;
            let mut never = pin!(sleep(Duration::MAX));
            assert_eq!(never.deadline(), None);
            assert!(poll_once(never.as_mut(), Waker::noop()).is_pending());
            assert_eq!(runtime::stats().timers, before, "registered a timer");
            let winner = runtime::race(
                async {
                    never.as_mut().await;
                    "never"
                },
                async {
                    sleep(Duration::from_millis(30)).await;
                    "30 ms"
                },
            )
            .await;
            assert_eq!(winner, "30 ms");
            assert!(!never.is_elapsed());
            // A timeout of `Duration::MAX` never expires either.
            assert_eq!(timeout(Duration::MAX, async { 3 }).await, Ok(3));
            assert_eq!(timeout(Duration::MAX, pending::<()>()).deadline(), None);
        });
    });
}

/// Whether `at` lies a whole number of `period`s after `origin`.
fn in_phase(origin: Instant, at: Instant, period: Duration) -> bool {
    at >= origin && (at - origin).as_nanos().is_multiple_of(period.as_nanos())
}

#[test]
fn interval_ticks_at_its_period_never_early_first_at_once() {
    watchdog(10, || {
        runtime::block_on(async {
            let period = Duration::from_millis(15);
            let start = Instant::now();
            let mut every = interval(period);
            assert_eq!(every.period(), period);
            let counters = Counters::new();
            let first = counters.wrap(every.tick()).await;
            assert_eq!(counters.polls(), 1, "the first tick is immediate");
            assert!(first >= start && first - start < Duration::from_millis(500));
            let mut previous = first;
            let mut skipped = 0;
            for k in 1..=5 {
                let scheduled = every.tick().await;
                let now = Instant::now();
                assert!(now >= scheduled, "tick {k} came early");
                assert!(
                    now - scheduled < Duration::from_millis(500),
                    "tick {k} very late"
                );
                assert!(
                    in_phase(first, scheduled, period),
                    "tick {k} lost the phase"
                );
                assert!(scheduled > previous);
                // A tick is skipped only if the thread was held up for more
                // than a period (a loaded machine); normally each is next.
                skipped += (scheduled - previous).as_nanos() / period.as_nanos() - 1;
                previous = scheduled;
            }
            println!("interval: 5 ticks, {skipped} skipped");
            drop(every);
            assert_eq!(runtime::stats().timers, 0);
        });
    });
}

#[test]
fn interval_skips_missed_ticks_and_keeps_its_phase() {
    watchdog(10, || {
        runtime::block_on(async {
            let period = Duration::from_millis(10);
            let start = Instant::now();
            let mut every = interval_at(start, period);
            assert_eq!(every.tick().await, start);
            // Fall 3.5 periods behind.
            sleep(Duration::from_millis(35)).await;
            let behind_at = Instant::now();
            let overdue = every.tick().await;
            assert!(in_phase(start, overdue, period));
            assert!(
                overdue + period <= behind_at,
                "the overdue tick is delivered at once"
            );
            // The next tick is the first one after the overdue tick was
            // taken: the ticks in between are skipped, not delivered in a burst.
            let next = every.tick().await;
            assert!(in_phase(start, next, period));
            assert!(next > behind_at, "missed ticks were delivered in a burst");
            assert!(Instant::now() >= next);
        });
    });
}

#[test]
fn interval_works_as_a_stream() {
    watchdog(10, || {
        runtime::block_on(async {
            let period = Duration::from_millis(5);
            let mut ticks = interval(period);
            let mut seen: Vec<Instant> = Vec::new();
            for _ in 0..4 {
                let item = runtime::poll_fn(|cx| Pin::new(&mut ticks).poll_next(cx)).await;
                let at = item.expect("an interval never ends");
                assert!(Instant::now() >= at);
                if let Some(&last) = seen.last() {
                    assert!(at > last && in_phase(last, at, period));
                }
                seen.push(at);
            }
        });
    });
}

#[test]
fn sleep_until_a_past_instant_completes_at_once() {
    watchdog(10, || {
        runtime::block_on(async {
            let before = runtime::stats().timers;
            let past = Instant::now() - Duration::from_millis(50);
            let mut s = pin!(sleep_until(past));
            assert!(s.is_elapsed());
            assert!(poll_once(s.as_mut(), Waker::noop()).is_ready());
            assert_eq!(runtime::stats().timers, before);
            sleep_until(Instant::now()).await;
            sleep(Duration::ZERO).await;

            // A sleep counts one poll when it is already due.
            let counters = Counters::new();
            counters.wrap(sleep_until(past)).await;
            assert_eq!(counters.polls(), 1);
        });
    });
}
