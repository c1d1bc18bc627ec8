//! Helpers shared by the root package's tests: finding an example's binary
//! (building it when missing or stale), running a program with a bounded wait, and
//! temporary directories.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long building a missing example may take (a cold build).
const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// A finished program run.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `command` with its output captured; kills it and fails the test if
/// it runs longer than `limit`.
pub fn run_bounded(command: &mut Command, limit: Duration, what: &str) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {what}: {e}"));
    // Read both pipes on threads, so a chatty child cannot block on a full pipe.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                // A read error leaves what was read; the status tells the rest.
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill(); // it may have exited just now
            let _ = child.wait();
            let (out, err) = (stdout.join(), stderr.join());
            panic!("{what} ran longer than {limit:?} and was killed\n{out:?}\n{err:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// The binary of example `name` in this test's profile, built now (with
/// `cargo build --example NAME`) if it is missing or older than a source it
/// is made from: a filtered `cargo test --test NAME` does not build
/// examples. A full `cargo test` has just built it, so no cargo runs then
/// (a second cargo build there could even resolve features differently and
/// rebuild the dependencies for nothing).
pub fn example_binary(name: &str) -> PathBuf {
    // Tests run from target/<profile>/deps/; examples are built in
    // target/<profile>/examples/.
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !is_up_to_date(&binary) {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // Into the target dir this test was built in (CI's poll(2)-backend
        // run uses its own), with the same RUSTFLAGS (inherited).
        if let Some(target_dir) = profile_dir.parent() {
            cargo.arg("--target-dir").arg(target_dir);
        }
        match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some("release") => {
                cargo.arg("--release");
            }
            Some(other) => {
                cargo.args(["--profile", other]);
            }
        }
        let built = run_bounded(
            &mut cargo,
            BUILD_LIMIT,
            &format!("cargo build --example {name}"),
        );
        assert!(
            built.status.success(),
            "cargo build --example {name} failed\n{built}"
        );
    }
    assert!(
        binary.is_file(),
        "{} missing after building it",
        binary.display()
    );
    binary
}

/// True if `binary` exists and is newer than every source an example is
/// made from.
fn is_up_to_date(binary: &Path) -> bool {
    let Some(built_at) = modified(binary) else {
        return false;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        "src",
        "examples",
        "runtime/src",
        "http-client/src",
        "Cargo.toml",
        "Cargo.lock",
    ];
    sources
        .iter()
        .all(|s| newest(&root.join(s)) <= Some(built_at))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of `path` or of any file below it
/// (bounded: these are a few source trees).
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let mut newest = modified(path);
    let mut stack = vec![path.to_owned()];
    let mut visited = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue; // a file, not a directory
        };
        for entry in entries.flatten() {
            visited += 1;
            assert!(visited < 100_000, "too many files under {}", path.display());
            let path = entry.path();
            newest = newest.max(modified(&path));
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    newest
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("handroll-{label}-{}-{n}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory must not fail a test.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
