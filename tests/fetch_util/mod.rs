//! Helpers for the `fetch_*` tests: running the `fetch` example as a child
//! process (with stdin, a bounded wait, and its peak RSS sampled from
//! `/proc/<pid>/status`), a scripted std server that counts concurrent
//! connections, and nginx / python `http.server` started in a temp dir.
//!
//! Every wait is bounded: a child that runs past its limit is killed and
//! the test fails; servers stop when dropped.

#![allow(dead_code)] // each test file uses its own part

#[path = "../util/mod.rs"]
mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// Re-exported for the test files; not every file uses both.
#[allow(unused_imports)]
pub use handroll::load::ServerThread;
#[allow(unused_imports)]
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

/// The `fetch` example's binary, brought up to date once per test binary
/// (`cargo build --example fetch` is a no-op when nothing changed, and a
/// filtered `cargo test --test fetch_x` does not rebuild examples itself).
pub fn fetch_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let binary = util::example_binary("fetch");
        let profile = binary
            .parent()
            .and_then(Path::parent)
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("debug")
            .to_owned();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--example", "fetch"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cargo.arg("--release");
            }
            other => {
                cargo.args(["--profile", other]);
            }
        }
        let built = util::run_bounded(&mut cargo, Duration::from_secs(600), "cargo build");
        assert!(built.status.success(), "building fetch failed\n{built}");
        binary
    })
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
}

impl Fetch {
    pub fn new<S: AsRef<str>>(args: &[S]) -> Fetch {
        Fetch {
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            limit: CHILD_LIMIT,
        }
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

/// One step of a scripted reply.
#[derive(Debug, Clone)]
pub enum Step {
    Send(Vec<u8>),
    Sleep(Duration),
}

/// `HTTP/1.0 {status} X` with a `Content-Length` body.
pub fn reply(status: u16, body: &[u8]) -> Vec<Step> {
    let mut bytes = format!(
        "HTTP/1.0 {status} Scripted\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    vec![Step::Send(bytes)]
}

type Handler = dyn Fn(usize, &str) -> Vec<Step> + Send + Sync;

/// A std server on 127.0.0.1: for the n-th connection (from 0) and the
/// request's path, the handler says what to send; then it closes. Counts
/// connections and the most open at once. Stops when dropped (and after
/// two minutes in any case).
pub struct Scripted {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    max_open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Scripted {
    pub fn start(handler: impl Fn(usize, &str) -> Vec<Step> + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let handler: Arc<Handler> = Arc::new(handler);
        let connections = Arc::new(AtomicUsize::new(0));
        let max_open = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (connections, max_open, stop) =
                (connections.clone(), max_open.clone(), stop.clone());
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let Ok((stream, _)) = listener.accept() else {
                        thread::sleep(Duration::from_millis(2));
                        continue;
                    };
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max_open.fetch_max(now, Ordering::SeqCst);
                    let (handler, open) = (handler.clone(), open.clone());
                    thread::spawn(move || {
                        serve(stream, n, &*handler);
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            });
        }
        Scripted {
            addr,
            connections,
            max_open,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn max_open(&self) -> usize {
        self.max_open.load(Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut stream: TcpStream, n: usize, handler: &Handler) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split(' ').nth(1).unwrap_or("/").to_owned();
    for step in handler(n, &path) {
        match step {
            // The client may be gone (a timeout, a closed pipe): stop.
            Step::Send(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Step::Sleep(d) => thread::sleep(d),
        }
    }
}

/// The path of `program`, or a clear failure: the tests that need it are
/// `#[ignore]`d, so reaching here means they were asked for.
pub fn require_program(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("this test needs {program}, which is not installed (apt-get install {package})")
        })
}

/// A server child process, killed when dropped.
pub struct ServerProcess {
    pub addr: SocketAddr,
    child: Child,
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // `kill` fails only if it already exited; `wait` reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` (made for a port) and waits until it accepts; tries
/// three ports in case one is taken in between.
fn start_server(what: &str, mut command: impl FnMut(u16) -> Command) -> ServerProcess {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = command(port)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let mut server = ServerProcess { addr, child };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = server.child.try_wait() {
                failures.push(format!("exited with {status}"));
                break;
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return server;
            }
            thread::sleep(Duration::from_millis(25));
        }
        failures.push(format!("{addr}: not accepting after 10 s"));
    }
    panic!("{what} did not start: {failures:?}");
}

/// nginx serving `root`, one foreground process, every file it writes
/// under `tmp`.
pub fn start_nginx(tmp: &Path, root: &Path) -> ServerProcess {
    let nginx = require_program("nginx", "nginx-light");
    let (tmp, root) = (tmp.to_owned(), root.to_owned());
    start_server("nginx", move |port| {
        let t = tmp.display();
        let conf = tmp.join("nginx.conf");
        let config = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {t}/client_body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
            root = root.display()
        );
        std::fs::write(&conf, config).expect("writing nginx.conf");
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(&tmp)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(tmp.join("error.log"));
        command
    })
}

/// python's `http.server` serving `root`.
pub fn start_python(root: &Path) -> ServerProcess {
    let python = require_program("python3", "python3");
    let root = root.to_owned();
    start_server("python3 -m http.server", move |port| {
        let mut command = Command::new(&python);
        command
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(&root);
        command
    })
}
