//! Shared helpers of the integration tests: a watchdog that bounds every test,
//! a client with short timeouts, timing helpers, and the splitting of input
//! at proptest cut points. The two ways of reading a body (whole, or chunk
//! by chunk), which the adversarial tests run through both, are in
//! `paths.rs`. The scripted server the tests talk to is in
//! `server.rs` (its steps in `script.rs`); child processes, temporary
//! directories and free ports for the real-server tests (python, nginx) are
//! in `process.rs`, and nginx's start-up in `nginx.rs`; descriptor counts and the kernel's TCP socket table, for
//! the leak and cancellation tests, in `sockets.rs`. The server that keeps
//! connections open, request after request, for the tests of the client's
//! pool, is `keepalive_server.rs`; compressed bodies for the decoding tests,
//! `encode.rs`. For the proxy tests: a proxy that opens
//! `CONNECT` tunnels (`tunnel_proxy.rs`) and tinyproxy's start-up
//! (`tinyproxy.rs`).

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

#[cfg(feature = "gzip")]
pub mod encode;
pub mod keepalive_server;
pub mod nginx;
pub mod paths;
pub mod process;
pub mod script;
pub mod server;
pub mod sockets;
pub mod tinyproxy;
pub mod tunnel_proxy;

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use http_client::{Client, ClientBuilder};

#[allow(unused_imports)] // each test file uses some of them
pub use paths::{Fetched, Path, both};
pub use script::Step;
pub use server::ScriptedServer;

/// Splits `bytes` at the given cut points (proptest indices, so any list of
/// cuts fits any length) into non-empty pieces, for feeding a parser in
/// arbitrary slices.
pub fn split_at_cuts<'a>(bytes: &'a [u8], cuts: &[proptest::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
    points.extend([0, bytes.len()]);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

/// How long one test may run before the watchdog fails it. Generous: the
/// slowest test takes a few seconds, and CI machines are loaded.
pub const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` on its own thread and returns its result, failing the test if
/// it does not finish within `limit`. A panic in `body` is re-raised here, so
/// assertion messages reach the test harness unchanged.
///
/// On a timeout the body's thread is left behind (a thread cannot be killed);
/// the test binary exits when the harness is done, which ends it.
pub fn watchdog<T: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, outcome) = mpsc::channel::<Result<T, Box<dyn Any + Send>>>();
    let thread = thread::Builder::new()
        .name("test body".into())
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(body));
            // The receiver is gone only if the watchdog already fired.
            let _ = done.send(result);
        })
        .expect("spawning the test body thread");
    match outcome.recv_timeout(limit) {
        Ok(Ok(value)) => {
            // The body returned; its thread is finishing. A join error here
            // would be a panic after `send`, which cannot happen.
            let _ = thread.join();
            value
        }
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(RecvTimeoutError::Timeout) => {
            panic!("watchdog: the test did not finish within {limit:?}")
        }
        Err(RecvTimeoutError::Disconnected) => {
            panic!("watchdog: the test body thread died without a result")
        }
    }
}

/// Runs the future made by `make` on a fresh runtime, under a [`watchdog`] of
/// [`TEST_LIMIT`]. The future is built on the runtime's thread, so it need
/// not be `Send` (runtime tasks never are).
pub fn run<T, F>(make: impl FnOnce() -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + 'static,
{
    watchdog(TEST_LIMIT, move || runtime::block_on(make()))
}

/// A client builder whose every deadline is short, so that no test request
/// can wait long: connect 2 s, idle 5 s, total 10 s. Tests override what
/// they measure. It keeps no pool: the scripted servers answer one request
/// per connection (each connection plays its own script), so these tests
/// see one connection per request, as HTTP/1.0 has it. Reuse is tested
/// with [`pooled_client`] against servers that keep connections open.
pub fn client() -> ClientBuilder {
    pooled_client().pool_max_idle_per_host(0)
}

/// [`client`] with the pool on, as `Client::builder` has it by default.
/// Proxies named in the environment are ignored (`no_proxy`): the tests
/// talk to their own servers, and the proxy tests give their proxies.
pub fn pooled_client() -> ClientBuilder {
    Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .idle_timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_secs(10))
}

/// [`client`] that also trusts the CA in `ca_pem` (the TLS tests' own).
#[cfg(feature = "tls")]
pub fn trusting_client(ca_pem: &str) -> Client {
    client()
        .add_root_certificate(ca_pem.as_bytes())
        .expect("the test CA")
        .build()
}

/// Fetches each URL in turn with a client from `builder`, reading the
/// bodies through `path`, on a fresh runtime under the watchdog; each result
/// comes with how long it took.
pub fn fetch_each(
    path: Path,
    builder: ClientBuilder,
    urls: Vec<String>,
) -> Vec<(http_client::Result<Fetched>, Duration)> {
    run(move || async move {
        let client = builder.build();
        let mut results = Vec::new();
        for url in urls {
            results.push(timed(path.get(&client, url)).await);
        }
        results
    })
}

/// Awaits `future` and says how long it took.
pub async fn timed<T>(future: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

/// `len` deterministic pseudo-random bytes (xorshift64*), different for each
/// `seed`: file contents that no off-by-one or reordering can fake.
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A server for a table of cases: the request for `/case/{i}` gets
/// `scripts[i]`, and anything else is closed unanswered.
pub fn case_server(scripts: Vec<Vec<Step>>) -> ScriptedServer {
    let connections = scripts.len();
    ScriptedServer::start(connections, move |request| {
        let case = request.target().strip_prefix("/case/");
        match case.and_then(|i| i.parse::<usize>().ok()) {
            Some(i) if i < scripts.len() => scripts[i].clone(),
            _ => vec![Step::Close],
        }
    })
}

/// `bytes` as text for assertion messages, escaped, cut to `max` bytes.
pub fn show(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    let mut text = cut.escape_ascii().to_string();
    if bytes.len() > max {
        text.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    text
}

/// The process's peak resident memory so far, in bytes (`VmHWM`).
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kib * 1024
}
