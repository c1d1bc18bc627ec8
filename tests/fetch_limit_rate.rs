//! `--limit-rate`: a 50 MiB download capped at 20 MiB/s takes 2.5 s, on one
//! URL and on several URLs over two cores sharing the one cap, and the
//! throttled process mostly sleeps (its CPU time, from
//! `/proc/PID/stat`, is a small part of the wall time).
//!
//! The rate is printed (for the issue's ±10 % measurement, which belongs
//! to a quiet machine) and asserted loosely: never faster than the cap
//! (a cap that leaks shows at once), and not far slower (a loaded CI
//! machine may be slow). One test per file, so that the timing sees no
//! sibling test's load.

mod fetch_util;

use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use fetch_util::{Fetch, demo};

/// 50 MiB.
const SIZE: u64 = 50 << 20;
/// 20 MiB/s, as `--limit-rate 20M` counts.
const RATE: u64 = 20 << 20;

/// CPU time (user + system) of process `pid`, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): utime and
    // stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let per_second = rustix::param::clock_ticks_per_second();
    Some(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// Waits for `child` (bounded), sampling its CPU time until it exits;
/// returns the exit code, the wall time and the last CPU sample.
fn wait_sampling(mut child: Child, start: Instant) -> (i32, Duration, Duration) {
    let mut cpu = Duration::ZERO;
    loop {
        cpu = cpu_time(child.id()).unwrap_or(cpu);
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), start.elapsed(), cpu);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a throttled download ran past 60 s");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_cap_holds_for_the_whole_run_and_the_process_sleeps() {
    let server = demo();
    let expected = Duration::from_secs_f64(SIZE as f64 / RATE as f64);
    let one = [server.url(&format!("/bytes/{SIZE}"))];
    // The same bytes as 5 URLs of 10 MiB over 2 cores: one cap for all.
    let five: Vec<String> = (0..5)
        .map(|_| server.url(&format!("/bytes/{}", SIZE / 5)))
        .collect();
    for (what, urls, cores) in [
        ("1 URL", &one[..], "1"),
        ("5 URLs on 2 cores", &five[..], "2"),
    ] {
        let args = [
            &[
                "--limit-rate",
                "20M",
                "--cores",
                cores,
                "--max-bytes",
                "0",
                "--quiet",
            ][..],
            &urls.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat();
        let start = Instant::now();
        let child = Fetch::new(&args).spawn();
        let (code, wall, cpu) = wait_sampling(child, start);
        assert_eq!(code, 0, "{what}");
        let rate = SIZE as f64 / wall.as_secs_f64() / (1 << 20) as f64;
        eprintln!(
            "--limit-rate 20M, {what}: 50 MiB in {wall:.2?} = {rate:.2} MiB/s ({:+.1} % of the cap), CPU {cpu:.2?} ({:.0} % of the wall time)",
            100.0 * (rate / 20.0 - 1.0),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
        );
        // The bucket lets the first BURST through at once; never more.
        assert!(
            wall >= expected.mul_f64(0.9),
            "{what}: faster than the cap: {wall:?}"
        );
        assert!(
            wall < expected * 3,
            "{what}: far slower than the cap: {wall:?}"
        );
        assert!(
            cpu < wall / 2,
            "{what}: busy while throttled: CPU {cpu:?} of {wall:?}"
        );
    }
}
