//! Load and soak runs: many fetches against a demo server running on its
//! own thread, with the counts that prove nothing leaked.
//!
//! Used by `examples/load.rs` (full size) and `tests/load.rs` (CI size).
//! The server has a runtime of its own on a second thread, so the client's
//! runtime counts ([`runtime::Stats`]) are the client's alone.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use http_client::Client;
use runtime::sync::Semaphore;
use runtime::time::sleep;

use crate::DemoServer;

/// A demo server on its own thread, with its own runtime. It stops when the
/// handle is dropped.
#[derive(Debug)]
pub struct ServerThread {
    addr: SocketAddr,
    /// The HTTPS server's certificate (PEM); `None` for plain HTTP.
    certificate_pem: Option<String>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ServerThread {
    /// Starts the server and waits until it listens.
    ///
    /// # Errors
    ///
    /// If the runtime or the listener cannot be created.
    pub fn start() -> io::Result<ServerThread> {
        ServerThread::start_with(false)
    }

    /// Like [`start`](ServerThread::start), with
    /// [`DemoServer::start_https`]: HTTPS, with a certificate made now.
    ///
    /// # Errors
    ///
    /// As [`start`](ServerThread::start), or if the certificate cannot be
    /// generated.
    pub fn start_https() -> io::Result<ServerThread> {
        ServerThread::start_with(true)
    }

    fn start_with(https: bool) -> io::Result<ServerThread> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("demo-server".into())
            .spawn(move || {
                runtime::block_on(async move {
                    let started = if https {
                        DemoServer::start_https()
                    } else {
                        DemoServer::start()
                    };
                    let server = match started {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let ready = (server.addr(), server.certificate_pem().map(str::to_owned));
                    let _ = ready_tx.send(Ok(ready));
                    // Poll the stop channel between naps; the server's own
                    // tasks run meanwhile.
                    while matches!(stop_rx.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                        sleep(Duration::from_millis(20)).await;
                    }
                });
            })?;
        let (addr, certificate_pem) = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the server thread died"))??;
        Ok(ServerThread {
            addr,
            certificate_pem,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://ADDR` (or `https://ADDR`) followed by `path`.
    pub fn url(&self, path: &str) -> String {
        let scheme = match self.certificate_pem {
            Some(_) => "https",
            None => "http",
        };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// The HTTPS server's certificate in PEM; `None` for plain HTTP.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Open file descriptors of this process (entries of `/proc/self/fd`).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Resident memory of this process, in bytes.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Raises this process's soft limit on open files to `wanted` (or to the
/// hard limit, if lower). Returns the soft limit now in force.
pub fn raise_fd_limit(wanted: u64) -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= wanted {
        return current;
    }
    let target = limit.maximum.map_or(wanted, |max| wanted.min(max));
    limit.current = Some(target);
    match setrlimit(Resource::Nofile, limit) {
        Ok(()) => target,
        Err(_) => current,
    }
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Fetches started (all at once).
    pub fetches: usize,
    /// Fetches that returned the expected body.
    pub ok: usize,
    /// Error messages of the others (at most 10 kept).
    pub errors: Vec<String>,
    /// Most fetches in flight at once (connected or connecting, not done).
    pub peak_in_flight: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Growth of resident memory at the peak, divided by `peak_in_flight`.
    pub bytes_per_fetch: f64,
}

/// Starts `fetches` fetches of `/slow/{hold_ms}` at once, so that they are
/// all in flight together, and checks every body.
pub async fn load(server: &ServerThread, fetches: usize, hold_ms: u64) -> LoadReport {
    let url = server.url(&format!("/slow/{hold_ms}"));
    let client = Rc::new(
        Client::builder()
            .total_timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(30))
            .build(),
    );
    let rss_before = rss_bytes();
    let start = Instant::now();
    let tasks: Vec<_> = (0..fetches)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            runtime::spawn(async move {
                match client.get(url.as_str()).await {
                    Ok(r) if r.status() == 200 && r.body() == b"finally\n" => Ok(()),
                    Ok(r) => Err(format!(
                        "unexpected response {} {:?}",
                        r.status(),
                        r.text_lossy()
                    )),
                    Err(e) => Err(e.to_string()),
                }
            })
        })
        .collect();
    // Sample in-flight fetches and memory while they run.
    let mut peak_in_flight = 0;
    let mut peak_rss = rss_before;
    while tasks.iter().any(|t| !t.is_finished()) {
        let in_flight = runtime::stats().sources;
        peak_in_flight = peak_in_flight.max(in_flight);
        peak_rss = peak_rss.max(rss_bytes());
        sleep(Duration::from_millis(hold_ms / 10 + 1)).await;
    }
    let elapsed = start.elapsed();
    let mut ok = 0;
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) if errors.len() < 10 => errors.push(e),
            Err(e) if errors.len() < 10 => errors.push(e.to_string()),
            _ => {}
        }
    }
    LoadReport {
        fetches,
        ok,
        errors,
        peak_in_flight,
        elapsed,
        bytes_per_fetch: peak_rss.saturating_sub(rss_before) as f64 / peak_in_flight.max(1) as f64,
    }
}

/// Resource counts that must be the same before and after a soak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Open file descriptors of the process.
    pub fds: usize,
    /// Sockets registered with the client runtime's reactor.
    pub sources: usize,
    /// Pending timers of the client runtime.
    pub timers: usize,
    /// Live tasks of the client runtime.
    pub tasks: usize,
}

impl Counts {
    /// The counts now (inside the client's runtime).
    pub fn now() -> Counts {
        let stats = runtime::stats();
        Counts {
            fds: open_fds(),
            sources: stats.sources,
            timers: stats.timers,
            tasks: stats.tasks,
        }
    }
}

/// What a soak run saw.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// Fetches made.
    pub fetches: usize,
    /// Complete responses.
    pub ok: usize,
    /// Fetches that hit their total timeout.
    pub timeouts: usize,
    /// Connections refused.
    pub refused: usize,
    /// Fetches cancelled by aborting their task.
    pub aborted: usize,
    /// Failures that fit none of the above (should be 0).
    pub unexpected: Vec<String>,
    /// Counts before the run.
    pub before: Counts,
    /// Counts after the run.
    pub after: Counts,
    /// Wall time.
    pub elapsed: Duration,
}

/// `total` fetches, `concurrency` at a time, cycling through four kinds:
/// a success, a timeout (a slow page past a short deadline), a refused
/// connection, and a fetch whose task is aborted midway.
pub async fn soak(server: &ServerThread, total: usize, concurrency: usize) -> SoakReport {
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("probe address")
    }; // dropped: nothing listens there
    let urls = Rc::new([
        server.url("/bytes/1000"),
        server.url("/slow/1000"),
        format!("http://{closed}/"),
        server.url("/slow/1000"),
    ]);
    // Successes get a generous deadline (a loaded machine must not turn
    // them into timeouts); the slow page gets one it cannot meet.
    let patient = Client::builder()
        .total_timeout(Duration::from_secs(30))
        .build();
    let hasty = Client::builder()
        .total_timeout(Duration::from_millis(50))
        .build();
    let clients = Rc::new([patient.clone(), hasty, patient.clone(), patient]);
    let before = Counts::now();
    let start = Instant::now();
    let limit = Arc::new(Semaphore::new(concurrency));
    let mut report = SoakReport {
        fetches: total,
        ok: 0,
        timeouts: 0,
        refused: 0,
        aborted: 0,
        unexpected: Vec::new(),
        before,
        after: before,
        elapsed: Duration::ZERO,
    };
    let outcomes = Rc::new(std::cell::RefCell::new(Vec::with_capacity(total)));
    let mut running = Vec::with_capacity(concurrency);
    for i in 0..total {
        let permit = limit
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let (clients, urls, outcomes) = (clients.clone(), urls.clone(), outcomes.clone());
        let kind = i % 4;
        let fetch = runtime::spawn(async move {
            let result = clients[kind].get(urls[kind].as_str()).await;
            outcomes.borrow_mut().push(match result {
                Ok(r) if r.body().len() == 1000 => Outcome::Ok,
                Err(e) if e.is_timeout() => Outcome::Timeout,
                Err(e) if e.to_string().contains("refused") => Outcome::Refused,
                Ok(r) => Outcome::Unexpected(format!(
                    "status {} with {} bytes",
                    r.status(),
                    r.body().len()
                )),
                Err(e) => Outcome::Unexpected(e.to_string()),
            });
        });
        running.push(runtime::spawn(async move {
            let _permit = permit;
            if kind == 3 {
                // Abort midway: the server holds the response for 1 s.
                sleep(Duration::from_millis(5)).await;
                fetch.abort();
                assert!(fetch.await.is_err_and(|e| e.is_cancelled()));
                Outcome::Aborted
            } else {
                let _ = fetch.await;
                Outcome::Done
            }
        }));
        if running.len() >= concurrency * 4 {
            for handle in running.drain(..) {
                if let Ok(Outcome::Aborted) = handle.await {
                    report.aborted += 1;
                }
            }
        }
    }
    for handle in running {
        if let Ok(Outcome::Aborted) = handle.await {
            report.aborted += 1;
        }
    }
    for outcome in outcomes.borrow_mut().drain(..) {
        match outcome {
            Outcome::Ok => report.ok += 1,
            Outcome::Timeout => report.timeouts += 1,
            Outcome::Refused => report.refused += 1,
            Outcome::Unexpected(e) if report.unexpected.len() < 10 => report.unexpected.push(e),
            _ => {}
        }
    }
    drop(limit);
    report.elapsed = start.elapsed();
    // The server (another thread) still holds the sockets of the timed-out
    // and aborted fetches until its 1 s pages end; give it that long before
    // comparing the process's descriptors.
    let settle = Instant::now() + Duration::from_secs(5);
    report.after = Counts::now();
    while report.after != report.before && Instant::now() < settle {
        sleep(Duration::from_millis(50)).await;
        report.after = Counts::now();
    }
    report
}

enum Outcome {
    Ok,
    Timeout,
    Refused,
    Aborted,
    Done,
    Unexpected(String),
}
