//! `JoinHandle`: abort (from outside and from inside the task),
//! `is_finished`, detaching by dropping, and handles that outlive their
//! runtime.

mod util;

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use runtime::JoinHandle;
use util::{Counters, DropFlag, poll_once, watchdog};

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
