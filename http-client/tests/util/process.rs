//! Helpers for the tests against real servers (python's `http.server`,
//! nginx): finding a program, a temporary directory removed on drop, a free
//! port, a child process killed on drop, and waiting until it accepts; and
//! for the tests that need an environment of their own, one test of this
//! binary run again in a child process.

use std::env;
use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The path of `program` on `PATH`, else in the `extra` directories.
pub fn find_program(program: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A fresh directory under the system temp dir, removed with its contents
/// when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `TMP/http-client-{label}-{pid}-{time}-{n}`.
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("http-client-{label}-{}-{nanos}-{n}", std::process::id());
        let path = env::temp_dir().join(name);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in /tmp must not fail a test.
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A child process, killed and reaped when dropped.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
}

impl ChildGuard {
    /// Takes ownership of `child`.
    pub fn new(child: Child) -> ChildGuard {
        ChildGuard { child }
    }

    /// The child's exit status, if it has already exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // `kill` fails only if the child already exited; `wait` reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that was free a moment ago: bind port 0, read the
/// port, release it. Another process could take it before the caller binds
/// it; callers retry with a new port if their server fails to start.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Waits until something accepts connections on `addr`, for at most `limit`.
/// Fails early, with its exit status, if `child` exits first.
pub fn wait_until_accepts(
    addr: SocketAddr,
    child: &mut ChildGuard,
    limit: Duration,
) -> Result<Duration, String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.exited() {
            return Err(format!("the server exited before accepting: {status}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(start.elapsed());
        }
        thread::sleep(Duration::from_millis(25));
    }
    Err(format!("nothing accepted on {addr} within {limit:?}"))
}

/// Reads a log file for a failure message; empty if it cannot be read.
pub fn read_log(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// Runs test `test` of this test binary again, alone, in a new process
/// whose environment `setup` adjusts (a process's environment is its own,
/// and other threads read it while tests run); bounded to 30 s. Returns
/// the child's stdout.
///
/// # Panics
///
/// If the child fails, or ran no test (a misspelt name).
pub fn run_test_in_child(test: &str, setup: impl FnOnce(&mut Command)) -> String {
    let mut command = Command::new(env::current_exe().expect("the test binary"));
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .stdin(Stdio::null());
    setup(&mut command);
    let output = super::watchdog(Duration::from_secs(30), move || {
        command.output().expect("running the child test")
    });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run:\n{stdout}"
    );
    stdout
}
