//! An idle runtime sleeps in `epoll_wait`: waiting on a timer costs no CPU
//! and one or two parks, not a poll every few milliseconds (the Python seed
//! woke every 50 ms).
//!
//! CPU time is per thread, so the other test of this binary cannot disturb
//! the measurement; each test still uses its own thread and runtime.

mod util;

use std::time::{Duration, Instant};

use runtime::net::TcpListener;
use util::{thread_cpu_time, watchdog};

#[test]
fn waiting_on_a_timer_uses_no_cpu() {
    watchdog(20, || {
        let wait = Duration::from_millis(500);
        let rt = runtime::Runtime::new().unwrap();
        let cpu_before = thread_cpu_time();
        let start = Instant::now();
        rt.block_on(runtime::time::sleep(wait));
        let wall = start.elapsed();
        let cpu = thread_cpu_time() - cpu_before;
        let stats = rt.stats();
        println!(
            "idle for {wall:?} on one timer: {cpu:?} of CPU, {} parks, {} polls",
            stats.parks, stats.polls
        );
        assert!(wall >= wait);
        assert!(
            cpu < Duration::from_millis(5),
            "an idle runtime used {cpu:?} of CPU"
        );
        assert!(
            stats.parks <= 2,
            "parked {} times for one timer",
            stats.parks
        );
        assert!(stats.polls <= 3);
    });
}

#[test]
fn waiting_on_a_socket_uses_no_cpu() {
    watchdog(20, || {
        let rt = runtime::Runtime::new().unwrap();
        let listener = rt
            .block_on(async { TcpListener::bind("127.0.0.1:0") })
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let connector = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            std::net::TcpStream::connect(addr)
        });
        let cpu_before = thread_cpu_time();
        let start = Instant::now();
        let parks_before = rt.stats().parks;
        rt.block_on(listener.accept()).unwrap();
        let wall = start.elapsed();
        let cpu = thread_cpu_time() - cpu_before;
        let parks = rt.stats().parks - parks_before;
        connector.join().unwrap().unwrap();
        println!("idle for {wall:?} on one socket: {cpu:?} of CPU, {parks} parks");
        assert!(
            cpu < Duration::from_millis(5),
            "an idle runtime used {cpu:?} of CPU"
        );
        assert!(parks <= 2, "parked {parks} times for one socket");
    });
}
