//! `spawn_blocking`: results and panics come back through the handle, jobs
//! run in parallel on the pool, and the event loop keeps running meanwhile.

mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use util::{DropFlag, watchdog};

#[test]
fn spawn_blocking_returns_the_value() {
    watchdog(10, || {
        runtime::block_on(async {
            let caller = thread::current().id();
            let (value, ran_on) = runtime::spawn_blocking(move || {
                thread::sleep(Duration::from_millis(5));
                (6 * 7, thread::current().id())
            })
            .await
            .unwrap();
            assert_eq!(value, 42);
            assert_ne!(ran_on, caller, "it ran on a helper thread");
        });
    });
}

#[test]
fn panic_inside_spawn_blocking_gives_is_panic() {
    watchdog(10, || {
        runtime::block_on(async {
            let err = runtime::spawn_blocking(|| -> u8 { panic!("blocking job failed") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message(), Some("blocking job failed"));
            // The pool is still usable.
            assert_eq!(runtime::spawn_blocking(|| 1).await.unwrap(), 1);
        });
    });
}

#[test]
fn many_blocking_jobs_run_in_parallel() {
    const JOBS: u32 = 50;
    const EACH: Duration = Duration::from_millis(20);
    watchdog(20, || {
        runtime::block_on(async {
            let start = Instant::now();
            let handles = (0..JOBS).map(|i| {
                runtime::spawn_blocking(move || {
                    thread::sleep(EACH);
                    i
                })
            });
            let jobs = runtime::join_all(handles);
            let threads = runtime::stats().blocking_threads;
            let outputs: Vec<u32> = jobs.await.into_iter().map(Result::unwrap).collect();
            let took = start.elapsed();
            println!(
                "{JOBS} x {EACH:?} blocking jobs on {threads} threads took {took:?} (serial: {:?})",
                EACH * JOBS
            );
            assert_eq!(outputs, (0..JOBS).collect::<Vec<_>>());
            assert!(threads > 1 && threads <= runtime::MAX_BLOCKING_THREADS);
            assert!(took >= EACH);
            assert!(took < EACH * JOBS / 2, "no parallelism: {took:?}");
        });
    });
}

#[test]
fn the_loop_keeps_running_while_a_job_blocks() {
    watchdog(10, || {
        runtime::block_on(async {
            let job = runtime::spawn_blocking(|| thread::sleep(Duration::from_millis(300)));
            let start = Instant::now();
            runtime::time::sleep(Duration::from_millis(10)).await;
            let took = start.elapsed();
            assert!(
                took < Duration::from_millis(250),
                "the timer waited for the job: {took:?}"
            );
            assert!(!job.is_finished());
            job.await.unwrap();
        });
    });
}

#[test]
fn aborted_blocking_job_still_runs_and_its_result_is_dropped() {
    watchdog(10, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        runtime::block_on(async {
            let (d, r) = (drops.clone(), ran.clone());
            let job = runtime::spawn_blocking(move || {
                thread::sleep(Duration::from_millis(30));
                r.fetch_add(1, Ordering::SeqCst);
                DropFlag(d)
            });
            runtime::yield_now().await;
            job.abort();
            assert!(job.await.unwrap_err().is_cancelled());
            let give_up = Instant::now() + Duration::from_secs(5);
            while drops.load(Ordering::SeqCst) == 0 && Instant::now() < give_up {
                runtime::time::sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(ran.load(Ordering::SeqCst), 1, "the job ran to its end");
        assert_eq!(drops.load(Ordering::SeqCst), 1, "its result was dropped");
    });
}

#[test]
fn jobs_submitted_while_a_thread_is_idle_still_run_in_parallel() {
    const JOBS: u32 = 32;
    const EACH: Duration = Duration::from_millis(20);
    watchdog(30, || {
        runtime::block_on(async {
            // Warm the pool: one helper thread, now idle.
            runtime::spawn_blocking(|| ()).await.unwrap();
            assert_eq!(runtime::stats().blocking_threads, 1);
            let start = Instant::now();
            let handles = (0..JOBS).map(|_| runtime::spawn_blocking(|| thread::sleep(EACH)));
            let jobs = runtime::join_all(handles);
            let threads = runtime::stats().blocking_threads;
            for r in jobs.await {
                r.unwrap();
            }
            let took = start.elapsed();
            println!(
                "{JOBS} x {EACH:?} jobs submitted to a pool with one idle thread: {threads} \
                 threads, {took:?} (serial: {:?})",
                EACH * JOBS
            );
            assert!(
                threads >= runtime::MAX_BLOCKING_THREADS / 2,
                "a burst of {JOBS} jobs started only {threads} threads"
            );
            assert!(
                took < EACH * JOBS / 4,
                "the jobs ran one after another: {took:?}"
            );
        });
    });
}
