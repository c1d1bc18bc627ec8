//! Wakers in the hands of other threads, at the worst moments: cloned,
//! dropped and woken in tight loops by 8 threads while their tasks run,
//! after the tasks finished, after they were aborted, while their runtime is
//! being dropped and after it is gone, and while a new runtime runs on the
//! original thread. Nothing may panic, touch freed memory (run under
//! valgrind in CI), leak a descriptor, or disturb a later runtime beyond a
//! loose bound.
//!
//! Wakers find their runtime through a process-wide registry whose ids are
//! reused, so the tests of this binary run one at a time ([`exclusive`]).
//! The runs are short, so that valgrind (20-50 times slower) can run them.

mod util;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use util::{exclusive, open_fds, watchdog};

/// Threads that clone, drop and wake wakers.
const THREADS: usize = 8;
/// Clones of each waker a thread holds at once before waking them.
const CLONES: usize = 16;

/// Wakers published by tasks, for the chaos threads to take.
type Board = Arc<Mutex<Vec<Waker>>>;

/// `THREADS` threads that, until stopped, take a snapshot of the board,
/// make [`CLONES`] clones of each waker, wake each clone by reference, then
/// by value (dropping it), over and over.
struct Chaos {
    stop: Arc<AtomicBool>,
    wakes: Arc<AtomicU64>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Chaos {
    fn start(board: &Board) -> Chaos {
        let stop = Arc::new(AtomicBool::new(false));
        let wakes = Arc::new(AtomicU64::new(0));
        let threads = (0..THREADS)
            .map(|t| {
                let (board, stop, wakes) = (board.clone(), stop.clone(), wakes.clone());
                thread::Builder::new()
                    .name(format!("chaos {t}"))
                    .spawn(move || {
                        while !stop.load(Ordering::Relaxed) {
                            let snapshot: Vec<Waker> = board.lock().unwrap().clone();
                            let clones: Vec<Waker> = snapshot
                                .iter()
                                .flat_map(|w| std::iter::repeat_n(w, CLONES).cloned())
                                .collect();
                            for waker in &clones {
                                waker.wake_by_ref();
                            }
                            let n = clones.len() as u64 * 2;
                            for waker in clones {
                                waker.wake();
                            }
                            wakes.fetch_add(n, Ordering::Relaxed);
                            drop(snapshot);
                            thread::yield_now();
                        }
                    })
                    .expect("spawning a chaos thread")
            })
            .collect();
        Chaos {
            stop,
            wakes,
            threads,
        }
    }

    /// Wakes done so far.
    fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::Relaxed)
    }

    /// Stops and joins the threads (a panic in one fails the test here);
    /// returns the wakes done.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().expect("a chaos thread panicked");
        }
        self.wakes.load(Ordering::Relaxed)
    }
}

/// A task that publishes its waker on the board at its first poll (and
/// keeps it in `mine`), counts its polls, and finishes once `done` is set.
fn publishing_task(
    board: Board,
    polls: Rc<Cell<u64>>,
    done: Rc<Cell<bool>>,
    mine: Rc<RefCell<Option<Waker>>>,
) -> impl Future<Output = u64> {
    runtime::poll_fn(move |cx| {
        polls.set(polls.get() + 1);
        if done.get() {
            return Poll::Ready(polls.get());
        }
        if mine.borrow().is_none() {
            board.lock().unwrap().push(cx.waker().clone());
            *mine.borrow_mut() = Some(cx.waker().clone());
        }
        Poll::Pending
    })
}

/// Sleeps `period` in small steps so that the chaos threads' wakes of the
/// `block_on` future are mixed with timer wakes.
async fn churn(period: Duration) {
    let until = Instant::now() + period;
    while Instant::now() < until {
        runtime::time::sleep(Duration::from_millis(2)).await;
        runtime::yield_now().await;
    }
}

#[test]
fn wakers_in_other_threads_outlive_their_tasks_and_their_runtime() {
    const PER_KIND: usize = 4;
    let _serial = exclusive();
    watchdog(120, || {
        let fds_before = open_fds();
        let board: Board = Arc::default();
        let chaos = Chaos::start(&board);

        // Runtime 1: tasks that will finish, be aborted, or live until the
        // runtime is dropped; all publish their wakers while 8 threads wake
        // them.
        let rt = runtime::Runtime::new().unwrap();
        let forever_polls: Vec<Rc<Cell<u64>>> = (0..PER_KIND).map(|_| Rc::default()).collect();
        rt.block_on(async {
            // The `block_on` future's waker goes on the board too.
            runtime::poll_fn(|cx| {
                board.lock().unwrap().push(cx.waker().clone());
                Poll::Ready(())
            })
            .await;
            let spawn_kind = |polls: Option<&Rc<Cell<u64>>>| {
                let done = Rc::new(Cell::new(false));
                let mine = Rc::new(RefCell::new(None));
                let polls = polls.cloned().unwrap_or_default();
                let task = runtime::spawn(publishing_task(
                    board.clone(),
                    polls,
                    done.clone(),
                    mine.clone(),
                ));
                (task, done, mine)
            };
            let finishing: Vec<_> = (0..PER_KIND).map(|_| spawn_kind(None)).collect();
            let aborted: Vec<_> = (0..PER_KIND).map(|_| spawn_kind(None)).collect();
            for polls in &forever_polls {
                // Detached: alive until the runtime is dropped.
                drop(spawn_kind(Some(polls)).0);
            }
            churn(Duration::from_millis(20)).await;
            assert_eq!(runtime::stats().tasks, 3 * PER_KIND, "all tasks alive");

            // Finish some (their wakers keep being woken after), abort others.
            for (task, done, mine) in finishing {
                done.set(true);
                // The chaos threads wake it soon; so does this.
                mine.borrow()
                    .as_ref()
                    .expect("the task parked")
                    .wake_by_ref();
                let polls = task.await.expect("the task finishes");
                assert!(polls >= 2);
            }
            for (task, _, _) in aborted {
                task.abort();
                assert!(task.await.unwrap_err().is_cancelled());
            }
            churn(Duration::from_millis(20)).await;
            let stats = runtime::stats();
            assert_eq!(stats.tasks, PER_KIND, "only the detached tasks are left");
            assert!(stats.remote_wakes > 0, "the chaos threads' wakes arrive");
        });
        let wakes_during = chaos.wakes();
        let stats_1 = rt.stats();
        // Dropped while the threads wake its tasks and its `block_on` future.
        drop(rt);
        for polls in &forever_polls {
            assert!(polls.get() >= 1, "each detached task ran");
        }
        thread::sleep(Duration::from_millis(10)); // wakes of a dropped runtime

        // Runtime 2 on the same thread (likely with the same registry id)
        // while the threads keep waking runtime 1's wakers: its task is polled
        // exactly as its own wakes say.
        let rt2 = runtime::Runtime::new().unwrap();
        let polls = Rc::new(Cell::new(0u64));
        let counted = polls.clone();
        let task = rt2.spawn(async move {
            for _ in 0..3 {
                counted.set(counted.get() + 1);
                runtime::time::sleep(Duration::from_millis(10)).await;
            }
            counted.set(counted.get() + 1);
        });
        rt2.block_on(async {
            task.await.unwrap();
            churn(Duration::from_millis(20)).await;
        });
        assert_eq!(
            polls.get(),
            4,
            "the new runtime's task was polled spuriously"
        );
        let stats_2 = rt2.stats();
        // Not one of the storm's wakes (of runtime 1's tasks and `block_on`
        // future) queued anything in runtime 2, and its polls are its own:
        // 4 of the task, and the `block_on` future's, about 2 per 2 ms of
        // churn (a loose bound; the storm made it hundreds when the
        // `block_on` waker was not salted).
        assert_eq!(stats_2.remote_wakes, 0, "{stats_2:?}");
        assert!(stats_2.polls < 200, "{stats_2:?}");
        drop(rt2);

        let wakes = chaos.stop();
        board.lock().unwrap().clear();
        println!(
            "{THREADS} threads x {CLONES} clones: {wakes} wakes ({wakes_during} while runtime 1 \
             ran); runtime 1: {} polls, {} remote wakes queued; runtime 2: {} polls, {} remote \
             wakes queued",
            stats_1.polls, stats_1.remote_wakes, stats_2.polls, stats_2.remote_wakes
        );
        assert_eq!(open_fds(), fds_before, "descriptors leaked");

        // A fresh runtime behaves normally.
        let rt3 = runtime::Runtime::new().unwrap();
        let sum = rt3.block_on(async {
            let tasks: Vec<_> = (0..100u64)
                .map(|i| {
                    runtime::spawn(async move {
                        runtime::yield_now().await;
                        i
                    })
                })
                .collect();
            runtime::join_all(tasks)
                .await
                .into_iter()
                .map(Result::unwrap)
                .sum::<u64>()
        });
        assert_eq!(sum, 4950);
        // 100 tasks polled twice, the main future once per wake of it.
        assert!(rt3.stats().polls <= 200 + 101, "{:?}", rt3.stats());
        assert_eq!(rt3.stats().remote_wakes, 0);
    });
}

#[test]
fn wake_from_a_thread_while_a_new_runtime_runs_on_the_original_thread() {
    let _serial = exclusive();
    watchdog(60, || {
        let fds_before = open_fds();
        // Runtime A: a task parks, its waker kept; A is not running.
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let a = runtime::Runtime::new().unwrap();
        let s = slot.clone();
        let mut parked = false;
        let task = a.spawn(runtime::poll_fn(move |cx| {
            if parked {
                return Poll::Ready("woken");
            }
            parked = true;
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }));
        a.block_on(runtime::yield_now());
        let waker = slot.lock().unwrap().take().expect("the task parked");

        // Runtime B runs on this thread while 8 threads wake A's task, each
        // many times: the wakes go to A's queue, not B's, and B's own task is
        // polled only by its own wakes.
        let b = runtime::Runtime::new().unwrap();
        let polls = Rc::new(Cell::new(0u64));
        let counted = polls.clone();
        let b_task = b.spawn(async move {
            counted.set(counted.get() + 1);
            runtime::time::sleep(Duration::from_millis(30)).await;
            counted.set(counted.get() + 1);
        });
        b.block_on(async {
            let wakers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let waker = waker.clone();
                    thread::spawn(move || {
                        for _ in 0..1000 {
                            // A clone woken by value: a clone and a drop
                            // per wake.
                            let clone = waker.clone();
                            clone.wake();
                        }
                    })
                })
                .collect();
            b_task.await.unwrap();
            while !wakers.iter().all(thread::JoinHandle::is_finished) {
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
            for thread in wakers {
                thread.join().unwrap();
            }
        });
        assert_eq!(polls.get(), 2);
        assert_eq!(b.stats().remote_wakes, 0, "A's wakes reached B");
        assert!(!task.is_finished(), "A does not run while B does");
        // A runs its task once it runs again: the wake was kept, once.
        assert_eq!(a.block_on(task).unwrap(), "woken");
        assert_eq!(a.stats().remote_wakes, 1, "the wakes queued the task once");
        drop((a, b));

        // A is gone: its task's waker, woken from threads while yet another
        // runtime runs here, does nothing.
        let c = runtime::Runtime::new().unwrap();
        let polls = Rc::new(Cell::new(0u64));
        let counted = polls.clone();
        let c_task = c.spawn(runtime::poll_fn(move |_| {
            counted.set(counted.get() + 1);
            Poll::<()>::Pending
        }));
        c.block_on(async {
            runtime::yield_now().await;
            let wakers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let waker = waker.clone();
                    thread::spawn(move || {
                        for _ in 0..1000 {
                            waker.wake_by_ref();
                        }
                    })
                })
                .collect();
            while !wakers.iter().all(thread::JoinHandle::is_finished) {
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
            for thread in wakers {
                thread.join().unwrap();
            }
            runtime::yield_now().await;
        });
        assert_eq!(
            polls.get(),
            1,
            "a dropped runtime's waker polled a task of a new one"
        );
        assert_eq!(c.stats().remote_wakes, 0);
        c_task.abort();
        // A handle keeps its runtime's core (and descriptors) until dropped.
        drop((c_task, c, waker));
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

#[test]
fn runtimes_dropped_in_a_storm_of_wakes_leak_nothing() {
    const ROUNDS: usize = 20;
    const TASKS: usize = 8;
    let _serial = exclusive();
    watchdog(120, || {
        let fds_before = open_fds();
        let board: Board = Arc::default();
        let chaos = Chaos::start(&board);
        let mut remote_wakes = 0;
        for round in 0..ROUNDS {
            // Each round: a runtime whose tasks publish their wakers, run
            // briefly under the storm, and dropped mid-storm; then the board
            // is cleared, sometimes, so that stale and fresh wakers mix.
            let rt = runtime::Runtime::new().unwrap();
            let done = Rc::new(Cell::new(false));
            for _ in 0..TASKS {
                drop(rt.spawn(publishing_task(
                    board.clone(),
                    Rc::default(),
                    done.clone(),
                    Rc::default(),
                )));
            }
            rt.block_on(async {
                for _ in 0..5 {
                    runtime::yield_now().await;
                }
                runtime::time::sleep(Duration::from_millis(1)).await;
            });
            if round % 2 == 0 {
                // Half the rounds finish their tasks before the drop.
                done.set(true);
                rt.block_on(churn(Duration::from_millis(2)));
            }
            remote_wakes += rt.stats().remote_wakes;
            drop(rt);
            if round % 4 == 3 {
                board.lock().unwrap().clear();
            }
        }
        let wakes = chaos.stop();
        board.lock().unwrap().clear();
        println!(
            "{ROUNDS} runtimes dropped under {wakes} wakes from {THREADS} threads; {remote_wakes} \
             remote wakes queued"
        );
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

/// The runtime id a waker of this runtime carries: the top 16 bits of its
/// data word (see `runtime/src/executor/waker.rs`). Used only to check a test's precondition.
fn runtime_id(waker: &Waker) -> usize {
    waker.data() as usize >> 48
}

/// Regression test: the `block_on` future's waker used to carry the same
/// tag in every runtime, so a dropped runtime's `block_on` waker, woken from
/// any thread, polled the `block_on` future of the next runtime to reuse its
/// registry id (fixed by salting that tag per runtime and per call).
#[test]
fn stale_block_on_waker_does_not_poll_a_later_runtimes_block_on_future() {
    let _serial = exclusive();
    watchdog(30, || {
        let rt = runtime::Runtime::new().unwrap();
        let stale = rt.block_on(runtime::poll_fn(|cx| Poll::Ready(cx.waker().clone())));
        drop(rt);

        let rt = runtime::Runtime::new().unwrap();
        let polls = Rc::new(Cell::new(0u32));
        let counted = polls.clone();
        let mut sleep = Box::pin(runtime::time::sleep(Duration::from_millis(30)));
        let mut first = true;
        rt.block_on(runtime::poll_fn(move |cx| {
            counted.set(counted.get() + 1);
            if first {
                first = false;
                assert_eq!(
                    runtime_id(&stale),
                    runtime_id(cx.waker()),
                    "precondition: the new runtime reuses the dropped one's id"
                );
                // From another thread, and from this one: both must do nothing.
                let remote = stale.clone();
                thread::spawn(move || remote.wake()).join().unwrap();
                stale.wake_by_ref();
            }
            sleep.as_mut().poll(cx)
        }));
        // One poll to start, one when the sleep is over; each stale wake
        // adds one.
        assert_eq!(polls.get(), 2, "{:?}", rt.stats());
    });
}
