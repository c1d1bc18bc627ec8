//! The rows of `fetch-1k-keepalive` (three columns: ours, hyper-util's
//! pooled client in the `tokio` column, the smol client in the `smol`
//! column) and `fetch-tls-1k-keepalive` (ours against hyper-util over
//! tokio-rustls, a one-peer table): req/s, client CPU per request, system
//! calls per request (`strace -c` of a child run), the connections each
//! client opened, and whether the targets are met. The workloads live in
//! the library (`keepalive.rs`, `keepalive_tls.rs`).

use std::net::SocketAddr;

use bench::keepalive::{self as ka, Run};
use bench::keepalive_tls;
use bench::measure::Summary;
use bench::rt::{Ours, Rt, Smol, Tokio};
use bench::server::{self, HttpPeer, TlsEndpoint};
use bench::tls;

use crate::report::{Better, RUNTIMES, Row};
use crate::{PairRow, Sizes, pick, repeat_pair, run_child, strace_total};

/// The peer column of `fetch-tls-1k-keepalive`.
pub(crate) const TLS_PEER: &str = "hyper-util-pool+tokio-rustls";

/// Targets: ours / best peer for req/s and CPU (below 1.0 is ahead).
const PLAIN_RATIO_TARGET: f64 = 0.8;
const TLS_RATIO_TARGET: f64 = 0.9;
/// Target for ours' system calls per keep-alive request.
const SYSCALLS_TARGET: f64 = 3.0;

/// `fetch-1k-keepalive`: its rows for the three-column table; the target
/// checks go to `notes`, printed after the tables.
pub(crate) fn plain_rows(sizes: &Sizes, peer: &HttpPeer, notes: &mut Vec<String>) -> Vec<Row> {
    let (n, k, addr) = (sizes.keepalive_requests, sizes.keepalive_workers, peer.addr);
    let (path, len) = (server::PATH, server::BODY_LEN);
    let url = format!("http://{addr}{path}");
    println!(
        "# fetch-1k-keepalive: {n} GETs by {k} tasks over kept-alive connections; columns: \
         ours = http_client::Client (pooled), tokio = hyper-util legacy Client (pooled, tokio \
         current_thread), smol = one smol TcpStream per task with a minimal HTTP/1.1 reader"
    );
    let mut rate = Row::new("fetch-1k-keepalive", "req/s", Better::Higher);
    let mut cpu = Row::new("fetch-1k-keepalive-cpu", "us/req", Better::Lower);
    let mut runs: [Vec<Run>; 3] = Default::default();
    repeat_pair(sizes, &mut rate, &mut cpu, |rt| {
        let run = pick(
            rt,
            || ka::fetch_ours(&url, None, len, n, k),
            || ka::fetch_hyper(addr, path, len, n, k),
            || ka::fetch_smol(addr, path, len, n, k),
        );
        runs[column(rt)].push(run);
        (run.rate, run.cpu_us)
    });
    let labelled: Vec<(&str, &[Run])> = RUNTIMES
        .iter()
        .zip(&runs)
        .map(|(rt, r)| (*rt, r.as_slice()))
        .collect();
    report_connections("fetch-1k-keepalive", n, k, &labelled, peer.kind == "nginx");
    let mut rows = vec![rate, cpu];
    match syscalls_row(addr, k, sizes.keepalive_syscall_requests) {
        Some(row) => rows.push(row),
        None => println!("# fetch-1k-keepalive-syscalls: skipped (strace is not installed)"),
    }
    let best_ratio = |row: &Row| {
        let ours = Summary::of(&row.samples[0]).median;
        let peers = [1, 2].map(|i| Summary::of(&row.samples[i]).median);
        match row.better {
            Better::Higher => peers[0].max(peers[1]) / ours,
            Better::Lower => ours / peers[0].min(peers[1]),
        }
    };
    notes.push(target(
        "fetch-1k-keepalive req/s ratio",
        best_ratio(&rows[0]),
        PLAIN_RATIO_TARGET,
    ));
    notes.push(target(
        "fetch-1k-keepalive CPU ratio",
        best_ratio(&rows[1]),
        PLAIN_RATIO_TARGET,
    ));
    if let Some(row) = rows.get(2) {
        let ours = Summary::of(&row.samples[0]).median;
        notes.push(target(
            "fetch-1k-keepalive ours syscalls/req",
            ours,
            SYSCALLS_TARGET,
        ));
    }
    rows
}

/// `fetch-tls-1k-keepalive`: its one-peer rows; the target checks go to
/// `notes`.
pub(crate) fn tls_rows(
    sizes: &Sizes,
    endpoint: &TlsEndpoint,
    notes: &mut Vec<String>,
) -> Vec<PairRow> {
    let (n, k, addr) = (
        sizes.keepalive_tls_requests,
        sizes.keepalive_workers,
        endpoint.addr,
    );
    let (path, len) = (server::PATH, server::BODY_LEN);
    let url = format!("https://{addr}{path}");
    let config = tls::client_config(&endpoint.ca_pem);
    println!(
        "# fetch-tls-1k-keepalive: {n} HTTPS GETs by {k} tasks over kept-alive connections \
         (nginx at {addr}, TLS 1.3, no resumption): ours against {TLS_PEER}"
    );
    let run = |ours: bool| {
        if ours {
            ka::fetch_ours(&url, Some(config.clone()), len, n, k)
        } else {
            keepalive_tls::fetch_hyper(addr, path, config.clone(), len, n, k)
        }
    };
    let mut rate = PairRow::new("fetch-tls-1k-keepalive", "req/s", Better::Higher);
    let mut cpu = PairRow::new("fetch-tls-1k-keepalive-cpu", "us/req", Better::Lower);
    // The warm-up runs' connections are reported too, as in the other row.
    let mut runs: [Vec<Run>; 2] = [vec![run(true)], vec![run(false)]];
    for _ in 0..sizes.rounds {
        for (i, ours) in [true, false].into_iter().enumerate() {
            let r = run(ours);
            let (rates, cpus) = if ours {
                (&mut rate.ours, &mut cpu.ours)
            } else {
                (&mut rate.peer, &mut cpu.peer)
            };
            rates.push(r.rate);
            cpus.push(r.cpu_us);
            runs[i].push(r);
        }
    }
    let labelled = [("ours", runs[0].as_slice()), ("hyper", runs[1].as_slice())];
    report_connections("fetch-tls-1k-keepalive", n, k, &labelled, true);
    let ratio = |row: &PairRow| {
        let (ours, peer) = (Summary::of(&row.ours).median, Summary::of(&row.peer).median);
        match row.better {
            Better::Higher => peer / ours,
            Better::Lower => ours / peer,
        }
    };
    notes.push(target(
        "fetch-tls-1k-keepalive req/s ratio",
        ratio(&rate),
        TLS_RATIO_TARGET,
    ));
    notes.push(target(
        "fetch-tls-1k-keepalive CPU ratio",
        ratio(&cpu),
        TLS_RATIO_TARGET,
    ));
    let mut rows = vec![rate, cpu];
    match tls_syscalls_row(endpoint, k, sizes.keepalive_syscall_requests) {
        Some(row) => rows.push(row),
        None => println!("# fetch-tls-1k-keepalive-syscalls: skipped (strace is not installed)"),
    }
    rows
}

/// The index of runtime `rt` in the three-column rows.
fn column(rt: &str) -> usize {
    RUNTIMES
        .iter()
        .position(|r| *r == rt)
        .expect("a known runtime")
}

/// One line saying whether `value` is at most `goal`.
fn target(what: &str, value: f64, goal: f64) -> String {
    let met = if value <= goal { "met" } else { "NOT met" };
    format!("# target {what}: {value:.2} (<= {goal:.2}): {met}")
}

/// Prints the connections each client opened in each measured run (and
/// ours' reused requests and TLS handshakes); asserts that ours opened at
/// most one per task when the server keeps connections open (nginx does;
/// the std-thread fallback closes each).
fn report_connections(
    name: &str,
    requests: u64,
    workers: u64,
    runs: &[(&str, &[Run])],
    keeps_open: bool,
) {
    let list = |values: Vec<u64>| {
        values
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut line = format!(
        "# {name} connections opened per run, warm-up first ({requests} requests, {workers} tasks):"
    );
    for (client, runs) in runs {
        line.push_str(&format!(
            " {client}={}",
            list(runs.iter().map(|r| r.connections).collect())
        ));
    }
    println!("{line}");
    let (_, ours) = runs[0];
    let reused: Vec<u64> = ours.iter().filter_map(|r| r.reused).collect();
    let handshakes: Vec<u64> = ours.iter().filter_map(|r| r.tls_handshakes).collect();
    let mut line = format!("# {name} ours' Client::stats(): reused={}", list(reused));
    if !handshakes.is_empty() {
        line.push_str(&format!(" tls_handshakes={}", list(handshakes)));
    }
    println!("{line}");
    if keeps_open {
        for run in ours {
            assert!(
                run.connections <= workers,
                "{name}: ours opened {} connections for {workers} tasks: the pool did not reuse them",
                run.connections
            );
        }
    }
}

/// System calls per request of a child run: `strace -f -c` of `args` plus
/// the request count, less the same child with 0 requests (process and
/// runtime start-up). `None` without strace.
fn per_request(args: &[&str], requests: u64) -> Option<f64> {
    if std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_err()
    {
        return None;
    }
    let count = |n: u64| {
        let out = std::env::temp_dir().join(format!(
            "handroll-strace-keepalive-{}-{}-{n}",
            std::process::id(),
            args.join("-").replace(['/', ':', '.'], "_"),
        ));
        let mut all = args.to_vec();
        let n_text = n.to_string();
        all.push(&n_text);
        run_child(&all, Some(&out));
        let total = strace_total(&out).expect("strace summary");
        let _ = std::fs::remove_file(&out);
        total
    };
    Some((count(requests) - count(0)) / requests as f64)
}

/// `fetch-1k-keepalive-syscalls`: per runtime, over `requests` requests
/// (the connections' set-up is in the count, spread over them).
fn syscalls_row(addr: SocketAddr, workers: u64, requests: u64) -> Option<Row> {
    let mut row = Row::new("fetch-1k-keepalive-syscalls", "calls/req", Better::Lower);
    let (addr, workers) = (addr.to_string(), workers.to_string());
    for (i, rt) in RUNTIMES.iter().enumerate() {
        row.samples[i].push(per_request(&["keepalive", rt, &addr, &workers], requests)?);
    }
    Some(row)
}

/// `fetch-tls-1k-keepalive-syscalls`: ours and hyper's.
fn tls_syscalls_row(endpoint: &TlsEndpoint, workers: u64, requests: u64) -> Option<PairRow> {
    let ca = std::env::temp_dir().join(format!("handroll-bench-ka-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, &endpoint.ca_pem).expect("writing the CA");
    let (addr, ca_path) = (endpoint.addr.to_string(), ca.to_string_lossy().into_owned());
    let workers = workers.to_string();
    let mut row = PairRow::new(
        "fetch-tls-1k-keepalive-syscalls",
        "calls/req",
        Better::Lower,
    );
    let ours = per_request(
        &["keepalive-tls", "ours", &addr, &ca_path, &workers],
        requests,
    );
    let hyper = per_request(
        &["keepalive-tls", "hyper", &addr, &ca_path, &workers],
        requests,
    );
    let _ = std::fs::remove_file(&ca);
    row.ours.push(ours?);
    row.peer.push(hyper?);
    Some(row)
}

/// `--child keepalive RT ADDR TASKS N` and `--child keepalive-tls CLIENT
/// ADDR CA TASKS N`: one run in a process of its own, for `strace`.
pub(crate) fn child(args: &[String]) {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let (path, len) = (server::PATH, server::BODY_LEN);
    let addr: SocketAddr = arg(2).parse().expect("address");
    match arg(0) {
        "keepalive" => {
            let k: u64 = arg(3).parse().expect("task count");
            let n: u64 = arg(4).parse().expect("request count");
            let k = k.min(n);
            let url = format!("http://{addr}{path}");
            match n {
                0 => pick(
                    arg(1),
                    || Ours::block_on(async {}),
                    || Tokio::block_on(async {}),
                    || Smol::block_on(async {}),
                ),
                n => drop(pick(
                    arg(1),
                    || ka::fetch_ours(&url, None, len, n, k),
                    || ka::fetch_hyper(addr, path, len, n, k),
                    || ka::fetch_smol(addr, path, len, n, k),
                )),
            }
        }
        "keepalive-tls" => {
            let ca = std::fs::read_to_string(arg(3)).expect("the CA file");
            let k: u64 = arg(4).parse().expect("task count");
            let n: u64 = arg(5).parse().expect("request count");
            let config = tls::client_config(&ca);
            let k = k.min(n);
            let url = format!("https://{addr}{path}");
            match (arg(1), n) {
                ("ours", 0) => Ours::block_on(async {}),
                (_, 0) => Tokio::block_on(async {}),
                ("ours", n) => drop(ka::fetch_ours(&url, Some(config), len, n, k)),
                (_, n) => drop(keepalive_tls::fetch_hyper(addr, path, config, len, n, k)),
            }
        }
        other => panic!("unknown keep-alive child {other:?}"),
    }
}
