//! `per_core`: one runtime per thread, outputs in core order, a panic
//! re-raised only after every core has been joined, and each core's
//! runtime (tasks, timers, stats) its own.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;
use std::time::Duration;

use runtime::time::sleep;
use runtime::{PerCore, per_core};

mod util;

#[test]
fn outputs_come_back_in_core_order_whatever_order_cores_finish_in() {
    util::watchdog(30, || {
        // Core 0 finishes last, core 3 first.
        let out = per_core(4, |core| async move {
            sleep(Duration::from_millis(40 * (4 - core as u64))).await;
            core * 10
        });
        assert_eq!(out, [0, 10, 20, 30]);
    });
}

#[test]
fn each_core_runs_on_its_own_thread() {
    util::watchdog(30, || {
        let ids: Vec<ThreadId> = per_core(3, |_| async { std::thread::current().id() });
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|id| *id != std::thread::current().id()));
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    });
}

#[test]
fn zero_means_one_core_per_available_cpu() {
    util::watchdog(30, || {
        let cpus = std::thread::available_parallelism().unwrap().get();
        assert_eq!(PerCore::new(0).cores(), cpus);
        assert_eq!(per_core(0, |core| async move { core }).len(), cpus);
    });
}

#[test]
fn a_panic_is_re_raised_after_the_other_cores_are_joined() {
    util::watchdog(30, || {
        static FINISHED: AtomicUsize = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            per_core(3, |core| async move {
                if core == 1 {
                    panic!("core 1 failed on purpose");
                }
                // The healthy cores outlive the panic by a while.
                sleep(Duration::from_millis(200)).await;
                FINISHED.fetch_add(1, Ordering::SeqCst);
                core
            })
        }));
        let payload = result.expect_err("the panic must propagate");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"core 1 failed on purpose")
        );
        // Both other cores ran to the end before per_core returned.
        assert_eq!(FINISHED.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn each_core_has_its_own_runtime_and_stats() {
    util::watchdog(30, || {
        let stats = per_core(2, |core| async move {
            // Core c spawns c + 1 tasks that each wait on a timer.
            let tasks: Vec<_> = (0..=core)
                .map(|_| runtime::spawn(sleep(Duration::from_millis(20))))
                .collect();
            runtime::yield_now().await;
            let busy = runtime::stats();
            for task in tasks {
                task.await.unwrap();
            }
            (busy.tasks, busy.timers, runtime::stats().tasks)
        });
        assert_eq!(stats, [(1, 1, 0), (2, 2, 0)]);
    });
}

#[test]
fn pinned_cores_still_run_and_are_named() {
    util::watchdog(30, || {
        let names = PerCore::new(2)
            .pin_threads(true)
            .run(|core| async move { (core, std::thread::current().name().map(str::to_owned)) });
        assert_eq!(
            names,
            [
                (0, Some("core-0".to_owned())),
                (1, Some("core-1".to_owned()))
            ]
        );
    });
}

#[test]
fn futures_need_not_be_send() {
    util::watchdog(30, || {
        let out = per_core(2, |core| async move {
            let shared = std::rc::Rc::new(std::cell::Cell::new(core));
            let inner = shared.clone();
            runtime::spawn(async move { inner.set(inner.get() + 100) })
                .await
                .unwrap();
            shared.get()
        });
        assert_eq!(out, [100, 101]);
    });
}
