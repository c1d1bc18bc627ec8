//! `spawn_blocking`'s helper threads exit once the runtime is dropped. This
//! counts the process's threads by name, so it has a test binary of its own.

mod util;

use std::time::{Duration, Instant};

use util::{threads_named, watchdog};

#[test]
fn pool_threads_exit_after_the_runtime_is_dropped() {
    // `/proc/*/comm` keeps the first 15 bytes of a thread name.
    const NAME: &str = "runtime-blocking";
    let comm = &NAME[..15];
    watchdog(20, || {
        assert_eq!(threads_named(comm), 0);
        let rt = runtime::Runtime::new().unwrap();
        let threads = rt.block_on(async {
            let jobs = (0..4)
                .map(|_| runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20))));
            for result in runtime::join_all(jobs).await {
                result.unwrap();
            }
            runtime::stats().blocking_threads
        });
        assert!(threads > 0);
        assert!(
            threads_named(comm) > 0,
            "the helper threads are named {NAME}"
        );
        let start = Instant::now();
        drop(rt);
        // They are idle, so they exit well before `BLOCKING_KEEP_ALIVE`.
        let give_up = start + Duration::from_secs(2);
        while threads_named(comm) > 0 && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(5));
        }
        let left = threads_named(comm);
        println!(
            "helper threads gone {:?} after the drop ({left} left)",
            start.elapsed()
        );
        assert_eq!(
            left, 0,
            "helper threads still alive after the runtime was dropped"
        );
        assert!(runtime::BLOCKING_KEEP_ALIVE > Duration::from_secs(2));
    });
}
