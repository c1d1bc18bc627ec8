//! Timers: `sleep`, `interval` ticks, and `timeout` succeeding and failing,
//! each with the time it took. A timer never fires before its deadline, and
//! fires as soon after it as the thread wakes: the runtime sleeps in
//! `epoll_wait` until the earliest deadline, using no CPU meanwhile.
//!
//! Run it with `cargo run --example 02_timers`.

use std::time::{Duration, Instant};

use runtime::time::{interval, sleep, timeout};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    runtime::block_on(async {
        let start = Instant::now();
        sleep(Duration::from_millis(100)).await;
        println!("sleep(100 ms) took {}", ms(start.elapsed()));

        // The first tick is immediate; then one every period, on schedule.
        let mut every = interval(Duration::from_millis(50));
        let start = Instant::now();
        for i in 0..5 {
            every.tick().await;
            println!("tick {i} at {}", ms(start.elapsed()));
        }

        // A job that finishes in time gives its value...
        let start = Instant::now();
        let quick = async {
            sleep(Duration::from_millis(20)).await;
            "report ready"
        };
        match timeout(Duration::from_millis(200), quick).await {
            Ok(value) => println!("quick job: {value:?} after {}", ms(start.elapsed())),
            Err(e) => println!("quick job: {e}"),
        }

        // ...and one that does not is dropped at the deadline.
        let start = Instant::now();
        let slow = sleep(Duration::from_secs(10));
        match timeout(Duration::from_millis(100), slow).await {
            Ok(()) => println!("slow job finished?"),
            Err(e) => println!("slow job: {e} after {}", ms(start.elapsed())),
        }

        // Timers in one task run concurrently: this takes 80 ms, not 140.
        let start = Instant::now();
        runtime::join(
            sleep(Duration::from_millis(80)),
            sleep(Duration::from_millis(60)),
        )
        .await;
        println!(
            "join of 80 ms and 60 ms sleeps took {}",
            ms(start.elapsed())
        );

        let stats = runtime::stats();
        println!(
            "timers left: {}, times the thread slept in epoll_wait: {}",
            stats.timers, stats.parks
        );
    });
}
