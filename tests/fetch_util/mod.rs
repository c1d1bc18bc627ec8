//! Helpers for the `fetch_*` tests: running the `fetch` example as a child
//! process (with stdin, a bounded wait, and its peak RSS sampled from
//! `/proc/<pid>/status`), here; a scripted std server that counts
//! concurrent connections (`scripted.rs`); nginx and python's `http.server`
//! started in a temp dir (`servers.rs`).
//!
//! Every wait is bounded: a child that runs past its limit is killed and
//! the test fails; servers stop when dropped.

#![allow(dead_code, unused_imports)] // each test file uses its own part

#[path = "../util/mod.rs"]
mod util;

mod scripted;
mod servers;

pub use scripted::{Scripted, Step, reply, reply_with};
pub use servers::{
    ServerProcess, find_program, require_program, start_nginx, start_nginx_tls, start_python,
    start_tinyproxy,
};

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

pub use handroll::load::ServerThread;
pub use util::TempDir;

/// A fresh directory under `parent`, removed with its contents when
/// dropped (the shared `TempDir` is always under the system temp dir).
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new_in(parent: &Path, label: &str) -> ScratchDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!("handroll-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory must not fail a test.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How long one `fetch` run may take unless told otherwise.
pub const CHILD_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` on its own thread; fails the test if it takes longer than
/// `limit` (the example is built first, outside the limit).
pub fn watchdog(limit: Duration, body: impl FnOnce() + Send + 'static) {
    fetch_binary();
    let (done, outcome) = mpsc::channel();
    let thread = thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        // The receiver is gone only if the watchdog already fired.
        let _ = done.send(result);
    });
    match outcome.recv_timeout(limit) {
        Ok(Ok(())) => {
            let _ = thread.join(); // it has returned already
        }
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("watchdog: the test did not finish within {limit:?}"),
    }
}

/// The `fetch` example's binary, built if missing or stale (by the shared
/// helper), once per test binary.
pub fn fetch_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| util::example_binary("fetch"))
}

/// One finished `fetch` run.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
    /// The child's peak resident set (VmHWM), in KiB, as last sampled.
    pub peak_rss_kib: u64,
}

impl Run {
    /// The exit code and stdout: what a run that writes a body with
    /// `-o -` ended with.
    pub fn outcome(&self) -> (i32, String) {
        (self.code, self.stdout_text())
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The one output line that starts with `url` and a space.
    pub fn line_for(&self, url: &str) -> String {
        let prefix = format!("{url} ");
        let text = self.stdout_text();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
        assert_eq!(lines.len(), 1, "one line for {url}\n{self}");
        lines[0].to_owned()
    }

    /// The last line of stdout.
    pub fn summary(&self) -> String {
        self.stdout_text()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every stdout line parsed as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout_text()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}\n{self}"))
            })
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stdout = self.stdout_text();
        let stdout: String = stdout.chars().take(4000).collect();
        write!(
            f,
            "exit {} after {:?}, peak RSS {} KiB\n--- stdout\n{stdout}\n--- stderr\n{}",
            self.code, self.elapsed, self.peak_rss_kib, self.stderr
        )
    }
}

/// A `fetch` run to make.
pub struct Fetch {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    limit: Duration,
    env: Vec<(String, String)>,
}

impl Fetch {
    pub fn new<S: AsRef<str>>(args: &[S]) -> Fetch {
        Fetch {
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            limit: CHILD_LIMIT,
            env: Vec::new(),
        }
    }

    /// Sets the environment variable `name` for the run.
    pub fn env(mut self, name: &str, value: &str) -> Fetch {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Feeds `bytes` on stdin, then closes it.
    pub fn stdin(mut self, bytes: Vec<u8>) -> Fetch {
        self.stdin = Some(bytes);
        self
    }

    pub fn limit(mut self, limit: Duration) -> Fetch {
        self.limit = limit;
        self
    }

    /// Starts the child with piped stdin, stdout and stderr.
    pub fn spawn(&self) -> Child {
        Command::new(fetch_binary())
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting fetch: {e}"))
    }

    /// Runs to the end; kills the child after the limit and fails.
    pub fn run(self) -> Run {
        let start = Instant::now();
        let mut child = self.spawn();
        if let (Some(bytes), Some(mut stdin)) = (self.stdin.clone(), child.stdin.take()) {
            thread::spawn(move || {
                // fetch may stop reading early (e.g. on a bad argument).
                let _ = stdin.write_all(&bytes);
            });
        }
        finish(child, start, self.limit, &format!("fetch {:?}", self.args))
    }
}

/// Waits for `child` (sampling its peak RSS), bounded by `limit`.
pub fn finish(mut child: Child, start: Instant, limit: Duration, what: &str) -> Run {
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("waiting for fetch") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill(); // it may have exited just now
            let _ = child.wait();
            let err = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
            panic!("{what} ran longer than {limit:?} and was killed\n{err}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned(),
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read; the status tells the rest.
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// VmHWM of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The demo server on a thread of its own.
pub fn demo() -> ServerThread {
    ServerThread::start().expect("starting the demo server thread")
}

/// `http://127.0.0.1:PORT/` where nothing listens (a port just released).
pub fn closed_port_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}/")
}

/// What the demo server's `/bytes/N` sends: `abc…z` repeated.
pub fn alphabet(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}
