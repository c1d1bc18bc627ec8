//! Panics: a panicking task becomes a `JoinError` with its payload while the
//! other tasks run on; misuse (`block_on` inside `block_on`, `spawn` outside
//! a runtime) panics with a message that says what went wrong.

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use util::{expect_panic, watchdog};

fn explode(message: &str) -> u32 {
    panic!("{message}")
}

#[test]
fn panicking_task_yields_join_error_with_its_payload() {
    watchdog(10, || {
        runtime::block_on(async {
            // A `String` payload (formatted), after a yield.
            let task = runtime::spawn(async {
                runtime::yield_now().await;
                explode("bad input 42")
            });
            let err = task.await.unwrap_err();
            assert!(err.is_panic());
            assert!(!err.is_cancelled());
            assert_eq!(err.panic_message(), Some("bad input 42"));
            assert!(err.to_string().contains("panicked: bad input 42"), "{err}");
            let payload = err.into_panic();
            assert_eq!(payload.downcast_ref::<String>().unwrap(), "bad input 42");

            // A `&'static str` payload, at the first poll.
            let err = runtime::spawn(async { panic!("static message") })
                .await
                .unwrap_err();
            assert_eq!(err.panic_message(), Some("static message"));
            assert_eq!(
                *err.into_panic().downcast::<&str>().unwrap(),
                "static message"
            );

            // Any other payload: no message, but the value comes back.
            let err = runtime::spawn(async { std::panic::panic_any(7u8) })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message(), None);
            let id = err.id();
            assert!(id > 0);
            assert_eq!(*err.into_panic().downcast::<u8>().unwrap(), 7);
        });
    });
}

#[test]
fn other_tasks_keep_running_after_a_panic() {
    watchdog(10, || {
        runtime::block_on(async {
            let ticks = Rc::new(Cell::new(0));
            let ticker = {
                let ticks = ticks.clone();
                runtime::spawn(async move {
                    for _ in 0..5 {
                        runtime::time::sleep(Duration::from_millis(2)).await;
                        ticks.set(ticks.get() + 1);
                    }
                    "ticker done"
                })
            };
            let bomb = runtime::spawn(async {
                runtime::time::sleep(Duration::from_millis(3)).await;
                explode("mid-run")
            });
            let after = runtime::spawn(async {
                runtime::time::sleep(Duration::from_millis(6)).await;
                "later task done"
            });
            assert!(bomb.await.unwrap_err().is_panic());
            assert_eq!(ticker.await.unwrap(), "ticker done");
            assert_eq!(after.await.unwrap(), "later task done");
            assert_eq!(ticks.get(), 5);
            // A task spawned after the panic runs too.
            assert_eq!(runtime::spawn(async { 1 }).await.unwrap(), 1);
            assert_eq!(runtime::stats().tasks, 0);
        });
    });
}

#[test]
fn block_on_inside_block_on_panics_with_a_clear_message() {
    watchdog(10, || {
        // In the `block_on` future itself: the panic leaves `block_on`.
        let message = expect_panic(|| runtime::block_on(async { runtime::block_on(async {}) }));
        assert!(
            message.contains("block_on called inside block_on"),
            "{message}"
        );

        // The thread is usable again afterwards.
        assert_eq!(runtime::block_on(async { 5 }), 5);

        // Through `Runtime::block_on`, and inside a spawned task (where the
        // panic goes to the task's handle).
        let rt = runtime::Runtime::new().unwrap();
        let message = rt.block_on(async {
            let err = runtime::spawn(async {
                let inner = runtime::Runtime::new().unwrap();
                inner.block_on(async {});
            })
            .await
            .unwrap_err();
            err.panic_message().unwrap_or_default().to_owned()
        });
        assert!(message.contains("block_on"), "{message}");
        assert!(message.contains("already running"), "{message}");
    });
}

#[test]
fn spawn_outside_a_runtime_panics_with_a_message_that_says_so() {
    watchdog(10, || {
        let message = expect_panic(|| runtime::spawn(async {}));
        assert!(message.contains("runtime::spawn"), "{message}");
        assert!(message.contains("no runtime is running"), "{message}");

        let message = expect_panic(|| runtime::spawn_blocking(|| ()));
        assert!(message.contains("runtime::spawn_blocking"), "{message}");

        let message = expect_panic(runtime::stats);
        assert!(message.contains("runtime::stats"), "{message}");
    });
}

#[test]
fn panic_in_the_block_on_future_propagates() {
    watchdog(10, || {
        let message = expect_panic(|| {
            runtime::block_on(async {
                runtime::yield_now().await;
                explode("main future failed")
            })
        });
        assert_eq!(message, "main future failed");
        assert_eq!(runtime::block_on(async { "still works" }), "still works");
    });
}

/// A value whose destructor panics.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("output destructor panicked");
    }
}

#[test]
fn panicking_destructor_of_a_detached_tasks_output_does_not_stop_the_loop() {
    watchdog(10, || {
        let outcome = std::panic::catch_unwind(|| {
            runtime::block_on(async {
                let task = runtime::spawn(async {
                    runtime::yield_now().await;
                    PanicOnDrop
                });
                drop(task); // detached while running: the executor drops the output
                let other = runtime::spawn(async {
                    for _ in 0..3 {
                        runtime::yield_now().await;
                    }
                    "other task finished"
                });
                other.await.unwrap()
            })
        });
        let outcome = outcome.map_err(|p| util::panic_text(&*p));
        assert_eq!(outcome, Ok("other task finished"), "the loop died");
    });
}
