//! `cargo bench --bench compare [-- --quick] [WORKLOAD...]`, run in `benches/`
//! (a workspace of its own, so the root's `cargo test --workspace` never
//! compiles tokio and smol).
//!
//! Runs each workload on this project's runtime, tokio (current-thread) and
//! smol, alternating (ours, tokio, smol, ours, ...) for several rounds after
//! a warm-up, and prints one machine-readable line per measurement:
//!
//! ```text
//! <workload> <unit> ours=<median> tokio=<median> smol=<median> best_peer=<name> ratio=<r>
//! ```
//!
//! where `ratio` is ours/best_peer for time-like units and best_peer/ours
//! for throughput, so below 1.0 always means we are ahead; then a table with
//! the spread of each. `--quick` shrinks every size so that the whole run
//! takes well under a minute. Memory and system calls are measured in child
//! processes (the bench re-runs itself with `--child`). The channel and
//! mutex workloads (`mpsc-pingpong`, `mpsc-throughput`, `mutex`, `rwlock`)
//! use each runtime's own: `runtime::sync`, `tokio::sync`, and for smol
//! `async-channel` and `async-lock` (`sync_rt.rs`). `watch` compares
//! `runtime::sync::watch` with `tokio::sync::watch` only: smol's family has
//! no watch channel, and its queues (async-channel, async-broadcast) are
//! another contract, so that row has no smol column.
//!
//! The two-core workloads (`echo-mt`, `fetch-1k-mt`, in `multi.rs`) pit
//! `runtime::per_core(2)` against tokio's `multi_thread` runtime with 2
//! workers (and, for echo, smol's `Executor` run by 2 threads; `fetch-1k-mt`
//! has no smol column). Run with their single-core rows (`echo`,
//! `fetch-1k`), the report adds how close to 2x each runtime scales.
//!
//! `fetch-tls-1k` compares clients rather than runtimes: ours against
//! hyper + tokio-rustls on tokio (`tls.rs`), so it has one peer and a table
//! of its own; nginx offers TLS 1.3 there, and `fetch-tls12-1k` is the same
//! against a port that offers TLS 1.2 only (a longer handshake: two round
//! trips, and the server speaks last).
//!
//! `fs-copy` (`fs_copy_rows.rs`) copies a 1 GiB file through
//! `runtime::fs::File` against `std::io::copy` and tokio's `fs`, in a
//! table of its own.
//!
//! `fetch-1k-keepalive` and `fetch-tls-1k-keepalive` (`keepalive_rows.rs`)
//! compare clients over kept-alive connections: 50 tasks making GETs one
//! after another through ours' pooled `http_client::Client`, hyper-util's
//! pooled legacy client on tokio (in the `tokio` column), and, over plain
//! HTTP, a smol client with one persistent connection per task (the `smol`
//! column). They print the connections each client opened, and their
//! targets after the tables.

use std::net::SocketAddr;
use std::process::Command;

use bench::multi;
use bench::rt::{Ours, Rt, Smol, Tokio};
use bench::server::{self, HttpPeer};
use bench::sync_workloads as sw;
use bench::tls;
use bench::workloads as w;

mod fs_copy_rows;
mod keepalive_rows;
mod report;

use bench::measure::Summary;
use report::{Better, RUNTIMES, Row, fmt, report};

/// Workload sizes.
struct Sizes {
    rounds: usize,
    spawn: u64,
    yield_tasks: u64,
    yields: u64,
    pingpong: u64,
    mpsc_pingpong: u64,
    mpsc_messages: u64,
    mpsc_capacity: usize,
    mutex_tasks: u64,
    mutex_locks: u64,
    rwlock_tasks: u64,
    rwlock_ops: u64,
    watch_watchers: u64,
    watch_sends: u64,
    timer_tasks: u64,
    lateness_timers: u64,
    echo_clients: u64,
    echo_rounds: u64,
    fetch_requests: u64,
    fetch_in_flight: u64,
    fetch_tls_requests: u64,
    syscall_requests: u64,
    memory_tasks: u64,
    /// fetch-1k-keepalive and fetch-tls-1k-keepalive: requests per run,
    /// the tasks making them, and the requests of their `strace` runs.
    keepalive_requests: u64,
    keepalive_tls_requests: u64,
    keepalive_workers: u64,
    keepalive_syscall_requests: u64,
    /// fs-copy: the file's length.
    fs_copy_bytes: u64,
}

const FULL: Sizes = Sizes {
    rounds: 5,
    spawn: 1_000_000,
    yield_tasks: 1_000,
    yields: 1_000,
    pingpong: 1_000_000,
    mpsc_pingpong: 1_000_000,
    mpsc_messages: 1_000_000,
    mpsc_capacity: 1_024,
    mutex_tasks: 1_000,
    mutex_locks: 1_000,
    rwlock_tasks: 1_000,
    rwlock_ops: 1_000,
    watch_watchers: 100,
    watch_sends: 10_000,
    timer_tasks: 100_000,
    lateness_timers: 1_000,
    echo_clients: 100,
    echo_rounds: 1_000,
    fetch_requests: 20_000,
    fetch_in_flight: 100,
    fetch_tls_requests: 5_000,
    syscall_requests: 1_000,
    memory_tasks: 100_000,
    keepalive_requests: 20_000,
    keepalive_tls_requests: 20_000,
    keepalive_workers: 50,
    keepalive_syscall_requests: 5_000,
    fs_copy_bytes: 1 << 30,
};

const QUICK: Sizes = Sizes {
    rounds: 3,
    spawn: 200_000,
    yield_tasks: 200,
    yields: 500,
    pingpong: 200_000,
    mpsc_pingpong: 200_000,
    mpsc_messages: 200_000,
    mpsc_capacity: 1_024,
    mutex_tasks: 200,
    mutex_locks: 500,
    rwlock_tasks: 200,
    rwlock_ops: 500,
    watch_watchers: 100,
    watch_sends: 2_000,
    timer_tasks: 20_000,
    lateness_timers: 1_000,
    echo_clients: 50,
    echo_rounds: 200,
    fetch_requests: 2_000,
    fetch_in_flight: 100,
    fetch_tls_requests: 5_000,
    syscall_requests: 300,
    memory_tasks: 100_000,
    keepalive_requests: 2_000,
    keepalive_tls_requests: 2_000,
    keepalive_workers: 50,
    keepalive_syscall_requests: 2_000,
    fs_copy_bytes: 64 << 20,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(&args[1..]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let only: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let wanted = |name: &str| only.is_empty() || only.contains(&name);
    let sizes = if quick { &QUICK } else { &FULL };

    println!(
        "# runtime comparison: ours vs tokio (current_thread + LocalSet) vs smol (LocalExecutor)"
    );
    println!(
        "# {} rounds after a warm-up; allocator: system malloc",
        sizes.rounds
    );
    let mut rows = Vec::new();

    if wanted("spawn") {
        rows.push(repeat(
            sizes,
            Row::new("spawn", "ns/task", Better::Lower),
            |rt| {
                let n = sizes.spawn;
                pick(
                    rt,
                    || w::spawn::<Ours>(n),
                    || w::spawn::<Tokio>(n),
                    || w::spawn::<Smol>(n),
                )
            },
        ));
    }
    if wanted("yield") {
        rows.push(repeat(
            sizes,
            Row::new("yield", "ns/yield", Better::Lower),
            |rt| {
                let (t, y) = (sizes.yield_tasks, sizes.yields);
                pick(
                    rt,
                    || w::yields::<Ours>(t, y),
                    || w::yields::<Tokio>(t, y),
                    || w::yields::<Smol>(t, y),
                )
            },
        ));
    }
    if wanted("pingpong") {
        rows.push(repeat(
            sizes,
            Row::new("pingpong", "ns/roundtrip", Better::Lower),
            |rt| {
                let n = sizes.pingpong;
                pick(
                    rt,
                    || w::pingpong::<Ours>(n),
                    || w::pingpong::<Tokio>(n),
                    || w::pingpong::<Smol>(n),
                )
            },
        ));
    }
    if wanted("mpsc-pingpong") {
        rows.push(repeat(
            sizes,
            Row::new("mpsc-pingpong", "ns/roundtrip", Better::Lower),
            |rt| {
                let n = sizes.mpsc_pingpong;
                pick(
                    rt,
                    || sw::mpsc_pingpong::<Ours>(n),
                    || sw::mpsc_pingpong::<Tokio>(n),
                    || sw::mpsc_pingpong::<Smol>(n),
                )
            },
        ));
    }
    if wanted("mpsc-throughput") {
        rows.push(repeat(
            sizes,
            Row::new("mpsc-throughput", "ns/msg", Better::Lower),
            |rt| {
                let (n, c) = (sizes.mpsc_messages, sizes.mpsc_capacity);
                pick(
                    rt,
                    || sw::mpsc_throughput::<Ours>(n, c),
                    || sw::mpsc_throughput::<Tokio>(n, c),
                    || sw::mpsc_throughput::<Smol>(n, c),
                )
            },
        ));
    }
    if wanted("mutex") {
        rows.push(repeat(
            sizes,
            Row::new("mutex", "ns/lock", Better::Lower),
            |rt| {
                let (t, l) = (sizes.mutex_tasks, sizes.mutex_locks);
                pick(
                    rt,
                    || sw::mutex::<Ours>(t, l),
                    || sw::mutex::<Tokio>(t, l),
                    || sw::mutex::<Smol>(t, l),
                )
            },
        ));
    }
    if wanted("rwlock") {
        rows.push(repeat(
            sizes,
            Row::new("rwlock", "ns/lock", Better::Lower),
            |rt| {
                let (t, o) = (sizes.rwlock_tasks, sizes.rwlock_ops);
                pick(
                    rt,
                    || sw::rwlock::<Ours>(t, o),
                    || sw::rwlock::<Tokio>(t, o),
                    || sw::rwlock::<Smol>(t, o),
                )
            },
        ));
    }
    if wanted("watch") {
        rows.push(repeat_of(
            sizes,
            &["ours", "tokio"],
            Row::new("watch", "ns/send", Better::Lower),
            |rt| {
                let (w, n) = (sizes.watch_watchers, sizes.watch_sends);
                pick(
                    rt,
                    || sw::watch::<Ours>(w, n),
                    || sw::watch::<Tokio>(w, n),
                    || unreachable!("watch has no smol column"),
                )
            },
        ));
    }
    if wanted("timers") {
        rows.push(repeat(
            sizes,
            Row::new("timers", "wall_ms", Better::Lower),
            |rt| {
                let n = sizes.timer_tasks;
                pick(
                    rt,
                    || w::timers_wall::<Ours>(n, 7),
                    || w::timers_wall::<Tokio>(n, 7),
                    || w::timers_wall::<Smol>(n, 7),
                )
            },
        ));
        let (floor_mean, floor_p99) = sleep_floor();
        println!(
            "# platform floor: std::thread::sleep is late by mean {floor_mean:.0} us, p99 {floor_p99:.0} us \
             (what this machine adds to any timer)"
        );
        let mut mean = Row::new("timer-lateness-mean", "us", Better::Lower);
        let mut p99 = Row::new("timer-lateness-p99", "us", Better::Lower);
        let n = sizes.lateness_timers;
        repeat_pair(sizes, &mut mean, &mut p99, |rt| {
            pick(
                rt,
                || w::timer_lateness::<Ours>(n, 11),
                || w::timer_lateness::<Tokio>(n, 11),
                || w::timer_lateness::<Smol>(n, 11),
            )
        });
        rows.extend([mean, p99]);
    }
    if wanted("echo") {
        let mut rate = Row::new("echo", "msg/s", Better::Higher);
        let mut p99 = Row::new("echo-p99", "us", Better::Lower);
        let (c, r) = (sizes.echo_clients, sizes.echo_rounds);
        repeat_pair(sizes, &mut rate, &mut p99, |rt| {
            pick(
                rt,
                || w::echo::<Ours>(c, r),
                || w::echo::<Tokio>(c, r),
                || w::echo::<Smol>(c, r),
            )
        });
        rows.extend([rate, p99]);
    }
    if wanted("echo-mt") {
        let mut rate = Row::new("echo-mt", "msg/s", Better::Higher);
        let mut p99 = Row::new("echo-mt-p99", "us", Better::Lower);
        let (c, r) = (sizes.echo_clients, sizes.echo_rounds);
        repeat_pair(sizes, &mut rate, &mut p99, |rt| {
            pick(
                rt,
                || multi::echo_ours(c, r),
                || multi::echo_tokio(c, r),
                || multi::echo_smol(c, r),
            )
        });
        rows.extend([rate, p99]);
    }
    if wanted("fetch-1k") || wanted("fetch-1k-mt") || wanted("syscalls") {
        let peer = HttpPeer::start();
        println!("# fetch-1k peer: {} at {}", peer.kind, peer.addr);
        if peer.kind != "nginx" {
            println!(
                "# (nginx is not installed: `apt-get install nginx-light` to fetch from nginx)"
            );
        }
        if wanted("fetch-1k") {
            let mut rate = Row::new("fetch-1k", "req/s", Better::Higher);
            let mut cpu = Row::new("fetch-1k-cpu", "us/req", Better::Lower);
            let (n, k, a) = (sizes.fetch_requests, sizes.fetch_in_flight, peer.addr);
            let (path, len) = (server::PATH, server::BODY_LEN);
            repeat_pair(sizes, &mut rate, &mut cpu, |rt| {
                pick(
                    rt,
                    || w::fetch::<Ours>(a, path, len, n, k),
                    || w::fetch::<Tokio>(a, path, len, n, k),
                    || w::fetch::<Smol>(a, path, len, n, k),
                )
            });
            rows.extend([rate, cpu]);
        }
        if wanted("fetch-1k-mt") {
            let mut rate = Row::new("fetch-1k-mt", "req/s", Better::Higher);
            let mut cpu = Row::new("fetch-1k-mt-cpu", "us/req", Better::Lower);
            let (n, k, a) = (sizes.fetch_requests, sizes.fetch_in_flight, peer.addr);
            let (path, len) = (server::PATH, server::BODY_LEN);
            repeat_pair_of(sizes, &["ours", "tokio"], &mut rate, &mut cpu, |rt| {
                pick(
                    rt,
                    || multi::fetch_ours(a, path, len, n, k),
                    || multi::fetch_tokio(a, path, len, n, k),
                    || unreachable!("fetch-1k-mt has no smol column"),
                )
            });
            rows.extend([rate, cpu]);
        }
        if wanted("syscalls") {
            match syscalls_row(peer.addr, sizes.syscall_requests) {
                Some(row) => rows.push(row),
                None => println!("# syscalls: skipped (strace is not installed)"),
            }
        }
    }
    let mut pair_rows = Vec::new();
    if wanted("fetch-tls-1k") || wanted("fetch-tls12-1k") {
        let peer = HttpPeer::start();
        match &peer.tls {
            Some(endpoint) => {
                for workload in TlsWorkload::ALL {
                    if wanted(workload.name) {
                        let addr = workload.addr(endpoint);
                        println!("# {} peer: nginx with ssl at {addr}", workload.name);
                        pair_rows.extend(fetch_tls_rows(sizes, endpoint, workload));
                    }
                }
            }
            None => println!(
                "# fetch-tls-1k: skipped (nginx is not installed: `apt-get install nginx-light`)"
            ),
        }
    }
    let mut keepalive_pairs = Vec::new();
    let mut notes = Vec::new();
    if wanted("fetch-1k-keepalive") || wanted("fetch-tls-1k-keepalive") {
        let peer = HttpPeer::start();
        println!("# keep-alive peer: {} at {}", peer.kind, peer.addr);
        if wanted("fetch-1k-keepalive") {
            rows.extend(keepalive_rows::plain_rows(sizes, &peer, &mut notes));
        }
        if wanted("fetch-tls-1k-keepalive") {
            match &peer.tls {
                Some(endpoint) => {
                    keepalive_pairs.extend(keepalive_rows::tls_rows(sizes, endpoint, &mut notes));
                }
                None => println!(
                    "# fetch-tls-1k-keepalive: skipped (nginx is not installed: `apt-get install nginx-light`)"
                ),
            }
        }
    }
    if wanted("fs-copy") {
        fs_copy_rows::run(sizes, &mut notes);
    }
    if wanted("memory") {
        let mut row = Row::new("memory", "bytes/task", Better::Lower);
        for _ in 0..sizes.rounds {
            for (i, rt) in RUNTIMES.iter().enumerate() {
                let out = run_child(&["memory", rt, &sizes.memory_tasks.to_string()], None);
                row.samples[i].push(out.trim().parse().expect("memory child output"));
            }
        }
        rows.push(row);
    }
    report(&rows);
    report_pairs(&pair_rows, TLS_PEER);
    report_pairs(&keepalive_pairs, keepalive_rows::TLS_PEER);
    if !notes.is_empty() {
        println!();
        for note in notes {
            println!("{note}");
        }
    }
}

/// The peer of `fetch-tls-1k`, as its column is headed.
const TLS_PEER: &str = "hyper+tokio-rustls";

/// A measurement with one peer: ours and the peer's samples.
struct PairRow {
    name: &'static str,
    unit: &'static str,
    better: Better,
    ours: Vec<f64>,
    peer: Vec<f64>,
}

impl PairRow {
    /// A row with no samples yet.
    fn new(name: &'static str, unit: &'static str, better: Better) -> PairRow {
        PairRow {
            name,
            unit,
            better,
            ours: Vec::new(),
            peer: Vec::new(),
        }
    }
}

/// The HTTPS workloads: the same GETs, against nginx offering TLS 1.3
/// (and 1.2), or TLS 1.2 only.
#[derive(Clone, Copy)]
struct TlsWorkload {
    name: &'static str,
    cpu: &'static str,
    syscalls: &'static str,
    tls12_only: bool,
}

impl TlsWorkload {
    const ALL: [TlsWorkload; 2] = [
        TlsWorkload {
            name: "fetch-tls-1k",
            cpu: "fetch-tls-1k-cpu",
            syscalls: "fetch-tls-1k-syscalls",
            tls12_only: false,
        },
        TlsWorkload {
            name: "fetch-tls12-1k",
            cpu: "fetch-tls12-1k-cpu",
            syscalls: "fetch-tls12-1k-syscalls",
            tls12_only: true,
        },
    ];

    /// The nginx port this workload fetches from.
    fn addr(&self, endpoint: &bench::server::TlsEndpoint) -> SocketAddr {
        if self.tls12_only {
            endpoint.tls12_addr
        } else {
            endpoint.addr
        }
    }
}

/// `fetch-tls-1k` (or `fetch-tls12-1k`): HTTPS GETs of 1 KiB, a full
/// handshake each, 100 in flight, ours and hyper alternating after a
/// warm-up of each.
fn fetch_tls_rows(
    sizes: &Sizes,
    endpoint: &bench::server::TlsEndpoint,
    workload: TlsWorkload,
) -> Vec<PairRow> {
    let config = tls::client_config(&endpoint.ca_pem);
    let (n, k, addr) = (
        sizes.fetch_tls_requests,
        sizes.fetch_in_flight,
        workload.addr(endpoint),
    );
    let (path, len) = (server::PATH, server::BODY_LEN);
    let run = |ours: bool| {
        if ours {
            tls::fetch_ours(addr, path, config.clone(), len, n, k)
        } else {
            tls::fetch_hyper(addr, path, config.clone(), len, n, k)
        }
    };
    let mut rate = PairRow {
        name: workload.name,
        unit: "req/s",
        better: Better::Higher,
        ours: Vec::new(),
        peer: Vec::new(),
    };
    let mut cpu = PairRow {
        name: workload.cpu,
        unit: "us/req",
        better: Better::Lower,
        ours: Vec::new(),
        peer: Vec::new(),
    };
    run(true);
    run(false);
    let syscalls = tls_syscalls_row(endpoint, workload, 500);
    for _ in 0..sizes.rounds {
        for ours in [true, false] {
            let (r, c) = run(ours);
            let (rate, cpu) = if ours {
                (&mut rate.ours, &mut cpu.ours)
            } else {
                (&mut rate.peer, &mut cpu.peer)
            };
            rate.push(r);
            cpu.push(c);
        }
    }
    let mut rows = vec![rate, cpu];
    match syscalls {
        Some(row) => rows.push(row),
        None => println!("# {}: skipped (strace is not installed)", workload.syscalls),
    }
    rows
}

/// System calls per HTTPS request, ours and hyper's, counted by `strace
/// -c` on a child process (less one with no requests).
fn tls_syscalls_row(
    endpoint: &bench::server::TlsEndpoint,
    workload: TlsWorkload,
    requests: u64,
) -> Option<PairRow> {
    if Command::new("strace").arg("-V").output().is_err() {
        return None;
    }
    let dir = std::env::temp_dir();
    let ca = dir.join(format!("handroll-bench-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, &endpoint.ca_pem).expect("writing the CA");
    let mut row = PairRow {
        name: workload.syscalls,
        unit: "calls/req",
        better: Better::Lower,
        ours: Vec::new(),
        peer: Vec::new(),
    };
    for client in ["ours", "hyper"] {
        let count = |n: u64| {
            let out = dir.join(format!(
                "handroll-strace-tls-{}-{client}-{n}",
                std::process::id()
            ));
            let (addr, ca) = (workload.addr(endpoint).to_string(), ca.to_string_lossy());
            run_child(
                &["fetch-tls", client, &addr, &ca, &n.to_string()],
                Some(&out),
            );
            let total = strace_total(&out).expect("strace summary");
            let _ = std::fs::remove_file(&out);
            total
        };
        let per_request = (count(requests) - count(0)) / requests as f64;
        match client {
            "ours" => row.ours.push(per_request),
            _ => row.peer.push(per_request),
        }
    }
    let _ = std::fs::remove_file(&ca);
    Some(row)
}

/// Lines and a table for the one-peer rows, as [`report`] has for the
/// others, with `peer_name` heading the peer's column: `ratio` below 1.0
/// means we are ahead.
fn report_pairs(rows: &[PairRow], peer_name: &str) {
    if rows.is_empty() {
        return;
    }
    let summarized: Vec<(Summary, Summary, f64)> = rows
        .iter()
        .map(|row| {
            let (ours, peer) = (Summary::of(&row.ours), Summary::of(&row.peer));
            let ratio = match row.better {
                Better::Lower => ours.median / peer.median,
                Better::Higher => peer.median / ours.median,
            };
            (ours, peer, ratio)
        })
        .collect();
    println!();
    for (row, (ours, peer, ratio)) in rows.iter().zip(&summarized) {
        println!(
            "{} {} ours={} {peer_name}={} ratio={ratio:.2}",
            row.name,
            row.unit,
            fmt(ours.median),
            fmt(peer.median)
        );
    }
    println!();
    println!("| workload | unit | ours | {peer_name} | ratio | spread ours / peer |");
    println!("| --- | --- | ---: | ---: | ---: | --- |");
    for (row, (ours, peer, ratio)) in rows.iter().zip(&summarized) {
        println!(
            "| {} | {} | {} | {} | {ratio:.2} | ±{:.0}% / ±{:.0}% |",
            row.name,
            row.unit,
            fmt(ours.median),
            fmt(peer.median),
            ours.spread_pct() / 2.0,
            peer.spread_pct() / 2.0,
        );
    }
}

/// How late a plain `std::thread::sleep` wakes on this machine (mean and
/// p99 in µs over 200 sleeps of 1 to 3 ms): the floor under every
/// runtime's timer lateness, set by the kernel's timer slack and, in a
/// virtual machine, by how fast an idle virtual CPU wakes.
fn sleep_floor() -> (f64, f64) {
    let mut rng = bench::measure::Rng::new(5);
    let mut late: Vec<f64> = (0..200)
        .map(|_| {
            let d = std::time::Duration::from_micros(rng.range(1_000, 3_000));
            let start = std::time::Instant::now();
            std::thread::sleep(d);
            (start.elapsed() - d).as_secs_f64() * 1e6
        })
        .collect();
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    (mean, bench::measure::percentile(&mut late, 0.99))
}

/// Calls the closure for the runtime named `rt`.
fn pick<T>(
    rt: &str,
    ours: impl FnOnce() -> T,
    tokio: impl FnOnce() -> T,
    smol: impl FnOnce() -> T,
) -> T {
    match rt {
        "ours" => ours(),
        "tokio" => tokio(),
        "smol" => smol(),
        other => panic!("unknown runtime {other}"),
    }
}

/// A warm-up run per runtime, then `rounds` rounds, alternating runtimes.
fn repeat(sizes: &Sizes, row: Row, run: impl FnMut(&str) -> f64) -> Row {
    repeat_of(sizes, &RUNTIMES, row, run)
}

/// Like [`repeat`] on some of the runtimes only; the others' columns stay
/// empty (shown as `-`, and not a peer).
fn repeat_of(
    sizes: &Sizes,
    runtimes: &[&str],
    mut row: Row,
    mut run: impl FnMut(&str) -> f64,
) -> Row {
    for rt in runtimes {
        run(rt);
    }
    for _ in 0..sizes.rounds {
        for (i, rt) in RUNTIMES.iter().enumerate() {
            if runtimes.contains(rt) {
                row.samples[i].push(run(rt));
            }
        }
    }
    row
}

/// Like [`repeat`] for workloads that measure two things at once.
fn repeat_pair(sizes: &Sizes, a: &mut Row, b: &mut Row, run: impl FnMut(&str) -> (f64, f64)) {
    repeat_pair_of(sizes, &RUNTIMES, a, b, run);
}

/// Like [`repeat_pair`] on some of the runtimes only; the others' columns
/// stay empty (shown as `-`, and not a peer).
fn repeat_pair_of(
    sizes: &Sizes,
    runtimes: &[&str],
    a: &mut Row,
    b: &mut Row,
    mut run: impl FnMut(&str) -> (f64, f64),
) {
    for rt in runtimes {
        run(rt);
    }
    for _ in 0..sizes.rounds {
        for rt in runtimes {
            let i = RUNTIMES
                .iter()
                .position(|r| r == rt)
                .expect("a known runtime");
            let (x, y) = run(rt);
            a.samples[i].push(x);
            b.samples[i].push(y);
        }
    }
}

/// Runs this binary with `--child ARGS`, optionally under `strace -f -c -o FILE`.
fn run_child(args: &[&str], strace_out: Option<&std::path::Path>) -> String {
    let exe = std::env::current_exe().expect("own path");
    let mut cmd = match strace_out {
        Some(out) => {
            let mut c = Command::new("strace");
            c.args(["-f", "-c", "-o"]).arg(out).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let output = cmd.arg("--child").args(args).output().expect("run child");
    assert!(
        output.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Total system calls from an `strace -c` summary.
fn strace_total(path: &std::path::Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    let total = text.lines().find(|l| l.trim_end().ends_with("total"))?;
    // "100.00    0.001234         1      1234       12 total": calls is the
    // 4th column (the 3rd may be empty in old strace versions, so count
    // from the end: calls, [errors], "total").
    let cols: Vec<&str> = total.split_whitespace().collect();
    let numbers: Vec<f64> = cols[..cols.len() - 1]
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    numbers.get(3).or(numbers.get(2)).copied()
}

/// System calls per request of the fetch-1k workload, per runtime.
fn syscalls_row(addr: SocketAddr, requests: u64) -> Option<Row> {
    if Command::new("strace").arg("-V").output().is_err() {
        return None;
    }
    let dir = std::env::temp_dir();
    let mut row = Row::new("syscalls", "calls/req", Better::Lower);
    for (i, rt) in RUNTIMES.iter().enumerate() {
        let count = |n: u64| {
            let out = dir.join(format!("handroll-strace-{}-{rt}-{n}", std::process::id()));
            run_child(
                &["fetch", rt, &addr.to_string(), &n.to_string()],
                Some(&out),
            );
            let total = strace_total(&out).expect("strace summary");
            let _ = std::fs::remove_file(&out);
            total
        };
        // Subtract a run with no requests: process and runtime start-up.
        let per_request = (count(requests) - count(0)) / requests as f64;
        row.samples[i].push(per_request);
    }
    Some(row)
}

/// `--child memory RT N` and `--child fetch RT ADDR N`: measurements that
/// need a process of their own.
fn child(args: &[String]) {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(0) {
        "memory" => {
            let n: u64 = arg(2).parse().expect("task count");
            let bytes = pick(
                arg(1),
                || w::memory::<Ours>(n),
                || w::memory::<Tokio>(n),
                || w::memory::<Smol>(n),
            );
            println!("{bytes:.1}");
        }
        "fetch" => {
            let addr: SocketAddr = arg(2).parse().expect("address");
            let n: u64 = arg(3).parse().expect("request count");
            if n > 0 {
                let (path, len) = (server::PATH, server::BODY_LEN);
                pick(
                    arg(1),
                    || w::fetch::<Ours>(addr, path, len, n, 100.min(n)),
                    || w::fetch::<Tokio>(addr, path, len, n, 100.min(n)),
                    || w::fetch::<Smol>(addr, path, len, n, 100.min(n)),
                );
            } else {
                pick(
                    arg(1),
                    || Ours::block_on(async {}),
                    || Tokio::block_on(async {}),
                    || Smol::block_on(async {}),
                );
            }
        }
        "fetch-tls" => {
            let addr: SocketAddr = arg(2).parse().expect("address");
            let ca = std::fs::read_to_string(arg(3)).expect("the CA file");
            let n: u64 = arg(4).parse().expect("request count");
            let config = tls::client_config(&ca);
            let (path, len) = (server::PATH, server::BODY_LEN);
            let k = 100.min(n.max(1));
            match (arg(1), n) {
                ("ours", 0) => Ours::block_on(async {}),
                (_, 0) => Tokio::block_on(async {}),
                ("ours", n) => drop(tls::fetch_ours(addr, path, config, len, n, k)),
                (_, n) => drop(tls::fetch_hyper(addr, path, config, len, n, k)),
            }
        }
        "keepalive" | "keepalive-tls" => keepalive_rows::child(args),
        other => panic!("unknown child workload {other:?}"),
    }
}
