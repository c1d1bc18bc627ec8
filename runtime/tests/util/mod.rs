//! Helpers shared by the behaviour tests: a watchdog that bounds every test,
//! counting futures and wakers, a tiny PRNG, readers for `/proc` counts
//! (open descriptors, threads, CPU time of this thread), and a temporary
//! directory for Unix socket paths.
//!
//! Each test binary compiles this module on its own and uses only part of
//! it, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it has not finished
/// within `limit` seconds, so that no test can hang the suite. A panic in
/// `body` fails the test with the original payload.
pub fn watchdog<F>(limit_secs: u64, body: F)
where
    F: FnOnce() + Send + 'static,
{
    let limit = Duration::from_secs(limit_secs);
    let name = thread::current().name().unwrap_or("test").to_owned();
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(body));
            // The receiver is gone only if the watchdog already fired.
            let _ = tx.send(outcome);
        })
        .expect("spawn the test body's thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(())) => {}
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: did not finish within {limit:?}; it probably hangs")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{name}: the body's thread died without reporting")
        }
    }
}

/// The message of a panic payload (`&str` or `String`), or `""`.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs `f`, expecting it to panic, and returns the panic message. The
/// default hook still prints the panic; the test harness captures it.
pub fn expect_panic<R>(f: impl FnOnce() -> R) -> String {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic, but the call returned"),
        Err(payload) => panic_text(&*payload),
    }
}

/// Counts of what happened to a [`Counted`] future.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub polls: Rc<Cell<usize>>,
    pub drops: Rc<Cell<usize>>,
}

impl Counters {
    pub fn new() -> Counters {
        Counters::default()
    }

    pub fn polls(&self) -> usize {
        self.polls.get()
    }

    pub fn drops(&self) -> usize {
        self.drops.get()
    }

    /// Wraps `future` so that each of its polls and its drop are counted here.
    pub fn wrap<F: Future>(&self, future: F) -> Counted<F> {
        Counted {
            future: Box::pin(future),
            counters: self.clone(),
        }
    }
}

/// A future that records its polls and its drop in shared [`Counters`].
pub struct Counted<F> {
    future: Pin<Box<F>>,
    counters: Counters,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polls = &self.counters.polls;
        polls.set(polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

impl<F> Drop for Counted<F> {
    fn drop(&mut self) {
        let drops = &self.counters.drops;
        drops.set(drops.get() + 1);
    }
}

/// Increments a shared counter when dropped; hold one inside a future to see
/// when the future is dropped (`Send`, unlike [`Counters`]).
#[derive(Debug)]
pub struct DropFlag(pub Arc<AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker owned by the test: counts its wakes; its `Arc` strong count tells
/// how many clones of it exist elsewhere.
#[derive(Debug, Default)]
pub struct CountingWaker {
    pub wakes: AtomicUsize,
}

impl CountingWaker {
    pub fn new() -> Arc<CountingWaker> {
        Arc::new(CountingWaker::default())
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker` (outside the executor's own polling).
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// xorshift64*: a tiny deterministic PRNG, enough to shuffle and jitter.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Open file descriptors of this process (entries of `/proc/self/fd`, not
/// counting the one used to read the directory).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
        - 1
}

/// Threads of this process whose name is `name` (from `/proc/self/task/*/comm`).
pub fn threads_named(name: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// CPU time this thread has used: `/proc/thread-self/schedstat` (first field,
/// nanoseconds), or `utime + stime` of `/proc/thread-self/stat` in 10 ms
/// clock ticks if schedstat is missing.
pub fn thread_cpu_time() -> Duration {
    if let Ok(s) = std::fs::read_to_string("/proc/thread-self/schedstat")
        && let Some(ns) = s.split_whitespace().next().and_then(|f| f.parse().ok())
    {
        return Duration::from_nanos(ns);
    }
    let stat =
        std::fs::read_to_string("/proc/thread-self/stat").expect("read /proc/thread-self/stat");
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let after = &stat[stat.rfind(')').expect("comm field") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Serializes the tests of one binary that count process-wide resources
/// (open descriptors, threads), which parallel tests would disturb.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sorted copy's percentile `p` (0..=100) of `samples`.
pub fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let idx = (sorted.len() - 1) * p / 100;
    sorted[idx]
}

/// Mean of `samples`.
pub fn mean(samples: &[Duration]) -> Duration {
    samples.iter().sum::<Duration>() / samples.len() as u32
}

/// A fresh directory under the system temp dir (for Unix socket paths),
/// removed with its contents when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        TempDir::new_in(&std::env::temp_dir(), label)
    }

    /// A fresh directory on tmpfs (`/dev/shm`) where there is one, for
    /// tests that create many files: on a loaded disk, creating 10,000
    /// files can take many seconds.
    pub fn on_tmpfs(label: &str) -> TempDir {
        let shm = Path::new("/dev/shm");
        let usable =
            shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly());
        let base = if usable {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        TempDir::new_in(&base, label)
    }

    fn new_in(base: &Path, label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("runtime-{label}-{}-{n}", std::process::id());
        let path = base.join(name);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory must not fail a test.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
