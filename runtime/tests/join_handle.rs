//! `JoinHandle`: abort (from outside and from inside the task),
//! `is_finished`, detaching by dropping, and handles that outlive their
//! runtime.

mod util;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::future::pending;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use runtime::JoinHandle;
use util::{Counters, CountingWaker, DropFlag, poll_once, watchdog};

#[test]
fn abort_drops_the_future_at_once_and_yields_cancelled() {
    watchdog(10, || {
        runtime::block_on(async {
            // A task parked on a timer.
            let counters = Counters::new();
            let timers = runtime::stats().timers;
            let task = runtime::spawn(counters.wrap(async {
                runtime::time::sleep(Duration::from_secs(3600)).await;
                "never"
            }));
            runtime::yield_now().await;
            assert_eq!(counters.polls(), 1);
            assert_eq!(runtime::stats().timers, timers + 1);
            assert!(!task.is_finished());
            task.abort();
            // Checked before awaiting the handle: the drop happened in `abort`.
            assert_eq!(counters.drops(), 1);
            assert_eq!(runtime::stats().timers, timers, "its timer went with it");
            assert!(task.is_finished());
            task.abort(); // a second abort is harmless
            let err = task.await.unwrap_err();
            assert!(err.is_cancelled());
            assert!(!err.is_panic());
            assert_eq!(err.panic_message(), None);
            assert_eq!(counters.polls(), 1);

            // A task never polled.
            let counters = Counters::new();
            let task = runtime::spawn(counters.wrap(pending::<()>()));
            task.abort();
            assert_eq!((counters.polls(), counters.drops()), (0, 1));
            assert!(task.await.unwrap_err().is_cancelled());

            // A task that already finished keeps its output.
            let task = runtime::spawn(async { 11 });
            runtime::yield_now().await;
            task.abort();
            assert_eq!(task.await.unwrap(), 11);
            assert_eq!(runtime::stats().tasks, 0);
        });
    });
}

#[test]
fn task_can_abort_itself() {
    watchdog(10, || {
        runtime::block_on(async {
            let own_handle: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
            let reached = Rc::new(Cell::new(false));
            let counters = Counters::new();
            let task = {
                let (own_handle, reached) = (own_handle.clone(), reached.clone());
                runtime::spawn(counters.wrap(async move {
                    own_handle
                        .borrow()
                        .as_ref()
                        .expect("the handle is stored before the first poll")
                        .abort();
                    // The abort takes effect when this poll returns.
                    runtime::yield_now().await;
                    reached.set(true);
                }))
            };
            *own_handle.borrow_mut() = Some(task);
            runtime::yield_now().await;
            runtime::yield_now().await;
            assert_eq!(counters.polls(), 1);
            assert_eq!(counters.drops(), 1, "cancelled right after its own poll");
            assert!(!reached.get());
            let task = own_handle.borrow_mut().take().expect("still stored");
            assert!(task.is_finished());
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(runtime::stats().tasks, 0);
        });
    });
}

#[test]
fn is_finished_tracks_completion() {
    watchdog(10, || {
        runtime::block_on(async {
            let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
            let s = slot.clone();
            let mut parked = false;
            let task = runtime::spawn(runtime::poll_fn(move |cx| {
                if parked {
                    return Poll::Ready("done");
                }
                parked = true;
                *s.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }));
            assert!(!task.is_finished(), "not started");
            runtime::yield_now().await;
            assert!(!task.is_finished(), "parked");
            slot.borrow_mut().take().unwrap().wake();
            runtime::yield_now().await;
            assert!(task.is_finished(), "returned, not yet joined");
            assert_eq!(task.await.unwrap(), "done");

            let panicked = runtime::spawn(async { panic!("x") });
            runtime::yield_now().await;
            assert!(panicked.is_finished());
            assert!(panicked.await.unwrap_err().is_panic());
        });
    });
}

#[test]
fn dropping_a_handle_detaches_the_task() {
    watchdog(10, || {
        runtime::block_on(async {
            let base = runtime::stats().tasks;
            let done = Rc::new(Cell::new(false));
            let counters = Counters::new();
            let d = done.clone();
            drop(runtime::spawn(counters.wrap(async move {
                runtime::time::sleep(Duration::from_millis(10)).await;
                d.set(true);
            })));
            assert_eq!(
                runtime::stats().tasks,
                base + 1,
                "still alive after the drop"
            );
            let give_up = Instant::now() + Duration::from_secs(5);
            while !done.get() && Instant::now() < give_up {
                runtime::time::sleep(Duration::from_millis(2)).await;
            }
            assert!(done.get(), "the detached task ran to completion");
            assert_eq!(counters.drops(), 1);
            assert_eq!(
                runtime::stats().tasks,
                base,
                "its slot was freed when it finished"
            );

            // Detaching a task that has already finished frees its slot at once.
            let task = runtime::spawn(async { 3 });
            runtime::yield_now().await;
            assert_eq!(runtime::stats().tasks, base + 1);
            drop(task);
            assert_eq!(runtime::stats().tasks, base);
        });
    });
}

#[test]
fn handles_report_cancelled_after_their_runtime_is_dropped() {
    watchdog(10, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let rt = runtime::Runtime::new().unwrap();
        let flag = DropFlag(drops.clone());
        let handle = rt.spawn(async move {
            let _flag = flag;
            pending::<u8>().await
        });
        drop(rt);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the runtime dropped the task"
        );
        assert!(handle.is_finished());
        // Polled with no runtime running: it is ready at once.
        match poll_once(pin!(handle), Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("expected a cancelled task, got {other:?}"),
        }
    });
}

#[test]
fn ids_are_unique_and_count_from_one() {
    watchdog(10, || {
        let rt = runtime::Runtime::new().unwrap();
        let a = rt.spawn(async {});
        let b = rt.spawn(async {});
        assert_eq!((a.id(), b.id()), (1, 2));
        rt.block_on(async move {
            a.await.unwrap();
            b.await.unwrap();
            let c = runtime::spawn(async {});
            assert_eq!(c.id(), 3, "ids are not reused with slots");
            let err = runtime::spawn(async { panic!("p") }).await.unwrap_err();
            assert_eq!(err.id(), 4);
        });
    });
}

/// A handle polled with a waker that is not one of this runtime's tasks (a
/// foreign executor's, or a combinator's own) is woken when the task ends;
/// re-polling with another waker replaces the first; the side table that
/// holds such wakers is emptied.
#[test]
fn foreign_wakers_are_woken_once_and_replaced_not_stacked() {
    watchdog(10, || {
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (first, second) = (CountingWaker::new(), CountingWaker::new());
            let (first_waker, second_waker) =
                (Waker::from(first.clone()), Waker::from(second.clone()));
            let mut handle = pin!(runtime::spawn(async {
                runtime::yield_now().await;
                7u8
            }));
            assert!(poll_once(handle.as_mut(), &first_waker).is_pending());
            assert!(poll_once(handle.as_mut(), &second_waker).is_pending());
            assert!(poll_once(handle.as_mut(), &second_waker).is_pending());
            // The first waker was replaced: only the side table's copy of the
            // second (plus our own) is alive.
            assert_eq!(Arc::strong_count(&first), 2);
            assert_eq!(Arc::strong_count(&second), 3);
            for _ in 0..10 {
                if handle.is_finished() {
                    break;
                }
                runtime::yield_now().await;
            }
            assert!(handle.is_finished());
            assert_eq!((first.wakes(), second.wakes()), (0, 1));
            assert_eq!(Arc::strong_count(&second), 2, "the side table let go of it");
            assert_eq!(handle.await.unwrap(), 7);
        });
    });
}

/// Switching a handle from a foreign waker to a task of the runtime (here
/// the `block_on` future) drops the foreign waker; dropping a handle with a
/// foreign waker drops it without a wake.
#[test]
fn foreign_waker_is_released_on_switch_and_on_detach() {
    watchdog(10, || {
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let foreign = CountingWaker::new();
            let foreign_waker = Waker::from(foreign.clone());

            let mut awaited = pin!(runtime::spawn(runtime::yield_now()));
            assert!(poll_once(awaited.as_mut(), &foreign_waker).is_pending());
            assert_eq!(Arc::strong_count(&foreign), 3);
            awaited.await.unwrap(); // now the block_on future waits on it
            assert_eq!(Arc::strong_count(&foreign), 2);

            let mut detached = runtime::spawn(runtime::yield_now());
            assert!(poll_once(Pin::new(&mut detached), &foreign_waker).is_pending());
            assert_eq!(Arc::strong_count(&foreign), 3);
            drop(detached);
            runtime::yield_now().await;
            runtime::yield_now().await;
            assert_eq!(Arc::strong_count(&foreign), 2);
            assert_eq!(foreign.wakes(), 0);
        });
    });
}

/// A handle awaited from another runtime on the same thread: that runtime's
/// waker is foreign to this one, and is woken when this one shuts down.
#[test]
fn a_handle_awaited_from_another_runtime_is_woken_at_shutdown() {
    watchdog(10, || {
        let owner = runtime::Runtime::new().unwrap();
        let handle = owner.spawn(pending::<()>());
        let other = runtime::Runtime::new().unwrap();
        let outcome = other.block_on(async move {
            let mut handle = pin!(handle);
            let mut owner = Some(owner);
            std::future::poll_fn(move |cx| {
                let poll = handle.as_mut().poll(cx);
                // After the first poll registered our waker, drop the owning
                // runtime: its shutdown must wake us.
                drop(owner.take());
                poll
            })
            .await
        });
        assert!(outcome.unwrap_err().is_cancelled());
    });
}

/// A task awaiting a handle is woken directly (a local waiter), many times
/// over, including a chain where each task awaits the one spawned before it.
#[test]
fn chains_of_tasks_awaiting_each_other_complete() {
    watchdog(10, || {
        let rt = runtime::Runtime::new().unwrap();
        let total = rt.block_on(async {
            let mut previous = runtime::spawn(async { 0u64 });
            for i in 1..=1_000u64 {
                let before = previous;
                previous = runtime::spawn(async move {
                    runtime::yield_now().await;
                    before.await.unwrap() + i
                });
            }
            previous.await.unwrap()
        });
        assert_eq!(total, 500_500);
        assert_eq!(rt.stats().tasks, 0);
    });
}
