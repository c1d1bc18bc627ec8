//! "After a day of fetching, the process ran out of file descriptors": a
//! soak of many requests through one pooled client — most over reused
//! connections, and every hundredth answered with `Connection: close`, so
//! connections are also retired and replaced all along — must hold the
//! process's open descriptors flat (sampled as it runs, and before vs
//! after), and leave the runtime with no registered socket and no task
//! (the pool's reaper) once the client is dropped.
//!
//! 20,000 requests by default, a few seconds in a debug build; set
//! `SOAK_REQUESTS` for a longer run (200,000 in a release build:
//! `SOAK_REQUESTS=200000 cargo test --release -p handroll-http --test
//! keepalive_soak -- --nocapture`).
//!
//! Alone in its binary: it counts `/proc/self/fd`, which every other test
//! running at the same time would disturb.

mod util;

use std::time::{Duration, Instant};

use http_client::Url;
use util::keepalive_server::{KeepAliveServer, Reply, response};
use util::sockets::open_fds;
use util::{pooled_client, watchdog};

/// Requests in a run without `SOAK_REQUESTS`.
const DEFAULT_REQUESTS: usize = 20_000;
/// Requests per server connection: the last of them says `Connection: close`.
const PER_CONNECTION: usize = 100;
/// Descriptors sampled every this many requests (mid-connection).
const SAMPLE_EVERY: usize = 1000;
/// How far the descriptor count may stray (a connection being replaced).
const SLACK: usize = 2;

#[test]
fn a_long_run_of_reused_connections_leaks_no_descriptor() {
    let requests: usize = std::env::var("SOAK_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_REQUESTS);
    let fds_before = open_fds();
    let server = KeepAliveServer::builder()
        .logging(false)
        .start(|_, nth, req| {
            let fields = if nth + 1 == PER_CONNECTION {
                "Connection: close\r\n"
            } else {
                ""
            };
            Reply::keep(response("HTTP/1.1 200 OK", fields, req.target()))
        })
        .expect("binding 127.0.0.1:0");
    let url = server.url("/n/");
    // Generous: a debug build does about 5,000 requests a second.
    let limit = Duration::from_secs(30) + Duration::from_millis(requests as u64);
    let started = Instant::now();
    let (samples, stats, runtime_before, runtime_after) = watchdog(limit, move || {
        runtime::block_on(async move {
            let runtime_before = runtime::stats();
            let client = pooled_client().build();
            let mut samples = Vec::new();
            for i in 0..requests {
                let target = format!("{url}{i}");
                let response = client.get(Url::parse(&target).unwrap()).await;
                let response = response.unwrap_or_else(|e| panic!("request {i}: {e}"));
                assert_eq!(
                    response.text().unwrap(),
                    format!("/n/{i}"),
                    "request {i}: another request's response"
                );
                if i % SAMPLE_EVERY == PER_CONNECTION / 2 {
                    samples.push(open_fds());
                }
            }
            let stats = client.stats();
            drop(client);
            // The pool's sockets close with it; its reaper ends when it
            // next runs.
            let deadline = Instant::now() + Duration::from_secs(2);
            let mut runtime_after = runtime::stats();
            while (runtime_after.sources, runtime_after.tasks)
                != (runtime_before.sources, runtime_before.tasks)
                && Instant::now() < deadline
            {
                runtime::time::sleep(Duration::from_millis(5)).await;
                runtime_after = runtime::stats();
            }
            (samples, stats, runtime_before, runtime_after)
        })
    });
    let elapsed = started.elapsed();
    let seen = server.finish(Duration::from_secs(5));
    let fds_after = open_fds();
    eprintln!(
        "{requests} requests in {elapsed:?} ({:.0}/s): {stats:?}; descriptors {fds_before} -> \
         {samples:?} -> {fds_after}",
        requests as f64 / elapsed.as_secs_f64()
    );
    let connections = requests.div_ceil(PER_CONNECTION) as u64;
    assert_eq!(stats.connections_opened, connections, "{stats:?}");
    assert_eq!(stats.reused, requests as u64 - connections, "{stats:?}");
    assert_eq!(stats.replayed, 0, "{stats:?}");
    assert_eq!(seen.len() as u64, connections);
    assert_eq!(seen.iter().map(|c| c.served).sum::<usize>(), requests);
    let (low, high) = (
        samples.iter().min().copied().unwrap_or_default(),
        samples.iter().max().copied().unwrap_or_default(),
    );
    assert!(
        high - low <= SLACK,
        "descriptors grew while running: {samples:?}"
    );
    assert!(
        fds_after.abs_diff(fds_before) <= SLACK,
        "descriptors before {fds_before}, after {fds_after}"
    );
    assert_eq!(
        (runtime_after.sources, runtime_after.tasks),
        (runtime_before.sources, runtime_before.tasks),
        "the runtime still holds the pool's sockets or its reaper"
    );
}
